import { encodeDropout } from '../../../kernels/dropout.js';
import type { GpuStorage } from '../../../kernels/kernel.js';
import type { DropoutMask, DropoutOps } from '../../contract.js';
import { Tensor } from '../../../tensor/tensor.js';
import type { WebGPUContext } from '../context.js';

/** The dropout ops on WebGPU: forward and backward are the same kernel (the mask is regenerated). */
export function webgpuDropoutOps(gpu: WebGPUContext): DropoutOps {
  const apply = (op: string, x: Tensor, mask: DropoutMask): Tensor => {
    const out = gpu.allocate(x.shape, 'f32', op);
    encodeDropout(gpu, x.storage<GpuStorage>(op), out, x.size, mask);
    return new Tensor(gpu, out, x.shape, 'f32');
  };
  return {
    dropout: (x, mask) => apply('dropout', x, mask),
    dropoutBackward: (dy, mask) => apply('dropoutBackward', dy, mask),
  };
}
