import { matmul } from '../../src/index.js';
import { matmulReference } from '../../src/reference/gemm.js';
import { type GpuCase, defineSuite } from '../harness/cases.js';

// f32 GEMM against a float64 reference: the GPU sums K products in f32, so the error grows with K.
// Tolerance: atol = K · 2^-19 (≈ 1.9e-6 · K), rtol = 1e-5.
function gemmCase(m: number, n: number, k: number): GpuCase {
  return {
    name: `matmul naive [${m}, ${k}] · [${k}, ${n}]`,
    async run(ctx) {
      const x = ctx.rng.nonZeroFloats(m * k);
      const y = ctx.rng.nonZeroFloats(k * n);
      const a = ctx.gpu.tensor(x, [m, k]);
      const b = ctx.gpu.tensor(y, [k, n]);
      const c = matmul(a, b);
      const got = await c.data();
      [a, b, c].forEach((t) => t.dispose());
      const want = new Float32Array(m * n);
      matmulReference(x, y, want, m, n, k);
      ctx.expectClose('C', got, want, { atol: k * 2 ** -19, rtol: 1e-5 });
    },
  };
}

export default defineSuite('gemm', [
  gemmCase(1, 1, 1),
  gemmCase(7, 5, 3),
  gemmCase(33, 17, 129),
  gemmCase(64, 64, 64),
  gemmCase(129, 65, 257),
  gemmCase(1, 300, 77),
  gemmCase(200, 1, 50),
  gemmCase(16, 16, 1),
]);
