import { type BlockShape, type GemmProblem, encodeGemmBlocked } from '../../../kernels/gemm-blocked.js';
import { encodeGemmNaive } from '../../../kernels/gemm-naive.js';
import { encodeGemmTiled } from '../../../kernels/gemm-tiled.js';
import type { GpuStorage } from '../../../kernels/kernel.js';
import type { GemmOps, GemmVariant, MatmulSpec } from '../../contract.js';
import { Tensor } from '../../../tensor/tensor.js';
import type { WebGPUContext } from '../context.js';

/** Block shapes of the register-blocked variants. */
export const BLOCK_SHAPES: Record<Exclude<GemmVariant, 'naive' | 'tiled-64x64'>, BlockShape> = {
  'blocked-8x8': { tm: 8, tn: 8, wgX: 8, wgY: 8 },
  'blocked-16x16': { tm: 16, tn: 16, wgX: 4, wgY: 4 },
  'blocked-16x32': { tm: 16, tn: 32, wgX: 2, wgY: 4 },
  'blocked-32x32': { tm: 32, tn: 32, wgX: 2, wgY: 2 },
};

/** The variant used when none is forced: tuned per adapter when `tuneGemm()` ran, else by adapter kind. */
export function defaultGemmVariant(gpu: WebGPUContext): GemmVariant {
  return gpu.gemmVariant ?? (gpu.report.isFallbackAdapter ? 'blocked-32x32' : 'tiled-64x64');
}

/** The matrix products on WebGPU. */
export function webgpuGemmOps(gpu: WebGPUContext): GemmOps {
  return {
    matmul: (a, b, s) => {
      const out = gpu.allocate([...s.batchShape, s.m, s.n], 'f32', 'matmul');
      encodeMatmul(gpu, s, s.variant ?? defaultGemmVariant(gpu), a.storage<GpuStorage>('matmul'), b.storage<GpuStorage>('matmul'), out);
      return new Tensor(gpu, out, [...s.batchShape, s.m, s.n], 'f32');
    },
  };
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
  const wanted = gpu.report.isFallbackAdapter ? 8 : 256;
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

/** Candidates per adapter kind: register blocks for CPU-emulated adapters, the tiled kernel for GPUs. */
export function gemmCandidates(gpu: WebGPUContext): GemmVariant[] {
  return gpu.report.isFallbackAdapter ? ['blocked-16x16', 'blocked-16x32', 'blocked-32x32'] : ['tiled-64x64', 'blocked-8x8'];
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
  const shape: [number, number, number] = gpu.report.isFallbackAdapter ? [512, 512, 512] : [1024, 1024, 1024];
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
