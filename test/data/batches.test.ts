// mlmBatches: rows are windows of the token stream (recovered from inputs and labels and found in the
// corpus), starts cover the whole range, [CLS]/[SEP] wrapping, determinism; padBatch; argument checks.
import { describe, expect, test } from 'vitest';
import { IGNORE_INDEX, ShapeError, mlmBatches, padBatch, type MlmBatch } from '../../src/index.js';
import { Rng } from '../harness/cases.js';

const MASK = 257;
const maskOptions = { maskId: MASK, randomTokenRange: 256 };

/** Random byte ids from the harness's generator (a different one from the library's). */
function randomTokens(n: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length: n }, () => Math.floor(rng.next() * 256));
}

/** Row r of the batch as it was before masking: the label where one was set, the input elsewhere. */
function originalRow(batch: MlmBatch, r: number): Int32Array {
  const T = batch.seqLength;
  return Int32Array.from({ length: T }, (_, t) => {
    const label = batch.labels[r * T + t]!;
    return label === IGNORE_INDEX ? batch.inputIds[r * T + t]! : label;
  });
}

/** Every offset where `needle` occurs in `haystack` (plain search). */
function occurrences(haystack: Int32Array, needle: Int32Array): number[] {
  const found: number[] = [];
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    found.push(i);
  }
  return found;
}

function take<T>(iterator: Iterator<T>, n: number): T[] {
  return Array.from({ length: n }, () => iterator.next().value as T);
}

