import { encodeAccumulate, encodeBinary, encodeBinaryBroadcast, encodeScale } from '../../../kernels/elementwise.js';
import { isSuffixShape } from '../../../reference/elementwise.js';
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
  // One side a suffix of the other (a bias, a mask): the plain kernel, b repeating along a (a + b and
  // a · b commute, so the longer one goes first). Otherwise NumPy broadcasting of both sides.
  const broadcast = (op: 'add' | 'mul', a: Tensor, b: Tensor, shape: readonly number[]): Tensor => {
    if (a.rank === shape.length && isSuffixShape(a.shape, b.shape)) return binary(op, a, b);
    if (b.rank === shape.length && isSuffixShape(b.shape, a.shape)) return binary(op, b, a);
    const out = gpu.allocate(shape, a.dtype, op);
    encodeBinaryBroadcast(gpu, op, a.dtype, a.storage(op), a.shape, b.storage(op), b.shape, out, shape);
    return new Tensor(gpu, out, shape, a.dtype);
  };
  return {
    add: (a, b, shape) => broadcast('add', a, b, shape),
    mul: (a, b, shape) => broadcast('mul', a, b, shape),
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
