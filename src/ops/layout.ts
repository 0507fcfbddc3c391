import { ShapeError, formatShape } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkDType, checkSameBackend } from './shared.js';
import { type SliceSpec, opsOf } from '../backend/contract.js';

/** Most dims `transpose` takes (the GPU kernel keeps the shape and strides in a fixed-size uniform). */
export const MAX_TRANSPOSE_RANK = 6;

/**
 * Permutes the dims of x: out.shape[k] = x.shape[perm[k]] and out[i_0, …, i_{r-1}] = x[j] with
 * j_{perm[k]} = i_k (numpy's `transpose(x, perm)`; [B, T, H, Dh] → [B, H, T, Dh] is perm [0, 2, 1, 3]).
 * f32, i32 or u32, rank ≤ 6. Always a copy, also for the identity permutation.
 */
export function transpose(x: Tensor, perm: readonly number[]): Tensor {
  const op = 'transpose';
  checkSameBackend(op, { x });
  checkDType(op, 'x', x, ['f32', 'i32', 'u32']);
  if (x.rank > MAX_TRANSPOSE_RANK) {
    throw new ShapeError(`${op}: x may have at most ${MAX_TRANSPOSE_RANK} dims, got x ${formatShape(x.shape)} (rank ${x.rank})`);
  }
  const isPermutation =
    Array.isArray(perm) && perm.length === x.rank && perm.every((p) => Number.isInteger(p) && p >= 0 && p < x.rank) && new Set(perm).size === perm.length;
  if (!isPermutation) {
    const expected = formatShape(Array.from({ length: x.rank }, (_, i) => i));
    const got = Array.isArray(perm) ? formatShape(perm) : String(perm);
    throw new ShapeError(`${op}: perm must be a permutation of ${expected} for x ${formatShape(x.shape)}, got ${got}`);
  }
  return opsOf(x).transpose(x, [...perm]);
}

/**
 * x[..., start : start + length, ...] along `axis` (negative counts from the end): the same rank,
 * `length` entries on that axis (0 ≤ start, start + length ≤ the axis's size). f32, i32 or u32; a copy.
 */
export function slice(x: Tensor, axis: number, start: number, length: number): Tensor {
  const op = 'slice';
  checkSameBackend(op, { x });
  checkDType(op, 'x', x, ['f32', 'i32', 'u32']);
  const resolved = resolveAxis(op, x.shape, axis);
  return opsOf(x).slice(x, checkRange(op, resolved, start, length, x.shape[resolved]!, `the size of axis ${resolved} of x ${formatShape(x.shape)}`));
}

/**
 * The backward of `slice`: dx of x's shape (`size` entries along `axis`) holding dy at entries
 * [start, start + dy's length) of the axis and 0 elsewhere. f32.
 */
export function sliceBackward(dy: Tensor, axis: number, start: number, size: number): Tensor {
  const op = 'sliceBackward';
  checkSameBackend(op, { dy });
  checkDType(op, 'dy', dy, ['f32']);
  const resolved = resolveAxis(op, dy.shape, axis);
  if (!Number.isInteger(size) || size < 0) throw new ShapeError(`${op}: size must be a non-negative integer, got ${size}`);
  return opsOf(dy).sliceBackward(dy, checkRange(op, resolved, start, dy.shape[resolved]!, size, 'size'));
}

/**
 * a and b joined along `axis` (negative counts from the end): f32, the same rank, the same sizes on
 * every other axis; the axis has a's entries then b's. A copy.
 */
export function concat(a: Tensor, b: Tensor, axis: number): Tensor {
  const op = 'concat';
  checkSameBackend(op, { a, b });
  checkDType(op, 'a', a, ['f32']);
  checkDType(op, 'b', b, ['f32']);
  const resolved = resolveAxis(op, a.shape, axis);
  if (a.rank !== b.rank || a.shape.some((d, k) => k !== resolved && d !== b.shape[k])) {
    throw new ShapeError(`${op}: a ${formatShape(a.shape)} and b ${formatShape(b.shape)} must have the same rank and sizes outside axis ${resolved}`);
  }
  return opsOf(a).concat(a, b, resolved);
}

/** `axis` in [−rank, rank) as an index in [0, rank). */
function resolveAxis(op: string, shape: readonly number[], axis: number): number {
  const rank = shape.length;
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new ShapeError(`${op}: axis must be an integer in [${-rank}, ${rank - 1}] for shape ${formatShape(shape)}, got ${String(axis)}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Checks 0 ≤ start, 0 ≤ length and start + length ≤ size (`sizeLabel` says what size is, for the message). */
function checkRange(op: string, axis: number, start: number, length: number, size: number, sizeLabel: string): SliceSpec {
  if (!Number.isInteger(start) || start < 0) throw new ShapeError(`${op}: start must be a non-negative integer, got ${String(start)}`);
  if (!Number.isInteger(length) || length < 0) throw new ShapeError(`${op}: length must be a non-negative integer, got ${String(length)}`);
  if (start + length > size) {
    throw new ShapeError(`${op}: start + length must be at most ${size} (${sizeLabel}), got start ${start} + length ${length} = ${start + length}`);
  }
  return { axis, start, length, size };
}
