import { encodeCrossEntropy, encodeCrossEntropyBackward } from '../../../kernels/cross-entropy.js';
import { chooseRowLayout } from '../../../kernels/rows.js';
import type { LossOps } from '../../contract.js';
import { Tensor } from '../../../tensor/tensor.js';
import type { WebGPUContext } from '../context.js';

/** The loss ops on WebGPU. */
export function webgpuLossOps(gpu: WebGPUContext): LossOps {
  const layout = (classes: number) => chooseRowLayout(gpu.rowLayout, gpu.report.isFallbackAdapter, classes);
  return {
    crossEntropy: (logits, labels, { ignoreIndex, labelSmoothing }) => {
      const op = 'crossEntropy';
      const [rows, classes] = logits.shape as [number, number];
      const loss = gpu.allocate([], 'f32', op);
      const logSumExp = gpu.allocate([rows], 'f32', op);
      const rowLoss = gpu.allocate([rows], 'f32', op);
      const params = { rows, classes, ignoreIndex, labelSmoothing };
      encodeCrossEntropy(gpu, layout(classes), logits.storage(op), labels.storage(op), logSumExp, rowLoss, loss, params);
      gpu.release(rowLoss); // reusable only after the recorded commands are submitted
      return { loss: new Tensor(gpu, loss, [], 'f32'), logSumExp: new Tensor(gpu, logSumExp, [rows], 'f32') };
    },
    crossEntropyBackward: (logits, labels, logSumExp, { ignoreIndex, labelSmoothing, scale }) => {
      const op = 'crossEntropyBackward';
      const [rows, classes] = logits.shape as [number, number];
      const dLogits = gpu.allocate([rows, classes], 'f32', op);
      const count = gpu.allocate([1], 'u32', op);
      const params = { rows, classes, ignoreIndex, labelSmoothing, scale };
      encodeCrossEntropyBackward(gpu, layout(classes), logits.storage(op), labels.storage(op), logSumExp.storage(op), count, dLogits, params);
      gpu.release(count);
      return new Tensor(gpu, dLogits, [rows, classes], 'f32');
    },
  };
}
