import type { DropoutOps } from '../contract.js';
import { dropoutBackwardReference, dropoutReference } from '../../reference/dropout.js';

import type { CpuContext } from './context.js';

/** The dropout ops on the CPU: the reference loops. */
export function cpuDropoutOps(cpu: CpuContext): DropoutOps {
  return {
    dropout: (x, { p, key, offset, step }) => {
      const y = cpu.floats(x.size);
      dropoutReference(cpu.values(x, 'dropout'), p, key, offset + cpu.stepValues(step).randomOffset, y);
      return cpu.wrap(y, x.shape, 'f32');
    },
    dropoutBackward: (dy, { p, key, offset, step }) => {
      const dx = cpu.floats(dy.size);
      dropoutBackwardReference(cpu.values(dy, 'dropoutBackward'), p, key, offset + cpu.stepValues(step).randomOffset, dx);
      return cpu.wrap(dx, dy.shape, 'f32');
    },
  };
}
