// CPU references for layer normalisation: plain loops from the math, written without looking at the WGSL.
import type { FloatArray } from './types.js';

/**
 * LayerNorm over the last dimension of `rows` rows of length `dim`:
 * mean = Σx/D, var = Σ(x − mean)²/D (biased), rstd = 1/√(var + eps), y = (x − mean)·rstd·γ + β.
 * Writes y [rows, dim] and the saved statistics mean [rows] and rstd [rows].
 */
export function layerNormReference(
  x: ArrayLike<number>,
  gamma: ArrayLike<number>,
  beta: ArrayLike<number>,
  y: FloatArray,
  mean: FloatArray,
  rstd: FloatArray,
  rows: number,
  dim: number,
  eps: number,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * dim;
    let sum = 0;
    for (let j = 0; j < dim; j++) sum += x[base + j]!;
    const m = sum / dim;
    // Two passes: the variance from deviations, not E[x²] − E[x]², which cancels badly.
    let squares = 0;
    for (let j = 0; j < dim; j++) {
      const d = x[base + j]! - m;
      squares += d * d;
    }
    const s = 1 / Math.sqrt(squares / dim + eps);
    for (let j = 0; j < dim; j++) y[base + j] = (x[base + j]! - m) * s * gamma[j]! + beta[j]!;
    mean[r] = m;
    rstd[r] = s;
  }
}

/**
 * LayerNorm backward from the saved mean and rstd. With x̂ = (x − mean)·rstd and g = dy·γ:
 * dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) per row; dγ = Σ_rows dy·x̂; dβ = Σ_rows dy.
 */
export function layerNormBackwardReference(
  dy: ArrayLike<number>,
  x: ArrayLike<number>,
  gamma: ArrayLike<number>,
  mean: ArrayLike<number>,
  rstd: ArrayLike<number>,
  dx: FloatArray,
  dgamma: FloatArray,
  dbeta: FloatArray,
  rows: number,
  dim: number,
): void {
  const gammaSums = new Float64Array(dim);
  const betaSums = new Float64Array(dim);
  for (let r = 0; r < rows; r++) {
    const base = r * dim;
    const m = mean[r]!;
    const s = rstd[r]!;
    let gSum = 0;
    let gxSum = 0;
    for (let j = 0; j < dim; j++) {
      const xhat = (x[base + j]! - m) * s;
      const g = dy[base + j]! * gamma[j]!;
      gSum += g;
      gxSum += g * xhat;
      gammaSums[j] = gammaSums[j]! + dy[base + j]! * xhat;
      betaSums[j] = betaSums[j]! + dy[base + j]!;
    }
    const gMean = gSum / dim;
    const gxMean = gxSum / dim;
    for (let j = 0; j < dim; j++) {
      const xhat = (x[base + j]! - m) * s;
      dx[base + j] = s * (dy[base + j]! * gamma[j]! - gMean - xhat * gxMean);
    }
  }
  dgamma.set(gammaSums);
  dbeta.set(betaSums);
}
