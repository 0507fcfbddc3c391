import { type BlockShape, type GemmProblem, encodeGemmBlocked } from '../../../kernels/gemm-blocked.js';
import { encodeGemmNaive } from '../../../kernels/gemm-naive.js';
import { encodeGemmTiled } from '../../../kernels/gemm-tiled.js';
import type { GpuStorage } from '../../../kernels/kernel.js';
import type { GemmOps, GemmVariant, MatmulSpec } from '../../../ops/gemm.js';
import { Tensor } from '../../../tensor/tensor.js';
import type { WebGPUBackend } from '../backend.js';

/** Block shapes of the register-blocked variants. */
export const BLOCK_SHAPES: Record<Exclude<GemmVariant, 'naive' | 'tiled-64x64'>, BlockShape> = {
  'blocked-8x8': { tm: 8, tn: 8, wgX: 8, wgY: 8 },
  'blocked-16x16': { tm: 16, tn: 16, wgX: 4, wgY: 4 },
  'blocked-32x16': { tm: 32, tn: 16, wgX: 4, wgY: 2 },
  'blocked-16x32': { tm: 16, tn: 32, wgX: 2, wgY: 4 },
  'blocked-32x32': { tm: 32, tn: 32, wgX: 2, wgY: 2 },
};

/** The variant used when none is forced: tuned per adapter when `tuneGemm()` ran, else by adapter kind. */
export function defaultGemmVariant(gpu: WebGPUBackend): GemmVariant {
  return gpu.gemmVariant ?? (gpu.report.isFallbackAdapter ? 'blocked-16x16' : 'tiled-64x64');
}

/** The matrix products on WebGPU. */
export function webgpuGemmOps(gpu: WebGPUBackend): GemmOps {
  return {
    matmul: (a, b, s) => {
      const out = gpu.allocate([...s.batchShape, s.m, s.n], 'f32', 'matmul');
      encodeMatmul(gpu, s, s.variant ?? defaultGemmVariant(gpu), a.storage<GpuStorage>('matmul'), b.storage<GpuStorage>('matmul'), out);
      return new Tensor(gpu, out, [...s.batchShape, s.m, s.n], 'f32');
    },
  };
}

function encodeMatmul(gpu: WebGPUBackend, s: MatmulSpec, variant: GemmVariant, a: GpuStorage, b: GpuStorage, out: GpuStorage): void {
  const problem: GemmProblem = { m: s.m, n: s.n, k: s.k, batches: s.batches, transA: s.transA, transB: s.transB, strideA: s.strideA, strideB: s.strideB, activation: s.activation };
  const bias = s.bias?.storage<GpuStorage>('matmul');
  if (variant === 'naive') return encodeGemmNaive(gpu, problem, a, b, bias, out);
  if (variant === 'tiled-64x64') {
    const tile = { tm: 4, tn: 4, wgX: 16, wgY: 16 };
    return encodeGemmTiled(gpu, problem, a, b, bias, out, s.splitK ?? splitKFor(gpu, tile, s));
  }
  const shape = BLOCK_SHAPES[variant];
  encodeGemmBlocked(gpu, shape, problem, a, b, bias, out, s.splitK ?? splitKFor(gpu, shape, s));
}

/**
 * Splits K when the output has too few blocks to keep the device busy and K is long (the
 * weight gradient Xᵀ·dY of a small layer over many tokens). Real GPUs want hundreds of
 * workgroups; CPU-emulated ones only a few per core.
 */
function splitKFor(gpu: WebGPUBackend, shape: BlockShape, s: MatmulSpec): number {
  const workgroups = Math.ceil(s.m / (shape.tm * shape.wgY)) * Math.ceil(s.n / (shape.tn * shape.wgX)) * s.batches;
  const wanted = gpu.report.isFallbackAdapter ? 8 : 256;
  if (workgroups >= wanted || s.k < 1024) return 1;
  return Math.min(Math.ceil(wanted / workgroups), Math.floor(s.k / 256));
}
