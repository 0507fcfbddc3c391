// readGlueTsv on the real CoLA files (when the data folder has them) and on malformed rows (errors
// with line numbers); classificationBatches: padding/truncation, labels, epochs, shuffling, state.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { DatasetError, classificationBatches, readGlueTsv } from '../../src/index.js';
import { dataFile } from '../harness/data.js';
import { bertWordPiece, SENTENCES } from './text-fixtures.js';

const TRAIN = dataFile('cola/in_domain_train.tsv');
const DEV = dataFile('cola/out_of_domain_dev.tsv');
if (!TRAIN.present || !DEV.present) console.warn(`test/data/glue: skipping the CoLA file tests: ${TRAIN.present ? DEV.missing : TRAIN.missing}`);

describe('readGlueTsv (CoLA)', () => {
  test.skipIf(!TRAIN.present || !DEV.present)('the real files: 8,551 training rows (6,023 acceptable), 516 dev rows (354 acceptable)', () => {
    const train = readGlueTsv(readFileSync(TRAIN.path, 'utf8'), { task: 'cola' });
    const dev = readGlueTsv(readFileSync(DEV.path, 'utf8'), { task: 'cola' });
    expect(train).toHaveLength(8551);
    expect(dev).toHaveLength(516);
    expect(train.filter((r) => r.label === 1)).toHaveLength(6023);
    expect(dev.filter((r) => r.label === 1)).toHaveLength(354);
    expect(train[0]).toEqual({
      source: 'gj04',
      label: 1,
      originalLabel: '',
      text: "our friends wo n't buy this analysis , let alone the next one we propose .",
      line: 1,
    });
    expect(dev[0]!.source).toBe('clc95');
    // The original-label marker: empty on every acceptable row; '*' (2,461), '?*', '??', '*?' (or, once, empty) on the others.
    expect(train.filter((r) => r.label === 1).every((r) => r.originalLabel === '')).toBe(true);
    expect(train.filter((r) => r.originalLabel === '*')).toHaveLength(2461);
    expect(new Set(train.filter((r) => r.label === 0).map((r) => r.originalLabel))).toEqual(new Set(['*', '?*', '??', '*?', '']));
  });

  test.skipIf(!TRAIN.present)('the real training set in batches of 32 at max length 64: 268 batches an epoch, the last of 7', () => {
    const train = readGlueTsv(readFileSync(TRAIN.path, 'utf8'), { task: 'cola' });
    const batches = [...classificationBatches(train, bertWordPiece(), { batchSize: 32, maxLength: 64, seed: 42, epochs: 1 })];
    expect(batches).toHaveLength(268);
    expect(batches.at(-1)!.batchSize).toBe(8551 - 267 * 32);
    expect(batches.reduce((sum, b) => sum + Array.from(b.labels).reduce((a, x) => a + x, 0), 0)).toBe(6023);
  });

  test('CRLF and a trailing newline are fine; malformed rows are DatasetErrors naming the line', () => {
    const rows = readGlueTsv('a\t1\t\tone .\r\nb\t0\t*\ttwo .\r\n\n', { task: 'cola' });
    expect(rows.map((r) => [r.source, r.label, r.originalLabel, r.text, r.line])).toEqual([
      ['a', 1, '', 'one .', 1],
      ['b', 0, '*', 'two .', 2],
    ]);
    expect(() => readGlueTsv('a\t1\t\tok\nb\t1\tno sentence\n', { task: 'cola' })).toThrow(DatasetError);
    expect(() => readGlueTsv('a\t1\t\tok\nb\t1\tno sentence\n', { task: 'cola' })).toThrow(
      /^readGlueTsv: line 2: CoLA rows have 4 tab-separated columns .*got 3/,
    );
    expect(() => readGlueTsv('a\t1\t\tok\n\na\t1\t\tok\n', { task: 'cola' })).toThrow(/^readGlueTsv: line 2: .*got 1/);
    expect(() => readGlueTsv('a\tyes\t\tok\n', { task: 'cola' })).toThrow(/^readGlueTsv: line 1: the label \(column 2\) must be 0 or 1, got "yes"/);
    expect(() => readGlueTsv('a\t1\t\t \n', { task: 'cola' })).toThrow(/line 1: the sentence \(column 4\) is empty/);
    expect(() => readGlueTsv('a\t1\t\tx\ty\n', { task: 'cola' })).toThrow(/line 1: .*got 5/);
    expect(() => readGlueTsv('x', { task: 'sst2' as never })).toThrow(/^readGlueTsv: task must be 'cola'/);
    expect(() => readGlueTsv(null as never, { task: 'cola' })).toThrow(/^readGlueTsv: text must be a string/);
  });
});

