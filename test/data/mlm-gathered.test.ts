// The gathered MLM form (maxPredictions): positions and labels of each row's selections, unused slots
// at the row's first position with −100, selections past the cap left uncorrupted; the same draws as
// the ungathered masking below the cap; mlmBatches emitting it with its saved state still working.
import { describe, expect, test } from 'vitest';
import { IGNORE_INDEX, Xoshiro128, maskTokens, mlmBatches } from '../../src/index.js';
import { Rng } from '../harness/cases.js';

const rng = new Rng(3);
const randomIds = (n: number) => Int32Array.from({ length: n }, () => 4 + Math.floor(rng.next() * 200));

describe('maskTokens with maxPredictions', () => {
  test('hand case, probability 1: the first P non-special positions of each row are taken, the rest untouched', () => {
    // Two rows of T = 5; id 0 is special. Row 0 has 4 candidates, row 1 has 2.
    const ids = Int32Array.from([0, 11, 12, 13, 14, 0, 21, 0, 22, 0]);
    const out = maskTokens(ids, { maskId: 3, randomTokenRange: 4, specialIds: [0], probability: 1, rng: new Xoshiro128(1), maxPredictions: 3, seqLength: 5 });
    expect(Array.from(out.maskedPositions!)).toEqual([1, 2, 3, 6, 8, 5]);
    expect(Array.from(out.maskedLabels!)).toEqual([11, 12, 13, 21, 22, IGNORE_INDEX]);
    expect(Array.from(out.labels)).toEqual([-100, 11, 12, 13, -100, -100, 21, -100, 22, -100]);
    // Past the cap: position 4 keeps its id and its label is −100 (original BERT's max_predictions_per_seq).
    expect(out.inputIds[4]).toBe(14);
    for (const p of [1, 2, 3, 6, 8]) expect([3, 0, 1, 2, 3, ids[p]]).toContain(out.inputIds[p]); // [MASK], random in [0, 4), or kept
  });

  test('random rows: gathered = labels when the cap is not reached, and the same draws as without it', () => {
    const B = 6;
    const T = 40;
    const ids = randomIds(B * T);
    const options = { maskId: 1, randomTokenRange: 204, specialIds: [2], rng: new Xoshiro128(9) };
    const plain = maskTokens(ids, { ...options, rng: new Xoshiro128(9) });
    const gathered = maskTokens(ids, { ...options, maxPredictions: T, seqLength: T });
    expect(gathered.inputIds).toEqual(plain.inputIds);
    expect(gathered.labels).toEqual(plain.labels);
    expect(gathered.maskedPositions!.length).toBe(B * T);
    for (let row = 0; row < B; row++) {
      const want = [...Array(T).keys()].map((t) => row * T + t).filter((i) => plain.labels[i] !== IGNORE_INDEX);
      const slots = Array.from(gathered.maskedPositions!.subarray(row * T, (row + 1) * T));
      const labels = Array.from(gathered.maskedLabels!.subarray(row * T, (row + 1) * T));
      expect(slots.slice(0, want.length)).toEqual(want);
      expect(labels.slice(0, want.length)).toEqual(want.map((i) => ids[i]));
      expect(slots.slice(want.length).every((p) => p === row * T)).toBe(true);
      expect(labels.slice(want.length).every((l) => l === IGNORE_INDEX)).toBe(true);
    }
  });

  test('a small cap: at most P labels a row, every one of them gathered', () => {
    const B = 8;
    const T = 64;
    const P = 4;
    const ids = randomIds(B * T);
    const out = maskTokens(ids, { maskId: 1, randomTokenRange: 204, probability: 0.3, rng: new Xoshiro128(4), maxPredictions: P, seqLength: T });
    let capped = 0;
    for (let row = 0; row < B; row++) {
      const labelled = [...Array(T).keys()].filter((t) => out.labels[row * T + t] !== IGNORE_INDEX);
      expect(labelled.length).toBeLessThanOrEqual(P);
      if (labelled.length === P) capped++;
      const gatheredLabels = Array.from(out.maskedLabels!.subarray(row * P, (row + 1) * P)).filter((l) => l !== IGNORE_INDEX);
      expect(gatheredLabels).toEqual(labelled.map((t) => ids[row * T + t]));
      // Outside the labelled positions the input is the original.
      for (let t = 0; t < T; t++) if (out.labels[row * T + t] === IGNORE_INDEX) expect(out.inputIds[row * T + t]).toBe(ids[row * T + t]);
    }
    expect(capped).toBe(B); // 0.3 · 64 ≈ 19 selections a row: every row reaches the cap
  });

  test('checks: seqLength needed, whole rows', () => {
    const o = { maskId: 1, randomTokenRange: 4, rng: new Xoshiro128(1), maxPredictions: 2 };
    expect(() => maskTokens(new Int32Array(6), o)).toThrow(/^maskTokens: seqLength must be an integer/);
    expect(() => maskTokens(new Int32Array(7), { ...o, seqLength: 3 })).toThrow(/^maskTokens: ids has 7 ids, not a whole number of rows of seqLength 3/);
    expect(() => maskTokens(new Int32Array(6), { ...o, seqLength: 3, maxPredictions: 0 })).toThrow(/maxPredictions must be an integer/);
  });
});

describe('mlmBatches with maxPredictions', () => {
  const tokens = randomIds(2000);
  const options = { batchSize: 3, seqLength: 16, seed: 5, maskId: 1, randomTokenRange: 204, clsId: 2, sepId: 3, maxPredictions: 5 };

  test('same ids and labels as without the cap when it is not reached; gathered slots; state restores them', () => {
    const plain = mlmBatches(tokens, { ...options, maxPredictions: undefined });
    const wide = mlmBatches(tokens, { ...options, maxPredictions: 16 });
    const a = plain.next().value;
    const b = wide.next().value;
    expect(b.inputIds).toEqual(a.inputIds);
    expect(b.labels).toEqual(a.labels);
    expect(a.maskedPositions).toBeUndefined();
    expect(b.maskedPositions!.length).toBe(3 * 16);

    const stream = mlmBatches(tokens, options);
    stream.next();
    const saved = JSON.parse(JSON.stringify(stream.getState()));
    const want = stream.next().value;
    expect(want.maskedPositions!.length).toBe(15);
    for (let slot = 0; slot < 15; slot++) {
      const position = want.maskedPositions![slot]!;
      const row = Math.floor(slot / 5);
      expect(Math.floor(position / 16)).toBe(row);
      expect(want.maskedLabels![slot]).toBe(want.labels[position] === IGNORE_INDEX ? IGNORE_INDEX : want.labels[position]);
    }
    const resumed = mlmBatches(tokens, { ...options, state: saved }).next().value;
    expect(resumed.inputIds).toEqual(want.inputIds);
    expect(resumed.maskedPositions).toEqual(want.maskedPositions);
    expect(resumed.maskedLabels).toEqual(want.maskedLabels);
  });
});
