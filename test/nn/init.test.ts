// The initialisers' distributions, determinism and arguments, and the sinusoidal table's values.
import { describe, expect, test } from 'vitest';
import { ShapeError, normalInit, sinusoidalPositions, xavierUniform } from '../../src/index.js';

function moments(x: Float32Array): { mean: number; std: number } {
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length;
  return { mean, std: Math.sqrt(variance) };
}

describe('normalInit', () => {
  test('N(0, 0.02²): mean and std within 5 standard errors over 100,000 draws, tails present', () => {
    const n = 100_000;
    const x = normalInit([100, 1000], { std: 0.02, seed: 7 });
    const { mean, std } = moments(x);
    expect(Math.abs(mean)).toBeLessThan((5 * 0.02) / Math.sqrt(n));
    expect(Math.abs(std - 0.02)).toBeLessThan((5 * 0.02) / Math.sqrt(2 * n));
    const beyond2 = x.filter((v) => Math.abs(v) > 0.04).length / n; // 4.55% for a normal
    expect(Math.abs(beyond2 - 0.0455)).toBeLessThan(0.005);
  });
  test('the same seed gives the same values, another seed others; odd sizes and the mean', () => {
    expect(normalInit([7], { std: 1, seed: 3 })).toEqual(normalInit([7], { std: 1, seed: 3 }));
    expect(normalInit([7], { std: 1, seed: 4 })).not.toEqual(normalInit([7], { std: 1, seed: 3 }));
    const shifted = normalInit([5001], { mean: 3, std: 0.1, seed: 1 });
    expect(shifted.length).toBe(5001);
    expect(Math.abs(moments(shifted).mean - 3)).toBeLessThan(0.01);
  });
});

describe('xavierUniform', () => {
  test('U(−a, a) with a = √(6 / (fanIn + fanOut)) from a [fanIn, fanOut] shape, variance a²/3', () => {
    const x = xavierUniform([256, 512], { seed: 11 });
    const a = Math.sqrt(6 / 768);
    const max = x.reduce((m, v) => Math.max(m, v), -Infinity);
    const min = x.reduce((m, v) => Math.min(m, v), Infinity);
    expect(max).toBeLessThanOrEqual(a);
    expect(min).toBeGreaterThanOrEqual(-a);
    expect(max).toBeGreaterThan(0.99 * a);
    expect(min).toBeLessThan(-0.99 * a);
    expect(Math.abs(moments(x).std - a / Math.sqrt(3))).toBeLessThan(0.01 * a);
  });
  test('explicit fans and gain; errors', () => {
    const x = xavierUniform([4, 3, 3], { fanIn: 12, fanOut: 24, gain: 2, seed: 1 });
    expect(Math.max(...x.map(Math.abs))).toBeLessThanOrEqual(2 * Math.sqrt(6 / 36));
    expect(() => xavierUniform([4, 3, 3], { seed: 1 })).toThrow(/^xavierUniform: give fanIn and fanOut/);
    expect(() => xavierUniform([2, 2], { seed: -1 })).toThrow(ShapeError);
    expect(() => normalInit([2], { std: 0, seed: 1 })).toThrow(/^normalInit: std must be a finite number > 0/);
  });
});

describe('sinusoidalPositions', () => {
  test('PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(…)', () => {
    const pe = sinusoidalPositions(50, 8);
    expect(Array.from(pe.subarray(0, 8))).toEqual([0, 1, 0, 1, 0, 1, 0, 1]);
    expect(pe[8 * 1 + 0]).toBeCloseTo(Math.sin(1), 6);
    expect(pe[8 * 1 + 1]).toBeCloseTo(Math.cos(1), 6);
    expect(pe[8 * 10 + 2]).toBeCloseTo(Math.sin(10 / 10000 ** (2 / 8)), 6);
    expect(pe[8 * 49 + 7]).toBeCloseTo(Math.cos(49 / 10000 ** (6 / 8)), 6);
    expect(() => sinusoidalPositions(-1, 8)).toThrow(/^sinusoidalPositions: length must be an integer ≥ 0/);
  });
});
