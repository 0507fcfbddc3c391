// Matthews correlation on hand-worked confusion matrices (binary and three-class, scikit-learn's
// formula), the zero-denominator cases (→ 0 as scikit-learn), accuracy with −100 labels, argmax.
import { describe, expect, test } from 'vitest';
import { ShapeError, accuracy, argmax, matthewsCorrelation } from '../../src/index.js';
import { Rng } from '../harness/cases.js';

/** Predictions and labels listing each (prediction, label) pair `count` times, in a shuffled order. */
function fromConfusion(cells: [prediction: number, label: number, count: number][]): [number[], number[]] {
  const pairs = cells.flatMap(([p, l, n]) => Array.from({ length: n }, () => [p, l] as const));
  // Order must not matter: a seeded shuffle.
  const rng = new Rng(pairs.length);
  const order = pairs.map((_, i) => [rng.next(), i] as const).sort((a, b) => a[0] - b[0]);
  return [order.map(([, i]) => pairs[i]![0]), order.map(([, i]) => pairs[i]![1])];
}

describe('matthewsCorrelation', () => {
  test('binary: TP 3, TN 2, FP 1, FN 1 → (3·2 − 1·1)/√(4·4·3·3) = 5/12', () => {
    const [p, l] = fromConfusion([
      [1, 1, 3],
      [0, 0, 2],
      [1, 0, 1],
      [0, 1, 1],
    ]);
    expect(matthewsCorrelation(p, l)).toBeCloseTo(5 / 12, 14);
  });

  test('binary: TP 90, TN 5, FP 4, FN 1 (imbalanced) → (450 − 4)/√(94·91·9·6)', () => {
    const [p, l] = fromConfusion([
      [1, 1, 90],
      [0, 0, 5],
      [1, 0, 4],
      [0, 1, 1],
    ]);
    expect(matthewsCorrelation(p, l)).toBeCloseTo(446 / Math.sqrt(94 * 91 * 9 * 6), 14);
  });

  test('perfect → 1, inverted → −1, and the sign does not depend on which class is "positive"', () => {
    const labels = [0, 1, 1, 0, 1, 0, 0];
    expect(matthewsCorrelation(labels, labels)).toBe(1);
    expect(
      matthewsCorrelation(
        labels.map((x) => 1 - x),
        labels,
      ),
    ).toBe(-1);
    const [p, l] = fromConfusion([
      [1, 1, 3],
      [0, 0, 2],
      [1, 0, 1],
      [0, 1, 1],
    ]);
    expect(
      matthewsCorrelation(
        p.map((x) => 1 - x),
        l.map((x) => 1 - x),
      ),
    ).toBeCloseTo(5 / 12, 14);
  });

  test('three classes, by the multiclass formula worked by hand', () => {
    // Confusion (rows true 0..2, columns predicted 0..2): [[3,1,0],[1,2,1],[0,1,3]]: s = 12, c = 8,
    // t = (4,4,4), p = (4,4,4): (8·12 − 48)/√((144 − 48)(144 − 48)) = 48/96 = 0.5.
    const [p, l] = fromConfusion([
      [0, 0, 3],
      [1, 0, 1],
      [0, 1, 1],
      [1, 1, 2],
      [2, 1, 1],
      [1, 2, 1],
      [2, 2, 3],
    ]);
    expect(matthewsCorrelation(p, l)).toBeCloseTo(0.5, 14);
    // Unbalanced, a class never true: cells (p, t) (0,0)×4 (1,0)×1 (1,1)×1 (2,1)×1: s = 7, correct 5,
    // true (5, 2, 0), predicted (4, 2, 1): (5·7 − (4·5 + 2·2)) / √((49 − 21)(49 − 29)) = 11/√560.
    const [p2, l2] = fromConfusion([
      [0, 0, 4],
      [1, 0, 1],
      [1, 1, 1],
      [2, 1, 1],
    ]);
    expect(matthewsCorrelation(p2, l2)).toBeCloseTo(11 / Math.sqrt(560), 14);
    // Cells (0,0)×3 (1,0)×1 (2,0)×1 (0,1)×1 (1,1)×1 (1,2)×1: s = 8, correct 4, true (5, 2, 1), predicted
    // (4, 3, 1): (4·8 − (4·5 + 3·2 + 1·1)) / √((64 − 26)(64 − 30)) = 5/√1292.
    const [p3, l3] = fromConfusion([
      [0, 0, 3],
      [1, 0, 1],
      [2, 0, 1],
      [0, 1, 1],
      [1, 1, 1],
      [1, 2, 1],
    ]);
    expect(matthewsCorrelation(p3, l3)).toBeCloseTo(5 / Math.sqrt(1292), 14);
  });

  test('a zero denominator gives 0, as scikit-learn: one predicted class, one true class, or both', () => {
    expect(matthewsCorrelation([1, 1, 1, 1], [0, 1, 1, 0])).toBe(0); // every prediction the same
    expect(matthewsCorrelation([0, 1, 1, 0], [1, 1, 1, 1])).toBe(0); // every label the same
    expect(matthewsCorrelation([1, 1], [1, 1])).toBe(0); // both: scikit-learn gives 0 here too, not 1
    expect(matthewsCorrelation([0], [0])).toBe(0);
  });

  test('bad inputs are errors naming the function and the argument', () => {
    expect(() => matthewsCorrelation([0, 1], [0])).toThrow(/^matthewsCorrelation: predictions has 2 entries but labels has 1/);
    expect(() => matthewsCorrelation([], [])).toThrow(/matthewsCorrelation: predictions and labels are empty/);
    expect(() => matthewsCorrelation([0.5], [0])).toThrow(ShapeError);
    expect(() => matthewsCorrelation([0.5], [0])).toThrow(/predictions\[0\] = 0\.5 is not an integer/);
    expect(() => matthewsCorrelation(null as never, [0])).toThrow(/predictions must be an array/);
  });
});

describe('accuracy', () => {
  test('the share of matches, −100 labels left out', () => {
    expect(accuracy([1, 0, 1, 1], [1, 1, 1, 0])).toBe(0.5);
    expect(accuracy(Int32Array.from([5, 7, 9, 3]), Int32Array.from([5, -100, 9, 4]))).toBeCloseTo(2 / 3, 15);
    expect(() => accuracy([1, 2], [-100, -100])).toThrow(/^accuracy: no labels to score/);
    expect(() => accuracy([1], [1, 2])).toThrow(/^accuracy: predictions has 1 entries but labels has 2/);
  });
});

describe('argmax', () => {
  test('per row, first index on ties', () => {
    expect(Array.from(argmax(Float32Array.from([0.1, 2, -1, 3, 3, 0, -5, -4, -6]), 3))).toEqual([1, 0, 1]);
    expect(() => argmax([1, 2, 3], 2)).toThrow(/^argmax: logits has 3 values, not a whole number of rows of 2/);
    expect(() => argmax([1, 2], 0)).toThrow(/classes must be an integer ≥ 1/);
  });
});
