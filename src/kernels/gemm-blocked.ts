// The GEMM family: C = op(A)·op(B) (+ bias, activation), batched, f32. Every variant is checked
// against src/reference/gemm.ts (test/kernels/gemm.cases.ts) before it is timed, and the default
// per adapter and product size is `chooseGemmVariant` in src/backend/webgpu/ops/gemm.ts.
//
// | variant            | file                  | for                                        | where it wins |
// | naive              | gemm-naive.ts         | the baseline; tiny products                | below ~40³ (2^17 flops): no compile to speak of (0.02–0.2 s) |
// | blocked-8x8 … 32x32 | gemm-blocked.ts (here) | CPU-emulated adapters: each invocation keeps a TM×TN block in registers, no workgroup memory | SwiftShader and lavapipe, where every load is a gather |
// | tiled-64x64        | gemm-tiled.ts         | real GPUs: 64×64 tiles staged in workgroup memory, 4×4 per invocation | GPUs |
// | split-K reduce     | gemm-blocked.ts       | long K with few output blocks (the weight gradient Xᵀ·dY of a small layer) | adds the partials in a fixed order |
//
// Measured (GFLOP/s; bench/results/gemm.json, SwiftShader, 1024³): naive 0.42, blocked-8x8 4.5,
// 16x16 6.5, 16x32 7.5, 32x32 8.6, tiled 1.9 (@jax-js/jax 3.1). On an H100 (gemm-node-h100.json,
// 1024³): naive 480, blocked-8x8 10,300, blocked-16x16 3,730, tiled-64x64 10,600. Big blocks
// compile slowly on software adapters (SwiftShader 32x32 2–3 s a pipeline; lavapipe 16x32 17–29 s
// and 32x32 46–94 s), which is why the default block grows with the product only as far as it
// pays (the table and its numbers are in src/backend/webgpu/ops/gemm.ts). The block's
// straight-line code is generated in gemm-codegen.ts.
import blockedSource from '../../shaders/gemm/blocked.wgsl';
import reduceSource from '../../shaders/gemm/split-k-reduce.wgsl';
import { matmulReference } from '../reference/gemm.js';
import { type EpilogueActivation, activationFunctions } from './activation-fn.js';
import { blockCode } from './gemm-codegen.js';
import { type Dispatcher, type GpuStorage, type Kernel, grid1D } from './kernel.js';

/** One batched GEMM: C[b] = op(A[b]) · op(B[b]) (+ bias, activation) for b < batches. */
export interface GemmProblem {
  m: number;
  n: number;
  k: number;
  batches: number;
  /** A is stored [K, M] (per batch) instead of [M, K]. */
  transA: boolean;
  /** B is stored [N, K] instead of [K, N]. */
  transB: boolean;
  /** Elements between batch matrices; 0 broadcasts one matrix to every batch. */
  strideA: number;
  strideB: number;
  activation: EpilogueActivation;
}

/** Register-block shape: each invocation computes tm × tn outputs; a workgroup is wgX × wgY invocations. */
export interface BlockShape {
  tm: number;
  tn: number;
  wgX: number;
  wgY: number;
}

export interface BlockedVariant extends BlockShape {
  vec4: boolean;
  transA: boolean;
  transB: boolean;
  bias: boolean;
  activation: EpilogueActivation;
  /** Writes split-K partials (no epilogue) instead of C. */
  split: boolean;
}

const bool = [false, true] as const;

/** The bindings every GEMM kernel declares (naive, blocked, tiled): A, B, bias (A again when unused), C, Params. */
export const GEMM_BINDINGS: Kernel<never>['bindings'] = [
  { name: 'a', kind: 'read-only-storage' },
  { name: 'b', kind: 'read-only-storage' },
  { name: 'bias', kind: 'read-only-storage' },
  { name: 'c', kind: 'storage' },
  { name: 'params', kind: 'uniform' },
];

/** Register-blocked GEMM for CPU-emulated adapters (see shaders/gemm/blocked.wgsl). */
export const gemmBlockedKernel: Kernel<BlockedVariant> = {
  name: 'gemm/blocked',
  source: blockedSource,
  bindings: GEMM_BINDINGS,
  workgroupSize: (v) => [v.wgX, v.wgY, 1],
  defines: (v) => ({
    ELEM: v.vec4 ? 'vec4<f32>' : 'f32',
    VEC4: v.vec4,
    TM: v.tm,
    TN: v.tn,
    ...blockCode(v),
    TRANS_A: v.transA,
    TRANS_B: v.transB,
    EPILOGUE: !v.split,
    ACTIVATION_FNS: activationFunctions(v.activation),
  }),
  variants: bool.flatMap((vec4) =>
    bool.flatMap((transA) =>
      bool.flatMap((transB) =>
        bool.map(
          (split) => ({ tm: 8, tn: 8, wgX: 8, wgY: 8, vec4, transA, transB, bias: !split, activation: split ? 'none' : 'gelu', split }) as BlockedVariant,
        ),
      ),
    ),
  ),
  references: { matmul: matmulReference },
};

