// Our GEMM variants. Adding a kernel variant to the benchmark is one entry in `ourGemmVariants`.
import { type GemmVariant, type Tensor, type WebGPUBackend, matmul } from '../../src/index.js';
import type { GemmImpl, PreparedGemm } from './bench.js';

/** One of our GEMM kernels as the benchmark calls it. */
export interface OurGemmVariant {
  impl: `shaderformer/${string}`;
  /**
   * True when the variant reads transposed operands itself (then `product` receives A stored [k, m]
   * when `transA`, B stored [n, k] when `transB`). While false, the runner gives it the backward
   * cases with the transposes materialised on the CPU, and both flags are false.
   */
  transposes: boolean;
  /** Why the variant cannot run on this device (e.g. a missing feature), or undefined when it can. */
  unavailable?(gpu: WebGPUBackend): string | undefined;
  /** Records one product C[m, n] = op(A)·op(B) into `gpu`'s queue and returns C (without waiting). */
  product(gpu: WebGPUBackend, a: Tensor, b: Tensor, layout: { transA: boolean; transB: boolean }): Tensor;
}

/** A variant forced by name, reading transposed operands itself. */
const forced = (variant: GemmVariant): OurGemmVariant => ({
  impl: `shaderformer/${variant}`,
  transposes: true,
  product: (_gpu, a, b, { transA, transB }) => matmul(a, b, { variant, transposeA: transA, transposeB: transB }),
});

// `matmul` picks a kernel per adapter unless told, so every entry forces its variant; `naive` is the baseline.
export const ourGemmVariants: OurGemmVariant[] = (['naive', 'blocked-8x8', 'blocked-16x16', 'blocked-16x32', 'blocked-32x32', 'tiled-64x64'] as const).map(
  forced,
);

/** Our variants as benchmark implementations on `gpu`. */
export function ourGemmImpls(gpu: WebGPUBackend, variants: OurGemmVariant[] = ourGemmVariants): GemmImpl[] {
  return variants.map((variant) => ({
    impl: variant.impl,
    transposes: variant.transposes,
    async prepare(x): Promise<PreparedGemm<Tensor>> {
      const reason = variant.unavailable?.(gpu);
      if (reason) throw new Error(`${variant.impl} is unavailable here: ${reason}`);
      const a = gpu.tensor(x.a, x.aShape, 'f32');
      const b = gpu.tensor(x.b, x.bShape, 'f32');
      const layout = { transA: x.transA, transB: x.transB };
      return {
        launch: () => variant.product(gpu, a, b, layout),
        wait: () => gpu.sync(),
        dispose: (results) => results.forEach((c) => c.dispose()),
        async read(c) {
          try {
            const errors = gpu.takeErrors();
            if (errors.length > 0) throw new Error(`WebGPU errors: ${errors.join('\n')}`);
            return await c.data();
          } finally {
            c.dispose();
          }
        },
        release() {
          a.dispose();
          b.dispose();
        },
      };
    },
  }));
}
