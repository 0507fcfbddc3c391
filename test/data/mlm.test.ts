// maskTokens: the 15% / 80-10-10 statistics over ~100k positions (each within 3σ of its binomial
// expectation), labels and unchanged inputs position by position, specials, determinism, checks.
import { describe, expect, test } from 'vitest';
import { IGNORE_INDEX, ShapeError, Xoshiro128, maskTokens } from '../../src/index.js';
import { Rng } from '../harness/cases.js';

const MASK = 257;
const SPECIALS = [256, 258, 259];

/** Byte ids with every tenth position a special id; drawn by the test harness's own generator. */
function corpus(n: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length: n }, (_, i) => (i % 10 === 3 ? SPECIALS[i % 3]! : Math.floor(rng.next() * 256)));
}

/** Within three standard deviations of a binomial proportion. */
function expectProportion(count: number, trials: number, p: number): void {
  const sigma = Math.sqrt((p * (1 - p)) / trials);
  expect(Math.abs(count / trials - p), `${count}/${trials} vs ${p} (σ ${sigma.toExponential(2)})`).toBeLessThan(3 * sigma);
}

describe('maskTokens', () => {
  test('~100k positions: 15% of the non-special ones selected, of those 80% [MASK], 10% random, 10% kept', () => {
    const ids = corpus(100_000, 1);
    const { inputIds, labels } = maskTokens(ids, { maskId: MASK, randomTokenRange: 256, specialIds: new Set(SPECIALS), rng: new Xoshiro128(11) });
    expect(inputIds).toBeInstanceOf(Int32Array);
    expect(inputIds.length).toBe(ids.length);
    expect(labels.length).toBe(ids.length);
    let candidates = 0,
      selected = 0,
      masked = 0,
      replaced = 0,
      kept = 0,
      bad = 0;
    for (let i = 0; i < ids.length; i++) {
      const special = SPECIALS.includes(ids[i]!);
      if (!special) candidates++;
      if (labels[i] === IGNORE_INDEX) {
        if (inputIds[i] !== ids[i]) bad++; // unselected: the input is untouched
        continue;
      }
      if (special || labels[i] !== ids[i]) bad++; // selected: a non-special, labelled with its own id
      selected++;
      if (inputIds[i] === MASK) masked++;
      else if (inputIds[i] === ids[i]) kept++;
      else if (inputIds[i]! >= 0 && inputIds[i]! < 256) replaced++;
      else bad++;
    }
    expect(bad).toBe(0);
    expect(candidates).toBe(90_000);
    expectProportion(selected, candidates, 0.15);
    expectProportion(masked, selected, 0.8);
    // A random byte equals the original with chance 1/256, and then counts as kept.
    expectProportion(replaced, selected, 0.1 * (255 / 256));
    expectProportion(kept, selected, 0.1 + 0.1 / 256);
  });

  test('random replacements are uniform over [0, randomTokenRange)', () => {
    const ids = new Int32Array(40_000).fill(100); // outside the range, so every replacement shows
    const { inputIds, labels } = maskTokens(ids, { maskId: MASK, randomTokenRange: 4, probability: 1, rng: new Xoshiro128(2) });
    expect(labels.every((label) => label === 100)).toBe(true);
    const counts = [0, 0, 0, 0];
    let other = 0;
    for (const id of inputIds) {
      if (id >= 0 && id < 4) counts[id]!++;
      else if (id !== MASK && id !== 100) other++;
    }
    expect(other).toBe(0);
    const replaced = counts.reduce((a, b) => a + b, 0);
    expectProportion(replaced, ids.length, 0.1);
    for (const c of counts) expectProportion(c, replaced, 0.25);
  });

  test('specials are never selected, whichever the probability; probability 0 selects nothing', () => {
    const ids = Int32Array.from([258, 5, 6, 259, 7, 256, 256]);
    const all = maskTokens(ids, { maskId: MASK, randomTokenRange: 256, specialIds: SPECIALS, probability: 1, rng: new Xoshiro128(3) });
    expect(Array.from(all.labels)).toEqual([-100, 5, 6, -100, 7, -100, -100]);
    expect([all.inputIds[0], all.inputIds[3], all.inputIds[5], all.inputIds[6]]).toEqual([258, 259, 256, 256]);
    const none = maskTokens(ids, { maskId: MASK, randomTokenRange: 256, probability: 0, rng: new Xoshiro128(3) });
    expect(Array.from(none.labels)).toEqual(new Array(7).fill(-100));
    expect(none.inputIds).toEqual(ids);
    expect(none.inputIds).not.toBe(ids); // a copy: the caller's ids are never changed
  });

  test('like Hugging Face, the number selected varies per call and may be zero', () => {
    const ids = new Int32Array(20).fill(9);
    const rng = new Xoshiro128(4);
    const counts = new Set<number>();
    for (let call = 0; call < 200; call++)
      counts.add(maskTokens(ids, { maskId: MASK, randomTokenRange: 256, rng }).labels.filter((l) => l !== IGNORE_INDEX).length);
    expect(counts.has(0)).toBe(true); // (0.85)^20 ≈ 4% of calls
    expect(counts.size).toBeGreaterThan(4);
  });

  test('the same generator state gives the same masking; another seed another', () => {
    const ids = corpus(2000, 5);
    const options = { maskId: MASK, randomTokenRange: 256, specialIds: SPECIALS };
    const a = maskTokens(ids, { ...options, rng: new Xoshiro128(9) });
    const b = maskTokens(ids, { ...options, rng: new Xoshiro128(9) });
    const c = maskTokens(ids, { ...options, rng: new Xoshiro128(10) });
    expect(b).toEqual(a);
    expect(c.labels).not.toEqual(a.labels);
  });

  test('arguments are checked, naming maskTokens and the bad value', () => {
    const rng = new Xoshiro128(0);
    const ids = Int32Array.from([1, 2, 3]);
    const ok = { maskId: MASK, randomTokenRange: 256, rng };
    expect(() => maskTokens([1, 2] as unknown as Int32Array, ok)).toThrow(new ShapeError('maskTokens: ids must be an Int32Array, got an array of length 2'));
    expect(() => maskTokens(Int32Array.from([1, -5]), ok)).toThrow(/^maskTokens: ids\[1\] = -5 is negative; token ids are ≥ 0$/);
    expect(() => maskTokens(ids, { ...ok, maskId: -1 })).toThrow(/^maskTokens: maskId must be an integer in \[0, 2147483647\], got number -1$/);
    expect(() => maskTokens(ids, { ...ok, randomTokenRange: 0 })).toThrow(
      /^maskTokens: randomTokenRange must be an integer in \[1, 2147483648\], got number 0$/,
    );
    expect(() => maskTokens(ids, { ...ok, probability: 1.5 })).toThrow(/^maskTokens: probability must be a number in \[0, 1\], got number 1.5$/);
    expect(() => maskTokens(ids, { ...ok, probability: Number.NaN })).toThrow(ShapeError);
    expect(() => maskTokens(ids, { ...ok, specialIds: [1, -2] })).toThrow(
      /^maskTokens: each of specialIds must be an integer in \[0, 2147483647\], got number -2$/,
    );
    expect(() => maskTokens(ids, { ...ok, specialIds: 5 as unknown as number[] })).toThrow(
      /^maskTokens: specialIds must be a Set or an array of ids, got number 5$/,
    );
    expect(() => maskTokens(ids, { ...ok, rng: Math as unknown as Xoshiro128 })).toThrow(/^maskTokens: rng must be an Rng \(nextFloat, nextInt\)/);
    expect(() => maskTokens(ids, null as unknown as typeof ok)).toThrow(/^maskTokens: options must be an object, got null$/);
  });
});
