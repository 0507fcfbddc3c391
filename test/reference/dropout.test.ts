// The Philox and dropout references against published known answers and hand-worked masks, the
// backward against float64 central differences, and the checked ops' errors.
import { describe, expect, test } from 'vitest';
import { ShapeError, createCpuBackend, dropout, dropoutBackward } from '../../src/index.js';
import { philox4x32_10 } from '../../src/random/philox.js';
import { dropoutBackwardReference, dropoutMaskReference, dropoutReference } from '../../src/reference/dropout.js';
import { PHILOX_KNOWN_ANSWERS } from '../harness/philox-known-answers.js';
import { Rng } from '../harness/cases.js';
import { randomFloat64, vjpError } from '../harness/finite-diff.js';

const mask = (n: number, p: number, key: readonly [number, number], offset: number): Uint8Array => {
  const keep = new Uint8Array(n);
  dropoutMaskReference(n, p, key, offset, keep);
  return keep;
};

describe('philox4x32_10', () => {
  test.each(PHILOX_KNOWN_ANSWERS.map((v) => [...v]))('known answer %#', (counter, key, want) => {
    expect(philox4x32_10(counter, key)).toEqual(want);
  });
});

describe('dropout mask', () => {
  test('element i reads word i mod 4 of counter ⌊i/4⌋, worked from the zero-key known answer', () => {
    // Counter 0, key 0 gives 6627e8d5 e169c58d bc57ac4c 9b00dbd8.
    // p = 0.5: threshold 0x80000000, so word 0 drops and the rest stay.
    expect(Array.from(mask(4, 0.5, [0, 0], 0))).toEqual([0, 1, 1, 1]);
    // p = 0.7: threshold ⌊0.7·2^32⌋ = 0xb3333333, so words 0 and 3 drop.
    expect(Array.from(mask(4, 0.7, [0, 0], 0))).toEqual([0, 1, 1, 0]);
    const y = new Float32Array(4);
    dropoutReference([1, 2, 3, 4], 0.5, [0, 0], 0, y);
    expect(Array.from(y)).toEqual([0, 4, 6, 8]);
  });

  test('lanes and counters for sizes that are not multiples of 4, and a counter whose low word wraps', () => {
    const key = [0x12345678, 0x9abcdef0] as const;
    const threshold = Math.floor(0.3 * 2 ** 32);
    const byHand = (counterLo: number, counterHi: number, lanes: number[]) =>
      lanes.map((lane) => (philox4x32_10([counterLo, counterHi, 0, 0], key)[lane]! >= threshold ? 1 : 0));
    // offset 5, 6 elements: positions 5..10 = counter 1 lanes 1-3, counter 2 lanes 0-2.
    expect(Array.from(mask(6, 0.3, key, 5))).toEqual([...byHand(1, 0, [1, 2, 3]), ...byHand(2, 0, [0, 1, 2])]);
    // Counter 2^32 − 1 lanes 2-3, then counter 2^32 (low word 0, high word 1) lanes 0-2.
    const offset = 4 * (2 ** 32 - 1) + 2;
    expect(Array.from(mask(5, 0.3, key, offset))).toEqual([...byHand(0xffffffff, 0, [2, 3]), ...byHand(0, 1, [0, 1, 2])]);
  });

  test('shifting the offset shifts the mask: element i at offset o is element i + k at offset o − k', () => {
    const key = [7, 0] as const;
    const base = mask(1000, 0.5, key, 0);
    for (const k of [1, 2, 3, 4, 9]) expect(mask(1000 - k, 0.5, key, k)).toEqual(base.subarray(k));
  });

  test('p = 0 keeps everything and is the identity', () => {
    expect(mask(257, 0, [1, 2], 3).every((k) => k === 1)).toBe(true);
    const x = Float32Array.from(randomFloat64(new Rng(1), 257));
    const y = new Float32Array(257);
    dropoutReference(x, 0, [1, 2], 3, y);
    expect(y).toEqual(x);
  });

  test.each([0.1, 0.5, 0.9])('kept fraction of 1e6 elements is 1 − p within 5 standard errors (p = %s)', (p) => {
    const n = 1_000_000;
    const kept = mask(n, p, [2024, 1], 0).reduce((sum, k) => sum + k, 0) / n;
    expect(Math.abs(kept - (1 - p))).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
  });

  test('different seeds and offsets give different masks', () => {
    const n = 4096;
    const base = mask(n, 0.5, [1, 0], 0);
    const differing = (other: Uint8Array) => other.reduce((sum, k, i) => sum + (k !== base[i] ? 1 : 0), 0) / n;
    // Independent masks at p = 0.5 differ in half the elements.
    for (const other of [mask(n, 0.5, [2, 0], 0), mask(n, 0.5, [1, 1], 0), mask(n, 0.5, [1, 0], n), mask(n, 0.5, [1, 0], 1)]) {
      expect(differing(other)).toBeGreaterThan(0.4);
    }
  });
});

