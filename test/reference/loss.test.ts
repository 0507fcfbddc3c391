// Cross-entropy: the references against hand-worked values and float64 finite differences, and the
// public ops' argument checks (on the CPU backend).
import { describe, expect, test } from 'vitest';
import { ShapeError, createCpuBackend, crossEntropy, crossEntropyBackward } from '../../src/index.js';
import { crossEntropyBackwardReference, crossEntropyReference } from '../../src/reference/loss.js';
import { Rng } from '../harness/cases.js';
import { numericGradient, randomFloat64 } from '../harness/finite-diff.js';

const LN2 = Math.log(2);
const LN3 = Math.log(3);
const LN4 = Math.log(4);

/** Runs the forward reference in float64; returns [loss, logSumExp]. */
function forward(logits: ArrayLike<number>, labels: number[], classes: number, ignoreIndex = -100, smoothing = 0): [number, Float64Array] {
  const loss = new Float64Array(1);
  const lse = new Float64Array(labels.length);
  crossEntropyReference(logits, labels, labels.length, classes, ignoreIndex, smoothing, loss, lse);
  return [loss[0]!, lse];
}

describe('crossEntropyReference', () => {
  // Row 0: logits [0, 0] → p = [1/2, 1/2], lse = ln 2. Row 1: [ln 3, 0] → p = [3/4, 1/4], lse = ln 4.
  const logits = [0, 0, LN3, 0];

  test('mean NLL by hand', () => {
    const [loss, lse] = forward(logits, [0, 1], 2);
    expect(lse[0]).toBeCloseTo(LN2, 14);
    expect(lse[1]).toBeCloseTo(LN4, 14);
    // (−log 1/2 − log 1/4) / 2 = (ln 2 + ln 4) / 2
    expect(loss).toBeCloseTo((LN2 + LN4) / 2, 14);
  });

  test('ignored rows leave the sum and the count; all ignored gives 0', () => {
    expect(forward(logits, [0, -100], 2)[0]).toBeCloseTo(LN2, 14);
    expect(forward(logits, [-100, 1], 2)[0]).toBeCloseTo(LN4, 14);
    expect(forward(logits, [1, 0], 2, 1)[0]).toBeCloseTo(LN4 - LN3, 14); // ignoreIndex 1: only row 1, label 0
    const [loss, lse] = forward(logits, [-100, -100], 2);
    expect(loss).toBe(0);
    expect(lse[1]).toBeCloseTo(LN4, 14); // the log-sum-exp is still computed
  });

  test('label smoothing by hand', () => {
    // Row 1, label 1, ε = 0.1: −log p = [ln 4 − ln 3, ln 4], mean ln 4 − ln 3 / 2.
    // loss = 0.9·ln 4 + 0.1·(ln 4 − ln 3 / 2) = ln 4 − 0.05·ln 3.
    expect(forward(logits, [-100, 1], 2, -100, 0.1)[0]).toBeCloseTo(LN4 - 0.05 * LN3, 14);
    // Row 0 is uniform: every −log p is ln 2, whatever ε.
    expect(forward(logits, [0, -100], 2, -100, 0.3)[0]).toBeCloseTo(LN2, 14);
    // ε = 1: the mean over classes only.
    expect(forward(logits, [-100, 0], 2, -100, 1)[0]).toBeCloseTo(LN4 - LN3 / 2, 14);
  });

  test('a label outside [0, C) that is not ignored makes the loss NaN', () => {
    expect(forward(logits, [0, 2], 2)[0]).toBeNaN();
    expect(forward(logits, [-1, 0], 2)[0]).toBeNaN();
    expect(forward(logits, [-100, 0], 2)[0]).not.toBeNaN();
  });

  test('stable for large logits (max subtracted first)', () => {
    const [loss, lse] = forward([1000, 1000, 1000 + LN3, 1000], [0, 1], 2);
    expect(lse[0]).toBeCloseTo(1000 + LN2, 10);
    expect(loss).toBeCloseTo((LN2 + LN4) / 2, 10);
  });
});

