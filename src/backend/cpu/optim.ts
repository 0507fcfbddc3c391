import type { OptimOps } from '../contract.js';
import { adamwReference, sgdReference } from '../../reference/optim.js';
import type { FloatArray } from '../../reference/types.js';
import type { CpuContext } from './context.js';

/** The optim ops on the CPU: the reference loops, updating the tensors' own arrays in place. */
export function cpuOptimOps(cpu: CpuContext): OptimOps {
  return {
    adamwUpdate: (param, grad, m, v, options) => {
      const op = 'adamwUpdate';
      // f32 tensors: values() is the storage itself, not a copy.
      adamwReference(cpu.values(param, op) as FloatArray, cpu.values(grad, op), cpu.values(m, op) as FloatArray, cpu.values(v, op) as FloatArray, options);
    },
    sgdUpdate: (param, grad, buf, options) => {
      const op = 'sgdUpdate';
      sgdReference(cpu.values(param, op) as FloatArray, cpu.values(grad, op), cpu.values(buf, op) as FloatArray, options);
    },
    clipByNorm: (x, norm, maxNorm) => {
      const op = 'clipByGlobalNorm';
      const values = cpu.values(x, op) as FloatArray;
      const factor = Math.min(1, maxNorm / (cpu.values(norm, op)[0]! + 1e-6));
      for (let i = 0; i < values.length; i++) values[i] = values[i]! * factor;
    },
  };
}
