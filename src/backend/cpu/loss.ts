import type { LossOps } from '../../ops/loss.js';
import { crossEntropyBackwardReference, crossEntropyReference } from '../../reference/loss.js';
import { Tensor } from '../../tensor/tensor.js';
import type { CpuBackend } from './backend.js';

/** The loss ops on the CPU: the reference loops. */
export function cpuLossOps(cpu: CpuBackend): LossOps {
  return {
    crossEntropy: (logits, labels, { ignoreIndex, labelSmoothing }) => {
      const [rows, classes] = logits.shape as [number, number];
      const loss = cpu.floats(1);
      const logSumExp = cpu.floats(rows);
      crossEntropyReference(cpu.values(logits), cpu.values(labels), rows, classes, ignoreIndex, labelSmoothing, loss, logSumExp);
      return { loss: new Tensor(cpu, loss, [], 'f32'), logSumExp: new Tensor(cpu, logSumExp, [rows], 'f32') };
    },
    crossEntropyBackward: (logits, labels, logSumExp, { ignoreIndex, labelSmoothing, scale }) => {
      const [rows, classes] = logits.shape as [number, number];
      const dLogits = cpu.floats(rows * classes);
      crossEntropyBackwardReference(cpu.values(logits), cpu.values(labels), cpu.values(logSumExp), rows, classes, ignoreIndex, labelSmoothing, scale, dLogits);
      return new Tensor(cpu, dLogits, [rows, classes], 'f32');
    },
  };
}
