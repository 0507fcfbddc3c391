// CPU references for the embedding lookup: plain loops from the math, written without looking at the WGSL.
// An id outside [0, vocabSize) reads as a zero row (the GPU cannot throw) and so receives no gradient.
import type { FloatArray } from './types.js';

/** out[p, d] = table[ids[p], d] for 0 ≤ ids[p] < vocabSize, else 0; table is [vocabSize, dim], ids has `out.length / dim` entries. */
export function embeddingReference(table: ArrayLike<number>, ids: ArrayLike<number>, vocabSize: number, dim: number, out: FloatArray): void {
  for (let p = 0; p < ids.length; p++) {
    const id = ids[p]!;
    const inRange = id >= 0 && id < vocabSize;
    for (let d = 0; d < dim; d++) out[p * dim + d] = inRange ? table[id * dim + d]! : 0;
  }
}

/**
 * dTable[v, d] = Σ_{p: ids[p] = v} dOut[p, d], summed in increasing p (one rounding per add into
 * `dTable`'s type); rows of unused ids are 0, out-of-range ids are skipped.
 */
export function embeddingBackwardReference(dOut: ArrayLike<number>, ids: ArrayLike<number>, vocabSize: number, dim: number, dTable: FloatArray): void {
  dTable.fill(0);
  for (let p = 0; p < ids.length; p++) {
    const id = ids[p]!;
    if (!(id >= 0 && id < vocabSize)) continue;
    for (let d = 0; d < dim; d++) dTable[id * dim + d] = dTable[id * dim + d]! + dOut[p * dim + d]!;
  }
}
