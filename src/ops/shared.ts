import { ShapeError, formatShape } from '../errors.js';
import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';

/** Throws unless every tensor is alive and all live on one backend; `op` names the caller. */
export function checkSameBackend(op: string, ...tensors: Tensor[]): void {
  // storage() throws DisposedTensorError, naming the op, for a disposed argument.
  for (const t of tensors) t.storage(op);
  const first = tensors[0]!;
  const other = tensors.find((t) => t.backend !== first.backend);
  if (other) throw new ShapeError(`${op}: arguments live on different backends (${first.describe()} and ${other.describe()})`);
}

/** Throws unless `t` has one of the `allowed` dtypes. */
export function checkDType(op: string, name: string, t: Tensor, allowed: readonly DType[]): void {
  if (!allowed.includes(t.dtype)) {
    throw new ShapeError(`${op}: ${name} must be ${allowed.join(' or ')}, got ${t.describe()}`);
  }
}

/** Throws unless `t.shape` equals `expected` exactly. */
export function checkShapeEquals(op: string, name: string, t: Tensor, expected: readonly number[]): void {
  if (t.rank !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
    throw new ShapeError(`${op}: ${name} must have shape ${formatShape(expected)}, got ${formatShape(t.shape)}`);
  }
}
