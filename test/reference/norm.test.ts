// The layerNorm references against hand-worked values, and the backward against float64 central differences.
import { describe, expect, test } from 'vitest';
import { ShapeError, createCpuBackend, layerNorm, layerNormBackward } from '../../src/index.js';
import { layerNormBackwardReference, layerNormReference } from '../../src/reference/norm.js';
import { Rng } from '../harness/cases.js';
import { randomFloat64, vjpError } from '../harness/finite-diff.js';

/** Runs the forward reference in float64 and returns y, mean and rstd. */
function forward(x: ArrayLike<number>, gamma: ArrayLike<number>, beta: ArrayLike<number>, rows: number, dim: number, eps: number) {
  const y = new Float64Array(rows * dim);
  const mean = new Float64Array(rows);
  const rstd = new Float64Array(rows);
  layerNormReference(x, gamma, beta, y, mean, rstd, rows, dim, eps);
  return { y, mean, rstd };
}

describe('layerNormReference', () => {
  test('by hand: x = [1, 2, 3, 4], γ = [1, 2, 1, 1], β = [0, 0, 0, 1], eps = 0', () => {
    // mean 2.5, biased var (2.25 + 0.25 + 0.25 + 2.25)/4 = 1.25, rstd = 1/√1.25.
    const { y, mean, rstd } = forward([1, 2, 3, 4], [1, 2, 1, 1], [0, 0, 0, 1], 1, 4, 0);
    const s = 1 / Math.sqrt(1.25);
    expect(mean[0]).toBe(2.5);
    expect(rstd[0]).toBeCloseTo(s, 15);
    const want = [-1.5 * s, -0.5 * s * 2, 0.5 * s, 1.5 * s + 1];
    want.forEach((w, i) => expect(y[i]).toBeCloseTo(w, 14));
  });

  test('eps enters under the root; a constant row gives y = β; D = 1 gives y = β', () => {
    const { y, rstd } = forward([5, 5, 5, -3], [2, 2], [0.5, -0.5], 2, 2, 0.25);
    // Row 0 constant: var 0, rstd = 1/√0.25 = 2, x̂ = 0. Row 1 [5, −3]: mean 1, var 16, rstd 1/√16.25.
    expect(Array.from(rstd)).toEqual([2, 1 / Math.sqrt(16.25)]);
    expect(y[0]).toBe(0.5);
    expect(y[1]).toBe(-0.5);
    expect(y[2]).toBeCloseTo((4 / Math.sqrt(16.25)) * 2 + 0.5, 14);
    const single = forward([7, -2], [3], [0.25], 2, 1, 1e-5);
    expect(Array.from(single.y)).toEqual([0.25, 0.25]);
    expect(Array.from(single.mean)).toEqual([7, -2]);
  });

  test('the variance is computed stably: a large offset does not cancel', () => {
    // x = 1e8 ± 1: E[x²] − E[x]² loses the 1 even in float64 (x² ≈ 1e16 > 2^53); two passes give exactly 1.
    const { y, rstd } = forward([1e8 - 1, 1e8 + 1], [1, 1], [0, 0], 1, 2, 0);
    expect(rstd[0]).toBe(1);
    expect(Array.from(y)).toEqual([-1, 1]);
  });
});

describe('layerNormBackwardReference against float64 central differences', () => {
  for (const [rows, dim] of [
    [1, 1],
    [1, 5],
    [3, 7],
    [4, 16],
  ] as const) {
    test(`[${rows}, ${dim}]: dx, dγ, dβ`, () => {
      const rng = new Rng(rows * 100 + dim);
      const x = randomFloat64(rng, rows * dim, 0.1, 2);
      const gamma = randomFloat64(rng, dim);
      const beta = randomFloat64(rng, dim);
      const dy = randomFloat64(rng, rows * dim);
      const eps = 1e-3;
      const { mean, rstd } = forward(x, gamma, beta, rows, dim, eps);
      const dx = new Float64Array(rows * dim);
      const dgamma = new Float64Array(dim);
      const dbeta = new Float64Array(dim);
      layerNormBackwardReference(dy, x, gamma, mean, rstd, dx, dgamma, dbeta, rows, dim);
      expect(vjpError((p) => forward(p, gamma, beta, rows, dim, eps).y, dy, x, dx)).toBeLessThan(1e-7);
      expect(vjpError((p) => forward(x, p, beta, rows, dim, eps).y, dy, gamma, dgamma)).toBeLessThan(1e-7);
      expect(vjpError((p) => forward(x, gamma, p, rows, dim, eps).y, dy, beta, dbeta)).toBeLessThan(1e-7);
      // A gradient that is really there: a zero dx would pass the check only if the numeric one were zero.
      expect(dx.some((v) => Math.abs(v) > 1e-3) || dim === 1).toBe(true);
    });
  }
});

