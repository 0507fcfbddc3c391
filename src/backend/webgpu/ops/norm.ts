import { encodeLayerNorm, encodeLayerNormBackward, layerNormBackwardBlocks } from '../../../kernels/layernorm.js';
import { chooseRowLayout } from '../../../kernels/rows.js';
import type { NormOps } from '../../contract.js';
import { Tensor } from '../../../tensor/tensor.js';
import type { WebGPUContext } from '../context.js';

/** The norm ops on WebGPU. */
export function webgpuNormOps(gpu: WebGPUContext): NormOps {
  const layout = (dim: number) => chooseRowLayout(gpu.rowLayout, gpu.report.isFallbackAdapter, dim);
  return {
    layerNorm: (x, gamma, beta, eps) => {
      const op = 'layerNorm';
      const dim = x.shape[x.rank - 1]!;
      const rows = x.size / dim;
      const rowShape = x.shape.slice(0, -1);
      const y = gpu.allocate(x.shape, 'f32', op);
      const mean = gpu.allocate(rowShape, 'f32', op);
      const rstd = gpu.allocate(rowShape, 'f32', op);
      encodeLayerNorm(gpu, layout(dim), x.storage(op), gamma.storage(op), beta.storage(op), y, mean, rstd, rows, dim, eps);
      return {
        y: new Tensor(gpu, y, x.shape, 'f32'),
        mean: new Tensor(gpu, mean, rowShape, 'f32'),
        rstd: new Tensor(gpu, rstd, rowShape, 'f32'),
      };
    },
    layerNormBackward: (dy, x, gamma, mean, rstd) => {
      const op = 'layerNormBackward';
      const dim = x.shape[x.rank - 1]!;
      const rows = x.size / dim;
      const dx = gpu.allocate(x.shape, 'f32', op);
      const dgamma = gpu.allocate([dim], 'f32', op);
      const dbeta = gpu.allocate([dim], 'f32', op);
      // Scratch for the per-block dγ/dβ partials; the pool reuses it only after this work is submitted.
      const partials = gpu.allocate([2 * layerNormBackwardBlocks(rows).blocks * dim], 'f32', op);
      encodeLayerNormBackward(
        gpu,
        layout(dim),
        dy.storage(op),
        x.storage(op),
        gamma.storage(op),
        mean.storage(op),
        rstd.storage(op),
        dx,
        dgamma,
        dbeta,
        partials,
        rows,
        dim,
      );
      gpu.release(partials);
      return {
        dx: new Tensor(gpu, dx, x.shape, 'f32'),
        dgamma: new Tensor(gpu, dgamma, [dim], 'f32'),
        dbeta: new Tensor(gpu, dbeta, [dim], 'f32'),
      };
    },
  };
}
