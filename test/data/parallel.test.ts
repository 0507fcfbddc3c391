// Translation data: readParallelText and gunzipText (CRLF, trailing lines, multi-member gzip, every
// kind of bad input), the joint BPE, translationBatches (shapes, the one-token shift, masks, budget,
// buckets, dropped pairs, seeded epochs, resuming), paddedSourceBatches, and the real Multi30k en–de
// files when the data folder has them (round trips on val, the length distribution, an epoch of batches).
import { readFileSync } from 'node:fs';
import { gzipSync, strToU8 } from 'fflate';
import { describe, expect, test } from 'vitest';
import {
  ArgumentError,
  DatasetError,
  type TokenizedParallel,
  type TranslationBatch,
  encodeParallel,
  gunzipText,
  paddedSourceBatches,
  readParallelText,
  trainJointTokenizer,
  translationBatchPlan,
  translationBatches,
  translationSpecials,
} from '../../src/index.js';
import { dataFile } from '../harness/data.js';

const FILES = ['train.en', 'train.de', 'val.en', 'val.de'].map((name) => dataFile(`multi30k/${name}.gz`));
const MISSING = FILES.find((file) => !file.present);
if (MISSING) console.warn(`test/data/parallel: skipping the Multi30k tests: ${MISSING.missing}`);

describe('readParallelText', () => {
  test('line N pairs with line N; CRLF, a BOM and trailing blank lines are fine; blank lines inside are kept', () => {
    expect(readParallelText('\uFEFFA dog.\r\nTwo cats.\r\n', 'Ein Hund.\nZwei Katzen.\n\n')).toEqual({
      source: ['A dog.', 'Two cats.'],
      target: ['Ein Hund.', 'Zwei Katzen.'],
    });
    expect(readParallelText('a\n\nc', 'x\n\nz')).toEqual({ source: ['a', '', 'c'], target: ['x', '', 'z'] });
    // Only \n and \r\n end a line: a U+2028 inside a sentence does not shift the alignment.
    expect(readParallelText('a\u2028b\nc', 'x\ny').source).toEqual(['a\u2028b', 'c']);
    expect(readParallelText('', '')).toEqual({ source: [], target: [] });
  });

  test('different line counts are a DatasetError naming both; non-strings an ArgumentError', () => {
    expect(() => readParallelText('a\nb\nc\n', 'x\ny\n')).toThrow(DatasetError);
    expect(() => readParallelText('a\nb\nc\n', 'x\ny\n')).toThrow(/^readParallelText: the source has 3 lines but the target has 2/);
    expect(() => readParallelText(null as never, 'x')).toThrow(ArgumentError);
    expect(() => readParallelText('x', 3 as never)).toThrow(/^readParallelText: target must be a string, got number 3/);
  });
});

