// The data generator against xoshiro128**'s published algorithm (values worked by hand from the
// state [1, 2, 3, 4]), its seeding, resuming, ranges, the unbiased nextInt, and argument checks.
import { describe, expect, test } from 'vitest';
import { ShapeError, Xoshiro128 } from '../../src/index.js';

describe('Xoshiro128', () => {
  test('from the state [1, 2, 3, 4] gives 11520, 0, 5927040, 70819200 (rotl(s1·5, 7)·9, worked by hand)', () => {
    const rng = Xoshiro128.fromState([1, 2, 3, 4]);
    expect([rng.nextU32(), rng.nextU32(), rng.nextU32(), rng.nextU32()]).toEqual([11520, 0, 5927040, 70819200]);
    // After the first step by hand: s2 ^= s0, s3 ^= s1, s1 ^= s2, s0 ^= s3, s2 ^= s1 << 9, s3 = rotl(s3, 11).
    const stepped = Xoshiro128.fromState([1, 2, 3, 4]);
    stepped.nextU32();
    expect(stepped.getState()).toEqual([7, 0, 1026, 12288]);
  });

  test('the same seed gives the same stream, other seeds others, and the stream is pinned (seed 42)', () => {
    const draw = (seed: number) => {
      const rng = new Xoshiro128(seed);
      return Array.from({ length: 8 }, () => rng.nextU32());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(43)).not.toEqual(draw(42));
    expect(draw(0)).not.toEqual(draw(2 ** 32 - 1));
    // Pinned, so that a change to the seeding or the stream (and so to every seeded batch) is seen.
    expect(draw(42).slice(0, 3)).toEqual(PINNED_SEED_42);
  });

  test('getState and fromState resume the stream exactly', () => {
    const rng = new Xoshiro128(7);
    for (let i = 0; i < 100; i++) rng.nextU32();
    const resumed = Xoshiro128.fromState(rng.getState());
    for (let i = 0; i < 100; i++) expect(resumed.nextU32()).toBe(rng.nextU32());
  });

  test('nextFloat lies in [0, 1) with mean ≈ 1/2; nextU32 covers 32 bits', () => {
    const rng = new Xoshiro128(1);
    let sum = 0;
    let orHigh = 0;
    let outside = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const u = rng.nextFloat();
      if (!(u >= 0 && u < 1)) outside++;
      sum += u;
      orHigh |= rng.nextU32() & 0x80000001;
    }
    expect(outside).toBe(0);
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(3 * Math.sqrt(1 / 12 / n));
    expect(orHigh >>> 0).toBe(0x80000001);
  });

  test('nextInt has no modulo bias: n = 3·2³⁰ gives values below 2³⁰ a third of the time, not half', () => {
    const rng = new Xoshiro128(3);
    const n = 3 * 2 ** 30;
    const draws = 30000;
    let low = 0;
    let outside = 0;
    for (let i = 0; i < draws; i++) {
      const v = rng.nextInt(n);
      if (!(Number.isInteger(v) && v >= 0 && v < n)) outside++;
      if (v < 2 ** 30) low++;
    }
    expect(outside).toBe(0);
    const sigma = Math.sqrt(((1 / 3) * (2 / 3)) / draws);
    expect(Math.abs(low / draws - 1 / 3)).toBeLessThan(3 * sigma);
  });

  test('nextInt(1) is 0, nextInt(2^32) is a whole u32, small n hits every value evenly', () => {
    const rng = new Xoshiro128(5);
    expect(rng.nextInt(1)).toBe(0);
    const big = rng.nextInt(2 ** 32);
    expect(Number.isInteger(big) && big >= 0 && big < 2 ** 32).toBe(true);
    const counts = new Array<number>(7).fill(0);
    const draws = 70000;
    for (let i = 0; i < draws; i++) counts[rng.nextInt(7)]!++;
    const sigma = Math.sqrt(draws * (1 / 7) * (6 / 7));
    for (const c of counts) expect(Math.abs(c - draws / 7)).toBeLessThan(4 * sigma);
  });

  test('arguments are checked', () => {
    expect(() => new Xoshiro128(-1)).toThrow(new ShapeError('Xoshiro128: seed must be a u32, got -1'));
    expect(() => new Xoshiro128(2 ** 32)).toThrow(ShapeError);
    expect(() => new Xoshiro128(1.5)).toThrow(/^Xoshiro128: seed must be a u32, got 1.5$/);
    expect(() => Xoshiro128.fromState([0, 0, 0, 0])).toThrow(/^Xoshiro128.fromState: state must be four u32 words, not all zero, got \[0,0,0,0\]$/);
    expect(() => Xoshiro128.fromState([1, 2, 3])).toThrow(ShapeError);
    expect(() => Xoshiro128.fromState([1, 2, 3, 2 ** 32])).toThrow(ShapeError);
    const rng = new Xoshiro128(0);
    expect(() => rng.nextInt(0)).toThrow(/^Xoshiro128.nextInt: n must be an integer in \[1, 2\^32\], got 0$/);
    expect(() => rng.nextInt(2.5)).toThrow(ShapeError);
    expect(() => rng.nextInt(2 ** 32 + 1)).toThrow(ShapeError);
  });
});

// Computed by a separate Python transcription of splitmix32 seeding + xoshiro128** (integers masked to 32 bits).
const PINNED_SEED_42 = [2837322924, 544945897, 479756282];
