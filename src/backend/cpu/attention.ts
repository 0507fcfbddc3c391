import type { AttentionOps, AttentionSpec } from '../../ops/attention.js';
import { type AttentionProblem, attentionBackwardReference, attentionReference } from '../../reference/attention.js';
import { Tensor } from '../../tensor/tensor.js';
import type { CpuBackend } from './backend.js';

/** The attention ops on the CPU: the reference loops (fused and non-fused are the same math here). */
export function cpuAttentionOps(cpu: CpuBackend): AttentionOps {
  const problem = (s: AttentionSpec, op: string): AttentionProblem => ({
    ...s,
    keyMask: s.keyMask ? cpu.values(s.keyMask, op) : null,
  });
  const forward = (q: Tensor, k: Tensor, v: Tensor, s: AttentionSpec, op: string, withProbs: boolean) => {
    const out = cpu.floats(q.size);
    const lse = cpu.floats(s.batch * s.heads * s.tq);
    const probs = withProbs ? cpu.floats(s.batch * s.heads * s.tq * s.tk) : undefined;
    attentionReference(problem(s, op), cpu.values(q, op), cpu.values(k, op), cpu.values(v, op), out, lse, probs);
    return { out: new Tensor(cpu, out, q.shape, 'f32'), lse, probs };
  };
  const backward = (dOut: Tensor, q: Tensor, k: Tensor, v: Tensor, s: AttentionSpec, op: string) => {
    const dq = cpu.floats(q.size);
    const dk = cpu.floats(k.size);
    const dv = cpu.floats(v.size);
    attentionBackwardReference(problem(s, op), cpu.values(q, op), cpu.values(k, op), cpu.values(v, op), cpu.values(dOut, op), dq, dk, dv);
    return { dq: new Tensor(cpu, dq, q.shape, 'f32'), dk: new Tensor(cpu, dk, k.shape, 'f32'), dv: new Tensor(cpu, dv, v.shape, 'f32') };
  };
  return {
    attention: (q, k, v, s) => {
      const { out, lse } = forward(q, k, v, s, 'attention', false);
      return { out, lse: new Tensor(cpu, lse, [s.batch, s.heads, s.tq], 'f32') };
    },
    attentionWithProbabilities: (q, k, v, s) => {
      const { out, probs } = forward(q, k, v, s, 'attentionWithProbabilities', true);
      return { out, probs: new Tensor(cpu, probs!, [s.batch, s.heads, s.tq, s.tk], 'f32') };
    },
    // The reference recomputes the probabilities from q and k; the saved lse or probs hold nothing more.
    attentionBackward: (dOut, q, k, v, _out, _lse, s) => backward(dOut, q, k, v, s, 'attentionBackward'),
    attentionBackwardFromProbabilities: (dOut, q, k, v, _probs, s) => backward(dOut, q, k, v, s, 'attentionBackward'),
  };
}
