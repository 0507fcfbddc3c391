import { encodeAdamW, encodeClip, encodeGuard, encodeSgd } from '../../../kernels/optim.js';
import { Tensor } from '../../../tensor/tensor.js';
import type { GpuStorage } from '../../../kernels/kernel.js';
import type { OptimOps } from '../../contract.js';
import type { WebGPUContext } from '../context.js';

/** The optim ops on WebGPU. */
export function webgpuOptimOps(gpu: WebGPUContext): OptimOps {
  return {
    adamwUpdate: (param, grad, m, v, options) => {
      const storage = (t: typeof param) => t.storage<GpuStorage>('adamwUpdate');
      encodeAdamW(gpu, storage(param), storage(grad), storage(m), storage(v), param.size, options, options.guard && storage(options.guard));
    },
    sgdUpdate: (param, grad, buf, options) => {
      const storage = (t: typeof param) => t.storage<GpuStorage>('sgdUpdate');
      encodeSgd(gpu, storage(param), storage(grad), storage(buf), param.size, options, options.guard && storage(options.guard));
    },
    clipByNorm: (x, norm, maxNorm) => {
      encodeClip(gpu, norm.storage<GpuStorage>('clipByGlobalNorm'), x.storage<GpuStorage>('clipByGlobalNorm'), x.size, maxNorm);
    },
    updateGuard: (loss, norm) => {
      const out = gpu.allocate([2], 'f32', 'updateGuard');
      encodeGuard(gpu, loss.storage<GpuStorage>('updateGuard'), norm.storage<GpuStorage>('updateGuard'), out);
      return new Tensor(gpu, out, [2], 'f32');
    },
  };
}
