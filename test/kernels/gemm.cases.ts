import { type GemmVariant, type MatmulOptions, matmul } from '../../src/index.js';
import { activate } from '../../src/reference/activation.js';
import { matmulReference } from '../../src/reference/gemm.js';
import { type GpuCase, defineSuite } from '../harness/cases.js';

// f32 GEMM against a float64 reference: the GPU sums K products of values in ±[0.1, 1) in f32,
// in an order that differs per variant, so the error grows with K.
// Tolerance: atol = (K + 1) · 2^-19 (≈ 1.9e-6 per product), rtol = 1e-5.

interface Shape {
  batch?: number[];
  m: number;
  n: number;
  k: number;
  /** B is one [K, N] matrix shared by the batch. */
  sharedB?: boolean;
}

// lavapipe's LLVM takes 5-60 s to compile each big register block (SwiftShader about 1 s), so in
// Node/Dawn only the baseline and the smallest block run; Chromium runs every variant.
const DAWN_SKIP = 'register blocks above 8×8 compile for tens of seconds on lavapipe; covered in Chromium';

/** `'default'`: no variant forced, so the backend's choice for the adapter and size runs. */
function gemmCase(variant: GemmVariant | 'default', shape: Shape, options: Omit<MatmulOptions, 'bias'> & { bias?: boolean } = {}): GpuCase {
  const { batch = [], m, n, k, sharedB = false } = shape;
  const { transposeA = false, transposeB = false, activation = 'none', splitK } = options;
  const batches = batch.reduce((x, y) => x * y, 1);
  const flags = [
    transposeA && 'Aᵀ',
    transposeB && 'Bᵀ',
    options.bias && 'bias',
    activation !== 'none' && activation,
    splitK && `splitK ${splitK}`,
    sharedB && 'shared B',
  ].filter(Boolean);
  return {
    skipOnDawn: variant.startsWith('blocked-') && variant !== 'blocked-8x8' ? DAWN_SKIP : undefined,
    name: `${variant} ${batch.length ? `[${batch.join(', ')}] × ` : ''}[${m}, ${k}] · [${k}, ${n}]${flags.length ? ` (${flags.join(', ')})` : ''}`,
    async run(ctx) {
      const x = ctx.rng.nonZeroFloats(batches * m * k);
      const bCount = sharedB ? 1 : batches;
      const y = ctx.rng.nonZeroFloats(bCount * k * n);
      const biasValues = ctx.rng.nonZeroFloats(n);
      const a = ctx.gpu.tensor(x, [...batch, ...(transposeA ? [k, m] : [m, k])]);
      const b = ctx.gpu.tensor(y, [...(sharedB ? [] : batch), ...(transposeB ? [n, k] : [k, n])]);
      const bias = options.bias ? ctx.gpu.tensor(biasValues, [n]) : undefined;
      const c = matmul(a, b, { transposeA, transposeB, activation, variant: variant === 'default' ? undefined : variant, splitK, bias });
      ctx.expectTrue('shape', c.shape.join() === [...batch, m, n].join(), `shape ${c.shape}`);
      const got = await c.data();
      [a, b, c, bias].forEach((t) => t?.dispose());
      const want = new Float32Array(batches * m * n);
      const matrix = new Float64Array(m * n);
      for (let i = 0; i < batches; i++) {
        const bOffset = sharedB ? 0 : i * k * n;
        matmulReference(x.subarray(i * m * k, (i + 1) * m * k), y.subarray(bOffset, bOffset + k * n), matrix, m, n, k, {
          transA: transposeA,
          transB: transposeB,
        });
        for (let j = 0; j < m * n; j++) {
          const v = matrix[j]! + (options.bias ? biasValues[j % n]! : 0);
          want[i * m * n + j] = activate(activation, v);
        }
      }
      ctx.expectClose('C', got, want, { atol: (k + 1) * 2 ** -19, rtol: 1e-5 });
    },
  };
}

const LAYOUTS = [{}, { transposeA: true }, { transposeB: true }, { transposeA: true, transposeB: true }] as const;
const VARIANTS = ['naive', 'blocked-8x8', 'blocked-16x16', 'blocked-16x32', 'blocked-32x32', 'tiled-64x64'] as const;

const tuneCase: GpuCase = {
  name: 'tuneGemm: times each candidate, keeps the fastest, and later matmuls use it',
  async run(ctx) {
    const { gpu } = ctx;
    try {
      const tuning = await gpu.tuneGemm({ candidates: ['naive', 'blocked-8x8'], force: true });
      const timed = Object.entries(tuning.timings);
      ctx.expectTrue('timed', timed.length === 2 && timed.every(([, ms]) => ms! > 0), JSON.stringify(tuning.timings));
      const fastest = timed.reduce((x, y) => (y[1]! < x[1]! ? y : x))[0];
      ctx.expectTrue(
        'fastest kept',
        tuning.variant === fastest && gpu.gemmVariant === fastest,
        `${tuning.variant} chosen from ${JSON.stringify(tuning.timings)}`,
      );
      const again = await gpu.tuneGemm({ candidates: ['naive', 'blocked-8x8'] });
      const hasStorage = typeof (globalThis as { localStorage?: unknown }).localStorage !== 'undefined';
      ctx.expectTrue('cache', again.cached === hasStorage && again.variant === tuning.variant, JSON.stringify(again));
      const x = ctx.rng.nonZeroFloats(9 * 7);
      const y = ctx.rng.nonZeroFloats(7 * 5);
      const a = gpu.tensor(x, [9, 7]);
      const b = gpu.tensor(y, [7, 5]);
      const c = matmul(a, b);
      const want = new Float32Array(45);
      matmulReference(x, y, want, 9, 5, 7);
      ctx.expectClose('C', await c.data(), want, { atol: 8 * 2 ** -19, rtol: 1e-5 });
      [a, b, c].forEach((t) => t.dispose());
    } finally {
      gpu.gemmVariant = undefined;
    }
  },
};

