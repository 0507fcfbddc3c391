import { encodeGemmNaive } from '../../../kernels/gemm-naive.js';
import type { GemmOps } from '../../../ops/gemm.js';
import { Tensor } from '../../../tensor/tensor.js';
import type { WebGPUBackend } from '../backend.js';

/** The matrix products on WebGPU. */
export function webgpuGemmOps(gpu: WebGPUBackend): GemmOps {
  return {
    matmul: (a, b) => {
      const [m, k] = a.shape as [number, number];
      const n = b.shape[1]!;
      const out = gpu.allocate([m, n], 'f32', 'matmul');
      encodeGemmNaive(gpu, a.storage('matmul'), b.storage('matmul'), out, m, n, k);
      return new Tensor(gpu, out, [m, n], 'f32');
    },
  };
}