describe('classificationBatches', () => {
  const tokenizer = bertWordPiece();
  const examples = SENTENCES.map((text, i) => ({ text, label: i % 3 === 0 ? 0 : 1 }));

  test('rows are the encodings cut or padded to maxLength, labels [B], every example once an epoch, reshuffled', () => {
    const stream = classificationBatches(examples, tokenizer, { batchSize: 4, maxLength: 12, seed: 1, epochs: 2 });
    const batches = [...stream];
    expect(batches.map((b) => b.batchSize)).toEqual([4, 4, 2, 4, 4, 2]);
    const order = batches.map((b) => b.indices);
    expect(
      order
        .slice(0, 3)
        .flat()
        .sort((a, b) => a - b),
    ).toEqual([...examples.keys()]);
    expect(
      order
        .slice(3)
        .flat()
        .sort((a, b) => a - b),
    ).toEqual([...examples.keys()]);
    expect(order.slice(3).flat()).not.toEqual(order.slice(0, 3).flat());
    for (const b of batches) {
      expect(b.labels).toBeInstanceOf(Int32Array);
      expect(Array.from(b.labels)).toEqual(b.indices.map((i) => examples[i]!.label));
      b.indices.forEach((index, row) => {
        const ids = tokenizer.encode(examples[index]!.text, null, { truncation: { maxLength: 12 } }).ids;
        const rowIds = Array.from(b.inputIds.subarray(row * 12, row * 12 + 12));
        expect(rowIds).toEqual([...ids, ...Array(12 - ids.length).fill(0)]);
        expect(rowIds[0]).toBe(2); // [CLS]
        expect(ids.at(-1)).toBe(3); // [SEP] kept by the truncation
        expect(Array.from(b.attentionMask.subarray(row * 12, row * 12 + 12))).toEqual(rowIds.map((_, t) => (t < ids.length ? 1 : 0)));
      });
    }
  });

  test('in order without shuffling, the last batch dropped, pairs with type ids, float labels, state', () => {
    const ordered = [...classificationBatches(examples, tokenizer, { batchSize: 3, maxLength: 40, seed: 1, shuffle: false, epochs: 1, lastBatch: 'drop' })];
    expect(ordered.map((b) => b.indices)).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [6, 7, 8],
    ]);
    const pairs = [{ text: SENTENCES[0]!, textPair: SENTENCES[1]!, label: 0.25 }];
    const [pair] = [...classificationBatches(pairs, tokenizer, { batchSize: 1, maxLength: 64, seed: 1, epochs: 1, labelType: 'float' })];
    const encoded = tokenizer.encode(SENTENCES[0]!, SENTENCES[1]!);
    expect(Array.from(pair!.tokenTypeIds.subarray(0, encoded.ids.length))).toEqual(encoded.typeIds);
    expect(encoded.typeIds.includes(1)).toBe(true);
    expect(pair!.labels).toEqual(Float32Array.from([0.25]));

    const stream = classificationBatches(examples, tokenizer, { batchSize: 4, maxLength: 16, seed: 8 });
    stream.next();
    stream.next();
    const saved = JSON.parse(JSON.stringify(stream.getState()));
    const want = [stream.next().value!, stream.next().value!];
    const resumed = classificationBatches(examples, tokenizer, { batchSize: 4, maxLength: 16, seed: 8, state: saved });
    expect([resumed.next().value!, resumed.next().value!]).toEqual(want);
  });

  test('bad arguments name classificationBatches and the field', () => {
    const o = { batchSize: 2, maxLength: 8, seed: 1 };
    expect(() => classificationBatches([{ text: 'a', label: -1 }], tokenizer, o)).toThrow(/^classificationBatches: examples\[0\]\.label must be an integer/);
    expect(() => classificationBatches([{ text: 'a', label: 0.5 }], tokenizer, o)).toThrow(/examples\[0\]\.label must be an integer/);
    expect(() => classificationBatches([{ label: 1 }] as never, tokenizer, o)).toThrow(/examples\[0\] must be \{ text, label \}/);
    expect(() => classificationBatches(examples, tokenizer, { ...o, maxLength: 0 })).toThrow(/maxLength must be an integer/);
    expect(() => classificationBatches(examples, tokenizer, { ...o, lastBatch: 'pad' as never })).toThrow(/lastBatch must be 'keep' or 'drop'/);
    expect(() => classificationBatches(examples, tokenizer, { ...o, epochs: 0 })).toThrow(/epochs must be an integer/);
  });
});
