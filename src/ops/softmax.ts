import { ShapeError, formatShape } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkDType, checkSameBackend, checkShapeEquals, ifGiven } from './shared.js';
import { opsOf } from '../backend/contract.js';

/**
 * y = exp(x + mask − max) / Σ exp(x + mask − max) over the last dimension of x [..., N].
 * `mask` is additive f32 (0, −∞ or a large negative), shaped like x or like a suffix of x's
 * shape (broadcast over the leading dimensions, e.g. a causal [T, T] mask for x [B, H, T, T]).
 * A row whose entries are all −∞ gives zeros.
 */
export function softmax(x: Tensor, mask?: Tensor): Tensor {
  const op = 'softmax';
  checkSameBackend(op, { x, ...ifGiven('mask', mask) });
  checkDType(op, 'x', x, ['f32']);
  if (x.rank < 1) throw new ShapeError(`${op}: x must have shape [..., N], got ${x.describe()}`);
  if (mask !== undefined) {
    checkDType(op, 'mask', mask, ['f32']);
    const suffix = x.shape.slice(x.rank - mask.rank);
    if (mask.rank < 1 || mask.rank > x.rank || mask.shape.some((d, i) => d !== suffix[i])) {
      throw new ShapeError(
        `${op}: mask must have shape ${formatShape(x.shape)} or a suffix of it (last dimension ${x.shape[x.rank - 1]}), got ${formatShape(mask.shape)}`,
      );
    }
  }
  return opsOf(x).softmax(x, mask ?? null);
}

/** dx = y ⊙ (dy − Σ_j dy_j·y_j) over the last dimension, given the softmax output y. */
export function softmaxBackward(dy: Tensor, y: Tensor): Tensor {
  const op = 'softmaxBackward';
  checkSameBackend(op, { dy, y });
  checkDType(op, 'dy', dy, ['f32']);
  checkDType(op, 'y', y, ['f32']);
  if (y.rank < 1) throw new ShapeError(`${op}: y must have shape [..., N], got ${y.describe()}`);
  checkShapeEquals(op, 'dy', dy, y.shape);
  return opsOf(y).softmaxBackward(dy, y);
}