export interface SplitReduceVariant {
  bias: boolean;
  activation: EpilogueActivation;
}

/** Sums split-K partials in a fixed order and applies the epilogue. */
export const splitKReduceKernel: Kernel<SplitReduceVariant> = {
  name: 'gemm/split-k-reduce',
  source: reduceSource,
  bindings: [
    { name: 'partial', kind: 'read-only-storage' },
    { name: 'bias', kind: 'read-only-storage' },
    { name: 'c', kind: 'storage' },
    { name: 'params', kind: 'uniform' },
  ],
  workgroupSize: () => [256, 1, 1],
  defines: (v) => ({ BIAS: v.bias, ACTIVATION_FNS: activationFunctions(v.activation) }),
  variants: bool.flatMap((bias) => (['none', 'relu', 'gelu', 'gelu_tanh'] as const).map((activation) => ({ bias, activation }))),
  references: { matmul: matmulReference },
};

/**
 * Records C = op(A)·op(B) (+ bias, activation) with the register-blocked kernel. `splits` > 1
 * divides K among that many partial products (for long K and few output blocks) and adds them
 * in a second pass.
 */
export function encodeGemmBlocked(
  gpu: Dispatcher,
  shape: BlockShape,
  p: GemmProblem,
  a: GpuStorage,
  b: GpuStorage,
  bias: GpuStorage | undefined,
  c: GpuStorage,
  splits = 1,
): void {
  const { m, n, k, batches } = p;
  if (m === 0 || n === 0 || batches === 0) return;
  const vec4 = m % 4 === 0 && n % 4 === 0 && k % 4 === 0 && p.strideA % 4 === 0 && p.strideB % 4 === 0;
  // Splits cover whole multiples of 4 of K (the vec4 step); fewer splits if K is short.
  const { kPerSplit, splitCount } = splitK(k, splits, 4);
  const groups: [number, number, number] = [Math.ceil(n / (shape.tn * shape.wgX)), Math.ceil(m / (shape.tm * shape.wgY)), batches * splitCount];
  const limit = gpu.limits.maxComputeWorkgroupsPerDimension;
  if (groups.some((g) => g > limit)) {
    throw new RangeError(`matmul: [${m}, ${k}] · [${k}, ${n}] × ${batches} needs ${groups.join('×')} workgroups; this device allows ${limit} per dimension`);
  }
  const split = splitCount > 1;
  const variant: BlockedVariant = {
    ...shape,
    vec4,
    transA: p.transA,
    transB: p.transB,
    bias: !!bias && !split,
    activation: split ? 'none' : p.activation,
    split,
  };
  const target = split ? gpu.allocate([splitCount * batches * m * n], 'f32', 'matmul split-K') : c;
  gpu.dispatch(gemmBlockedKernel, variant, [a, b, bias ?? a, target, gemmParams(p, split ? kPerSplit : 0)], groups);
  if (split) encodeSplitReduce(gpu, p, target, splitCount, bias, c);
}

/** The Params block blocked.wgsl and tiled.wgsl share; `kPerSplit` 0 means no split. */
export function gemmParams(p: GemmProblem, kPerSplit: number): Uint32Array {
  return new Uint32Array([p.m, p.n, p.k, kPerSplit || Math.max(p.k, 4), p.strideA, p.strideB, p.m * p.n, p.batches]);
}

/** How many splits of K, each a multiple of `multiple`, cover K when at most `splits` are wanted. */
export function splitK(k: number, splits: number, multiple: number): { kPerSplit: number; splitCount: number } {
  const kPerSplit = Math.max(multiple, Math.ceil(k / splits / multiple) * multiple);
  return { kPerSplit, splitCount: Math.max(1, Math.ceil(k / kPerSplit)) };
}

/** Adds the split-K partials in `workspace` into C with the epilogue, then frees the workspace. */
export function encodeSplitReduce(
  gpu: Dispatcher,
  p: GemmProblem,
  workspace: GpuStorage,
  splitCount: number,
  bias: GpuStorage | undefined,
  c: GpuStorage,
): void {
  const total = p.batches * p.m * p.n;
  gpu.dispatch(
    splitKReduceKernel,
    { bias: !!bias, activation: p.activation },
    [workspace, bias ?? workspace, c, new Uint32Array([total, p.n, splitCount])],
    grid1D(Math.ceil(total / 256), gpu.limits.maxComputeWorkgroupsPerDimension),
  );
  gpu.releaseStorage(workspace);
}
