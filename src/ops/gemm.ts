import { ShapeError, formatShape } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkSameBackend } from './shared.js';

/** Matrix products a backend implements (arguments already checked). */
export interface GemmOps {
  /** C[M, N] = A[M, K] · B[K, N]. */
  matmul(a: Tensor, b: Tensor): Tensor;
}

/** C[M, N] = Σ_k A[M, k] · B[k, N], for f32 matrices. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkSameBackend('matmul', a, b);
  if (a.dtype !== 'f32' || b.dtype !== 'f32') {
    throw new ShapeError(`matmul: expected f32 operands, got ${a.describe()} and ${b.describe()}`);
  }
  if (a.rank !== 2 || b.rank !== 2 || a.shape[1] !== b.shape[0]) {
    throw new ShapeError(
      `matmul: expected A [M, K] and B [K, N], got A ${formatShape(a.shape)} and B ${formatShape(b.shape)}`,
    );
  }
  return a.backend.ops.matmul(a, b);
}
