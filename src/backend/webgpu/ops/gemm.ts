import { type BlockShape, type GemmProblem, encodeGemmBlocked } from '../../../kernels/gemm-blocked.js';
import { encodeGemmNaive } from '../../../kernels/gemm-naive.js';
import { encodeGemmTiled } from '../../../kernels/gemm-tiled.js';
import type { GpuStorage } from '../../../kernels/kernel.js';
import type { GemmOps, GemmVariant, MatmulSpec } from '../../contract.js';
import { Tensor } from '../../../tensor/tensor.js';
import type { WebGPUContext } from '../context.js';
import type { AdapterReport } from '../device.js';

/** Block shapes of the register-blocked variants. */
export const BLOCK_SHAPES: Record<Exclude<GemmVariant, 'naive' | 'tiled-64x64'>, BlockShape> = {
  'blocked-8x8': { tm: 8, tn: 8, wgX: 8, wgY: 8 },
  'blocked-16x16': { tm: 16, tn: 16, wgX: 4, wgY: 4 },
  'blocked-16x32': { tm: 16, tn: 32, wgX: 2, wgY: 4 },
  'blocked-32x32': { tm: 32, tn: 32, wgX: 2, wgY: 2 },
};

/** The adapter families the default GEMM choice tells apart. */
export type GemmAdapterKind = 'swiftshader' | 'lavapipe' | 'software' | 'gpu';

/** SwiftShader, Mesa's lavapipe (llvmpipe), another software adapter, or a GPU, from the adapter report. */
export function gemmAdapterKind(report: Pick<AdapterReport, 'architecture' | 'device' | 'description' | 'isFallbackAdapter'>): GemmAdapterKind {
  if (report.architecture === 'swiftshader') return 'swiftshader';
  // Dawn marks lavapipe as a fallback adapter, but it is recognised by name in case a version does not.
  if (/llvmpipe|lavapipe/i.test(`${report.device} ${report.description}`)) return 'lavapipe';
  return report.isFallbackAdapter ? 'software' : 'gpu';
}

/**
 * Default variant per adapter kind: the first row whose flop bound (2·M·N·K·batches) the product
 * stays below. Software adapters JIT-compile each pipeline on the CPU, and a register block's
 * compile time grows with its size, so the block grows with the product only as far as it pays.
 * Measured with a scratch study on a 2-core machine shared with other jobs (load average 2-6,
 * so about 1.5-3× a quiet machine's times); compile = first product − warm product, per pipeline:
 *
 * | variant       | SwiftShader compile s | SwiftShader GFLOP/s train / 1024³ | lavapipe compile s | lavapipe GFLOP/s train |
 * | naive         | 0.02-0.08             | 0.2 / -                           | 0.1-0.2            | 0.5                    |
 * | blocked-8x8   | 0.1-0.2               | 2.0                               | 0.9-1.9 (load 2.3) | 2.8                    |
 * | blocked-16x16 | 0.5-0.7               | 3.2 / 2.6                         | 2.9-5.0 (load 2.3) | 4.1                    |
 * | blocked-16x32 | 0.8-1.6               | 3.3 / 2.7                         | 17-29 (load 5)     | 4.1                    |
 * | blocked-32x32 | 2.3-3.2               | 3.3 / 2.7 (3.0-3.8 BERT-base)     | 46-94 (load 5)     | 1.5                    |
 *
 * ("train": the 42 products of a BERT step, hidden 128, 1024 tokens: 2^25-2^27 flops each.)
 * Below 2^17 flops (about 40³) a product is dispatch-bound and naive (0.2-0.5 ms) costs
 * nothing to compile; up to 2^22 (128³) the 8×8 block is within 2× of the best. On SwiftShader
 * 16×32 matches 32×32 on the training shapes at under half the compile time, and 32×32 wins by
 * 10-40% only from about 512³. On lavapipe 16×16 trains that model 30% faster per step than
 * 8×8 for 2-3 s more compile per pipeline; bigger blocks compile for tens of seconds and are
 * never the default (`tuneGemm` does not try them either). Unknown software adapters get
 * lavapipe's rows; GPUs keep the workgroup-tiled kernel.
 */
