import type { GemmOps } from '../contract.js';
import { activate } from '../../reference/activation.js';
import { matmulReference } from '../../reference/gemm.js';

import type { CpuContext } from './context.js';

/** The matrix products on the CPU: the reference loop per batch, then bias and activation. */
export function cpuGemmOps(cpu: CpuContext): GemmOps {
  return {
    matmul: (a, b, s) => {
      const x = cpu.values(a);
      const y = cpu.values(b);
      const out = cpu.floats(s.batches * s.m * s.n);
      const matrix = new Float64Array(s.m * s.n);
      const bias = s.bias ? cpu.values(s.bias) : undefined;
      for (let batch = 0; batch < s.batches; batch++) {
        const aView = x.subarray(batch * s.strideA, batch * s.strideA + s.m * s.k);
        const bView = y.subarray(batch * s.strideB, batch * s.strideB + s.k * s.n);
        matmulReference(aView, bView, matrix, s.m, s.n, s.k, { transA: s.transA, transB: s.transB });
        for (let i = 0; i < matrix.length; i++) {
          out[batch * s.m * s.n + i] = activate(s.activation, matrix[i]! + (bias ? bias[i % s.n]! : 0));
        }
      }
      return cpu.wrap(out, [...s.batchShape, s.m, s.n], 'f32');
    },
  };
}