describe('crossEntropyBackwardReference', () => {
  test('by hand: (softmax − target) · scale / count', () => {
    const logits = [0, 0, LN3, 0];
    const lse = [LN2, LN4];
    const d = new Float64Array(4);
    crossEntropyBackwardReference(logits, [0, 1], lse, 2, 2, -100, 0, 3, d);
    // Row 0: ([1/2, 1/2] − [1, 0]) · 3/2; row 1: ([3/4, 1/4] − [0, 1]) · 3/2.
    const want = [-0.75, 0.75, 1.125, -1.125];
    want.forEach((w, i) => expect(d[i]).toBeCloseTo(w, 14));
    crossEntropyBackwardReference(logits, [-100, 1], lse, 2, 2, -100, 0.1, 1, d);
    // Row 0 ignored; row 1: target [0.05, 0.95], count 1.
    [0, 0, 0.75 - 0.05, 0.25 - 0.95].forEach((w, i) => expect(d[i]).toBeCloseTo(w, 14));
    crossEntropyBackwardReference(logits, [-100, 7], lse, 2, 2, -100, 0, 1, d);
    expect(Array.from(d)).toEqual([0, 0, NaN, NaN]);
  });

  const cases: [string, number[], number, number][] = [
    ['no smoothing', [3, 0, 6, 2, 5], -100, 0],
    ['smoothing 0.1, some ignored', [3, -100, 6, -100, 0], -100, 0.1],
    ['ignoreIndex 0 (a padding class)', [3, 0, 6, 0, 1], 0, 0.25],
  ];
  test.each(cases)('matches float64 finite differences of the forward: %s', (_name, labels, ignoreIndex, smoothing) => {
    const rows = labels.length;
    const classes = 7;
    const scale = 1.7;
    const x = randomFloat64(new Rng(11), rows * classes, 0.1, 3);
    const [, lse] = forward(x, labels, classes, ignoreIndex, smoothing);
    const analytic = new Float64Array(rows * classes);
    crossEntropyBackwardReference(x, labels, lse, rows, classes, ignoreIndex, smoothing, scale, analytic);
    const numeric = numericGradient((probe) => scale * forward(probe, labels, classes, ignoreIndex, smoothing)[0], x);
    for (let i = 0; i < x.length; i++) expect(Math.abs(analytic[i]! - numeric[i]!)).toBeLessThan(1e-8);
    // Ignored rows get exactly zero gradient, and the gradient is not all zero.
    labels.forEach((label, r) => {
      if (label === ignoreIndex) expect(Array.from(analytic.subarray(r * classes, (r + 1) * classes))).toEqual(new Array(classes).fill(0));
    });
    expect(analytic.some((v) => Math.abs(v) > 1e-3)).toBe(true);
  });
});

describe('crossEntropy ops on the CPU backend', () => {
  const cpu = createCpuBackend();
  const logits = cpu.tensor([0, 0, LN3, 0], [2, 2]);
  const labels = cpu.tensor(Int32Array.from([0, 1]), [2]);

  test('forward and backward compute', async () => {
    const { loss, logSumExp } = crossEntropy(logits, labels, { labelSmoothing: 0 });
    expect(loss.shape).toEqual([]);
    expect((await loss.data())[0]).toBeCloseTo((LN2 + LN4) / 2, 6);
    expect(Array.from(await logSumExp.data()).map((v) => +v.toFixed(6))).toEqual([+LN2.toFixed(6), +LN4.toFixed(6)]);
    const d = crossEntropyBackward(logits, labels, logSumExp, { scale: 2 });
    expect(d.shape).toEqual([2, 2]);
    Array.from(await d.data()).forEach((v, i) => expect(v).toBeCloseTo([-0.5, 0.5, 0.75, -0.75][i]!, 6));
  });

  const f16 = cpu.tensor([1, 2, 3, 4], [2, 2], 'f16');
  const lse = cpu.tensor([0, 0], [2]);
  test.each([
    ['logits dtype', () => crossEntropy(labels, labels), /^crossEntropy: logits must be f32, got i32\[2\] on cpu$/],
    ['labels dtype', () => crossEntropy(logits, cpu.tensor([0, 1], [2])), /^crossEntropy: labels must be i32, got f32\[2\] on cpu$/],
    ['logits rank', () => crossEntropy(cpu.tensor([1, 2], [2]), labels), /^crossEntropy: logits must have shape \[N, C\] with C ≥ 1, got \[2\]$/],
    ['no classes', () => crossEntropy(cpu.tensor([], [2, 0]), labels), /^crossEntropy: logits must have shape \[N, C\] with C ≥ 1, got \[2, 0\]$/],
    ['labels shape', () => crossEntropy(logits, cpu.tensor(Int32Array.from([0, 1, 1]), [3])), /^crossEntropy: labels must have shape \[2\], got \[3\]$/],
    ['f16 logits', () => crossEntropy(f16, labels), /^crossEntropy: logits must be f32, got f16\[2, 2\] on cpu$/],
    ['ignoreIndex', () => crossEntropy(logits, labels, { ignoreIndex: 0.5 }), /^crossEntropy: ignoreIndex must be a 32-bit integer, got 0.5$/],
    ['labelSmoothing', () => crossEntropy(logits, labels, { labelSmoothing: 1.5 }), /^crossEntropy: labelSmoothing must be in \[0, 1\], got 1.5$/],
    ['labelSmoothing NaN', () => crossEntropy(logits, labels, { labelSmoothing: NaN }), /labelSmoothing must be in \[0, 1\], got NaN/],
    [
      'unknown option',
      () => crossEntropy(logits, labels, { scale: 2 } as never),
      /^crossEntropy: unknown option\(s\) scale; expected ignoreIndex, labelSmoothing$/,
    ],
    [
      'backward lse shape',
      () => crossEntropyBackward(logits, labels, cpu.tensor([0], [1])),
      /^crossEntropyBackward: logSumExp must have shape \[2\], got \[1\]$/,
    ],
    ['backward lse dtype', () => crossEntropyBackward(logits, labels, labels), /^crossEntropyBackward: logSumExp must be f32, got i32\[2\] on cpu$/],
    [
      'backward scale',
      () => crossEntropyBackward(logits, labels, lse, { scale: Infinity }),
      /^crossEntropyBackward: scale must be a finite number, got Infinity$/,
    ],
    [
      'backward labels',
      () => crossEntropyBackward(logits, cpu.tensor(Int32Array.from([1]), [1]), lse),
      /^crossEntropyBackward: labels must have shape \[2\], got \[1\]$/,
    ],
  ])('%s', (_name, fn, message) => {
    expect(fn).toThrowError(ShapeError);
    expect(fn).toThrowError(message);
  });
});
