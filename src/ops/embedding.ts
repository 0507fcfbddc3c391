import { ShapeError, formatShape } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkDType, checkSameBackend, checkShapeEquals } from './shared.js';
import { opsOf } from '../backend/contract.js';

/**
 * out[..., d] = table[ids[...], d], table [V, D] f32, ids [...] i32, out [..., D]. An id outside
 * [0, V) gives a zero row on every backend (the GPU cannot throw).
 */
export function embedding(table: Tensor, ids: Tensor): Tensor {
  const op = 'embedding';
  checkSameBackend(op, { table, ids });
  checkDType(op, 'table', table, ['f32']);
  checkDType(op, 'ids', ids, ['i32']);
  if (table.rank !== 2) throw new ShapeError(`${op}: table must have shape [V, D], got ${formatShape(table.shape)}`);
  return opsOf(table).embedding(table, ids);
}

/**
 * dTable [V, D] = Σ_{p: ids[p] = v} dOut[p, :], dOut [...ids.shape, D] f32, ids i32; a new tensor
 * with zero rows for unused ids. Deterministic (same bits every run); ids outside [0, V) add nothing.
 */
export function embeddingBackward(dOut: Tensor, ids: Tensor, vocabSize: number): Tensor {
  const op = 'embeddingBackward';
  checkSameBackend(op, { dOut, ids });
  checkDType(op, 'dOut', dOut, ['f32']);
  checkDType(op, 'ids', ids, ['i32']);
  if (!Number.isInteger(vocabSize) || vocabSize < 0) {
    throw new ShapeError(`${op}: vocabSize must be a non-negative integer, got ${vocabSize}`);
  }
  if (dOut.rank !== ids.rank + 1) {
    throw new ShapeError(`${op}: dOut must have shape [${[...ids.shape, 'D'].join(', ')}] for ids ${formatShape(ids.shape)}, got ${formatShape(dOut.shape)}`);
  }
  checkShapeEquals(op, 'dOut', dOut, [...ids.shape, dOut.shape[dOut.rank - 1]!]);
  return opsOf(dOut).embeddingBackward(dOut, ids, vocabSize);
}
