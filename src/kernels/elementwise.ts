import binarySource from '../../shaders/elementwise/binary.wgsl';
import { addReference, mulReference } from '../reference/elementwise.js';
import type { DType } from '../tensor/dtype.js';
import { type Dispatcher, type GpuStorage, type Kernel, grid1D } from './kernel.js';

/** A variant of the elementwise binary kernel. */
export interface BinaryVariant {
  readonly op: 'add' | 'mul';
  readonly dtype: DType;
}

const WORKGROUP = 256;
const WGSL_TYPE: Record<DType, string> = { f32: 'f32', f16: 'f16', i32: 'i32', u32: 'u32' };

/** out[i] = a[i] + b[i] or a[i] · b[i], one element per invocation. */
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
  }),
  variants: (['add', 'mul'] as const).flatMap((op) => (['f32', 'f16', 'i32', 'u32'] as const).map((dtype) => ({ op, dtype }))),
  references: { add: addReference, mul: mulReference },
};

/** Records `out = a OP b` over `n` elements. */
export function encodeBinary(
  gpu: Dispatcher,
  variant: BinaryVariant,
  a: GpuStorage,
  b: GpuStorage,
  out: GpuStorage,
  n: number,
): void {
  if (n === 0) return;
  const groups = grid1D(Math.ceil(n / WORKGROUP), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.dispatch(binaryKernel, variant, [a, b, out, new Uint32Array([n])], groups);
}