describe('layerNorm ops on the CPU backend', () => {
  const cpu = createCpuBackend();

  test('shapes of y, mean, rstd and of the gradients', async () => {
    const x = cpu.tensor([1, 2, 3, 4, 5, 6], [1, 2, 3]);
    const gamma = cpu.tensor([1, 1, 1], [3]);
    const beta = cpu.tensor([0, 0, 0], [3]);
    const { y, mean, rstd } = layerNorm(x, gamma, beta);
    expect([y.shape, mean.shape, rstd.shape]).toEqual([
      [1, 2, 3],
      [1, 2],
      [1, 2],
    ]);
    expect(Array.from(await mean.data())).toEqual([2, 5]);
    const { dx, dgamma, dbeta } = layerNormBackward(cpu.tensor([1, 0, 0, 0, 0, 1], [1, 2, 3]), x, gamma, mean, rstd);
    expect([dx.shape, dgamma.shape, dbeta.shape]).toEqual([[1, 2, 3], [3], [3]]);
    expect(Array.from(await dbeta.data())).toEqual([1, 0, 1]);
  });

  const x = cpu.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
  const g3 = cpu.tensor([1, 1, 1], [3]);
  const stats = cpu.tensor([0, 0], [2]);
  test.each([
    ['gamma shape', () => layerNorm(x, cpu.tensor([1, 1], [2]), g3), /^layerNorm: gamma must have shape \[3\], got \[2\]$/],
    ['beta shape', () => layerNorm(x, g3, cpu.tensor([1, 1, 1], [1, 3])), /^layerNorm: beta must have shape \[3\], got \[1, 3\]$/],
    ['x dtype', () => layerNorm(cpu.tensor(Int32Array.from([1, 2, 3]), [3]), g3, g3), /^layerNorm: x must be f32, got i32\[3\] on cpu$/],
    ['scalar x', () => layerNorm(cpu.tensor([1], []), g3, g3), /^layerNorm: x must have shape \[\.\.\., D\] with D ≥ 1, got f32\[\] on cpu$/],
    ['D = 0', () => layerNorm(cpu.tensor([], [2, 0]), cpu.tensor([], [0]), cpu.tensor([], [0])), /D ≥ 1, got f32\[2, 0\]/],
    ['eps', () => layerNorm(x, g3, g3, -1), /^layerNorm: eps must be a finite number ≥ 0, got -1$/],
    ['eps NaN', () => layerNorm(x, g3, g3, NaN), /eps must be a finite number/],
    ['backward dy', () => layerNormBackward(cpu.tensor([1, 2, 3], [3]), x, g3, stats, stats), /^layerNormBackward: dy must have shape \[2, 3\], got \[3\]$/],
    ['backward mean', () => layerNormBackward(x, x, g3, cpu.tensor([0], [1]), stats), /^layerNormBackward: mean must have shape \[2\], got \[1\]$/],
    ['backward rstd', () => layerNormBackward(x, x, g3, stats, cpu.tensor([0, 0], [2, 1])), /^layerNormBackward: rstd must have shape \[2\], got \[2, 1\]$/],
    ['backward gamma', () => layerNormBackward(x, x, stats, stats, stats), /^layerNormBackward: gamma must have shape \[3\], got \[2\]$/],
  ])('errors: %s', (_name, fn, message) => {
    expect(fn).toThrowError(ShapeError);
    expect(fn).toThrowError(message);
  });

  test('a disposed argument is reported with the op name', () => {
    const dead = cpu.tensor([1, 2, 3], [3]);
    dead.dispose();
    expect(() => layerNorm(dead, g3, g3)).toThrowError(/^layerNorm: tensor f32\[3\] on cpu was disposed$/);
  });
});
