import naiveSource from '../../shaders/gemm/naive.wgsl';
import { matmulReference } from '../reference/gemm.js';
import type { Dispatcher, GpuStorage, Kernel } from './kernel.js';

const TILE = 16;

/** The naive GEMM baseline: C[M, N] = A[M, K] · B[K, N], one output per invocation, 16×16 workgroups. */
export const gemmNaiveKernel: Kernel<Record<string, never>> = {
  name: 'gemm/naive',
  source: naiveSource,
  bindings: [
    { name: 'a', kind: 'read-only-storage' },
    { name: 'b', kind: 'read-only-storage' },
    { name: 'c', kind: 'storage' },
    { name: 'params', kind: 'uniform' },
  ],
  workgroupSize: () => [TILE, TILE, 1],
  defines: () => ({}),
  variants: [{}],
  references: { matmul: matmulReference },
};

/** Records C = A · B with the naive kernel. */
export function encodeGemmNaive(
  gpu: Dispatcher,
  a: GpuStorage,
  b: GpuStorage,
  c: GpuStorage,
  m: number,
  n: number,
  k: number,
): void {
  if (m === 0 || n === 0) return;
  const limit = gpu.limits.maxComputeWorkgroupsPerDimension;
  const groups: [number, number, number] = [Math.ceil(n / TILE), Math.ceil(m / TILE), 1];
  if (groups[0] > limit || groups[1] > limit) {
    throw new RangeError(`matmul: [${m}, ${k}] · [${k}, ${n}] needs ${groups[0]}×${groups[1]} workgroups; this device allows ${limit} per dimension`);
  }
  gpu.dispatch(gemmNaiveKernel, {}, [a, b, c, new Uint32Array([m, n, k])], groups);
}
