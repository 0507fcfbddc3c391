import type { GpuStorage } from '../../../kernels/kernel.js';
import { encodeTranspose } from '../../../kernels/layout.js';
import type { LayoutOps } from '../../contract.js';
import { Tensor } from '../../../tensor/tensor.js';
import type { WebGPUContext } from '../context.js';

/** The layout ops on WebGPU. */
export function webgpuLayoutOps(gpu: WebGPUContext): LayoutOps {
  return {
    transpose: (x, perm) => {
      const shape = perm.map((p) => x.shape[p]!);
      const dtype = x.dtype as 'f32' | 'i32' | 'u32';
      const out = gpu.allocate(shape, dtype, 'transpose');
      encodeTranspose(gpu, dtype, x.storage<GpuStorage>('transpose'), out, x.shape, perm);
      return new Tensor(gpu, out, shape, dtype);
    },
  };
}