describe('mlmBatches', () => {
  const tokens = randomTokens(5000, 1);

  test('rows are windows of the corpus, masked at about 15%, with [B·T] arrays and a full attention mask', () => {
    const batches = take(mlmBatches(tokens, { batchSize: 16, seqLength: 64, seed: 7, ...maskOptions }), 4);
    let selected = 0;
    for (const batch of batches) {
      expect([batch.batchSize, batch.seqLength, batch.starts.length]).toEqual([16, 64, 16]);
      for (const array of [batch.inputIds, batch.labels, batch.attentionMask]) {
        expect(array).toBeInstanceOf(Int32Array);
        expect(array.length).toBe(16 * 64);
      }
      expect(batch.attentionMask.every((m) => m === 1)).toBe(true);
      for (let r = 0; r < 16; r++) expect(occurrences(tokens, originalRow(batch, r))).toEqual([batch.starts[r]]);
      selected += batch.labels.filter((l) => l !== IGNORE_INDEX).length;
    }
    const n = 4 * 16 * 64;
    expect(Math.abs(selected / n - 0.15)).toBeLessThan(3 * Math.sqrt((0.15 * 0.85) / n));
  });

  test('window starts are uniform over every offset, the last included', () => {
    const short = randomTokens(100, 2);
    const counts = new Array<number>(91).fill(0); // T = 10: starts 0..90
    const stream = mlmBatches(short, { batchSize: 50, seqLength: 10, seed: 3, ...maskOptions });
    for (const batch of take(stream, 200)) for (const start of batch.starts) counts[start]!++;
    expect(counts.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(Math.min(...counts)).toBeGreaterThan(0);
    const expected = 10_000 / 91;
    const chiSquare = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    expect(chiSquare).toBeLessThan(140); // 90 degrees of freedom: the 99.9th percentile is ≈ 137
    // A corpus exactly one window long has one start.
    const one = mlmBatches(short.subarray(0, 10), { batchSize: 3, seqLength: 10, seed: 1, ...maskOptions }).next().value as MlmBatch;
    expect(one.starts).toEqual([0, 0, 0]);
  });

  test('clsId and sepId wrap each window of T − 2 tokens and are never masked', () => {
    const stream = mlmBatches(tokens, { batchSize: 8, seqLength: 12, seed: 5, clsId: 258, sepId: 259, probability: 1, ...maskOptions });
    for (const batch of take(stream, 3)) {
      for (let r = 0; r < 8; r++) {
        const row = originalRow(batch, r);
        expect([row[0], row[11]]).toEqual([258, 259]);
        expect([batch.inputIds[r * 12], batch.inputIds[r * 12 + 11]]).toEqual([258, 259]);
        expect([batch.labels[r * 12], batch.labels[r * 12 + 11]]).toEqual([IGNORE_INDEX, IGNORE_INDEX]);
        expect(batch.labels.subarray(r * 12 + 1, r * 12 + 11).every((l) => l !== IGNORE_INDEX)).toBe(true); // probability 1
        expect(row.subarray(1, 11)).toEqual(tokens.subarray(batch.starts[r]!, batch.starts[r]! + 10));
      }
    }
  });

  test('the same seed gives the same batches; another seed others; each batch is masked afresh', () => {
    const options = { batchSize: 4, seqLength: 32, ...maskOptions };
    const a = take(mlmBatches(tokens, { ...options, seed: 1 }), 3);
    const b = take(mlmBatches(tokens, { ...options, seed: 1 }), 3);
    const c = take(mlmBatches(tokens, { ...options, seed: 2 }), 3);
    expect(b).toEqual(a);
    expect(c[0]!.starts).not.toEqual(a[0]!.starts);
    expect(a[1]!.starts).not.toEqual(a[0]!.starts);
    // The same window twice (a one-window corpus) is masked differently: dynamic masking.
    const [first, second] = take(mlmBatches(tokens.subarray(0, 32), { ...options, seed: 1 }), 2);
    expect(second!.labels).not.toEqual(first!.labels);
  });

  test('arguments are checked at the call, naming mlmBatches', () => {
    const ok = { batchSize: 2, seqLength: 8, seed: 0, ...maskOptions };
    expect(() => mlmBatches(tokens.subarray(0, 7), ok)).toThrow(new ShapeError('mlmBatches: tokens has 7 ids, fewer than one window of 8'));
    expect(() => mlmBatches(tokens, { ...ok, batchSize: 0 })).toThrow(/^mlmBatches: batchSize must be an integer in \[1, 2147483647\], got number 0$/);
    expect(() => mlmBatches(tokens, { ...ok, seqLength: 2.5 })).toThrow(/^mlmBatches: seqLength must be an integer/);
    expect(() => mlmBatches(tokens, { ...ok, seed: -1 })).toThrow(/^mlmBatches: seed must be an integer in \[0, 4294967295\], got number -1$/);
    expect(() => mlmBatches(tokens, { ...ok, seqLength: 2, clsId: 258, sepId: 259 })).toThrow(
      /^mlmBatches: seqLength 2 leaves no room for tokens beside clsId and sepId$/,
    );
    expect(() => mlmBatches(tokens, { ...ok, clsId: -3 })).toThrow(/^mlmBatches: clsId must be an integer/);
    expect(() => mlmBatches(Int32Array.from([1, -1, 2, 3, 4, 5, 6, 7]), ok)).toThrow(/^mlmBatches: tokens\[1\] = -1 is negative/);
    expect(() => mlmBatches(tokens, { ...ok, probability: 2 })).toThrow(/^maskTokens: probability must be a number in \[0, 1\], got number 2$/);
    expect(() => mlmBatches(tokens, { ...ok, specialIds: 'x' as unknown as number[] })).toThrow(/^maskTokens: specialIds must be a Set or an array of ids/);
  });
});

describe('padBatch', () => {
  test('right-pads with padId, truncates longer sequences, and masks the padding', () => {
    const { ids, attentionMask, batchSize, length } = padBatch(
      [Int32Array.from([1, 2, 3]), Int32Array.from([4]), new Int32Array(0), Int32Array.from([5, 6, 7, 8, 9])],
      { padId: 256, length: 4 },
    );
    expect([batchSize, length]).toEqual([4, 4]);
    expect(Array.from(ids)).toEqual([1, 2, 3, 256, 4, 256, 256, 256, 256, 256, 256, 256, 5, 6, 7, 8]);
    expect(Array.from(attentionMask)).toEqual([1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
  });

  test('length 0 and no sequences give empty arrays', () => {
    expect(padBatch([Int32Array.from([1])], { padId: 0, length: 0 }).ids.length).toBe(0);
    expect(padBatch([], { padId: 0, length: 5 })).toEqual({ ids: new Int32Array(0), attentionMask: new Int32Array(0), batchSize: 0, length: 5 });
  });

  test('arguments are checked', () => {
    const seqs = [Int32Array.from([1])];
    expect(() => padBatch(seqs, { padId: 0, length: -1 })).toThrow(new ShapeError('padBatch: length must be an integer in [0, 2147483647], got number -1'));
    expect(() => padBatch(seqs, { padId: -1, length: 2 })).toThrow(/^padBatch: padId must be an integer/);
    expect(() => padBatch([Int32Array.from([1]), [2] as unknown as Int32Array], { padId: 0, length: 2 })).toThrow(
      /^padBatch: sequences\[1\] must be an Int32Array, got an array of length 1$/,
    );
    expect(() => padBatch(seqs[0] as unknown as Int32Array[], { padId: 0, length: 2 })).toThrow(
      /^padBatch: sequences must be an array of Int32Array, got Int32Array$/,
    );
  });
});