export default defineSuite('gemm', [
  tuneCase,
  // Every variant × layout, on odd sizes (scalar loads) and on multiples of 4 (vec4 loads) that are
  // not multiples of any tile. The largest block compiles slowly, so it gets two of the layouts.
  ...VARIANTS.flatMap((variant) =>
    LAYOUTS.filter((layout) => !['blocked-16x32', 'blocked-32x32'].includes(variant) || !('transposeA' in layout)).flatMap((layout) => [
      gemmCase(variant, { m: 33, n: 17, k: 129 }, layout),
      gemmCase(variant, { m: 68, n: 52, k: 132 }, layout),
    ]),
  ),
  // Edge shapes on the baseline, a mid-size block and the GPU kernel.
  ...(['naive', 'blocked-16x16', 'tiled-64x64'] as const).flatMap((variant) =>
    [
      { m: 1, n: 1, k: 1 },
      { m: 7, n: 5, k: 3 },
      { m: 129, n: 65, k: 257 },
      { m: 1, n: 300, k: 77 },
      { m: 200, n: 1, k: 50 },
      { m: 3, n: 5, k: 0 },
    ].map((shape) => gemmCase(variant, shape)),
  ),
  // The naive kernel's narrow form (≤ 4 rows, a decoding step's products): every layout, batched, an
  // epilogue; with K a multiple of 4 and B transposed (x·Wᵀ), its vec4 loads and four outputs per
  // invocation (N % 4 of 0, 1, 2 and 3).
  ...LAYOUTS.map((layout) => gemmCase('naive', { m: 3, n: 130, k: 67 }, layout)),
  gemmCase('naive', { batch: [2], m: 4, n: 65, k: 33 }, { transposeB: true, bias: true, activation: 'gelu' }),
  gemmCase('naive', { m: 1, n: 130, k: 68 }, { transposeB: true }),
  gemmCase('naive', { m: 2, n: 131, k: 40 }, { transposeB: true, bias: true, activation: 'gelu_tanh' }),
  gemmCase('naive', { batch: [3], m: 2, n: 33, k: 36 }, { transposeB: true, bias: true, activation: 'relu' }),
  gemmCase('naive', { batch: [2], m: 1, n: 20, k: 12, sharedB: true }, { transposeB: true }),
  // Batched, with B per batch or shared; epilogues; split-K.
  ...VARIANTS.flatMap((variant) => [
    gemmCase(variant, { batch: [3], m: 33, n: 17, k: 29 }, { transposeB: true }),
    gemmCase(variant, { batch: [2, 3], m: 20, n: 12, k: 16 }, { transposeA: true }),
    gemmCase(variant, { batch: [3], m: 33, n: 17, k: 29, sharedB: true }),
    gemmCase(variant, { m: 37, n: 41, k: 43 }, { bias: true, activation: 'relu' }),
    gemmCase(variant, { m: 64, n: 48, k: 96 }, { bias: true, activation: 'gelu', transposeB: true }),
    gemmCase(variant, { m: 29, n: 31, k: 23 }, { activation: 'gelu_tanh' }),
  ]),
  ...(['blocked-8x8', 'blocked-16x16', 'tiled-64x64'] as const).flatMap((variant) => [
    gemmCase(variant, { m: 17, n: 13, k: 1001 }, { splitK: 3 }),
    gemmCase(variant, { m: 32, n: 32, k: 2048 }, { splitK: 4, bias: true, activation: 'gelu', transposeA: true }),
    gemmCase(variant, { batch: [2], m: 12, n: 20, k: 1500 }, { splitK: 5, bias: true }),
  ]),
  // The BERT-base weight-gradient shape, dW = Xᵀ · dY, with the default choice of split.
  gemmCase('blocked-16x16', { m: 128, n: 96, k: 1024 }, { transposeA: true }),
  gemmCase('tiled-64x64', { m: 128, n: 96, k: 1024 }, { transposeA: true }),
  gemmCase('tiled-64x64', { m: 130, n: 200, k: 70 }, { bias: true, activation: 'relu', transposeA: true, transposeB: true }),
  // The default choice, which depends on the adapter and the size: the README's product, a
  // mid-size one, and the small BERT's forward (batched, shared weight, bias) and weight gradient.
  gemmCase('default', { m: 2, n: 2, k: 3 }),
  gemmCase('default', { m: 33, n: 17, k: 129 }, { transposeB: true }),
  gemmCase('default', { batch: [16], m: 64, n: 128, k: 128, sharedB: true }, { transposeB: true, bias: true }),
  gemmCase('default', { m: 128, n: 128, k: 1024 }, { transposeA: true }),
]);
