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

/**
 * out[m, :] = x[index[m], :] for x [N, D] f32 and index [M] i32 → [M, D] (the [CLS] rows, the
 * masked positions). Indices must lie in [0, N); one outside gives a zero row (the GPU cannot
 * throw), and a graph's batch inputs are range-checked before upload.
 */
export function gatherRows(x: Tensor, index: Tensor): Tensor {
  const op = 'gatherRows';
  checkSameBackend(op, { x, index });
  checkDType(op, 'x', x, ['f32']);
  checkDType(op, 'index', index, ['i32']);
  if (x.rank !== 2) throw new ShapeError(`${op}: x must have shape [N, D], got ${formatShape(x.shape)}`);
  if (index.rank !== 1) throw new ShapeError(`${op}: index must have shape [M], got ${formatShape(index.shape)}`);
  // The same math as an embedding lookup with x as the table: the same kernels serve both.
  return opsOf(x).embedding(x, index);
}

/**
 * dx [rows, D] = Σ_{m: index[m] = r} dOut[m, :] (the backward of `gatherRows`), dOut [M, D] f32,
 * index [M] i32; rows no index names are 0. Deterministic; indices outside [0, rows) add nothing.
 */
export function gatherRowsBackward(dOut: Tensor, index: Tensor, rows: number): Tensor {
  const op = 'gatherRowsBackward';
  checkSameBackend(op, { dOut, index });
  checkDType(op, 'dOut', dOut, ['f32']);
  checkDType(op, 'index', index, ['i32']);
  if (!Number.isInteger(rows) || rows < 0) throw new ShapeError(`${op}: rows must be a non-negative integer, got ${rows}`);
  if (index.rank !== 1) throw new ShapeError(`${op}: index must have shape [M], got ${formatShape(index.shape)}`);
  if (dOut.rank !== 2 || dOut.shape[0] !== index.shape[0]) {
    throw new ShapeError(`${op}: dOut must have shape [${index.shape[0]}, D] for index ${formatShape(index.shape)}, got ${formatShape(dOut.shape)}`);
  }
  return opsOf(dOut).embeddingBackward(dOut, index, rows);
}