const DEFAULT_GEMM_VARIANT: Record<GemmAdapterKind, readonly (readonly [belowFlops: number, variant: GemmVariant])[]> = {
  swiftshader: [
    [2 ** 17, 'naive'],
    [2 ** 22, 'blocked-8x8'],
    [2 ** 28, 'blocked-16x32'],
    [Number.POSITIVE_INFINITY, 'blocked-32x32'],
  ],
  lavapipe: [
    [2 ** 17, 'naive'],
    [2 ** 24, 'blocked-8x8'],
    [Number.POSITIVE_INFINITY, 'blocked-16x16'],
  ],
  software: [
    [2 ** 17, 'naive'],
    [2 ** 24, 'blocked-8x8'],
    [Number.POSITIVE_INFINITY, 'blocked-16x16'],
  ],
  gpu: [[Number.POSITIVE_INFINITY, 'tiled-64x64']],
};

/** The variant the table above gives a product of this size on this adapter. */
export function chooseGemmVariant(
  report: Pick<AdapterReport, 'architecture' | 'device' | 'description' | 'isFallbackAdapter'>,
  product: { m: number; n: number; k: number; batches: number },
): GemmVariant {
  const flops = 2 * product.m * product.n * product.k * product.batches;
  const kind = gemmAdapterKind(report);
  // One or two rows (a decoding step's products): a register block computes its full height of rows
  // whatever M is, so up to 16× wasted work; naive computes only the real outputs. Lavapipe, 1×30000×768:
  // naive 150 ms, blocked-8×8 390 ms, 16×32 1084 ms; 1×2304×768: 15 against 31-58 ms.
  if (kind !== 'gpu' && product.m <= 2) return 'naive';
  const rows = DEFAULT_GEMM_VARIANT[kind];
  return (rows.find(([below]) => flops < below) ?? rows[rows.length - 1]!)[1];
}

/**
 * The variant used when a matmul forces none: by adapter and product size, except that a variant
 * `tuneGemm()` (or the user) set on the backend replaces the table's choice for every product the
 * table does not give `naive`: a tiny product never pays a big register block's compile.
 */
export function defaultGemmVariant(gpu: WebGPUContext, product: { m: number; n: number; k: number; batches: number }): GemmVariant {
  const chosen = chooseGemmVariant(gpu.report, product);
  return chosen === 'naive' ? chosen : (gpu.gemmVariant ?? chosen);
}

/** The matrix products on WebGPU. */
export function webgpuGemmOps(gpu: WebGPUContext): GemmOps {
  return {
    matmul: (a, b, s) => {
      const out = gpu.allocate([...s.batchShape, s.m, s.n], 'f32', 'matmul');
      const product = foldBatches(s);
      encodeMatmul(gpu, product, product.variant ?? defaultGemmVariant(gpu, product), a.storage<GpuStorage>('matmul'), b.storage<GpuStorage>('matmul'), out);
      return new Tensor(gpu, out, [...s.batchShape, s.m, s.n], 'f32');
    },
  };
}

/**
 * A batch of products that share B, with A not transposed, is one product of batches·M rows: the
 * batched A [batches, M, K] is already [batches·M, K] and C [batches, M, N] is [batches·M, N]. One
 * product reads B once per tile of rows rather than once per batch, and gets a kernel chosen for its
 * real height (a decoding step's x·Wᵀ over B rows of one token each is B rows, not B products of one).
 */
function foldBatches(s: MatmulSpec): MatmulSpec {
  if (s.transA || s.strideB !== 0 || s.batches <= 1) return s;
  return { ...s, m: s.m * s.batches, batches: 1, batchShape: [], strideA: 0 };
}

function encodeMatmul(gpu: WebGPUContext, s: MatmulSpec, variant: GemmVariant, a: GpuStorage, b: GpuStorage, out: GpuStorage): void {
  const problem: GemmProblem = {
    m: s.m,
    n: s.n,
    k: s.k,
    batches: s.batches,
    transA: s.transA,
    transB: s.transB,
    strideA: s.strideA,
    strideB: s.strideB,
    activation: s.activation,
  };
  const bias = s.bias?.storage<GpuStorage>('matmul');
  if (variant === 'naive') {
    encodeGemmNaive(gpu, problem, a, b, bias, out);
  } else if (variant === 'tiled-64x64') {
    const tile = { tm: 4, tn: 4, wgX: 16, wgY: 16 };
    encodeGemmTiled(gpu, problem, a, b, bias, out, s.splitK ?? splitKFor(gpu, tile, s));
  } else {
    const shape = BLOCK_SHAPES[variant];
    encodeGemmBlocked(gpu, shape, problem, a, b, bias, out, s.splitK ?? splitKFor(gpu, shape, s));
  }
}

/**
 * Splits K when the output has too few blocks to keep the device busy and K is long (the
 * weight gradient Xᵀ·dY of a small layer over many tokens). Real GPUs want hundreds of
 * workgroups; CPU-emulated ones only a few per core.
 */