describe('dropout backward', () => {
  test('matches float64 central differences of the forward', () => {
    const rng = new Rng(3);
    for (const [n, p, offset] of [
      [1, 0.5, 0],
      [7, 0.3, 1],
      [33, 0.9, 6],
    ] as const) {
      const key = [99, 5] as const;
      const x = randomFloat64(rng, n);
      const dy = randomFloat64(rng, n);
      const dx = new Float64Array(n);
      dropoutBackwardReference(dy, p, key, offset, dx);
      const forward = (probe: Float64Array) => {
        const y = new Float64Array(n);
        dropoutReference(probe, p, key, offset, y);
        return y;
      };
      expect(vjpError(forward, dy, x, dx)).toBeLessThan(1e-8);
    }
  });
});

describe('dropout ops on the cpu backend', () => {
  const cpu = createCpuBackend();

  test('forward and backward share the mask; the seed number s is the pair [s, 0]', async () => {
    const x = cpu.tensor(
      Float32Array.from({ length: 37 }, (_, i) => i + 1),
      [37],
    );
    const y = await dropout(x, { p: 0.25, seed: 11, offset: 3 }).data();
    const dx = await dropoutBackward(x, { p: 0.25, seed: [11, 0], offset: 3 }).data();
    const want = new Float32Array(37);
    dropoutReference(await x.data(), 0.25, [11, 0], 3, want);
    expect(y).toEqual(want);
    expect(dx).toEqual(want);
  });

  const x = cpu.tensor([1, 2, 3], [3]);
  test.each([
    ['p = 1', () => dropout(x, { p: 1, seed: 0 }), /^dropout: p must be in \[0, 1\), got 1$/],
    ['p < 0', () => dropoutBackward(x, { p: -0.1, seed: 0 }), /^dropoutBackward: p must be in \[0, 1\), got -0.1$/],
    ['p NaN', () => dropout(x, { p: NaN, seed: 0 }), /^dropout: p must be in \[0, 1\)/],
    ['seed fraction', () => dropout(x, { p: 0.5, seed: 1.5 }), /^dropout: seed must be a u32 or a pair of u32, got 1.5$/],
    ['seed too big', () => dropout(x, { p: 0.5, seed: [0, 2 ** 32] }), /^dropout: seed must be a u32 or a pair of u32/],
    ['seed triple', () => dropout(x, { p: 0.5, seed: [1, 2, 3] as never }), /^dropout: seed must be a u32 or a pair/],
    [
      'offset negative',
      () => dropout(x, { p: 0.5, seed: 0, offset: -4 }),
      /^dropout: offset must be an integer ≥ 0 with offset \+ size \(3\) ≤ 2\^53, got -4$/,
    ],
    ['offset too big', () => dropout(x, { p: 0.5, seed: 0, offset: 2 ** 53 - 2 }), /^dropout: offset must be/],
    ['dtype', () => dropout(cpu.tensor(Int32Array.from([1]), [1]), { p: 0.5, seed: 0 }), /^dropout: x must be f32, got i32\[1\] on cpu$/],
    ['options missing', () => dropout(x, undefined as never), /^dropout: options \{ p, seed \} are required$/],
  ])('%s', (_name, fn, message) => {
    expect(fn).toThrowError(ShapeError);
    expect(fn).toThrowError(message);
  });
});
