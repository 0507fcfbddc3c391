import accumulateSource from '../../shaders/elementwise/accumulate.wgsl';
import binarySource from '../../shaders/elementwise/binary.wgsl';
import scaleSource from '../../shaders/elementwise/scale.wgsl';
import {
  accumulateReference,
  addBroadcastReference,
  addReference,
  addScaledReference,
  mulBroadcastReference,
  mulReference,
  scaleReference,
} from '../reference/elementwise.js';
import type { DType } from '../tensor/dtype.js';
import { type Dispatcher, type GpuStorage, type Kernel, grid1D } from './kernel.js';

/** A variant of the elementwise binary kernel (`addScaled` only for f32 and f16; `broadcast`, NumPy broadcasting of both sides, only for add and mul). */
export interface BinaryVariant {
  readonly op: 'add' | 'mul' | 'addScaled';
  readonly dtype: DType;
  readonly broadcast?: boolean;
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
  defines: ({ op, dtype, broadcast = false }) => ({
    T: WGSL_TYPE[dtype],
    F16: dtype === 'f16',
    OP_ADD: op === 'add',
    OP_MUL: op === 'mul',
    OP_ADD_SCALED: op === 'addScaled',
    BROADCAST: broadcast,
  }),
  variants: [
    ...(['add', 'mul'] as const).flatMap((op) => (['f32', 'f16', 'i32', 'u32'] as const).map((dtype) => ({ op, dtype }))),
    { op: 'addScaled', dtype: 'f32' },
    { op: 'addScaled', dtype: 'f16' },
    ...(['add', 'mul'] as const).flatMap((op) => (['f32', 'f16', 'i32', 'u32'] as const).map((dtype) => ({ op, dtype, broadcast: true }))),
  ],
  references: {
    add: addReference,
    mul: mulReference,
    addScaled: addScaledReference,
    addBroadcast: addBroadcastReference,
    mulBroadcast: mulBroadcastReference,
  },
};

/** Dims the broadcast variant's uniform holds. */
const BROADCAST_RANK = 6;

/** A broadcast with the fewest dims: the result's shape and each operand's stride per dim (0 where it repeats). */
export interface BroadcastLayout {
  readonly shape: number[];
  readonly aStride: number[];
  readonly bStride: number[];
}

/**
 * The broadcast of a (`aShape`) and b (`bShape`) to `outShape` with the fewest dims: dims of size 1
 * in the result dropped, and neighbours merged where both operands step through them as one (each
 * operand's outer stride is its inner stride × the inner size, which holds when both dims are
 * whole or both repeat). [2, 3, 4] + [1, 3, 4] becomes [2, 12] with b's strides [0, 1].
 */
export function simplifyBroadcast(aShape: readonly number[], bShape: readonly number[], outShape: readonly number[]): BroadcastLayout {
  const strides = (shape: readonly number[]): number[] => {
    const padded = [...new Array<number>(outShape.length - shape.length).fill(1), ...shape];
    const stride = new Array<number>(outShape.length);
    for (let k = outShape.length - 1, step = 1; k >= 0; k--) {
      stride[k] = padded[k] === 1 ? 0 : step;
      step *= padded[k]!;
    }
    return stride;
  };
  const [a, b] = [strides(aShape), strides(bShape)];
  const layout: BroadcastLayout = { shape: [], aStride: [], bStride: [] };
  // From the last dim outwards; each kept dim either merges into the one kept before it (inner) or starts a new one.
  for (let k = outShape.length - 1; k >= 0; k--) {
    const size = outShape[k]!;
    if (size === 1) continue;
    const merges = layout.shape.length > 0 && a[k] === layout.aStride[0]! * layout.shape[0]! && b[k] === layout.bStride[0]! * layout.shape[0]!;
    if (merges) {
      layout.shape[0]! *= size;
    } else {
      layout.shape.unshift(size);
      layout.aStride.unshift(a[k]!);
      layout.bStride.unshift(b[k]!);
    }
  }
  return layout;
}

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

/**
 * Records `out = a OP b` (add or mul) with NumPy broadcasting of both sides to `outShape`; the
 * layout must have at most 6 dims once simplified (the op allows at most 6 in the result).
 */
export function encodeBinaryBroadcast(
  gpu: Dispatcher,
  op: 'add' | 'mul',
  dtype: DType,
  a: GpuStorage,
  aShape: readonly number[],
  b: GpuStorage,
  bShape: readonly number[],
  out: GpuStorage,
  outShape: readonly number[],
): void {
  const n = outShape.reduce((size, d) => size * d, 1);
  if (n === 0) return;
  const layout = simplifyBroadcast(aShape, bShape, outShape);
  const rank = layout.shape.length;
  if (rank > BROADCAST_RANK) throw new Error(`elementwise/binary: a broadcast of ${rank} dims after merging exceeds the kernel's ${BROADCAST_RANK}`);
  // [n, b_size, s, pad], then out_shape, a_stride, b_stride as 8 words each, padded at the front with size 1 and stride 0.
  const params = new Uint32Array(4 + 3 * 8);
  params[0] = n;
  for (let slot = 0; slot < BROADCAST_RANK; slot++) {
    const k = slot - (BROADCAST_RANK - rank);
    params[4 + slot] = k >= 0 ? layout.shape[k]! : 1;
    params[12 + slot] = k >= 0 ? layout.aStride[k]! : 0;
    params[20 + slot] = k >= 0 ? layout.bStride[k]! : 0;
  }
  const groups = grid1D(Math.ceil(n / WORKGROUP), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.dispatch(binaryKernel, { op, dtype, broadcast: true }, [a, b, out, params], groups);
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
