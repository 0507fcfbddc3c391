// CPU references for the reduce kernels: plain loops, written without looking at the WGSL.
import type { FloatArray } from './types.js';

/**
 * Sum over the middle axis of x viewed as [outer, length, inner]:
 * out[o, j] = Σ_r x[o, r, j] (out is [outer, inner]).
 */
export function sumReference(x: ArrayLike<number>, out: FloatArray, outer: number, length: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let sum = 0;
      for (let r = 0; r < length; r++) sum += x[(o * length + r) * inner + j]!;
      out[o * inner + j] = sum;
    }
  }
}

/** out[0] = sqrt(Σ_t Σ_i t[i]²) over all the arrays. */
export function globalNormReference(tensors: readonly ArrayLike<number>[], out: FloatArray): void {
  let sum = 0;
  for (const t of tensors) for (let i = 0; i < t.length; i++) sum += t[i]! * t[i]!;
  out[0] = Math.sqrt(sum);
}
