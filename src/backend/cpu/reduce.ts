import type { ReduceOps } from '../contract.js';
import { globalNormReference, sumReference } from '../../reference/reduce.js';
import { shapeSize } from '../../tensor/tensor.js';
import type { CpuContext } from './context.js';

/** The reduce ops on the CPU: the reference loops. */
export function cpuReduceOps(cpu: CpuContext): ReduceOps {
  return {
    sum: (x, axis) => {
      const shape = x.shape.filter((_, i) => i !== axis);
      const out = cpu.floats(shapeSize(shape));
      sumReference(cpu.values(x), out, shapeSize(x.shape.slice(0, axis)), x.shape[axis]!, shapeSize(x.shape.slice(axis + 1)));
      return cpu.wrap(out, shape, 'f32');
    },
    globalNorm: (tensors) => {
      const out = cpu.floats(1);
      globalNormReference(
        tensors.map((t) => cpu.values(t)),
        out,
      );
      return cpu.wrap(out, [], 'f32');
    },
  };
}
