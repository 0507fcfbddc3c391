import blockedSource from '../../shaders/gemm/blocked.wgsl';
import reduceSource from '../../shaders/gemm/split-k-reduce.wgsl';
import { matmulReference } from '../reference/gemm.js';
import { type EpilogueActivation, activationFunctions } from './activation-fn.js';
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

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * The straight-line body of a tm × tn block: accumulators acc{r}_{j} (C[row0 + r, col0 + 4j ..]),
 * per k-step a{r} = A[row0 + r, k .. k+3] and b{kk}_{j} = B[k + kk, col0 + 4j ..], loaded along
 * each layout's contiguous dimension (the load helpers are in blocked.wgsl).
 */
function blockCode(v: BlockedVariant): { DECLARE: string; STEP: string; STORE: string } {
  const rows = range(v.tm);
  const cols4 = range(v.tn / 4);
  const ks = range(4);
  const lane = 'xyzw';
  const declare: string[] = rows.flatMap((r) => cols4.map((j) => `var acc${r}_${j} = vec4<f32>();`));
  const step: string[] = [];
  // VEC4: the clamped row/column part of every load index is fixed per invocation, so it is
  // computed once here and each k-step adds only k (in vec4 units): fewer instructions per load.
  if (v.vec4) step.push('let kq = k / 4u;');
  if (v.transA) {
    // A stored [K, M]: vec4 down 4 rows for each k, then transposed.
    if (v.vec4) {
      declare.push(...range(v.tm / 4).map((i) => `let ca${i} = base_a / 4u + min(row0 + ${4 * i}u, m - 4u) / 4u;`));
      step.push('let ra = k * m4;');
      for (const kk of ks) for (const i of range(v.tm / 4)) step.push(`let ta${kk}_${i} = a[ca${i} + ra + ${kk}u * m4];`);
    } else {
      for (const kk of ks) for (const i of range(v.tm / 4)) step.push(`let ta${kk}_${i} = a_col4(base_a, k + ${kk}u, row0 + ${4 * i}u);`);
    }
    for (const r of rows) step.push(`let a${r} = vec4(${ks.map((kk) => `ta${kk}_${r >> 2}.${lane[r & 3]}`).join(', ')});`);
  } else if (v.vec4) {
    declare.push(...rows.map((r) => `let pa${r} = (base_a + min(row0 + ${r}u, m - 1u) * kdim) / 4u;`));
    for (const r of rows) step.push(`let a${r} = a[pa${r} + kq];`);
  } else {
    for (const r of rows) step.push(`let a${r} = a_row4(base_a, row0 + ${r}u, k);`);
  }
  if (v.transB) {
    // B stored [N, K]: vec4 along k for each column, then transposed.
    if (v.vec4) {
      declare.push(...range(v.tn).map((c) => `let pb${c} = (base_b + min(col0 + ${c}u, n - 1u) * kdim) / 4u;`));
      for (const c of range(v.tn)) step.push(`let tb${c} = b[pb${c} + kq];`);
    } else {
      for (const c of range(v.tn)) step.push(`let tb${c} = b_row4(base_b, col0 + ${c}u, k);`);
    }
    for (const kk of ks)
      for (const j of cols4)
        step.push(
          `let b${kk}_${j} = vec4(${range(4)
            .map((q) => `tb${4 * j + q}.${lane[kk]}`)
            .join(', ')});`,
        );
  } else if (v.vec4) {
    declare.push(...cols4.map((j) => `let cb${j} = base_b / 4u + min(col0 + ${4 * j}u, n - 4u) / 4u;`));
    step.push('let rb = k * n4;');
    for (const kk of ks) for (const j of cols4) step.push(`let b${kk}_${j} = b[cb${j} + rb + ${kk}u * n4];`);
  } else {
    for (const kk of ks) for (const j of cols4) step.push(`let b${kk}_${j} = b_col4(base_b, k + ${kk}u, col0 + ${4 * j}u);`);
  }
  for (const r of rows) {
    // fma: SwiftShader emits fused multiply-adds for it (measured 15-20% faster than a * b + c).
    for (const j of cols4)
      step.push(`acc${r}_${j} = ${ks.reduceRight((inner, kk) => `fma(a${r}.${lane[kk]!.repeat(4)}, b${kk}_${j}, ${inner})`, `acc${r}_${j}`)};`);
  }
  const indent = (lines: string[], depth: number) => lines.map((l) => `${'  '.repeat(depth)}${l}`).join('\n');
  // The epilogue loops over the block's rows with a count known only at run time (rows past M
  // are skipped) and loads the bias once per column, before the loop. With one loop over all
  // tm·tn/4 pieces, a constant count and the bias loaded per piece, lavapipe compiled the 8×8
  // block 3× slower with a bias or bias + GELU than without (8.5 s against 2.6 s now, at load
  // average 5). The accumulators go through an array for the loop to index.
  const biasLines = v.bias && !v.split ? cols4.map((j) => `let bc${j} = bias4(col0 + ${4 * j}u);`) : [];
  const plus = (j: number) => (biasLines.length > 0 ? ` + bc${j}` : '');
  return {
    DECLARE: indent(declare, 1),
    STEP: indent(step, 2),
    STORE: indent(
      [
        `var block: array<vec4<f32>, ${(v.tm * v.tn) / 4}>;`,
        ...rows.flatMap((r) => cols4.map((j) => `block[${r * cols4.length + j}] = acc${r}_${j};`)),
        ...biasLines,
        `for (var r = 0u; r < min(${v.tm}u, m - row0); r++) {`,
        ...cols4.map((j) => `  store4(base_c, row0 + r, col0 + ${4 * j}u, block[r * ${cols4.length}u + ${j}u]${plus(j)});`),
        '}',
      ],
      1,
    ),
  };
}

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
