import { ATTENTION_TILINGS, type AttentionTiling, encodeAttentionBackward, encodeAttentionForward, encodeAttentionScores } from '../../../kernels/attention.js';
import type { GpuStorage } from '../../../kernels/kernel.js';
import type { AttentionOps, AttentionSpec } from '../../contract.js';
import { dropoutBackwardInStep, dropoutInStep } from '../../../ops/dropout.js';
import { scale } from '../../../ops/elementwise.js';
import { matmul } from '../../../ops/gemm.js';
import { softmax, softmaxBackward } from '../../../ops/softmax.js';
import { Tensor } from '../../../tensor/tensor.js';
import { ShapeError } from '../../../errors.js';
import type { WebGPUContext } from '../context.js';

/** Whether the device can run a tiling that splits rows over `split` lanes (subgroup shuffles). */
function canSplit(gpu: WebGPUContext, split: number): boolean {
  return split === 1 || (gpu.device.features.has('subgroups') && gpu.report.subgroupMinSize >= split);
}

/**
 * The fused kernels' layout for this adapter and query length: the backend's override (checked),
 * else by adapter kind. On SwiftShader, 8 rows per invocation wins at T ≥ 256 (T = 512: 7.3 s vs
 * 9.5 s per forward + backward) but starves the cores at short T, where 4 rows win (T = 64: 98 vs
 * 229 ms; T = 128: even), measured with `npm run bench -- attention`.
 */
export function attentionTiling(gpu: WebGPUContext, tq = Infinity): AttentionTiling {
  const forced = gpu.attentionTiling;
  if (forced) {
    if (!canSplit(gpu, forced.split)) {
      throw new ShapeError(
        `attention: tiling ${JSON.stringify(forced)} splits rows over ${forced.split} lanes, which needs the subgroups feature with subgroups of at least ${forced.split} lanes; this adapter has ${gpu.device.features.has('subgroups') ? `subgroups of ${gpu.report.subgroupMinSize}` : 'no subgroups'}`,
      );
    }
    return forced;
  }
  // 'gpu-subgroups' is tested but not yet timed on a real GPU, so it is opt-in; 'gpu' was timed on an H100.
  if (!gpu.report.isFallbackAdapter) return ATTENTION_TILINGS.gpu;
  if (!canSplit(gpu, ATTENTION_TILINGS['cpu-subgroups'].split)) return ATTENTION_TILINGS.cpu;
  // A decoding step: one or two query rows per (batch, head).
  if (tq <= 2) return ATTENTION_TILINGS['cpu-decode'];
  // Mesa's CPU drivers (lavapipe) compile large register blocks for minutes; SwiftShader in seconds.
  return gpu.report.vendor === 'mesa' || tq <= 128 ? ATTENTION_TILINGS['cpu-subgroups-compact'] : ATTENTION_TILINGS['cpu-subgroups'];
}

/**
 * Attention on WebGPU: the fused kernels (shaders/attention/forward, backward-dq, backward-dkdv),
 * and the non-fused composition (GEMM, scale and mask, softmax, dropout, GEMM) that keeps the
 * probabilities.
 */
export function webgpuAttentionOps(gpu: WebGPUContext): AttentionOps {
  const storage = (t: Tensor, op: string) => t.storage<GpuStorage>(op);
  // The non-fused path's dropout: the same mask as the fused kernels draw (same offset, same step offset).
  const dropProbs = (s: AttentionSpec, x: Tensor): Tensor =>
    s.dropout ? dropoutInStep(x, { p: s.dropout.p, seed: s.dropout.key, offset: s.dropout.offset }, s.dropout.step) : x;
  const dropGrad = (s: AttentionSpec, x: Tensor): Tensor =>
    s.dropout ? dropoutBackwardInStep(x, { p: s.dropout.p, seed: s.dropout.key, offset: s.dropout.offset }, s.dropout.step) : x;

  return {
    attention: (q, k, v, s) => {
      const op = 'attention';
      const out = gpu.allocate(q.shape, 'f32', op);
      const lse = gpu.allocate([s.batch, s.heads, s.tq], 'f32', op);
      encodeAttentionForward(gpu, attentionTiling(gpu, s.tq), s, {
        q: storage(q, op),
        k: storage(k, op),
        v: storage(v, op),
        keyMask: s.keyMask ? storage(s.keyMask, op) : null,
        out,
        lse,
      });
      return { out: new Tensor(gpu, out, q.shape, 'f32'), lse: new Tensor(gpu, lse, [s.batch, s.heads, s.tq], 'f32') };
    },

    attentionBackward: (dOut, q, k, v, out, lse, s) => {
      const op = 'attentionBackward';
      const dq = gpu.allocate(q.shape, 'f32', op);
      const dk = gpu.allocate(k.shape, 'f32', op);
      const dv = gpu.allocate(v.shape, 'f32', op);
      const delta = gpu.allocate([s.batch, s.heads, s.tq], 'f32', op);
      encodeAttentionBackward(gpu, attentionTiling(gpu, s.tq), s, {
        q: storage(q, op),
        k: storage(k, op),
        v: storage(v, op),
        keyMask: s.keyMask ? storage(s.keyMask, op) : null,
        out: storage(out, op),
        lse: storage(lse, op),
        dOut: storage(dOut, op),
        dq,
        dk,
        dv,
        delta,
      });
      gpu.releaseStorage(delta);
      return {
        dq: new Tensor(gpu, dq, q.shape, 'f32'),
        dk: new Tensor(gpu, dk, k.shape, 'f32'),
        dv: new Tensor(gpu, dv, v.shape, 'f32'),
      };
    },

    attentionWithProbabilities: (q, k, v, s) => {
      const op = 'attentionWithProbabilities';
      const scores = matmul(q, k, { transposeB: true }); // [B, H, Tq, Tk]
      encodeAttentionScores(gpu, s, s.keyMask ? storage(s.keyMask, op) : null, storage(scores, op), storage(q, op));
      const probs = softmax(scores);
      scores.dispose();
      const dropped = dropProbs(s, probs);
      const out = matmul(dropped, v); // [B, H, Tq, Dh]
      if (dropped !== probs) dropped.dispose();
      return { out, probs };
    },

    attentionBackwardFromProbabilities: (dOut, q, k, v, probs, s) => {
      const dropped = dropProbs(s, probs);
      const dv = matmul(dropped, dOut, { transposeA: true }); // [B, H, Tk, Dh]
      if (dropped !== probs) dropped.dispose();
      const dDropped = matmul(dOut, v, { transposeB: true }); // [B, H, Tq, Tk]
      const dProbs = dropGrad(s, dDropped);
      if (dProbs !== dDropped) dDropped.dispose();
      const dScores = softmaxBackward(dProbs, probs);
      dProbs.dispose();
      const dLogits = scale(dScores, s.scale); // the gradient of the scaled scores
      dScores.dispose();
      const dq = matmul(dLogits, k); // [B, H, Tq, Dh]
      const dk = matmul(dLogits, q, { transposeA: true }); // [B, H, Tk, Dh]
      dLogits.dispose();
      return { dq, dk, dv };
    },
  };
}
