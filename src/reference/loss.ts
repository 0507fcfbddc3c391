// CPU references for cross-entropy: plain loops from the math, written without looking at the WGSL.
//
//   log p[i, c] = x[i, c] − lse_i,   lse_i = log Σ_c exp(x[i, c])   (computed as m + log Σ exp(x − m), m = max_c x)
//   loss_i      = (1 − ε)·(−log p[i, y_i]) + ε·(1/C)·Σ_c (−log p[i, c])
//   loss        = Σ_{i: y_i ≠ ignore} loss_i / #{i: y_i ≠ ignore}      (0 when every row is ignored)
//
// A label that is neither ignoreIndex nor in [0, C) makes the loss NaN (and its gradient row NaN),
// as the GPU does: the GPU cannot throw, so the bad label is made visible instead.
import type { FloatArray } from './types.js';

/** Cross-entropy over rows of logits [rows, classes] with integer labels [rows]; writes the mean loss to `loss[0]` and each row's log-sum-exp. */
export function crossEntropyReference(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  rows: number,
  classes: number,
  ignoreIndex: number,
  labelSmoothing: number,
  loss: FloatArray,
  logSumExp: FloatArray,
): void {
  let total = 0;
  let counted = 0;
  for (let i = 0; i < rows; i++) {
    const row = i * classes;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[row + c]!);
    let sumExp = 0;
    for (let c = 0; c < classes; c++) sumExp += Math.exp(logits[row + c]! - max);
    const lse = max + Math.log(sumExp);
    logSumExp[i] = lse;

    const label = labels[i]!;
    if (label === ignoreIndex) continue;
    counted++;
    if (!(label >= 0 && label < classes)) {
      total = NaN;
      continue;
    }
    const nll = lse - logits[row + label]!;
    let smooth = 0;
    for (let c = 0; c < classes; c++) smooth += lse - logits[row + c]!;
    total += (1 - labelSmoothing) * nll + labelSmoothing * (smooth / classes);
  }
  loss[0] = counted === 0 ? 0 : total / counted;
}

/**
 * Gradient of `scale · loss` w.r.t. the logits: dx[i, c] = (softmax[i, c] − target[i, c]) · scale / count,
 * target = (1 − ε)·onehot(y_i) + ε/C; zero rows for ignored labels, NaN rows for out-of-range ones.
 */
export function crossEntropyBackwardReference(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  logSumExp: ArrayLike<number>,
  rows: number,
  classes: number,
  ignoreIndex: number,
  labelSmoothing: number,
  scale: number,
  dLogits: FloatArray,
): void {
  let counted = 0;
  for (let i = 0; i < rows; i++) if (labels[i] !== ignoreIndex) counted++;
  for (let i = 0; i < rows; i++) {
    const row = i * classes;
    const label = labels[i]!;
    const ignored = label === ignoreIndex;
    const valid = label >= 0 && label < classes;
    for (let c = 0; c < classes; c++) {
      if (ignored) {
        dLogits[row + c] = 0;
      } else if (!valid) {
        dLogits[row + c] = NaN;
      } else {
        const softmax = Math.exp(logits[row + c]! - logSumExp[i]!);
        const target = (c === label ? 1 - labelSmoothing : 0) + labelSmoothing / classes;
        dLogits[row + c] = ((softmax - target) * scale) / counted;
      }
    }
  }
}
