import { ShapeError, formatShape } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkDType, checkSameBackend } from './shared.js';
import { opsOf } from '../backend/contract.js';
import { broadcastShape, isSuffixShape } from '../reference/elementwise.js';

/**
 * out = a + b, elementwise, with NumPy broadcasting: shapes are aligned at their last dim and each
 * pair of sizes must be equal or one of them 1 (or missing), which then repeats. The result has
 * the broadcast shape (a's own when b is a suffix of it, as a bias [N] onto [M, N]). One dtype for
 * both; a result of more than 6 dims needs one side to be a suffix of the other.
 */
export function add(a: Tensor, b: Tensor): Tensor {
  const shape = checkBroadcastBoth('add', a, b); // before opsOf(a), which needs a to be a tensor
  return opsOf(a).add(a, b, shape);
}

/** out = a · b, elementwise, with NumPy broadcasting as `add`. */
export function mul(a: Tensor, b: Tensor): Tensor {
  const shape = checkBroadcastBoth('mul', a, b);
  return opsOf(a).mul(a, b, shape);
}

/** out = s · x, elementwise (f32 or f16; s is rounded to f32). */
export function scale(x: Tensor, s: number): Tensor {
  checkSameBackend('scale', { x });
  checkDType('scale', 'x', x, FLOAT_DTYPES);
  checkFactor('scale', s);
  return opsOf(x).scale(x, s);
}

/** out = a + s · b, elementwise (the residual and update form); b has a's shape or a suffix of it; f32 or f16, s rounded to f32. */
export function addScaled(a: Tensor, b: Tensor, s: number): Tensor {
  checkBroadcast('addScaled', a, b);
  checkDType('addScaled', 'a', a, FLOAT_DTYPES);
  checkFactor('addScaled', s);
  return opsOf(a).addScaled(a, b, s);
}

/** into ← into + s · x, in place (gradient accumulation over micro-batches); f32, x exactly into's shape, s rounded to f32. */
export function accumulate(into: Tensor, x: Tensor, s: number): void {
  const op = 'accumulate';
  checkSameBackend(op, { into, x });
  checkDType(op, 'into', into, ['f32']);
  checkDType(op, 'x', x, ['f32']);
  if (into.rank !== x.rank || into.shape.some((d, i) => d !== x.shape[i])) {
    throw new ShapeError(`${op}: x must have into's shape, got into ${formatShape(into.shape)} and x ${formatShape(x.shape)}`);
  }
  // The kernel reads x while it writes into: one tensor in both roles would alias a read-only and a read-write binding.
  if (into === x) throw new ShapeError(`${op}: into and x must be different tensors, got the same ${into.describe()}`);
  checkFactor(op, s);
  opsOf(into).accumulate(into, x, s);
}

const FLOAT_DTYPES = ['f32', 'f16'] as const;

function checkFactor(op: string, s: number): void {
  if (typeof s !== 'number' || !Number.isFinite(s)) throw new ShapeError(`${op}: s must be a finite number, got ${String(s)}`);
}

/** Most dims of the result of a broadcast where neither shape is a suffix of the other (the GPU kernel's uniform holds 6). */
export const MAX_BROADCAST_RANK = 6;

/** Same backend and dtype, and shapes that broadcast; returns the result's shape. */
function checkBroadcastBoth(op: string, a: Tensor, b: Tensor): number[] {
  checkSameBackend(op, { a, b });
  if (a.dtype !== b.dtype) throw new ShapeError(`${op}: dtypes differ: ${a.describe()} and ${b.describe()}`);
  const shape = broadcastShape(a.shape, b.shape);
  if (!shape) {
    const k = [...Array(Math.min(a.rank, b.rank)).keys()].find((j) => {
      const [x, y] = [a.shape[a.rank - 1 - j]!, b.shape[b.rank - 1 - j]!];
      return x !== y && x !== 1 && y !== 1;
    })!;
    throw new ShapeError(
      `${op}: a ${formatShape(a.shape)} and b ${formatShape(b.shape)} do not broadcast: sizes ${a.shape[a.rank - 1 - k]} and ${b.shape[b.rank - 1 - k]} meet at dim ${-1 - k} (aligned from the last dim, sizes must be equal or 1)`,
    );
  }
  if (shape.length > MAX_BROADCAST_RANK && !isSuffixShape(a.shape, b.shape)) {
    throw new ShapeError(
      `${op}: a broadcast result may have at most ${MAX_BROADCAST_RANK} dims unless b's shape is a suffix of a's, got a ${formatShape(a.shape)} and b ${formatShape(b.shape)}`,
    );
  }
  return shape;
}

/** Same backend and dtype, and b's shape equal to a's or to a suffix of it. */
function checkBroadcast(op: string, a: Tensor, b: Tensor): void {
  checkSameBackend(op, { a, b });
  if (a.dtype !== b.dtype) throw new ShapeError(`${op}: dtypes differ: ${a.describe()} and ${b.describe()}`);
  const offset = a.rank - b.rank;
  if (offset < 0 || b.shape.some((d, i) => d !== a.shape[offset + i])) {
    throw new ShapeError(`${op}: b's shape must equal a's shape or a suffix of it, got a ${formatShape(a.shape)} and b ${formatShape(b.shape)}`);
  }
}

/** @internal x ← 0 in place (a training step clears its gradient accumulators with it). */
export function zeroInPlace(x: Tensor): void {
  checkSameBackend('zero', { x });
  opsOf(x).zero(x);
}
