import { encodeSoftmax, encodeSoftmaxBackward } from '../../../kernels/softmax.js';
import { chooseRowLayout } from '../../../kernels/rows.js';
import type { SoftmaxOps } from '../../contract.js';
import { Tensor } from '../../../tensor/tensor.js';
import type { WebGPUContext } from '../context.js';

/** The softmax ops on WebGPU. */
export function webgpuSoftmaxOps(gpu: WebGPUContext): SoftmaxOps {
  const layout = (n: number) => chooseRowLayout(gpu.rowLayout, gpu.report.isFallbackAdapter, n);
  return {
    softmax: (x, mask) => {
      const n = x.shape[x.rank - 1]!;
      const y = gpu.allocate(x.shape, 'f32', 'softmax');
      const rows = n === 0 ? 0 : x.size / n;
      const maskRows = mask && n > 0 ? mask.size / n : 1;
      encodeSoftmax(gpu, layout(n), x.storage('softmax'), mask ? mask.storage('softmax') : null, y, rows, n, maskRows);
      return new Tensor(gpu, y, x.shape, 'f32');
    },
    softmaxBackward: (dy, y) => {
      const n = y.shape[y.rank - 1]!;
      const dx = gpu.allocate(y.shape, 'f32', 'softmaxBackward');
      encodeSoftmaxBackward(gpu, layout(n), dy.storage('softmaxBackward'), y.storage('softmaxBackward'), dx, n === 0 ? 0 : y.size / n, n);
      return new Tensor(gpu, dx, y.shape, 'f32');
    },
  };
}
