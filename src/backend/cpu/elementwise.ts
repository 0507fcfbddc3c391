import type { ElementwiseOps } from '../../ops/elementwise.js';
import { addReference, addScaledReference, mulReference, scaleReference, type NumericArray } from '../../reference/elementwise.js';
import { toHalfBits } from '../../tensor/dtype.js';
import { Tensor } from '../../tensor/tensor.js';
import type { CpuBackend } from './backend.js';

/** The elementwise ops on the CPU: the reference loops. */
export function cpuElementwiseOps(cpu: CpuBackend): ElementwiseOps {
  // f16 results are rounded back to half precision, as the GPU stores them.
  const result = (like: Tensor, out: NumericArray): Tensor =>
    new Tensor(cpu, like.dtype === 'f16' ? toHalfBits(out) : out, like.shape, like.dtype);
  const binary = (a: Tensor, b: Tensor, reference: (a: NumericArray, b: NumericArray, out: NumericArray) => void): Tensor => {
    const x = cpu.values(a);
    const out = new (x.constructor as new (n: number) => NumericArray)(x.length);
    reference(x, cpu.values(b), out);
    return result(a, out);
  };
  // The GPU receives s as an f32 uniform.
  return {
    add: (a, b) => binary(a, b, addReference),
    mul: (a, b) => binary(a, b, mulReference),
    scale: (x, s) => {
      const out = new Float32Array(x.size);
      scaleReference(cpu.values(x), Math.fround(s), out);
      return result(x, out);
    },
    addScaled: (a, b, s) => {
      const out = new Float32Array(a.size);
      addScaledReference(cpu.values(a), cpu.values(b), Math.fround(s), out);
      return result(a, out);
    },
  };
}
