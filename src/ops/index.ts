import { ShapeError, formatShape } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';

/** out = a + b, elementwise; `a` and `b` must share backend, dtype and shape. */
export function add(a: Tensor, b: Tensor): Tensor {
  checkElementwise('add', a, b);
  return a.backend.ops.add(a, b);
}

/** out = a · b, elementwise; `a` and `b` must share backend, dtype and shape. */
export function mul(a: Tensor, b: Tensor): Tensor {
  checkElementwise('mul', a, b);
  return a.backend.ops.mul(a, b);
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

function checkSameBackend(op: string, a: Tensor, b: Tensor): void {
  // storage() throws DisposedTensorError, naming the op, for a disposed argument.
  a.storage(op);
  b.storage(op);
  if (a.backend !== b.backend) {
    throw new ShapeError(`${op}: arguments live on different backends (${a.describe()} and ${b.describe()})`);
  }
}

function checkElementwise(op: string, a: Tensor, b: Tensor): void {
  checkSameBackend(op, a, b);
  if (a.dtype !== b.dtype) throw new ShapeError(`${op}: dtypes differ: ${a.describe()} and ${b.describe()}`);
  if (a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new ShapeError(`${op}: shapes differ: ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
}
