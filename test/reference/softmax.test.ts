// The softmax references against hand-worked values, and the backward against float64 central differences.
import { describe, expect, test } from 'vitest';
import { ShapeError, createCpuBackend, softmax, softmaxBackward } from '../../src/index.js';
import { softmaxBackwardReference, softmaxReference } from '../../src/reference/softmax.js';
import { Rng } from '../harness/cases.js';
import { randomFloat64, vjpError } from '../harness/finite-diff.js';

function forward(x: ArrayLike<number>, mask: ArrayLike<number> | null, rows: number, n: number): Float64Array {
  const y = new Float64Array(rows * n);
  softmaxReference(x, mask, y, rows, n);
  return y;
}

describe('softmaxReference', () => {
  test('by hand: [0, ln 2, ln 5] → [1, 2, 5]/8; a shift changes nothing', () => {
    const y = forward([0, Math.log(2), Math.log(5), 100, 100 + Math.log(2), 100 + Math.log(5)], null, 2, 3);
    [1 / 8, 2 / 8, 5 / 8, 1 / 8, 2 / 8, 5 / 8].forEach((w, i) => expect(y[i]).toBeCloseTo(w, 14));
  });

  test('large logits do not overflow; N = 1 gives 1', () => {
    expect(Array.from(forward([1000, 1000], null, 1, 2))).toEqual([0.5, 0.5]);
    expect(Array.from(forward([-3, 7], null, 2, 1))).toEqual([1, 1]);
  });

  test('an additive mask broadcasts over the leading rows (a causal [2, 2] mask on [2, 2, 2])', () => {
    const causal = [0, -Infinity, 0, 0];
    const y = forward([3, 9, 0, Math.log(3), 5, 5, 1, 1], causal, 4, 2);
    [1, 0, 0.25, 0.75, 1, 0, 0.5, 0.5].forEach((w, i) => expect(y[i]).toBeCloseTo(w, 14));
  });

  test('a row masked entirely with −∞ gives zeros, not NaN; a finite −1e9 mask gives the plain softmax of the rest', () => {
    const y = forward([1, 2, 3, 1, 2, 3], [-Infinity, -Infinity, -Infinity, 0, -1e9, -1e9], 2, 3);
    expect(Array.from(y)).toEqual([0, 0, 0, 1, 0, 0]);
  });
});

describe('softmaxBackwardReference against float64 central differences', () => {
  for (const [rows, n, masked] of [
    [1, 1, false],
    [1, 6, false],
    [3, 7, false],
    [4, 5, true],
  ] as const) {
    test(`[${rows}, ${n}]${masked ? ' masked' : ''}`, () => {
      const rng = new Rng(rows * 100 + n);
      const x = randomFloat64(rng, rows * n, 0.1, 3);
      // The mask fully blocks the first row and one entry of the others: their gradient is 0.
      const mask = masked ? Float64Array.from({ length: rows * n }, (_, i) => (i < n || i % n === 2 ? -Infinity : 0)) : null;
      const dy = randomFloat64(rng, rows * n);
      const y = forward(x, mask, rows, n);
      const dx = new Float64Array(rows * n);
      softmaxBackwardReference(dy, y, dx, rows, n);
      expect(vjpError((p) => forward(p, mask, rows, n), dy, x, dx)).toBeLessThan(1e-7);
      if (n > 1) expect(dx.some((v) => Math.abs(v) > 1e-3)).toBe(true);
    });
  }

  test('by hand: y = [0.25, 0.75], dy = [1, 0] → Σ dy·y = 0.25, dx = [0.1875, −0.1875]', () => {
    const dx = new Float64Array(2);
    softmaxBackwardReference([1, 0], [0.25, 0.75], dx, 1, 2);
    expect(Array.from(dx)).toEqual([0.1875, -0.1875]);
  });
});

describe('softmax ops on the CPU backend', () => {
  const cpu = createCpuBackend();
  const x = cpu.tensor([1, 2, 3, 4, 5, 6], [2, 3]);

  test('with and without masks of both shapes', async () => {
    const plain = await softmax(x).data();
    const rowMask = await softmax(x, cpu.tensor([0, 0, 0], [3])).data();
    expect(Array.from(rowMask)).toEqual(Array.from(plain));
    const full = await softmax(x, cpu.tensor([0, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity], [2, 3])).data();
    expect(Array.from(full)).toEqual([1, 0, 0, 0, 0, 0]);
    const dx = softmaxBackward(x, softmax(x));
    expect(dx.shape).toEqual([2, 3]);
  });

  test.each([
    ['mask shape', () => softmax(x, cpu.tensor([0, 0], [2])), /^softmax: mask must have shape \[2, 3\] or a suffix of it \(last dimension 3\), got \[2\]$/],
    ['mask too long', () => softmax(x, cpu.tensor([0, 0, 0, 0, 0, 0], [1, 2, 3])), /^softmax: mask must have shape \[2, 3\] or a suffix.*got \[1, 2, 3\]$/],
    ['mask scalar', () => softmax(x, cpu.tensor([0], [])), /^softmax: mask must have shape.*got \[\]$/],
    ['mask dtype', () => softmax(x, cpu.tensor(Int32Array.from([0, 0, 0]), [3])), /^softmax: mask must be f32, got i32\[3\] on cpu$/],
    ['x dtype', () => softmax(cpu.tensor(Int32Array.from([1]), [1])), /^softmax: x must be f32, got i32\[1\] on cpu$/],
    ['scalar x', () => softmax(cpu.tensor([1], [])), /^softmax: x must have shape \[\.\.\., N\], got f32\[\] on cpu$/],
    ['backward shape', () => softmaxBackward(cpu.tensor([1, 2, 3], [3]), x), /^softmaxBackward: dy must have shape \[2, 3\], got \[3\]$/],
    ['backward dtype', () => softmaxBackward(x, cpu.tensor(Int32Array.from([1, 2, 3, 4, 5, 6]), [2, 3])), /^softmaxBackward: y must be f32/],
  ])('errors: %s', (_name, fn, message) => {
    expect(fn).toThrowError(ShapeError);
    expect(fn).toThrowError(message);
  });
});
