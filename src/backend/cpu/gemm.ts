import type { GemmOps } from '../../ops/gemm.js';
import { matmulReference } from '../../reference/gemm.js';
import { Tensor } from '../../tensor/tensor.js';
import type { CpuBackend } from './backend.js';

/** The matrix products on the CPU: the reference loops. */
export function cpuGemmOps(cpu: CpuBackend): GemmOps {
  return {
    matmul: (a, b) => {
      const [m, k] = a.shape as [number, number];
      const n = b.shape[1]!;
      const out = new Float32Array(m * n);
      matmulReference(cpu.values(a) as Float32Array, cpu.values(b) as Float32Array, out, m, n, k);
      return new Tensor(cpu, out, [m, n], 'f32');
    },
  };
}
