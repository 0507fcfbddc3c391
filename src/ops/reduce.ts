import { ArgumentError, ShapeError, describeValue, formatShape } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkDType, checkSameBackend } from './shared.js';
import { opsOf } from '../backend/contract.js';

/**
 * out = Σ_i x[…, i, …] over one axis (negative counts from the end), the axis removed from the
 * shape; f32, summed in a fixed order (the same result every run).
 */
export function sum(x: Tensor, axis: number): Tensor {
  checkSameBackend('sum', { x });
  checkDType('sum', 'x', x, ['f32']);
  if (!Number.isInteger(axis) || axis < -x.rank || axis >= x.rank) {
    throw new ShapeError(`sum: axis must be an integer in [${-x.rank}, ${x.rank - 1}] for x ${formatShape(x.shape)}, got ${axis}`);
  }
  return opsOf(x).sum(x, axis < 0 ? axis + x.rank : axis);
}

/** out[] = sqrt(Σ over all tensors of Σ x²), a scalar tensor computed without readback (for gradient clipping); f32, fixed order. */
export function globalNorm(tensors: readonly Tensor[]): Tensor {
  if (!Array.isArray(tensors)) throw new ArgumentError(`globalNorm: tensors must be an array of Tensors, got ${describeValue(tensors)}`);
  if (tensors.length === 0) throw new ShapeError('globalNorm: expected a non-empty array of tensors');
  checkSameBackend('globalNorm', Object.fromEntries(tensors.map((t, i) => [`tensors[${i}]`, t])));
  tensors.forEach((t, i) => checkDType('globalNorm', `tensors[${i}]`, t, ['f32']));
  return opsOf(tensors[0]!).globalNorm(tensors);
}
