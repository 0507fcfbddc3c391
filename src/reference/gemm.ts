// CPU reference for the GEMM kernels: the textbook triple loop, accumulated in float64.
import type { FloatArray } from './types.js';

/** Options of `matmulReference`: which operands are stored transposed. */
export interface MatmulReferenceOptions {
  /** A is stored [K, M] rather than [M, K]. */
  transA?: boolean;
  /** B is stored [N, K] rather than [K, N]. */
  transB?: boolean;
}

/** C[M, N] = op(A) · op(B), all row-major; op(X) is X or Xᵀ as the options say. */
export function matmulReference(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  c: FloatArray,
  m: number,
  n: number,
  k: number,
  { transA = false, transB = false }: MatmulReferenceOptions = {},
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        const x = transA ? a[p * m + i]! : a[i * k + p]!;
        const y = transB ? b[j * k + p]! : b[p * n + j]!;
        sum += x * y;
      }
      c[i * n + j] = sum;
    }
  }
}
