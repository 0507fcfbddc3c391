import naiveSource from '../../shaders/gemm/naive.wgsl';
import { matmulReference } from '../reference/gemm.js';
import { type EpilogueActivation, activationFunctions } from './activation-fn.js';
import { GEMM_BINDINGS, type GemmProblem } from './gemm-blocked.js';
import type { Dispatcher, GpuStorage, Kernel } from './kernel.js';

const TILE = 16;
/** Workgroup width of the narrow form (one output per invocation). */
const NARROW = 64;
/** Workgroup width of the narrow vec4 form (four outputs per invocation): enough workgroups for every core at N = 256. */
const NARROW_COLS4 = 16;
/** Products of at most this many rows take the narrow form. */
const NARROW_ROWS = 4;

export interface NaiveVariant {
  transA: boolean;
  transB: boolean;
  bias: boolean;
  activation: EpilogueActivation;
  /**
   * Workgroups of 64×1 instead of 16×16: for products of a few rows (a decoding step's), where a
   * square workgroup leaves most of its rows of invocations idle.
   */
  narrow: boolean;
  /**
   * A·Bᵀ with K and the batch strides multiples of 4 (a decoding step's x·Wᵀ): rows of A and B read
   * as vec4. Lavapipe, 1×8000×256: 3.6 ms against 6.9 ms one value at a time. Narrow and vec4:
   * four outputs per invocation, 16 wide: 4.2 against 7.6 ms on SwiftShader, 2.2 against 3.7 on lavapipe.
   */
  vec4: boolean;
}

/** Whether a variant computes four outputs per invocation (narrow and vec4). */
function cols4(v: NaiveVariant): boolean {
  return v.narrow && v.vec4;
}

const bool = [false, true] as const;

/** The naive GEMM baseline: one output per invocation, 16×16 workgroups (64×1 for products of ≤ 4 rows). */
export const gemmNaiveKernel: Kernel<NaiveVariant> = {
  name: 'gemm/naive',
  source: naiveSource,
  bindings: GEMM_BINDINGS,
  workgroupSize: (v) => (cols4(v) ? [NARROW_COLS4, 1, 1] : v.narrow ? [NARROW, 1, 1] : [TILE, TILE, 1]),
  defines: (v) => ({ TRANS_A: v.transA, TRANS_B: v.transB, BIAS: v.bias, VEC4: v.vec4, COLS4: cols4(v), ACTIVATION_FNS: activationFunctions(v.activation) }),
  variants: bool.flatMap((transA) =>
    bool.flatMap((transB) =>
      bool.flatMap((bias) =>
        bool.map((narrow) => ({ transA, transB, bias, activation: bias ? 'gelu_tanh' : 'none', narrow, vec4: !transA && transB }) as NaiveVariant),
      ),
    ),
  ),
  references: { matmul: matmulReference },
};

/** Records C = op(A)·op(B) (+ bias, activation) with the naive kernel. */
export function encodeGemmNaive(gpu: Dispatcher, p: GemmProblem, a: GpuStorage, b: GpuStorage, bias: GpuStorage | undefined, c: GpuStorage): void {
  const { m, n, k, batches } = p;
  if (m === 0 || n === 0 || batches === 0) return;
  const limit = gpu.limits.maxComputeWorkgroupsPerDimension;
  const narrow = m <= NARROW_ROWS;
  const vec4 = !p.transA && p.transB && k % 4 === 0 && p.strideA % 4 === 0 && p.strideB % 4 === 0;
  const variant: NaiveVariant = { transA: p.transA, transB: p.transB, bias: !!bias, activation: p.activation, narrow, vec4 };
  const groups: [number, number, number] = cols4(variant)
    ? [Math.ceil(n / (4 * NARROW_COLS4)), m, batches]
    : narrow
      ? [Math.ceil(n / NARROW), m, batches]
      : [Math.ceil(n / TILE), Math.ceil(m / TILE), batches];
  if (groups.some((g) => g > limit)) {
    throw new RangeError(`matmul: [${m}, ${k}] · [${k}, ${n}] × ${batches} needs ${groups.join('×')} workgroups; this device allows ${limit} per dimension`);
  }
  const params = new Uint32Array([m, n, k, batches, p.strideA, p.strideB]);
  gpu.dispatch(gemmNaiveKernel, variant, [a, b, bias ?? a, c, params], groups);
}
