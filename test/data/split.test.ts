// heldOutSplit: sizes, a partition that keeps order, determinism from the seed, errors.
import { describe, expect, test } from 'vitest';
import { heldOutSplit } from '../../src/index.js';

describe('heldOutSplit', () => {
  const items = Array.from({ length: 1000 }, (_, i) => `line ${i}`);

  test('round(fraction · n) held out, the rest trained on, each part in the original order', () => {
    const { train, heldOut } = heldOutSplit(items, { fraction: 0.1, seed: 7 });
    expect(heldOut).toHaveLength(100);
    expect(train).toHaveLength(900);
    expect(new Set([...train, ...heldOut]).size).toBe(1000);
    const index = (s: string) => Number(s.slice(5));
    for (const part of [train, heldOut]) expect(part.map(index)).toEqual(part.map(index).sort((a, b) => a - b));
    // Spread over the list, not a block: held-out items in every tenth of it.
    const tenths = new Set(heldOut.map((s) => Math.floor(index(s) / 100)));
    expect(tenths.size).toBe(10);
  });

  test('the same seed gives the same split, another seed another; tiny lists keep one item on each side', () => {
    expect(heldOutSplit(items, { fraction: 0.1, seed: 7 })).toEqual(heldOutSplit(items, { fraction: 0.1, seed: 7 }));
    expect(heldOutSplit(items, { fraction: 0.1, seed: 8 }).heldOut).not.toEqual(heldOutSplit(items, { fraction: 0.1, seed: 7 }).heldOut);
    expect(heldOutSplit(['a', 'b'], { fraction: 0.01, seed: 1 }).heldOut).toHaveLength(1);
    expect(heldOutSplit(['a', 'b'], { fraction: 0.99, seed: 1 }).train).toHaveLength(1);
  });

  test('errors name heldOutSplit and the argument', () => {
    expect(() => heldOutSplit(items, { fraction: 0, seed: 1 })).toThrow(/^heldOutSplit: fraction must be a number in \(0, 1\), got number 0/);
    expect(() => heldOutSplit(items, { fraction: 1, seed: 1 })).toThrow(/fraction must be a number in \(0, 1\)/);
    expect(() => heldOutSplit(['a'], { fraction: 0.5, seed: 1 })).toThrow(/^heldOutSplit: items has 1 item\(s\); a split needs at least 2/);
    expect(() => heldOutSplit(items, { fraction: 0.5, seed: -1 })).toThrow(/seed must be an integer/);
    expect(() => heldOutSplit('abc' as never, { fraction: 0.5, seed: 1 })).toThrow(/items must be an array/);
  });
});
