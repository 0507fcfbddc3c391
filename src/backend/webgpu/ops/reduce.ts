import { encodeGlobalNorm, encodeSum } from '../../../kernels/reduce.js';
import type { GpuStorage } from '../../../kernels/kernel.js';
import type { ReduceOps } from '../../contract.js';
import { Tensor, shapeSize } from '../../../tensor/tensor.js';
import type { WebGPUContext } from '../context.js';

/** The reduce ops on WebGPU. */
export function webgpuReduceOps(gpu: WebGPUContext): ReduceOps {
  const temporary = (op: string) => (count: number) => gpu.allocate([count], 'f32', op);
  const release = (storage: unknown) => gpu.release(storage);
  return {
    sum: (x, axis) => {
      const shape = x.shape.filter((_, i) => i !== axis);
      const out = gpu.allocate(shape, 'f32', 'sum');
      const outer = shapeSize(x.shape.slice(0, axis));
      const inner = shapeSize(x.shape.slice(axis + 1));
      encodeSum(gpu, x.storage('sum'), out, outer, x.shape[axis]!, inner, temporary('sum'), release);
      return new Tensor(gpu, out, shape, 'f32');
    },
    globalNorm: (tensors) => {
      const out = gpu.allocate([], 'f32', 'globalNorm');
      const inputs = tensors.map((t) => ({ storage: t.storage<GpuStorage>('globalNorm'), size: t.size }));
      encodeGlobalNorm(gpu, inputs, out, temporary('globalNorm'), release);
      return new Tensor(gpu, out, [], 'f32');
    },
  };
}
