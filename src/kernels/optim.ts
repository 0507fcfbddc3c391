import adamwSource from '../../shaders/optim/adamw.wgsl';
import clipSource from '../../shaders/optim/clip.wgsl';
import sgdSource from '../../shaders/optim/sgd.wgsl';
import guardSource from '../../shaders/optim/guard.wgsl';
import guardFragment from '../../shaders/common/guard.wgsl';
import { adamwReference, clipByGlobalNormReference, sgdReference, updateGuardReference } from '../reference/optim.js';
import type { AdamWSpec, SgdSpec } from '../backend/contract.js';
import { stepResource, stepStruct } from './step.js';
import { type Dispatcher, type GpuStorage, type Kernel, type KernelBinding, grid1D } from './kernel.js';

const WORKGROUP = 256;

/**
 * An optimizer kernel and its guarded twin (a training step's update): the same shader, the twin
 * with one more binding, `guard` ([loss, gradient norm]), and no write at all unless both are finite.
 */
function optimizerKernels(
  name: string,
  source: string,
  bindings: readonly KernelBinding[],
  references: Kernel<Record<string, never>>['references'],
): [Kernel<Record<string, never>>, Kernel<Record<string, never>>] {
  const kernel = (guarded: boolean): Kernel<Record<string, never>> => ({
    name: guarded ? `${name}-guarded` : name,
    source,
    bindings: guarded ? [...bindings, { name: 'guard', kind: 'read-only-storage' }] : bindings,
    workgroupSize: () => [WORKGROUP, 1, 1],
    defines: () => ({ STEP: stepStruct, GUARDED: guarded, GUARD: guardFragment }),
    variants: [{}],
    references,
  });
  return [kernel(false), kernel(true)];
}

/** One AdamW step in place on param, m and v, one element per invocation; lr and the bias corrections from the step uniform. */
export const [adamwKernel, adamwGuardedKernel] = optimizerKernels(
  'optim/adamw',
  adamwSource,
  [
    { name: 'param', kind: 'storage' },
    { name: 'grad', kind: 'read-only-storage' },
    { name: 'm', kind: 'storage' },
    { name: 'v', kind: 'storage' },
    { name: 'params', kind: 'uniform' },
    { name: 'step', kind: 'uniform' },
  ],
  { adamwUpdate: adamwReference },
);

/** Records one AdamW step over `n` elements, updating `param`, `m` and `v` in place; with a guard, only if it allows. */
export function encodeAdamW(
  gpu: Dispatcher,
  param: GpuStorage,
  grad: GpuStorage,
  m: GpuStorage,
  v: GpuStorage,
  n: number,
  { beta1, beta2, eps, weightDecay, step }: AdamWSpec,
  guard: GpuStorage | null = null,
): void {
  if (n === 0) return;
  // 1 − β1 and 1 − β2 are formed in double precision, then rounded once to f32.
  const params = new ArrayBuffer(28);
  new Uint32Array(params, 0, 1)[0] = n;
  new Float32Array(params, 4, 6).set([beta1, beta2, 1 - beta1, 1 - beta2, eps, weightDecay]);
  const groups = grid1D(Math.ceil(n / WORKGROUP), gpu.limits.maxComputeWorkgroupsPerDimension);
  const resources = [param, grad, m, v, new Uint8Array(params), stepResource(step)];
  if (guard) gpu.dispatch(adamwGuardedKernel, {}, [...resources, guard], groups);
  else gpu.dispatch(adamwKernel, {}, resources, groups);
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
export const [sgdKernel, sgdGuardedKernel] = optimizerKernels(
  'optim/sgd',
  sgdSource,
  [
    { name: 'param', kind: 'storage' },
    { name: 'grad', kind: 'read-only-storage' },
    { name: 'buf', kind: 'storage' },
    { name: 'params', kind: 'uniform' },
    { name: 'step', kind: 'uniform' },
  ],
  { sgdUpdate: sgdReference },
);

/** Records one SGD step over `n` elements, updating `param` and `buf` in place (`buf` unused when momentum is 0); with a guard, only if it allows. */
export function encodeSgd(gpu: Dispatcher, param: GpuStorage, grad: GpuStorage, buf: GpuStorage, n: number, o: SgdSpec, guard: GpuStorage | null = null): void {
  if (n === 0) return;
  const params = new ArrayBuffer(24);
  new Uint32Array(params, 0, 1)[0] = n;
  new Float32Array(params, 4, 3).set([o.momentum, 1 - o.dampening, o.weightDecay]);
  new Uint32Array(params, 16, 2).set([o.nesterov ? 1 : 0, o.momentum !== 0 ? 1 : 0]);
  const groups = grid1D(Math.ceil(n / WORKGROUP), gpu.limits.maxComputeWorkgroupsPerDimension);
  const resources = [param, grad, buf, new Uint8Array(params), stepResource(o.step)];
  if (guard) gpu.dispatch(sgdGuardedKernel, {}, [...resources, guard], groups);
  else gpu.dispatch(sgdKernel, {}, resources, groups);
}

/** Writes the guard [loss, gradient norm] of an update from its two one-element inputs (one invocation). */
export const guardKernel: Kernel<Record<string, never>> = {
  name: 'optim/guard',
  source: guardSource,
  bindings: [
    { name: 'loss', kind: 'read-only-storage' },
    { name: 'norm', kind: 'read-only-storage' },
    { name: 'guard', kind: 'storage' },
  ],
  workgroupSize: () => [1, 1, 1],
  defines: () => ({}),
  variants: [{}],
  references: { updateGuard: updateGuardReference },
};

/** Records the guard [loss, norm] of an update into `guard` (two f32). */
export function encodeGuard(gpu: Dispatcher, loss: GpuStorage, norm: GpuStorage, guard: GpuStorage): void {
  gpu.dispatch(guardKernel, {}, [loss, norm, guard], [1, 1, 1]);
}
