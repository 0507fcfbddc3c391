import type { DropoutOps } from '../../ops/dropout.js';
import { dropoutBackwardReference, dropoutReference } from '../../reference/dropout.js';
import { Tensor } from '../../tensor/tensor.js';
import type { CpuBackend } from './backend.js';

/** The dropout ops on the CPU: the reference loops. */
export function cpuDropoutOps(cpu: CpuBackend): DropoutOps {
  return {
    dropout: (x, { p, key, offset }) => {
      const y = cpu.floats(x.size);
      dropoutReference(cpu.values(x, 'dropout'), p, key, offset, y);
      return new Tensor(cpu, y, x.shape, 'f32');
    },
    dropoutBackward: (dy, { p, key, offset }) => {
      const dx = cpu.floats(dy.size);
      dropoutBackwardReference(cpu.values(dy, 'dropoutBackward'), p, key, offset, dx);
      return new Tensor(cpu, dx, dy.shape, 'f32');
    },
  };
}
