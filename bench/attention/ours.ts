// Ours: the fused kernels (`attention` + `attentionBackward` from lse) and the non-fused composition
// (`attentionWithProbabilities` + `attentionBackward` from the probabilities), the baseline.
import { type Tensor, type WebGPUBackend, attention, attentionBackward, attentionWithProbabilities } from '../../src/index.js';
import { ATTENTION_TILINGS, type AttentionTiling } from '../../src/kernels/attention.js';
import { attentionTiling } from '../../src/backend/webgpu/ops/attention.js';
import type { AttentionImpl, PreparedAttention } from './bench.js';
import type { AttentionInputs } from './cases.js';

interface Grads {
  out: Tensor;
  dq: Tensor;
  dk: Tensor;
  dv: Tensor;
}

type Step = (q: Tensor, k: Tensor, v: Tensor, dOut: Tensor) => Grads;

const fused: Step = (q, k, v, dOut) => {
  const forward = attention(q, k, v);
  const grads = attentionBackward(dOut, q, k, v, forward);
  forward.lse.dispose();
  return { out: forward.out, ...grads };
};

const naive: Step = (q, k, v, dOut) => {
  const forward = attentionWithProbabilities(q, k, v);
  const grads = attentionBackward(dOut, q, k, v, forward);
  forward.probs.dispose();
  return { out: forward.out, ...grads };
};

function prepareOn(gpu: WebGPUBackend, x: AttentionInputs, step: Step): PreparedAttention<Grads> {
  const { b, h, t, dh } = x.spec;
  const shape = [b, h, t, dh];
  const [q, k, v, dOut] = [x.q, x.k, x.v, x.dOut].map((values) => gpu.tensor(values, shape, 'f32')) as [Tensor, Tensor, Tensor, Tensor];
  const dispose = (g: Grads) => Object.values(g).forEach((t: Tensor) => t.dispose());
  return {
    launch: () => step(q, k, v, dOut),
    wait: () => gpu.sync(),
    dispose: (results) => results.forEach(dispose),
    async peakBytes() {
      // What one forward + backward holds at once beyond the inputs: outputs, saved lse or
      // probabilities, and every intermediate (the pool's live bytes, by size class).
      await gpu.sync();
      const before = gpu.stats().liveBytes;
      gpu.resetPeakStats();
      dispose(step(q, k, v, dOut));
      await gpu.sync();
      return gpu.stats().peakLiveBytes - before;
    },
    async read(g) {
      try {
        const errors = gpu.takeErrors();
        if (errors.length > 0) throw new Error(`WebGPU errors: ${errors.join('\n')}`);
        const [out, dq, dk, dv] = await Promise.all([g.out.data(), g.dq.data(), g.dk.data(), g.dv.data()]);
        return { out: out!, dq: dq!, dk: dk!, dv: dv! };
      } finally {
        dispose(g);
      }
    },
    release() {
      [q, k, v, dOut].forEach((t) => t.dispose());
    },
  };
}

/** `step` run with the fused kernels forced to `tiling`. */
function withTiling(gpu: WebGPUBackend, tiling: AttentionTiling, step: Step): Step {
  return (...args) => {
    const chosen = gpu.attentionTiling;
    gpu.attentionTiling = tiling;
    try {
      return step(...args);
    } finally {
      gpu.attentionTiling = chosen;
    }
  };
}

/**
 * `fused` (the adapter's default tiling), `naive`, and `fused/<tiling>` for every other named tiling
 * of src/kernels/attention.ts the adapter can run, so one run compares the layouts.
 */
export function ourAttentionImpls(gpu: WebGPUBackend): AttentionImpl[] {
  const impl = (name: string, step: Step): AttentionImpl => ({ impl: `shaderformer/${name}`, prepare: async (x) => prepareOn(gpu, x, step) });
  const subgroups = gpu.device.features.has('subgroups') ? gpu.report.subgroupMinSize : 0;
  const chosen = attentionTiling(gpu);
  // cpu-decode is for one or two query rows (a decoding step), not these cases' hundreds.
  const runnable = Object.entries(ATTENTION_TILINGS).filter(([name, t]) => name !== 'cpu-decode' && t !== chosen && (t.split === 1 || subgroups >= t.split));
  return [impl('fused', fused), impl('naive', naive), ...runnable.map(([name, t]) => impl(`fused/${name}`, withTiling(gpu, t, fused)))];
}
