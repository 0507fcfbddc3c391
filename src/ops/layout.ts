import { ShapeError, formatShape } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkDType, checkSameBackend } from './shared.js';
import { opsOf } from '../backend/contract.js';

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
