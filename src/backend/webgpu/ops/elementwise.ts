import { encodeAccumulate, encodeBinary, encodeScale } from '../../../kernels/elementwise.js';
import type { GpuStorage } from '../../../kernels/kernel.js';
import type { ElementwiseOps } from '../../contract.js';
import { Tensor } from '../../../tensor/tensor.js';
import type { WebGPUContext } from '../context.js';

/** The elementwise ops on WebGPU. */
export function webgpuElementwiseOps(gpu: WebGPUContext): ElementwiseOps {
  const binary = (op: 'add' | 'mul' | 'addScaled', a: Tensor, b: Tensor, s = 0): Tensor => {
    const out = gpu.allocate(a.shape, a.dtype, op);
    encodeBinary(gpu, { op, dtype: a.dtype }, a.storage(op), b.storage(op), out, a.size, b.size, s);
    return new Tensor(gpu, out, a.shape, a.dtype);
  };
  return {
    add: (a, b) => binary('add', a, b),
    mul: (a, b) => binary('mul', a, b),
    addScaled: (a, b, s) => binary('addScaled', a, b, s),
    scale: (x, s) => {
      const out = gpu.allocate(x.shape, x.dtype, 'scale');
      encodeScale(gpu, { dtype: x.dtype as 'f32' | 'f16' }, x.storage('scale'), out, x.size, s);
      return new Tensor(gpu, out, x.shape, x.dtype);
    },
    zero: (x) => gpu.clear(x.storage<GpuStorage>('zero')),
    accumulate: (into, x, s) => {
      encodeAccumulate(gpu, into.storage<GpuStorage>('accumulate'), x.storage<GpuStorage>('accumulate'), into.size, s);
    },
  };
}
