import { ShapeError, formatShape } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkSameBackend } from './shared.js';

/** Elementwise ops a backend implements (arguments already checked). */
export interface ElementwiseOps {
  /** out = a + b, elementwise. */
  add(a: Tensor, b: Tensor): Tensor;
  /** out = a · b, elementwise. */
  mul(a: Tensor, b: Tensor): Tensor;
}

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

function checkElementwise(op: string, a: Tensor, b: Tensor): void {
  checkSameBackend(op, a, b);
  if (a.dtype !== b.dtype) throw new ShapeError(`${op}: dtypes differ: ${a.describe()} and ${b.describe()}`);
  if (a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new ShapeError(`${op}: shapes differ: ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
}
