import type { OptimOps } from '../contract.js';
import { adamwReference, sgdReference, updateGuardReference } from '../../reference/optim.js';
import type { FloatArray } from '../../reference/types.js';
import type { CpuContext } from './context.js';

/** The optim ops on the CPU: the reference loops, updating the tensors' own arrays in place. */
export function cpuOptimOps(cpu: CpuContext): OptimOps {
  return {
    adamwUpdate: (param, grad, m, v, { step, guard, ...hyper }) => {
      const op = 'adamwUpdate';
      // The reference forms the bias corrections itself from t; lr is the value the kernel reads (f32 unless in f64 mode).
      const { update, lr } = cpu.stepValues(step);
      const options = { ...hyper, lr: cpu.scalar(lr), step: update };
      // f32 tensors: values() is the storage itself, not a copy.
      const values = (t: typeof param) => cpu.values(t, op) as FloatArray;
      adamwReference(values(param), values(grad), values(m), values(v), options, guard ? values(guard) : undefined);
    },
    sgdUpdate: (param, grad, buf, { step, guard, ...hyper }) => {
      const op = 'sgdUpdate';
      const { update, lr } = cpu.stepValues(step);
      const values = (t: typeof param) => cpu.values(t, op) as FloatArray;
      sgdReference(values(param), values(grad), values(buf), { ...hyper, lr: cpu.scalar(lr), step: update }, guard ? values(guard) : undefined);
    },
    clipByNorm: (x, norm, maxNorm) => {
      const op = 'clipByGlobalNorm';
      const values = cpu.values(x, op) as FloatArray;
      const factor = Math.min(1, maxNorm / (cpu.values(norm, op)[0]! + 1e-6));
      for (let i = 0; i < values.length; i++) values[i] = values[i]! * factor;
    },
    updateGuard: (loss, norm) => {
      const op = 'updateGuard';
      const out = cpu.floats(2);
      updateGuardReference(cpu.values(loss, op), cpu.values(norm, op), out);
      return cpu.wrap(out, [2], 'f32');
    },
  };
}