describe('gunzipText', () => {
  const text = 'Ein Mann fährt Fahrrad.\nZwei Hunde spielen im Schnee.\n';
  const gz = gzipSync(strToU8(text));

  test('decodes gzip, one member or several (as cat a.gz b.gz makes)', () => {
    expect(gunzipText(gz)).toBe(text);
    const two = new Uint8Array([...gzipSync(strToU8('first\n')), ...gzipSync(strToU8('zweite ü\n'))]);
    expect(gunzipText(two)).toBe('first\nzweite ü\n');
    expect(gunzipText(gzipSync(new Uint8Array(0)))).toBe('');
  });

  test('not gzip, truncated, corrupt, too large or not UTF-8: a DatasetError', () => {
    expect(() => gunzipText(strToU8('plain text, not gzip at all'))).toThrow(DatasetError);
    expect(() => gunzipText(strToU8('plain text, not gzip at all'))).toThrow(/^gunzipText: not gzip data \(27 bytes, starting 70 6c; gzip starts 1f 8b\)/);
    expect(() => gunzipText(new Uint8Array(0))).toThrow(/^gunzipText: not gzip data \(0 bytes;/);
    expect(() => gunzipText(gz.subarray(0, gz.length - 12))).toThrow(/^gunzipText: the gzip data is corrupt or truncated|CRC-32/);
    const badCrc = gz.slice();
    badCrc[badCrc.length - 6]! ^= 0xff;
    expect(() => gunzipText(badCrc)).toThrow(/^gunzipText: gzip member 1 fails its CRC-32 or length check/);
    const badLength = gz.slice();
    badLength[badLength.length - 1]! ^= 0x01;
    expect(() => gunzipText(badLength)).toThrow(/member 1 fails its CRC-32 or length check/);
    // A flipped bit in the compressed data: an inflate error or a CRC mismatch, never wrong text (a bit
    // past the end of the final block changes nothing).
    let caught = 0;
    for (let at = 10; at < gz.length - 8; at++) {
      const flipped = gz.slice();
      flipped[at]! ^= 0x10;
      try {
        expect(gunzipText(flipped)).toBe(text);
      } catch (error) {
        expect(error).toBeInstanceOf(DatasetError);
        caught++;
      }
    }
    expect(caught).toBeGreaterThan(gz.length - 20);
    expect(() => gunzipText(new Uint8Array([...gz, 0, 0, 0]))).toThrow(DatasetError);
    expect(() => gunzipText(gzipSync(new Uint8Array(100_000)), { maxBytes: 50_000 })).toThrow(/more than maxBytes = 50000 bytes/);
    expect(() => gunzipText(gzipSync(new Uint8Array([0xff, 0xfe, 0x41])))).toThrow(/^gunzipText: the decompressed data is not UTF-8 text/);
  });

  test('arguments', () => {
    expect(() => gunzipText([1, 2] as never)).toThrow(ArgumentError);
    expect(() => gunzipText(gz, { maxBytes: -1 })).toThrow(/^gunzipText: maxBytes must be an integer/);
  });
});

const SMALL = readParallelText(
  ['A man rides a bike.', 'Two dogs play in the snow.', 'A girl reads a book.', 'A man reads in the park.'].join('\n'),
  ['Ein Mann fährt Fahrrad.', 'Zwei Hunde spielen im Schnee.', 'Ein Mädchen liest ein Buch.', 'Ein Mann liest im Park.'].join('\n'),
);

describe('trainJointTokenizer', () => {
  test('one byte-level BPE over both languages, <s> <pad> </s> <unk> as ids 0–3', () => {
    const tokenizer = trainJointTokenizer(SMALL, { vocabSize: 300, minFrequency: 1 });
    expect([0, 1, 2, 3].map((id) => tokenizer.idToTokenString(id))).toEqual(['<s>', '<pad>', '</s>', '<unk>']);
    expect(tokenizer.tokenToId('<mask>')).toBeUndefined();
    expect(translationSpecials(tokenizer)).toEqual({ bosId: 0, eosId: 2, padId: 1 });
    // Merges learned from either side: "Mann" (German) and "man" (English) are one token each.
    expect(tokenizer.encode('Ein Mann', null, { addSpecialTokens: false }).tokens).toEqual(['Ein', 'ĠMann']);
    expect(tokenizer.encode('A man', null, { addSpecialTokens: false }).tokens).toEqual(['A', 'Ġman']);
    const encoded = encodeParallel(SMALL, tokenizer);
    expect(encoded.source).toHaveLength(4);
    encoded.target.forEach((ids, i) => {
      expect(ids).toBeInstanceOf(Int32Array);
      expect(tokenizer.decode(ids)).toBe(SMALL.target[i]);
      expect(Array.from(ids).some((id) => id < 4)).toBe(false);
    });
  });

  test('arguments', () => {
    expect(() => trainJointTokenizer(SMALL, { vocabSize: 259 })).toThrow(ArgumentError);
    expect(() => trainJointTokenizer(SMALL, { vocabSize: 259 })).toThrow(/^trainJointTokenizer: vocabSize must be an integer in \[260,/);
    expect(() => trainJointTokenizer({ source: ['a'], target: [] }, { vocabSize: 300 })).toThrow(
      /^trainJointTokenizer: pairs.source has 1 items but pairs.target has 0/,
    );
    expect(() => trainJointTokenizer({ source: ['a'], target: [3 as never] }, { vocabSize: 300 })).toThrow(/pairs.target\[0\] must be a string/);
    expect(() => trainJointTokenizer({ source: [], target: [] }, { vocabSize: 300 })).toThrow(/no sentences/);
    expect(() => trainJointTokenizer(SMALL, null as never)).toThrow(/options \{ vocabSize \} are required/);
    expect(() => translationSpecials({} as never)).toThrow(/^translationSpecials: tokenizer must be a Tokenizer/);
  });
});

const SPECIALS = { bosId: 0, padId: 1, eosId: 2 };
const ids = (n: number, first: number) => Array.from({ length: n }, (_, k) => first + k);

// 12 pairs of known lengths (ids ≥ 10, so no real token looks like a special); the longer side + 1
// picks the bucket of [4, 6, 8]: pair 11 needs 9 and is dropped.
const SIDES: [number, number][] = [
  [1, 2], // 3 → 4
  [3, 1], // 4 → 4
  [2, 2], // 3 → 4
  [0, 3], // 4 → 4
  [3, 3], // 4 → 4
  [5, 2], // 6 → 6
  [4, 4], // 5 → 6
  [2, 5], // 6 → 6
  [7, 6], // 8 → 8
  [6, 7], // 8 → 8
  [1, 0], // 2 → 4
  [8, 1], // 9: dropped
];
const PAIRS: TokenizedParallel = {
  source: SIDES.map(([s], i) => ids(s, 10 + 20 * i)),
  target: SIDES.map(([, t], i) => Int32Array.from(ids(t, 20 + 20 * i))),
};
const BUCKETS = { bucketLengths: [4, 6, 8], tokenBudget: 16 };
const bucketOf = (i: number) => [4, 6, 8].find((L) => L >= Math.max(...SIDES[i]!) + 1);

/** Checks one batch row by row against its pairs; returns the pair indices it holds. */
function checkBatch(batch: TranslationBatch, pairs: TokenizedParallel, pad = SPECIALS.padId): number[] {
  const { batchSize: B, sourceLength: S, targetLength: T } = batch;
  expect(S).toBe(T);
  for (const name of ['source_ids', 'source_mask', 'target_ids', 'target_mask', 'labels'] as const) {
    expect(batch[name]).toBeInstanceOf(Int32Array);
    expect(batch[name]).toHaveLength(B * S);
  }
  expect(batch.indices).toHaveLength(B);
  let tokens = 0;
  const held: number[] = [];
  for (let r = 0; r < B; r++) {
    const row = (name: keyof TranslationBatch) => Array.from((batch[name] as Int32Array).subarray(r * S, (r + 1) * S));
    const index = batch.indices[r]!;
    if (index < 0) {
      // A filler row: all padding.
      expect(r).toBeGreaterThanOrEqual(batch.rows);
      expect(row('source_ids').every((id) => id === pad) && row('target_ids').every((id) => id === pad)).toBe(true);
      expect([...row('source_mask'), ...row('target_mask')].every((m) => m === 0)).toBe(true);
      expect(row('labels').every((l) => l === -100)).toBe(true);
      continue;
    }
    expect(r).toBeLessThan(batch.rows);
    held.push(index);
    const x = Array.from(pairs.source[index]!);
    const y = Array.from(pairs.target[index]!);
    const padTo = (list: number[], value: number) => [...list, ...new Array(S - list.length).fill(value)];
    expect(row('source_ids')).toEqual(padTo([...x, SPECIALS.eosId], pad));
    expect(row('source_mask')).toEqual(padTo(new Array(x.length + 1).fill(1), 0));
    expect(row('target_ids')).toEqual(padTo([SPECIALS.bosId, ...y], pad));
    expect(row('target_mask')).toEqual(padTo(new Array(y.length + 1).fill(1), 0));
    expect(row('labels')).toEqual(padTo([...y, SPECIALS.eosId], -100));
    // The shift: the label at i is the decoder input at i + 1, and </s> ends the labels.
    const labels = row('labels');
    const input = row('target_ids');
    for (let i = 0; i < y.length; i++) expect(labels[i]).toBe(input[i + 1]);
    expect(labels[y.length]).toBe(SPECIALS.eosId);
    expect(
      row('target_mask')
        .map((m, i) => (m === 1) === (labels[i] !== -100))
        .every(Boolean),
    ).toBe(true);
    tokens += y.length + 1;
  }
  expect(batch.targetTokens).toBe(tokens);
  return held;
}

describe('translationBatches', () => {
  test('the plan: buckets by the longer side + 1, rows = floor(budget / L), the long pair dropped and listed', () => {
    const plan = translationBatchPlan(PAIRS, BUCKETS);
    expect(plan.buckets).toEqual([
      { length: 4, batchSize: 4, pairs: 6, batches: 2 },
      { length: 6, batchSize: 2, pairs: 3, batches: 2 },
      { length: 8, batchSize: 2, pairs: 2, batches: 1 },
    ]);
    expect(plan.shapes).toEqual([
      { batchSize: 4, sourceLength: 4, targetLength: 4 },
      { batchSize: 2, sourceLength: 6, targetLength: 6 },
      { batchSize: 2, sourceLength: 8, targetLength: 8 },
    ]);
    expect(plan).toMatchObject({ batchesPerEpoch: 5, kept: 11, dropped: [11] });
    // A bucket with no pairs makes no shape.
    expect(translationBatchPlan(PAIRS, { bucketLengths: [4, 6, 7, 8], tokenBudget: 16 }).shapes.map((s) => s.sourceLength)).toEqual([4, 6, 8]);
    expect(translationBatchPlan(PAIRS, { ...BUCKETS, lastBatch: 'drop' }).buckets.map((b) => b.batches)).toEqual([1, 1, 1]);
  });

  test('every batch: fixed bucket shapes, x </s> | <s> y | y </s>, masks, -100, the budget; each kept pair once an epoch', () => {
    const stream = translationBatches(PAIRS, { ...BUCKETS, ...SPECIALS, seed: 7, epochs: 3 });
    const batches = [...stream];
    expect(batches).toHaveLength(15);
    const shapes = stream.plan.shapes.map((s) => JSON.stringify(s));
    for (let epoch = 0; epoch < 3; epoch++) {
      const seen: number[] = [];
      for (const batch of batches.slice(epoch * 5, epoch * 5 + 5)) {
        expect(shapes).toContain(JSON.stringify({ batchSize: batch.batchSize, sourceLength: batch.sourceLength, targetLength: batch.targetLength }));
        expect(batch.batchSize * batch.sourceLength).toBeLessThanOrEqual(16);
        const held = checkBatch(batch, PAIRS);
        for (const i of held) expect(batch.sourceLength).toBe(bucketOf(i));
        seen.push(...held);
      }
      expect(seen.sort((a, b) => a - b)).toEqual(ids(11, 0));
    }
  });

  test('seeded: the same seed draws the same batches, another seed another order; shuffle false keeps bucket and pair order', () => {
    const run = (seed: number, shuffle = true) =>
      [...translationBatches(PAIRS, { ...BUCKETS, ...SPECIALS, seed, shuffle, epochs: 2 })].map((b) => Array.from(b.indices));
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
    // Epochs differ from each other.
    expect(run(3).slice(0, 5)).not.toEqual(run(3).slice(5));
    expect(run(3, false).slice(0, 5)).toEqual([
      [0, 1, 2, 3],
      [4, 10, -1, -1],
      [5, 6],
      [7, -1],
      [8, 9],
    ]);
  });

  test('resumable: a saved state continues with the same batches', () => {
    const options = { ...BUCKETS, ...SPECIALS, seed: 11, epochs: 3 };
    const all = [...translationBatches(PAIRS, options)].map((b) => Array.from(b.indices));
    const first = translationBatches(PAIRS, options);
    for (let k = 0; k < 7; k++) first.next();
    const state = JSON.parse(JSON.stringify(first.getState()));
    expect(state).toMatchObject({ kind: 'translationBatches', epoch: 1, batch: 2, batches: 7 });
    const resumed = [...translationBatches(PAIRS, { ...options, state })].map((b) => Array.from(b.indices));
    expect(resumed).toEqual(all.slice(7));
    // A state from another bucketing is refused.
    expect(() => translationBatches(PAIRS, { ...options, tokenBudget: 32, state })).toThrow(/batchSize is 4, but this stream has batchSize 8/);
  });

  test('fixedBatchSize overrides the budget; lastBatch drop leaves no filler row', () => {
    const fixed = translationBatchPlan(PAIRS, { bucketLengths: [4, 6, 8], fixedBatchSize: 3 });
    expect(fixed.buckets.map((b) => [b.batchSize, b.batches])).toEqual([
      [3, 2],
      [3, 1],
      [3, 1],
    ]);
    const dropped = [...translationBatches(PAIRS, { ...BUCKETS, ...SPECIALS, seed: 1, epochs: 4, lastBatch: 'drop' })];
    expect(dropped).toHaveLength(12);
    for (const batch of dropped) {
      expect(batch.rows).toBe(batch.batchSize);
      checkBatch(batch, PAIRS);
    }
  });

  test('empty sides, a pad id that is not 1, and Int32Array or number[] ids', () => {
    const pairs = { source: [[], [5, 6]], target: [new Int32Array(0), new Int32Array([7])] };
    const specials = { bosId: 3, eosId: 4, padId: 9 };
    const [batch] = [...translationBatches(pairs, { bucketLengths: [4], fixedBatchSize: 2, ...specials, seed: 0, shuffle: false, epochs: 1 })];
    expect(Array.from(batch!.source_ids)).toEqual([4, 9, 9, 9, 5, 6, 4, 9]);
    expect(Array.from(batch!.target_ids)).toEqual([3, 9, 9, 9, 3, 7, 9, 9]);
    expect(Array.from(batch!.labels)).toEqual([4, -100, -100, -100, 7, 4, -100, -100]);
    expect(batch!.targetTokens).toBe(3);
  });

  test('arguments', () => {
    const options = { ...BUCKETS, ...SPECIALS, seed: 1 };
    const bad = (pairs: unknown, extra: object, message: RegExp) => {
      expect(() => translationBatches(pairs as TokenizedParallel, { ...options, ...extra })).toThrow(ArgumentError);
      expect(() => translationBatches(pairs as TokenizedParallel, { ...options, ...extra })).toThrow(message);
    };
    bad(PAIRS, { fixedBatchSize: 2 }, /^translationBatches: give exactly one of tokenBudget and fixedBatchSize, got number 16 and number 2/);
    bad(PAIRS, { tokenBudget: undefined }, /give exactly one of tokenBudget and fixedBatchSize/);
    bad(PAIRS, { tokenBudget: 7 }, /^translationBatches: tokenBudget must be an integer in \[8,/);
    bad(PAIRS, { bucketLengths: [4, 4, 8] }, /^translationBatches: bucketLengths must increase, got 4 after 4 \(at 1\)/);
    bad(PAIRS, { bucketLengths: [] }, /bucketLengths must be a non-empty array/);
    bad(PAIRS, { bucketLengths: [0, 8] }, /bucketLengths\[0\] must be an integer in \[1,/);
    bad(PAIRS, { lastBatch: 'keep' }, /lastBatch must be 'pad' or 'drop', got string keep/);
    bad(PAIRS, { bucketLengths: [1], tokenBudget: 8 }, /^translationBatches: all 12 pairs are longer than the largest bucket \(1, with <\/s>\): no batch/);
    bad(PAIRS, { lastBatch: 'drop', fixedBatchSize: 9, tokenBudget: undefined }, /no bucket fills one batch with lastBatch 'drop'/);
    bad({ source: [[1]], target: [] }, {}, /pairs.source has 1 items but pairs.target has 0/);
    bad({ source: [[1, -2]], target: [[1]] }, {}, /^translationBatches: pairs.source\[0\]\[1\] must be an integer id in \[0, 2\^31 - 1\], got number -2/);
    bad({ source: [[1]], target: [[1.5]] }, {}, /pairs.target\[0\]\[0\] must be an integer id/);
    bad({ source: ['ab'], target: [[1]] }, {}, /pairs.source\[0\] must be an array or Int32Array of ids, got string ab/);
    bad(null, {}, /pairs must be \{ source, target \}/);
    bad(PAIRS, { padId: -1 }, /padId must be an integer/);
    bad(PAIRS, { seed: -1 }, /seed must be an integer/);
  });
});

describe('paddedSourceBatches', () => {
  test('sources in order in fixed batches of N with their indices; the last filled with filler rows', () => {
    const sources = [[10], [11, 12, 13], [14, 15], new Int32Array([16])];
    const batches = paddedSourceBatches(sources, { batchSize: 3, eosId: 2, padId: 1 });
    expect(batches.map((b) => [b.batchSize, b.sourceLength, b.rows, Array.from(b.indices)])).toEqual([
      [3, 4, 3, [0, 1, 2]],
      [3, 4, 1, [3, -1, -1]],
    ]);
    expect(Array.from(batches[0]!.source_ids)).toEqual([10, 2, 1, 1, 11, 12, 13, 2, 14, 15, 2, 1]);
    expect(Array.from(batches[0]!.source_mask)).toEqual([1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0]);
    expect(Array.from(batches[1]!.source_ids)).toEqual([16, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(Array.from(batches[1]!.source_mask)).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(paddedSourceBatches(sources, { batchSize: 4, eosId: 2, padId: 1, sourceLength: 6 })[0]!.source_ids).toHaveLength(24);
    expect(paddedSourceBatches([], { batchSize: 4, eosId: 2, padId: 1 })).toEqual([]);
  });

  test('a source that does not fit sourceLength is an error, never cut', () => {
    expect(() => paddedSourceBatches([[1], [1, 2, 3]], { batchSize: 2, eosId: 2, padId: 1, sourceLength: 3 })).toThrow(
      /^paddedSourceBatches: sources\[1\] has 3 ids; with <\/s> it does not fit sourceLength 3/,
    );
    expect(() => paddedSourceBatches([[1]], { batchSize: 0, eosId: 2, padId: 1 })).toThrow(/batchSize must be an integer/);
    expect(() => paddedSourceBatches('x' as never, { batchSize: 1, eosId: 2, padId: 1 })).toThrow(ArgumentError);
  });
});

describe('Multi30k en–de (the real files)', () => {
  test.skipIf(MISSING !== undefined)(
    'read, a joint BPE on 4,000 train pairs, round trips on val, the length distribution, an epoch of batches',
    () => {
      const read = (k: number) => gunzipText(new Uint8Array(readFileSync(FILES[k]!.path)));
      const train = readParallelText(read(0), read(1));
      const val = readParallelText(read(2), read(3));
      expect(train.source).toHaveLength(29_000);
      expect(val.source).toHaveLength(1014);
      expect(train.target[0]).toBe('Zwei junge weiße Männer sind im Freien in der Nähe vieler Büsche.');

      const tokenizer = trainJointTokenizer({ source: train.source.slice(0, 4000), target: train.target.slice(0, 4000) }, { vocabSize: 3000 });
      expect(tokenizer.vocabSize).toBe(3000);
      const specials = translationSpecials(tokenizer);
      expect(specials).toEqual({ bosId: 0, eosId: 2, padId: 1 });
      // Byte-level BPE has no unknown token: every val sentence, unseen words and all, comes back exactly.
      const valIds = encodeParallel(val, tokenizer);
      [...val.source, ...val.target].forEach((line, i) => {
        const encoded = i < val.source.length ? valIds.source[i]! : valIds.target[i - val.source.length]!;
        expect(tokenizer.decode(encoded)).toBe(line);
      });

      const trainIds = encodeParallel(train, tokenizer);
      const quantiles = (lengths: number[]) => {
        const sorted = [...lengths].sort((a, b) => a - b);
        const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
        return `median ${q(0.5)}, p90 ${q(0.9)}, p99 ${q(0.99)}, max ${sorted.at(-1)}`;
      };
      const mean = (lists: readonly ArrayLike<number>[]) => (lists.reduce((sum, l) => sum + l.length, 0) / lists.length).toFixed(2);
      const words = (lines: string[]) => lines.reduce((sum, l) => sum + l.split(' ').length, 0) / lines.length;
      const plan = translationBatchPlan(trainIds, { bucketLengths: [16, 24, 32, 48, 64], tokenBudget: 4096 });
      console.log(
        [
          `Multi30k train, joint byte-level BPE of ${tokenizer.vocabSize} ids trained on 4,000 pairs:`,
          `  en tokens: mean ${mean(trainIds.source)}, ${quantiles(trainIds.source.map((x) => x.length))} (${words(train.source).toFixed(2)} words a line)`,
          `  de tokens: mean ${mean(trainIds.target)}, ${quantiles(trainIds.target.map((x) => x.length))} (${words(train.target).toFixed(2)} words a line)`,
          `  val en: mean ${mean(valIds.source)}, de: mean ${mean(valIds.target)}`,
          `  buckets (length: pairs, rows, batches) at a budget of 4096: ${plan.buckets.map((b) => `${b.length}: ${b.pairs}, ${b.batchSize}, ${b.batches}`).join('; ')}`,
          `  dropped (longer side + 1 > 64): ${plan.dropped.length}; batches an epoch: ${plan.batchesPerEpoch}`,
        ].join('\n'),
      );
      expect(plan.kept + plan.dropped.length).toBe(29_000);
      expect(plan.dropped.length).toBeLessThan(29); // under 0.1%

      const stream = translationBatches(trainIds, { bucketLengths: [16, 24, 32, 48, 64], tokenBudget: 4096, ...specials, seed: 1, epochs: 1 });
      const seen = new Uint8Array(29_000);
      let count = 0;
      let realTokens = 0;
      let padded = 0;
      for (const batch of stream) {
        count++;
        expect(batch.batchSize * batch.sourceLength).toBeLessThanOrEqual(4096);
        for (let r = 0; r < batch.rows; r++) {
          const i = batch.indices[r]!;
          expect(seen[i]).toBe(0);
          seen[i] = 1;
          const at = r * batch.targetLength;
          const y = trainIds.target[i]!;
          expect(Array.from(batch.labels.subarray(at, at + y.length + 1))).toEqual([...y, specials.eosId]);
          expect(Array.from(batch.target_ids.subarray(at, at + y.length + 1))).toEqual([specials.bosId, ...y]);
        }
        realTokens += batch.targetTokens;
        padded += batch.batchSize * batch.targetLength;
      }
      expect(count).toBe(plan.batchesPerEpoch);
      expect(seen.reduce((a, b) => a + b, 0)).toBe(plan.kept);
      for (const i of plan.dropped) expect(seen[i]).toBe(0);
      console.log(
        `  one epoch: ${count} batches, target tokens ${realTokens} of ${padded} padded positions (${((100 * realTokens) / padded).toFixed(1)}% real)`,
      );

      const evalBatches = paddedSourceBatches(valIds.source, { batchSize: 64, ...specials });
      expect(evalBatches).toHaveLength(Math.ceil(1014 / 64));
      expect(evalBatches.flatMap((b) => Array.from(b.indices).filter((i) => i >= 0))).toEqual(ids(1014, 0));
    },
    120_000,
  );
});
