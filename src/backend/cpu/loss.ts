import type { LossOps } from '../contract.js';
import { crossEntropyBackwardReference, crossEntropyReference } from '../../reference/loss.js';

import type { CpuContext } from './context.js';

/** The loss ops on the CPU: the reference loops. */
export function cpuLossOps(cpu: CpuContext): LossOps {
  return {
    crossEntropy: (logits, labels, { ignoreIndex, labelSmoothing }) => {
      const [rows, classes] = logits.shape as [number, number];
      const loss = cpu.floats(1);
      const logSumExp = cpu.floats(rows);
      crossEntropyReference(cpu.values(logits), cpu.values(labels), rows, classes, ignoreIndex, labelSmoothing, loss, logSumExp);
      return { loss: cpu.wrap(loss, [], 'f32'), logSumExp: cpu.wrap(logSumExp, [rows], 'f32') };
    },
    crossEntropyBackward: (logits, labels, logSumExp, { ignoreIndex, labelSmoothing, scale }) => {
      const [rows, classes] = logits.shape as [number, number];
      const dLogits = cpu.floats(rows * classes);
      crossEntropyBackwardReference(cpu.values(logits), cpu.values(labels), cpu.values(logSumExp), rows, classes, ignoreIndex, labelSmoothing, scale, dLogits);
      return cpu.wrap(dLogits, [rows, classes], 'f32');
    },
  };
}
