import type { OptimOps } from '../contract.js';
import { adamwReference, sgdReference } from '../../reference/optim.js';
import type { FloatArray } from '../../reference/types.js';
import type { CpuContext } from './context.js';

/** The optim ops on the CPU: the reference loops, updating the tensors' own arrays in place. */
export function cpuOptimOps(cpu: CpuContext): OptimOps {
  return {
    adamwUpdate: (param, grad, m, v, { step, ...hyper }) => {
      const op = 'adamwUpdate';
      // The reference forms the bias corrections itself from t; lr is the value the kernel reads (f32 unless in f64 mode).
      const { update, lr } = cpu.stepValues(step);
      const options = { ...hyper, lr: cpu.scalar(lr), step: update };
      // f32 tensors: values() is the storage itself, not a copy.
      adamwReference(cpu.values(param, op) as FloatArray, cpu.values(grad, op), cpu.values(m, op) as FloatArray, cpu.values(v, op) as FloatArray, options);
    },
    sgdUpdate: (param, grad, buf, { step, ...hyper }) => {
      const op = 'sgdUpdate';
      const { update, lr } = cpu.stepValues(step);
      sgdReference(cpu.values(param, op) as FloatArray, cpu.values(grad, op), cpu.values(buf, op) as FloatArray, {
        ...hyper,
        lr: cpu.scalar(lr),
        step: update,
      });
    },
    clipByNorm: (x, norm, maxNorm) => {
      const op = 'clipByGlobalNorm';
      const values = cpu.values(x, op) as FloatArray;
      const factor = Math.min(1, maxNorm / (cpu.values(norm, op)[0]! + 1e-6));
      for (let i = 0; i < values.length; i++) values[i] = values[i]! * factor;
    },
  };
}
