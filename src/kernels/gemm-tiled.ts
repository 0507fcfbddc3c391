import tiledSource from '../../shaders/gemm/tiled.wgsl';
import { matmulReference } from '../reference/gemm.js';
import { type EpilogueActivation, activationFunctions } from './activation-fn.js';
import { GEMM_BINDINGS, type GemmProblem, encodeSplitReduce, gemmParams, splitK } from './gemm-blocked.js';
import type { Dispatcher, GpuStorage, Kernel } from './kernel.js';

/** Rows and columns of C one workgroup computes. */
export const TILED_TILE = 64;

export interface TiledVariant {
  transA: boolean;
  transB: boolean;
  bias: boolean;
  activation: EpilogueActivation;
  split: boolean;
}

const bool = [false, true] as const;

/** Workgroup-memory tiled GEMM for real GPUs (see shaders/gemm/tiled.wgsl). */
export const gemmTiledKernel: Kernel<TiledVariant> = {
  name: 'gemm/tiled',
  source: tiledSource,
  bindings: GEMM_BINDINGS,
  workgroupSize: () => [16, 16, 1],
  defines: (v) => ({ TRANS_A: v.transA, TRANS_B: v.transB, BIAS: v.bias, EPILOGUE: !v.split, ACTIVATION_FNS: activationFunctions(v.activation) }),
  variants: bool.flatMap((transA) =>
    bool.flatMap((transB) => bool.map((split) => ({ transA, transB, bias: !split, activation: split ? 'none' : 'gelu', split }) as TiledVariant)),
  ),
  references: { matmul: matmulReference },
};

/** Records C = op(A)·op(B) (+ bias, activation) with the tiled kernel, split over K `splits` ways. */
export function encodeGemmTiled(gpu: Dispatcher, p: GemmProblem, a: GpuStorage, b: GpuStorage, bias: GpuStorage | undefined, c: GpuStorage, splits = 1): void {
  const { m, n, k, batches } = p;
  if (m === 0 || n === 0 || batches === 0) return;
  const { kPerSplit, splitCount } = splitK(k, splits, 16);
  const groups: [number, number, number] = [Math.ceil(n / TILED_TILE), Math.ceil(m / TILED_TILE), batches * splitCount];
  const limit = gpu.limits.maxComputeWorkgroupsPerDimension;
  if (groups.some((g) => g > limit)) {
    throw new RangeError(`matmul: [${m}, ${k}] · [${k}, ${n}] × ${batches} needs ${groups.join('×')} workgroups; this device allows ${limit} per dimension`);
  }
  const split = splitCount > 1;
  const variant: TiledVariant = { transA: p.transA, transB: p.transB, bias: !!bias && !split, activation: split ? 'none' : p.activation, split };
  const target = split ? gpu.allocate([splitCount * batches * m * n], 'f32', 'matmul split-K') : c;
  gpu.dispatch(gemmTiledKernel, variant, [a, b, bias ?? a, target, gemmParams(p, split ? kPerSplit : 0)], groups);
  if (split) encodeSplitReduce(gpu, p, target, splitCount, bias, c);
}
