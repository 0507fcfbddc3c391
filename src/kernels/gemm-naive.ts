import naiveSource from '../../shaders/gemm/naive.wgsl';
import { matmulReference } from '../reference/gemm.js';
import { type EpilogueActivation, activationFunctions } from './activation-fn.js';
import { GEMM_BINDINGS, type GemmProblem } from './gemm-blocked.js';
import type { Dispatcher, GpuStorage, Kernel } from './kernel.js';

const TILE = 16;

export interface NaiveVariant {
  transA: boolean;
  transB: boolean;
  bias: boolean;
  activation: EpilogueActivation;
}

const bool = [false, true] as const;

/** The naive GEMM baseline: one output per invocation, 16×16 workgroups. */
export const gemmNaiveKernel: Kernel<NaiveVariant> = {
  name: 'gemm/naive',
  source: naiveSource,
  bindings: GEMM_BINDINGS,
  workgroupSize: () => [TILE, TILE, 1],
  defines: (v) => ({ TRANS_A: v.transA, TRANS_B: v.transB, BIAS: v.bias, ACTIVATION_FNS: activationFunctions(v.activation) }),
  variants: bool.flatMap((transA) =>
    bool.flatMap((transB) => bool.map((bias) => ({ transA, transB, bias, activation: bias ? 'gelu_tanh' : 'none' }) as NaiveVariant)),
  ),
  references: { matmul: matmulReference },
};

/** Records C = op(A)·op(B) (+ bias, activation) with the naive kernel. */
export function encodeGemmNaive(gpu: Dispatcher, p: GemmProblem, a: GpuStorage, b: GpuStorage, bias: GpuStorage | undefined, c: GpuStorage): void {
  const { m, n, k, batches } = p;
  if (m === 0 || n === 0 || batches === 0) return;
  const limit = gpu.limits.maxComputeWorkgroupsPerDimension;
  const groups: [number, number, number] = [Math.ceil(n / TILE), Math.ceil(m / TILE), batches];
  if (groups.some((g) => g > limit)) {
    throw new RangeError(`matmul: [${m}, ${k}] · [${k}, ${n}] × ${batches} needs ${groups.join('×')} workgroups; this device allows ${limit} per dimension`);
  }
  const variant: NaiveVariant = { transA: p.transA, transB: p.transB, bias: !!bias, activation: p.activation };
  const params = new Uint32Array([m, n, k, batches, p.strideA, p.strideB]);
  gpu.dispatch(gemmNaiveKernel, variant, [a, b, bias ?? a, c, params], groups);
}
