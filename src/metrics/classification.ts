// Classification metrics over predicted and true class indices: accuracy and Matthews correlation
// (the GLUE metric of CoLA), with scikit-learn's conventions; argmax turns logits into predictions.
import { ArgumentError, ShapeError } from '../errors.js';
import { IGNORE_INDEX } from '../data/mlm.js';
import { describe } from '../data/check.js';

function checkLabels(op: string, name: string, values: unknown): ArrayLike<number> {
  const v = values as ArrayLike<number> | null;
  if (v === null || typeof v !== 'object' || typeof v.length !== 'number')
    throw new ArgumentError(`${op}: ${name} must be an array of class indices, got ${describe(values)}`);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== 'number' || !Number.isInteger(x)) throw new ShapeError(`${op}: ${name}[${i}] = ${String(x)} is not an integer class index`);
  }
  return v;
}

function checkPair(op: string, predictions: unknown, labels: unknown): [ArrayLike<number>, ArrayLike<number>] {
  const p = checkLabels(op, 'predictions', predictions);
  const l = checkLabels(op, 'labels', labels);
  if (p.length !== l.length) throw new ShapeError(`${op}: predictions has ${p.length} entries but labels has ${l.length}`);
  return [p, l];
}

/**
 * The share of predictions equal to their label. Positions labelled −100 (IGNORE_INDEX, MLM's unselected
 * ones) are left out; with nothing left to score it is an error.
 */
export function accuracy(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  const [p, l] = checkPair('accuracy', predictions, labels);
  let scored = 0;
  let correct = 0;
  for (let i = 0; i < l.length; i++) {
    if (l[i] === IGNORE_INDEX) continue;
    scored++;
    if (p[i] === l[i]) correct++;
  }
  if (scored === 0) throw new ShapeError('accuracy: no labels to score (all are −100, or none given)');
  return correct / scored;
}

/**
 * Matthews correlation coefficient of predicted and true classes (binary or multiclass, as scikit-learn's
 * matthews_corrcoef): (c·s − Σₖ pₖtₖ) / √((s² − Σₖ pₖ²)(s² − Σₖ tₖ²)), with c the correct count, s the sample
 * count, pₖ/tₖ how often class k is predicted/true. When a denominator factor is 0 (one class only among
 * the predictions or the labels) it is 0, as scikit-learn returns. Class indices may be any integers.
 */
export function matthewsCorrelation(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  const [p, l] = checkPair('matthewsCorrelation', predictions, labels);
  if (l.length === 0) throw new ShapeError('matthewsCorrelation: predictions and labels are empty');
  const predicted = new Map<number, number>();
  const actual = new Map<number, number>();
  let correct = 0;
  for (let i = 0; i < l.length; i++) {
    predicted.set(p[i]!, (predicted.get(p[i]!) ?? 0) + 1);
    actual.set(l[i]!, (actual.get(l[i]!) ?? 0) + 1);
    if (p[i] === l[i]) correct++;
  }
  const s = l.length;
  let pt = 0;
  for (const [k, count] of predicted) pt += count * (actual.get(k) ?? 0);
  const sumSquares = (counts: Map<number, number>) => [...counts.values()].reduce((sum, c) => sum + c * c, 0);
  const covPP = s * s - sumSquares(predicted);
  const covTT = s * s - sumSquares(actual);
  if (covPP === 0 || covTT === 0) return 0;
  return (correct * s - pt) / Math.sqrt(covPP * covTT);
}

/** The index of each row's largest value in row-major logits [N, classes] (the first on ties): N predictions. */
export function argmax(logits: ArrayLike<number>, classes: number): Int32Array {
  const op = 'argmax';
  if (logits === null || typeof logits !== 'object' || typeof logits.length !== 'number')
    throw new ArgumentError(`${op}: logits must be an array of numbers, got ${describe(logits)}`);
  if (!Number.isInteger(classes) || classes < 1) throw new ShapeError(`${op}: classes must be an integer ≥ 1, got ${describe(classes)}`);
  if (logits.length % classes !== 0) throw new ShapeError(`${op}: logits has ${logits.length} values, not a whole number of rows of ${classes} classes`);
  const out = new Int32Array(logits.length / classes);
  for (let row = 0; row < out.length; row++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (logits[row * classes + k]! > logits[row * classes + best]!) best = k;
    out[row] = best;
  }
  return out;
}
