import adamwSource from '../../shaders/optim/adamw.wgsl';
import clipSource from '../../shaders/optim/clip.wgsl';
import sgdSource from '../../shaders/optim/sgd.wgsl';
import { adamwReference, clipByGlobalNormReference, sgdReference } from '../reference/optim.js';
import type { AdamWSpec, SgdSpec } from '../backend/contract.js';
import { stepResource, stepStruct } from './step.js';
import { type Dispatcher, type GpuStorage, type Kernel, grid1D } from './kernel.js';

const WORKGROUP = 256;

/** One AdamW step in place on param, m and v, one element per invocation; lr and the bias corrections from the step uniform. */
export const adamwKernel: Kernel<Record<string, never>> = {
  name: 'optim/adamw',
  source: adamwSource,
  bindings: [
    { name: 'param', kind: 'storage' },
    { name: 'grad', kind: 'read-only-storage' },
    { name: 'm', kind: 'storage' },
    { name: 'v', kind: 'storage' },
    { name: 'params', kind: 'uniform' },
    { name: 'step', kind: 'uniform' },
  ],
  workgroupSize: () => [WORKGROUP, 1, 1],
  defines: () => ({ STEP: stepStruct }),
  variants: [{}],
  references: { adamwUpdate: adamwReference },
};

/** Records one AdamW step over `n` elements, updating `param`, `m` and `v` in place. */
export function encodeAdamW(
  gpu: Dispatcher,
  param: GpuStorage,
  grad: GpuStorage,
  m: GpuStorage,
  v: GpuStorage,
  n: number,
  { beta1, beta2, eps, weightDecay, step }: AdamWSpec,
): void {
  if (n === 0) return;
  // 1 − β1 and 1 − β2 are formed in double precision, then rounded once to f32.
  const params = new ArrayBuffer(28);
  new Uint32Array(params, 0, 1)[0] = n;
  new Float32Array(params, 4, 6).set([beta1, beta2, 1 - beta1, 1 - beta2, eps, weightDecay]);
  const groups = grid1D(Math.ceil(n / WORKGROUP), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.dispatch(adamwKernel, {}, [param, grad, m, v, new Uint8Array(params), stepResource(step)], groups);
}

/** In-place x ← x · min(1, maxNorm / (norm + 1e-6)), the norm read from a one-element buffer. */
export const clipKernel: Kernel<Record<string, never>> = {
  name: 'optim/clip',
  source: clipSource,
  bindings: [
    { name: 'norm', kind: 'read-only-storage' },
    { name: 'x', kind: 'storage' },
    { name: 'params', kind: 'uniform' },
  ],
  workgroupSize: () => [WORKGROUP, 1, 1],
  defines: () => ({}),
  variants: [{}],
  references: { clipByGlobalNorm: clipByGlobalNormReference },
};

/** Records the clip of `n` elements of `x` in place by the global norm in `norm` [1]. */
export function encodeClip(gpu: Dispatcher, norm: GpuStorage, x: GpuStorage, n: number, maxNorm: number): void {
  if (n === 0) return;
  const params = new ArrayBuffer(8);
  new Uint32Array(params, 0, 1)[0] = n;
  new Float32Array(params, 4, 1)[0] = maxNorm;
  const groups = grid1D(Math.ceil(n / WORKGROUP), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.dispatch(clipKernel, {}, [norm, x, new Uint8Array(params)], groups);
}

/** One SGD step (momentum, dampening, Nesterov, coupled weight decay) in place on param and the momentum buffer. */
export const sgdKernel: Kernel<Record<string, never>> = {
  name: 'optim/sgd',
  source: sgdSource,
  bindings: [
    { name: 'param', kind: 'storage' },
    { name: 'grad', kind: 'read-only-storage' },
    { name: 'buf', kind: 'storage' },
    { name: 'params', kind: 'uniform' },
    { name: 'step', kind: 'uniform' },
  ],
  workgroupSize: () => [WORKGROUP, 1, 1],
  defines: () => ({ STEP: stepStruct }),
  variants: [{}],
  references: { sgdUpdate: sgdReference },
};

/** Records one SGD step over `n` elements, updating `param` and `buf` in place (`buf` unused when momentum is 0). */
export function encodeSgd(gpu: Dispatcher, param: GpuStorage, grad: GpuStorage, buf: GpuStorage, n: number, o: SgdSpec): void {
  if (n === 0) return;
  const params = new ArrayBuffer(24);
  new Uint32Array(params, 0, 1)[0] = n;
  new Float32Array(params, 4, 3).set([o.momentum, 1 - o.dampening, o.weightDecay]);
  new Uint32Array(params, 16, 2).set([o.nesterov ? 1 : 0, o.momentum !== 0 ? 1 : 0]);
  const groups = grid1D(Math.ceil(n / WORKGROUP), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.dispatch(sgdKernel, {}, [param, grad, buf, new Uint8Array(params), stepResource(o.step)], groups);
}
