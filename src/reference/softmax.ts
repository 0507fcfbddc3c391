// CPU references for softmax: plain loops from the math, written without looking at the WGSL.
import type { FloatArray } from './types.js';

/**
 * Softmax over rows of length `n`: v = x + mask, y = exp(v − max v) / Σ exp(v − max v).
 * `mask` (or null) is additive and repeats every `mask.length` elements, i.e. it broadcasts over
 * the leading dimensions of x. A row whose v are all −∞ gives zeros.
 */
export function softmaxReference(x: ArrayLike<number>, mask: ArrayLike<number> | null, y: FloatArray, rows: number, n: number): void {
  const v = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    let max = -Infinity;
    for (let j = 0; j < n; j++) {
      v[j] = x[base + j]! + (mask ? mask[(base + j) % mask.length]! : 0);
      max = Math.max(max, v[j]!);
    }
    if (max === -Infinity) {
      for (let j = 0; j < n; j++) y[base + j] = 0;
      continue;
    }
    let sum = 0;
    for (let j = 0; j < n; j++) sum += Math.exp(v[j]! - max);
    for (let j = 0; j < n; j++) y[base + j] = Math.exp(v[j]! - max) / sum;
  }
}

/** Softmax backward per row: dx = y ⊙ (dy − Σ_j dy_j·y_j). */
export function softmaxBackwardReference(dy: ArrayLike<number>, y: ArrayLike<number>, dx: FloatArray, rows: number, n: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    let dot = 0;
    for (let j = 0; j < n; j++) dot += dy[base + j]! * y[base + j]!;
    for (let j = 0; j < n; j++) dx[base + j] = y[base + j]! * (dy[base + j]! - dot);
  }
}
