import type { ReduceOps } from '../../ops/reduce.js';
import { globalNormReference, sumReference } from '../../reference/reduce.js';
import { Tensor, shapeSize } from '../../tensor/tensor.js';
import type { CpuBackend } from './backend.js';

/** The reduce ops on the CPU: the reference loops. */
export function cpuReduceOps(cpu: CpuBackend): ReduceOps {
  return {
    sum: (x, axis) => {
      const shape = x.shape.filter((_, i) => i !== axis);
      const out = cpu.floats(shapeSize(shape));
      sumReference(cpu.values(x), out, shapeSize(x.shape.slice(0, axis)), x.shape[axis]!, shapeSize(x.shape.slice(axis + 1)));
      return new Tensor(cpu, out, shape, 'f32');
    },
    globalNorm: (tensors) => {
      const out = cpu.floats(1);
      globalNormReference(
        tensors.map((t) => cpu.values(t)),
        out,
      );
      return new Tensor(cpu, out, [], 'f32');
    },
  };
}
