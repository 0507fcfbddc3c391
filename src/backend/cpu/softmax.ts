import type { SoftmaxOps } from '../contract.js';
import { softmaxBackwardReference, softmaxReference } from '../../reference/softmax.js';

import type { CpuContext } from './context.js';

/** The softmax ops on the CPU: the reference loops. */
export function cpuSoftmaxOps(cpu: CpuContext): SoftmaxOps {
  return {
    softmax: (x, mask) => {
      const n = x.shape[x.rank - 1]!;
      const y = cpu.floats(x.size);
      const maskValues = mask ? cpu.values(mask, 'softmax') : null;
      softmaxReference(cpu.values(x, 'softmax'), maskValues, y, n === 0 ? 0 : x.size / n, n);
      return cpu.wrap(y, x.shape, 'f32');
    },
    softmaxBackward: (dy, y) => {
      const n = y.shape[y.rank - 1]!;
      const dx = cpu.floats(y.size);
      softmaxBackwardReference(cpu.values(dy, 'softmaxBackward'), cpu.values(y, 'softmaxBackward'), dx, n === 0 ? 0 : y.size / n, n);
      return cpu.wrap(dx, y.shape, 'f32');
    },
  };
}
