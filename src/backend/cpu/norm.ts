import type { NormOps } from '../contract.js';
import { layerNormBackwardReference, layerNormReference } from '../../reference/norm.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { CpuContext } from './context.js';

/** The norm ops on the CPU: the reference loops. */
export function cpuNormOps(cpu: CpuContext): NormOps {
  const op = (name: string) => (t: Tensor) => cpu.values(t, name);
  return {
    layerNorm: (x, gamma, beta, eps) => {
      const v = op('layerNorm');
      const dim = x.shape[x.rank - 1]!;
      const rows = x.size / dim;
      const rowShape = x.shape.slice(0, -1);
      const y = cpu.floats(x.size);
      const mean = cpu.floats(rows);
      const rstd = cpu.floats(rows);
      layerNormReference(v(x), v(gamma), v(beta), y, mean, rstd, rows, dim, eps);
      return {
        y: cpu.wrap(y, x.shape, 'f32'),
        mean: cpu.wrap(mean, rowShape, 'f32'),
        rstd: cpu.wrap(rstd, rowShape, 'f32'),
      };
    },
    layerNormBackward: (dy, x, gamma, mean, rstd) => {
      const v = op('layerNormBackward');
      const dim = x.shape[x.rank - 1]!;
      const dx = cpu.floats(x.size);
      const dgamma = cpu.floats(dim);
      const dbeta = cpu.floats(dim);
      layerNormBackwardReference(v(dy), v(x), v(gamma), v(mean), v(rstd), dx, dgamma, dbeta, x.size / dim, dim);
      return {
        dx: cpu.wrap(dx, x.shape, 'f32'),
        dgamma: cpu.wrap(dgamma, [dim], 'f32'),
        dbeta: cpu.wrap(dbeta, [dim], 'f32'),
      };
    },
  };
}
