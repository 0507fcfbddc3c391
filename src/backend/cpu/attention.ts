import type { AttentionOps, AttentionSpec } from '../contract.js';
import { type AttentionProblem, attentionBackwardReference, attentionReference } from '../../reference/attention.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { CpuContext } from './context.js';

/** The attention ops on the CPU: the reference loops (fused and non-fused are the same math here). */
export function cpuAttentionOps(cpu: CpuContext): AttentionOps {
  const problem = (s: AttentionSpec, op: string): AttentionProblem => ({
    ...s,
    keyMask: s.keyMask ? cpu.values(s.keyMask, op) : null,
    dropout: s.dropout ? { p: s.dropout.p, key: s.dropout.key, offset: s.dropout.offset + cpu.stepValues(s.dropout.step).randomOffset } : null,
  });
  const forward = (q: Tensor, k: Tensor, v: Tensor, s: AttentionSpec, op: string, withProbs: boolean) => {
    const out = cpu.floats(q.size);
    const lse = cpu.floats(s.batch * s.heads * s.tq);
    const probs = withProbs ? cpu.floats(s.batch * s.heads * s.tq * s.tk) : undefined;
    attentionReference(problem(s, op), cpu.values(q, op), cpu.values(k, op), cpu.values(v, op), out, lse, probs);
    return { out: cpu.wrap(out, q.shape, 'f32'), lse, probs };
  };
  const backward = (dOut: Tensor, q: Tensor, k: Tensor, v: Tensor, s: AttentionSpec, op: string) => {
    const dq = cpu.floats(q.size);
    const dk = cpu.floats(k.size);
    const dv = cpu.floats(v.size);
    attentionBackwardReference(problem(s, op), cpu.values(q, op), cpu.values(k, op), cpu.values(v, op), cpu.values(dOut, op), dq, dk, dv);
    return { dq: cpu.wrap(dq, q.shape, 'f32'), dk: cpu.wrap(dk, k.shape, 'f32'), dv: cpu.wrap(dv, v.shape, 'f32') };
  };
  return {
    attention: (q, k, v, s) => {
      const { out, lse } = forward(q, k, v, s, 'attention', false);
      return { out, lse: cpu.wrap(lse, [s.batch, s.heads, s.tq], 'f32') };
    },
    attentionWithProbabilities: (q, k, v, s) => {
      const { out, probs } = forward(q, k, v, s, 'attentionWithProbabilities', true);
      return { out, probs: cpu.wrap(probs!, [s.batch, s.heads, s.tq, s.tk], 'f32') };
    },
    // The reference recomputes the probabilities from q and k; the saved lse or probs hold nothing more.
    attentionBackward: (dOut, q, k, v, _out, _lse, s) => backward(dOut, q, k, v, s, 'attentionBackward'),
    attentionBackwardFromProbabilities: (dOut, q, k, v, _probs, s) => backward(dOut, q, k, v, s, 'attentionBackward'),
  };
}