function splitKFor(gpu: WebGPUContext, shape: BlockShape, s: MatmulSpec): number {
  const workgroups = Math.ceil(s.m / (shape.tm * shape.wgY)) * Math.ceil(s.n / (shape.tn * shape.wgX)) * s.batches;
  const wanted = gemmAdapterKind(gpu.report) === 'gpu' ? 256 : 8;
  if (workgroups >= wanted || s.k < 1024) return 1;
  return Math.min(Math.ceil(wanted / workgroups), Math.floor(s.k / 256));
}

/** What `tuneGemm` measured: milliseconds per product for each candidate, and the winner. */
export interface GemmTuning {
  variant: GemmVariant;
  /** Median ms per product of each candidate on the probe shape. */
  timings: Partial<Record<GemmVariant, number>>;
  /** The probe product, M×K×N. */
  shape: [number, number, number];
  /** True when the choice came from an earlier run's cache rather than from timing now. */
  cached: boolean;
}

/**
 * Candidates per adapter kind: on SwiftShader the register blocks that run fastest on big
 * products; on lavapipe and other software adapters the two blocks that compile in seconds
 * rather than tens of seconds; the tiled kernel on GPUs.
 */
export function gemmCandidates(gpu: WebGPUContext): GemmVariant[] {
  switch (gemmAdapterKind(gpu.report)) {
    case 'swiftshader':
      return ['blocked-16x16', 'blocked-16x32', 'blocked-32x32'];
    case 'lavapipe':
    case 'software':
      return ['blocked-8x8', 'blocked-16x16'];
    case 'gpu':
      return ['tiled-64x64', 'blocked-8x8'];
  }
}

const STORAGE_KEY = 'shaderformer.gemm-tuning.v1';

/**
 * Times the candidate GEMM variants on a representative product (a few runs each after a
 * compile run) and makes the fastest the default for this backend's later matmuls. The choice
 * is remembered per adapter in `localStorage` where there is one, so later page loads skip the
 * timing (`force` re-times).
 */
export async function tuneGemm(gpu: WebGPUContext, options: { candidates?: GemmVariant[]; force?: boolean } = {}): Promise<GemmTuning> {
  const candidates = options.candidates ?? gemmCandidates(gpu);
  const shape: [number, number, number] = gemmAdapterKind(gpu.report) === 'gpu' ? [1024, 1024, 1024] : [512, 512, 512];
  const adapterKey = [gpu.report.vendor, gpu.report.architecture, gpu.report.device, gpu.report.description].join('|');
  const storage = (globalThis as { localStorage?: Storage }).localStorage;
  if (!options.force && storage) {
    try {
      const saved = JSON.parse(storage.getItem(STORAGE_KEY) ?? '{}') as Record<string, GemmTuning>;
      const entry = saved[adapterKey];
      if (entry && candidates.includes(entry.variant)) {
        gpu.gemmVariant = entry.variant;
        return { ...entry, cached: true };
      }
    } catch {
      // A corrupt cache entry is ignored and overwritten below.
    }
  }
  const [m, k, n] = shape;
  const a = gpu.tensor(new Float32Array(m * k).fill(0.5), [m, k]);
  const b = gpu.tensor(new Float32Array(k * n).fill(0.25), [k, n]);
  const timings: Partial<Record<GemmVariant, number>> = {};
  try {
    for (const variant of candidates) {
      const spec = {
        m,
        n,
        k,
        batchShape: [],
        batches: 1,
        transA: false,
        transB: false,
        strideA: 0,
        strideB: 0,
        bias: undefined,
        activation: 'none',
        variant,
        splitK: 1,
      } as const;
      const run = async () => {
        const started = performance.now();
        gpu.ops.matmul(a, b, spec).dispose();
        await gpu.sync();
        return performance.now() - started;
      };
      await run(); // compiles
      const runs = [await run(), await run(), await run()].sort((x, y) => x - y);
      timings[variant] = runs[1]!;
    }
  } finally {
    a.dispose();
    b.dispose();
  }
  const variant = candidates.reduce((best, v) => (timings[v]! < timings[best]! ? v : best));
  gpu.gemmVariant = variant;
  const tuning: GemmTuning = { variant, timings, shape, cached: false };
  if (storage) {
    try {
      const saved = JSON.parse(storage.getItem(STORAGE_KEY) ?? '{}') as Record<string, GemmTuning>;
      saved[adapterKey] = tuning;
      storage.setItem(STORAGE_KEY, JSON.stringify(saved));
    } catch {
      // Storage full or disabled: the choice still holds for this backend.
    }
  }
  return tuning;
}
