import type { ElementwiseOps } from '../contract.js';
import {
  accumulateReference,
  addBroadcastReference,
  addReference,
  addScaledReference,
  mulBroadcastReference,
  isSuffixShape,
  mulReference,
  scaleReference,
  type NumericArray,
} from '../../reference/elementwise.js';
import type { FloatArray } from '../../reference/types.js';
import { toHalfBits } from '../../tensor/dtype.js';
import { type Tensor, shapeSize } from '../../tensor/tensor.js';
import type { CpuContext, CpuStorage } from './context.js';

/** The elementwise ops on the CPU: the reference loops. */
export function cpuElementwiseOps(cpu: CpuContext): ElementwiseOps {
  // f16 results are rounded back to half precision, as the GPU stores them.
  const result = (like: Tensor, out: NumericArray): Tensor => cpu.wrap(like.dtype === 'f16' ? toHalfBits(out) : out, like.shape, like.dtype);
  const binary = (a: Tensor, b: Tensor, reference: (a: NumericArray, b: NumericArray, out: NumericArray) => void): Tensor => {
    const x = cpu.values(a);
    const out = new (x.constructor as new (n: number) => NumericArray)(x.length);
    reference(x, cpu.values(b), out);
    return result(a, out);
  };
  type BroadcastReference = (
    a: NumericArray,
    aShape: readonly number[],
    b: NumericArray,
    bShape: readonly number[],
    shape: readonly number[],
    out: NumericArray,
  ) => void;
  // b a suffix of a: b repeats along a (the plain loop); otherwise NumPy broadcasting of both sides.
  const broadcast = (a: Tensor, b: Tensor, shape: readonly number[], suffix: typeof addReference, general: BroadcastReference): Tensor => {
    if (a.rank === shape.length && isSuffixShape(a.shape, b.shape)) return binary(a, b, suffix);
    const x = cpu.values(a);
    const out = new (x.constructor as new (n: number) => NumericArray)(shapeSize(shape));
    general(x, a.shape, cpu.values(b), b.shape, shape, out);
    return cpu.wrap(a.dtype === 'f16' ? toHalfBits(out) : out, shape, a.dtype);
  };
  // The GPU receives s as an f32 uniform (cpu.scalar rounds it, except in f64 mode).
  return {
    add: (a, b, shape) => broadcast(a, b, shape, addReference, addBroadcastReference),
    mul: (a, b, shape) => broadcast(a, b, shape, mulReference, mulBroadcastReference),
    scale: (x, s) => {
      const out = cpu.floats(x.size);
      scaleReference(cpu.values(x), cpu.scalar(s), out);
      return result(x, out);
    },
    addScaled: (a, b, s) => {
      const out = cpu.floats(a.size);
      addScaledReference(cpu.values(a), cpu.values(b), cpu.scalar(s), out);
      return result(a, out);
    },
    // f32 only: values() is the tensor's own array, updated in place.
    accumulate: (into, x, s) => accumulateReference(cpu.values(into, 'accumulate') as FloatArray, cpu.values(x, 'accumulate'), cpu.scalar(s)),
    zero: (x) => {
      x.storage<CpuStorage>('zero').fill(0);
    },
  };
}
