import type { SoftmaxOps } from '../../ops/softmax.js';
import { softmaxBackwardReference, softmaxReference } from '../../reference/softmax.js';
import { Tensor } from '../../tensor/tensor.js';
import type { CpuBackend } from './backend.js';

/** The softmax ops on the CPU: the reference loops. */
export function cpuSoftmaxOps(cpu: CpuBackend): SoftmaxOps {
  return {
    softmax: (x, mask) => {
      const n = x.shape[x.rank - 1]!;
      const y = cpu.floats(x.size);
      const maskValues = mask ? cpu.values(mask, 'softmax') : null;
      softmaxReference(cpu.values(x, 'softmax'), maskValues, y, n === 0 ? 0 : x.size / n, n);
      return new Tensor(cpu, y, x.shape, 'f32');
    },
    softmaxBackward: (dy, y) => {
      const n = y.shape[y.rank - 1]!;
      const dx = cpu.floats(y.size);
      softmaxBackwardReference(cpu.values(dy, 'softmaxBackward'), cpu.values(y, 'softmaxBackward'), dx, n === 0 ? 0 : y.size / n, n);
      return new Tensor(cpu, dx, y.shape, 'f32');
    },
  };
}
