// unigramBaseline on hand-worked counts; fixedMaskedSet: the same masks on every call, one pass over
// the examples in order, padding never labelled, the gathered form consistent with the labels.
import { describe, expect, test } from 'vitest';
import { IGNORE_INDEX, fixedMaskedSet, tokenWindows, unigramBaseline } from '../../src/index.js';
import { Rng } from '../harness/cases.js';

describe('unigramBaseline', () => {
  test('hand-worked: train [0, 0, 1], V = 3 → p = (3/6, 2/6, 1/6); held-out [0, 2, −100] → (ln 2 + ln 6)/2', () => {
    expect(unigramBaseline([0, 0, 1], [0, 2, IGNORE_INDEX], { vocabSize: 3 })).toBeCloseTo((Math.log(2) + Math.log(6)) / 2, 14);
    // Held-out labels equal to the training distribution: the (smoothed) entropy.
    const train = Int32Array.from({ length: 1000 }, (_, i) => (i % 4 === 0 ? 1 : 0));
    const p0 = 751 / 1002;
    const p1 = 251 / 1002;
    expect(unigramBaseline(train, train, { vocabSize: 2 })).toBeCloseTo(-(0.75 * Math.log(p0) + 0.25 * Math.log(p1)), 12);
  });

  test('ids out of the vocabulary and no labels are errors', () => {
    expect(() => unigramBaseline([0, 3], [0], { vocabSize: 3 })).toThrow(/^unigramBaseline: trainIds\[1\] = 3 is not an id in \[0, vocabSize 3\)/);
    expect(() => unigramBaseline([0], [-1], { vocabSize: 3 })).toThrow(/heldOutLabels\[0\] = -1/);
    expect(() => unigramBaseline([0], [-100], { vocabSize: 3 })).toThrow(/no label to score/);
    expect(() => unigramBaseline([0], [0], { vocabSize: 0 })).toThrow(/vocabSize must be an integer/);
  });
});

describe('fixedMaskedSet', () => {
  const rng = new Rng(5);
  const examples = Array.from({ length: 11 }, (_, i) => Int32Array.from({ length: 3 + ((i * 5) % 9) }, () => 4 + Math.floor(rng.next() * 96)));
  const options = { batchSize: 4, seqLength: 10, padId: 1, maskId: 3, randomTokenRange: 100, specialIds: [0, 2], seed: 77, maxPredictions: 3 };

  test('the same masks every call, every example once in order, padding unlabelled, gathered form = labels', () => {
    const a = fixedMaskedSet(examples, options);
    const b = fixedMaskedSet(examples, options);
    expect(a.batches.map((x) => x.batchSize)).toEqual([4, 4, 3]);
    expect(a.batches.flatMap((x) => x.indices)).toEqual([...examples.keys()]);
    let counted = 0;
    a.batches.forEach((batch, k) => {
      expect(batch.inputIds).toEqual(b.batches[k]!.inputIds);
      expect(batch.labels).toEqual(b.batches[k]!.labels);
      for (let i = 0; i < batch.labels.length; i++) {
        if (batch.attentionMask[i] === 0) expect(batch.labels[i]).toBe(IGNORE_INDEX);
        if (batch.labels[i] !== IGNORE_INDEX) counted++;
      }
      // Every labelled position is in the gathered list, with its label.
      const fromGathered = new Map<number, number>();
      batch.maskedPositions!.forEach((position, slot) => {
        if (batch.maskedLabels![slot] !== IGNORE_INDEX) fromGathered.set(position, batch.maskedLabels![slot]!);
      });
      const fromLabels = new Map<number, number>();
      batch.labels.forEach((label, i) => label !== IGNORE_INDEX && fromLabels.set(i, label));
      expect(fromGathered).toEqual(fromLabels);
    });
    expect(a.maskedCount).toBe(counted);
    expect(counted).toBeGreaterThan(0);
    // Another seed masks otherwise.
    const c = fixedMaskedSet(examples, { ...options, seed: 78 });
    expect(c.batches.map((x) => Array.from(x.labels))).not.toEqual(a.batches.map((x) => Array.from(x.labels)));
  });

  test('over tokenWindows of a packed stream, every token is in one row', () => {
    const tokens = Int32Array.from({ length: 23 }, (_, i) => 10 + i);
    const rows = tokenWindows(tokens, { seqLength: 8, clsId: 0, sepId: 2 });
    expect(rows.map((r) => Array.from(r))).toEqual([
      [0, 10, 11, 12, 13, 14, 15, 2],
      [0, 16, 17, 18, 19, 20, 21, 2],
      [0, 22, 23, 24, 25, 26, 27, 2],
      [0, 28, 29, 30, 31, 32, 2],
    ]);
    const set = fixedMaskedSet(rows, { ...options, seqLength: 8, probability: 1, maxPredictions: undefined });
    // With probability 1, every non-special position is labelled with its own id: all 23 tokens.
    expect(set.maskedCount).toBe(23);
    expect(() => tokenWindows(tokens, { seqLength: 2, clsId: 0, sepId: 2 })).toThrow(/^tokenWindows: seqLength 2 leaves no room/);
    expect(() => fixedMaskedSet(rows, { ...options, padId: -1 })).toThrow(/^fixedMaskedSet: mlmLineBatches: padId must be an integer/);
    expect(() => fixedMaskedSet([], options)).toThrow(/^fixedMaskedSet: .*examples must be a non-empty array/);
  });
});
