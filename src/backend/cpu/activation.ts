import type { ActivationOps } from '../contract.js';
import { type UnaryActivation, activationBackwardReference, activationReference, biasActivationBackwardReference } from '../../reference/activation.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { CpuContext } from './context.js';

/** The activation ops on the CPU: the reference loops. */
export function cpuActivationOps(cpu: CpuContext): ActivationOps {
  const forward = (op: string, activation: UnaryActivation, x: Tensor): Tensor => {
    const y = cpu.floats(x.size);
    activationReference(activation, cpu.values(x, op), y);
    return cpu.wrap(y, x.shape, 'f32');
  };
  const backward = (op: string, activation: UnaryActivation, dy: Tensor, x: Tensor): Tensor => {
    const dx = cpu.floats(x.size);
    activationBackwardReference(activation, cpu.values(dy, op), cpu.values(x, op), dx);
    return cpu.wrap(dx, x.shape, 'f32');
  };
  return {
    gelu: (x, approximate) => forward('gelu', approximate === 'tanh' ? 'gelu_tanh' : 'gelu', x),
    geluBackward: (dy, x, approximate) => backward('geluBackward', approximate === 'tanh' ? 'gelu_tanh' : 'gelu', dy, x),
    relu: (x) => forward('relu', 'relu', x),
    reluBackward: (dy, x) => backward('reluBackward', 'relu', dy, x),
    tanh: (x) => forward('tanh', 'tanh', x),
    tanhBackward: (dy, x) => backward('tanhBackward', 'tanh', dy, x),
    biasActivationBackward: (dy, z, activation) => {
      const n = z.shape[z.rank - 1]!;
      const dz = cpu.floats(z.size);
      const dbias = cpu.floats(n);
      biasActivationBackwardReference(activation, cpu.values(dy), cpu.values(z), n, dz, dbias);
      return { dz: cpu.wrap(dz, z.shape, 'f32'), dbias: cpu.wrap(dbias, [n], 'f32') };
    },
  };
}
