import accumulateSource from '../../shaders/elementwise/accumulate.wgsl';
import binarySource from '../../shaders/elementwise/binary.wgsl';
import scaleSource from '../../shaders/elementwise/scale.wgsl';
import { accumulateReference, addReference, addScaledReference, mulReference, scaleReference } from '../reference/elementwise.js';
import type { DType } from '../tensor/dtype.js';
import { type Dispatcher, type GpuStorage, type Kernel, grid1D } from './kernel.js';

/** A variant of the elementwise binary kernel (`addScaled` only for f32 and f16). */
export interface BinaryVariant {
  readonly op: 'add' | 'mul' | 'addScaled';
  readonly dtype: DType;
}

/** A variant of the scale kernel. */
export interface ScaleVariant {
  readonly dtype: 'f32' | 'f16';
}

const WORKGROUP = 256;
const WGSL_TYPE: Record<DType, string> = { f32: 'f32', f16: 'f16', i32: 'i32', u32: 'u32' };

/** out[i] = a[i] + b[i mod |b|], a[i] · b[i mod |b|] or a[i] + s·b[i mod |b|], one element per invocation. */
export const binaryKernel: Kernel<BinaryVariant> = {
  name: 'elementwise/binary',
  source: binarySource,
  bindings: [
    { name: 'a', kind: 'read-only-storage' },
    { name: 'b', kind: 'read-only-storage' },
    { name: 'out', kind: 'storage' },
    { name: 'params', kind: 'uniform' },
  ],
  workgroupSize: () => [WORKGROUP, 1, 1],
  defines: ({ op, dtype }) => ({
    T: WGSL_TYPE[dtype],
    F16: dtype === 'f16',
    OP_ADD: op === 'add',
    OP_MUL: op === 'mul',
    OP_ADD_SCALED: op === 'addScaled',
  }),
  variants: [
    ...(['add', 'mul'] as const).flatMap((op) => (['f32', 'f16', 'i32', 'u32'] as const).map((dtype) => ({ op, dtype }))),
    { op: 'addScaled', dtype: 'f32' },
    { op: 'addScaled', dtype: 'f16' },
  ],
  references: { add: addReference, mul: mulReference, addScaled: addScaledReference },
};

/** out[i] = s · x[i], one element per invocation. */
export const scaleKernel: Kernel<ScaleVariant> = {
  name: 'elementwise/scale',
  source: scaleSource,
  bindings: [
    { name: 'x', kind: 'read-only-storage' },
    { name: 'out', kind: 'storage' },
    { name: 'params', kind: 'uniform' },
  ],
  workgroupSize: () => [WORKGROUP, 1, 1],
  defines: ({ dtype }) => ({ T: dtype, F16: dtype === 'f16' }),
  variants: [{ dtype: 'f32' }, { dtype: 'f16' }],
  references: { scale: scaleReference },
};

/** into[i] ← into[i] + s · x[i] in place (f32), one element per invocation. */
export const accumulateKernel: Kernel<Record<string, never>> = {
  name: 'elementwise/accumulate',
  source: accumulateSource,
  bindings: [
    { name: 'into', kind: 'storage' },
    { name: 'x', kind: 'read-only-storage' },
    { name: 'params', kind: 'uniform' },
  ],
  workgroupSize: () => [WORKGROUP, 1, 1],
  defines: () => ({}),
  variants: [{}],
  references: { accumulate: accumulateReference },
};

/**
 * Records `out = a OP b` over `n` elements of a, with b (`bSize` elements, `bSize` dividing `n`)
 * repeated along a; `s` is the factor of `addScaled`.
 */
export function encodeBinary(gpu: Dispatcher, variant: BinaryVariant, a: GpuStorage, b: GpuStorage, out: GpuStorage, n: number, bSize = n, s = 0): void {
  if (n === 0) return;
  const params = new Uint32Array([n, bSize, 0]);
  new Float32Array(params.buffer)[2] = s;
  const groups = grid1D(Math.ceil(n / WORKGROUP), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.dispatch(binaryKernel, variant, [a, b, out, params], groups);
}

/** Records `out = s · x` over `n` elements. */
export function encodeScale(gpu: Dispatcher, variant: ScaleVariant, x: GpuStorage, out: GpuStorage, n: number, s: number): void {
  if (n === 0) return;
  const params = new Uint32Array([n, 0]);
  new Float32Array(params.buffer)[1] = s;
  const groups = grid1D(Math.ceil(n / WORKGROUP), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.dispatch(scaleKernel, variant, [x, out, params], groups);
}

/** Records `into ← into + s · x` over `n` elements, in place. */
export function encodeAccumulate(gpu: Dispatcher, into: GpuStorage, x: GpuStorage, n: number, s: number): void {
  if (n === 0) return;
  const params = new Uint32Array([n, 0]);
  new Float32Array(params.buffer)[1] = s;
  const groups = grid1D(Math.ceil(n / WORKGROUP), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.dispatch(accumulateKernel, {}, [into, x, params], groups);
}
