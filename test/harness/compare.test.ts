// The comparison every GPU case relies on: it must fail on NaN mismatches and on excess error.
import { describe, expect, test } from 'vitest';
import { compare } from './cases.js';

const tol = { atol: 1e-6, rtol: 1e-6 };

describe('compare', () => {
  test('passes within atol + rtol·|want|, fails beyond', () => {
    expect(compare('x', [1, 2], [1, 2 + 1e-6], tol).ok).toBe(true);
    const bad = compare('x', [1, 2], [1, 2.01], tol);
    expect(bad.ok).toBe(false);
    expect(bad.worst).toEqual({ index: 1, got: 2, want: 2.01 });
  });
  test('NaN on either side alone fails; NaN on both passes', () => {
    expect(compare('x', [NaN], [1], tol).ok).toBe(false);
    expect(compare('x', [2.5], [NaN], tol).ok).toBe(false);
    expect(compare('x', [NaN], [NaN], tol).ok).toBe(true);
  });
  test('length mismatch fails', () => {
    expect(compare('x', [1], [1, 2], tol).ok).toBe(false);
  });
});
