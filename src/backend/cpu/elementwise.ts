import type { ElementwiseOps } from '../../ops/elementwise.js';
import { addReference, mulReference, type NumericArray } from '../../reference/elementwise.js';
import { toHalfBits } from '../../tensor/dtype.js';
import { Tensor } from '../../tensor/tensor.js';
import type { CpuBackend } from './backend.js';

/** The elementwise ops on the CPU: the reference loops. */
export function cpuElementwiseOps(cpu: CpuBackend): ElementwiseOps {
  const binary = (a: Tensor, b: Tensor, reference: (a: NumericArray, b: NumericArray, out: NumericArray) => void): Tensor => {
    const x = cpu.values(a);
    const y = cpu.values(b);
    const out = new (x.constructor as new (n: number) => NumericArray)(x.length);
    reference(x, y, out);
    // f16 results are rounded back to half precision, as the GPU stores them.
    return new Tensor(cpu, a.dtype === 'f16' ? toHalfBits(out) : out, a.shape, a.dtype);
  };
  return {
    add: (a, b) => binary(a, b, addReference),
    mul: (a, b) => binary(a, b, mulReference),
  };
}
