// CPU reference for the GEMM kernels: the textbook triple loop, accumulated in float64.

/** C[M, N] = A[M, K] · B[K, N], all row-major. */
export function matmulReference(
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  m: number,
  n: number,
  k: number,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += a[i * k + p]! * b[p * n + j]!;
      c[i * n + j] = sum;
    }
  }
}
