// CPU references for the layout kernels: plain loops, written without looking at the WGSL.
import type { FloatArray } from './types.js';

/** Arrays `transposeReference` writes: float values, or i32/u32 ids. */
export type LayoutArray = FloatArray | Int32Array | Uint32Array;

/**
 * out = x with its dims permuted: out's dim k is x's dim perm[k], so the element at x's index
 * (j_0, …, j_{r-1}) lands at out's index (j_{perm[0]}, …, j_{perm[r-1]}). `shape` is x's shape.
 */
export function transposeReference(x: ArrayLike<number>, shape: readonly number[], perm: readonly number[], out: LayoutArray): void {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]!);
  const index = new Array<number>(rank).fill(0); // x's index, row-major: the last dim moves fastest
  for (let i = 0; i < x.length; i++) {
    let o = 0;
    for (let k = 0; k < rank; k++) o = o * outShape[k]! + index[perm[k]!]!;
    out[o] = x[i]!;
    for (let d = rank - 1; d >= 0; d--) {
      index[d]!++;
      if (index[d]! < shape[d]!) break;
      index[d] = 0;
    }
  }
}

/**
 * out[o, j, i] = x[o, start + j, i] for x seen as [outer, dim, inner] (the sliced axis in the
 * middle) and out as [outer, length, inner]: `length` entries of the axis from `start`.
 */
export function sliceReference(x: ArrayLike<number>, outer: number, dim: number, inner: number, start: number, length: number, out: LayoutArray): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < length; j++) {
      for (let i = 0; i < inner; i++) out[(o * length + j) * inner + i] = x[(o * dim + start + j) * inner + i]!;
    }
  }
}

/**
 * out [outer, dimA + dimB, inner] = a [outer, dimA, inner] followed by b [outer, dimB, inner] along
 * the middle axis.
 */
export function concatReference(a: ArrayLike<number>, b: ArrayLike<number>, outer: number, dimA: number, dimB: number, inner: number, out: FloatArray): void {
  const dim = dimA + dimB;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < dim; k++) {
      for (let i = 0; i < inner; i++) out[(o * dim + k) * inner + i] = k < dimA ? a[(o * dimA + k) * inner + i]! : b[(o * dimB + k - dimA) * inner + i]!;
    }
  }
}

/**
 * The backward of `sliceReference`: dx [outer, dim, inner] is dy [outer, length, inner] at
 * entries start … start + length − 1 of the axis and 0 elsewhere.
 */
export function sliceBackwardReference(dy: ArrayLike<number>, outer: number, dim: number, inner: number, start: number, length: number, dx: FloatArray): void {
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < dim; k++) {
      const j = k - start;
      const inside = j >= 0 && j < length;
      for (let i = 0; i < inner; i++) dx[(o * dim + k) * inner + i] = inside ? dy[(o * length + j) * inner + i]! : 0;
    }
  }
}
