import { encodeAdamW, encodeClip, encodeSgd } from '../../../kernels/optim.js';
import type { GpuStorage } from '../../../kernels/kernel.js';
import type { OptimOps } from '../../contract.js';
import type { WebGPUContext } from '../context.js';

/** The optim ops on WebGPU. */
export function webgpuOptimOps(gpu: WebGPUContext): OptimOps {
  return {
    adamwUpdate: (param, grad, m, v, options) => {
      const storage = (t: typeof param) => t.storage<GpuStorage>('adamwUpdate');
      encodeAdamW(gpu, storage(param), storage(grad), storage(m), storage(v), param.size, options);
    },
    sgdUpdate: (param, grad, buf, options) => {
      const storage = (t: typeof param) => t.storage<GpuStorage>('sgdUpdate');
      encodeSgd(gpu, storage(param), storage(grad), storage(buf), param.size, options);
    },
    clipByNorm: (x, norm, maxNorm) => {
      encodeClip(gpu, norm.storage<GpuStorage>('clipByGlobalNorm'), x.storage<GpuStorage>('clipByGlobalNorm'), x.size, maxNorm);
    },
  };
}
