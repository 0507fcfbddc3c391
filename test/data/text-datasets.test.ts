// tokenizerSpecials and lineByLineDataset (KantaiBERT's LineByLineTextDataset) over a byte-level BPE
// and a WordPiece tokenizer, and over the real Kant text when the data folder has it; mlmLineBatches.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { IGNORE_INDEX, lineByLineDataset, mlmLineBatches, stripGutenberg, tokenizerSpecials } from '../../src/index.js';
import { KANT } from '../harness/data.js';
import { bertWordPiece, byteBpe, SENTENCES } from './text-fixtures.js';

if (!KANT.present) console.warn(`test/data/text-datasets: skipping the Kant tests: ${KANT.missing}`);

describe('tokenizerSpecials', () => {
  test('RoBERTa and BERT specials: mask, pad, every special id, the vocabulary size', () => {
    expect(tokenizerSpecials(byteBpe())).toEqual({
      maskId: 4,
      padId: 1,
      specialIds: [0, 1, 2, 3, 4],
      vocabSize: byteBpe().vocabSize,
      randomTokenRange: byteBpe().vocabSize,
    });
    expect(tokenizerSpecials(bertWordPiece())).toEqual({
      maskId: 4,
      padId: 0,
      specialIds: [0, 1, 2, 3, 4],
      vocabSize: bertWordPiece().vocabSize,
      randomTokenRange: bertWordPiece().vocabSize,
    });
    expect(tokenizerSpecials(byteBpe(), { maskToken: '</s>' }).maskId).toBe(2);
    expect(() => tokenizerSpecials(byteBpe(), { maskToken: '[MASK]' })).toThrow(
      /^tokenizerSpecials: the tokenizer has no "\[MASK\]" token; name it with options\.maskToken/,
    );
    expect(() => tokenizerSpecials({} as never)).toThrow(/^tokenizerSpecials: tokenizer must be a Tokenizer/);
  });
});

describe('lineByLineDataset', () => {
  test('non-blank lines encoded with their special tokens, cut to blockSize with the end token kept', () => {
    const tokenizer = byteBpe();
    const text = `${SENTENCES[0]}\n\n   \n${SENTENCES[2]}\r\n${SENTENCES[6]}\n`;
    const examples = lineByLineDataset(text, tokenizer, { blockSize: 12 });
    expect(examples).toHaveLength(3);
    const full = [SENTENCES[0]!, SENTENCES[2]!, SENTENCES[6]!].map((line) => tokenizer.encode(line).ids);
    examples.forEach((ids, i) => {
      expect(ids).toBeInstanceOf(Int32Array);
      expect(ids[0]).toBe(0); // <s>
      expect(ids.at(-1)).toBe(2); // </s>, kept by the truncation
      expect(ids.length).toBe(Math.min(12, full[i]!.length));
      expect(Array.from(ids.subarray(0, -1))).toEqual(full[i]!.slice(0, ids.length - 1));
    });
    expect(full[2]!.length).toBeGreaterThan(12); // the long one was cut
    // The same from a list of lines; BERT's template with WordPiece.
    expect(lineByLineDataset([SENTENCES[0]!, '', SENTENCES[2]!, SENTENCES[6]!], tokenizer, { blockSize: 12 })).toEqual(examples);
    const bert = lineByLineDataset([SENTENCES[1]!], bertWordPiece(), { blockSize: 64 });
    expect(Array.from(bert[0]!)).toEqual(bertWordPiece().encode(SENTENCES[1]!).ids);
    expect([bert[0]![0], bert[0]!.at(-1)]).toEqual([2, 3]); // [CLS] … [SEP]
  });

  test('bad arguments name the function', () => {
    expect(() => lineByLineDataset(['a'], byteBpe(), { blockSize: 0 })).toThrow(/^lineByLineDataset: blockSize must be an integer/);
    expect(() => lineByLineDataset([1] as never, byteBpe(), { blockSize: 8 })).toThrow(/^lineByLineDataset: lines\[0\] must be a string/);
    expect(() => lineByLineDataset(5 as never, byteBpe(), { blockSize: 8 })).toThrow(/lines must be a string or an array/);
  });

  test.skipIf(!KANT.present)('the Kant text: one example a paragraph, none longer than blockSize, every one <s> … </s>', () => {
    const book = stripGutenberg(readFileSync(KANT.path, 'utf8'));
    const tokenizer = byteBpe();
    const examples = lineByLineDataset(book, tokenizer, { blockSize: 128 });
    expect(examples).toHaveLength(1448); // the book's non-blank lines (test/data/corpus.test.ts)
    expect(examples.every((ids) => ids.length <= 128 && ids[0] === 0 && ids.at(-1) === 2)).toBe(true);
    expect(examples.filter((ids) => ids.length === 128).length).toBeGreaterThan(500); // most paragraphs are long
  });
});

describe('mlmLineBatches', () => {
  const tokenizer = byteBpe();
  const specials = tokenizerSpecials(tokenizer);
  const examples = lineByLineDataset(SENTENCES, tokenizer, { blockSize: 24 });
  const options = {
    batchSize: 4,
    seqLength: 24,
    seed: 3,
    maskId: specials.maskId,
    padId: specials.padId,
    specialIds: specials.specialIds,
    randomTokenRange: specials.vocabSize,
  };

  test('each epoch draws every line once, padded with <pad>, specials and padding never masked, the short batch kept', () => {
    const stream = mlmLineBatches(examples, { ...options, epochs: 2 });
    const batches = [...stream];
    expect(batches.map((b) => b.batchSize)).toEqual([4, 4, 2, 4, 4, 2]);
    const epoch0 = batches.slice(0, 3).flatMap((b) => b.indices);
    const epoch1 = batches.slice(3).flatMap((b) => b.indices);
    expect([...epoch0].sort((a, b) => a - b)).toEqual([...examples.keys()]);
    expect([...epoch1].sort((a, b) => a - b)).toEqual([...examples.keys()]);
    expect(epoch1).not.toEqual(epoch0); // shuffled afresh
    let selected = 0;
    for (const b of batches) {
      expect(b.inputIds.length).toBe(b.batchSize * 24);
      b.indices.forEach((index, row) => {
        const ids = examples[index]!;
        for (let t = 0; t < 24; t++) {
          const at = row * 24 + t;
          const original = t < ids.length ? ids[t]! : specials.padId;
          expect(b.attentionMask[at]).toBe(t < ids.length ? 1 : 0);
          if (b.labels[at] === IGNORE_INDEX) expect(b.inputIds[at]).toBe(original);
          else {
            selected++;
            expect(b.labels[at]).toBe(original);
            expect(specials.specialIds).not.toContain(original);
          }
        }
      });
    }
    expect(selected).toBeGreaterThan(0);
    expect(stream.next().done).toBe(true);
  });

  test("lastBatch 'drop', the gathered form, and getState/setState mid-epoch", () => {
    const stream = mlmLineBatches(examples, { ...options, lastBatch: 'drop', maxPredictions: 6 });
    const first = [stream.next().value!, stream.next().value!, stream.next().value!];
    expect(first.map((b) => b.batchSize)).toEqual([4, 4, 4]); // 10 lines: 2 batches an epoch, then epoch 1
    expect(first[2]!.maskedPositions!.length).toBe(24);
    const saved = JSON.parse(JSON.stringify(stream.getState()));
    expect(saved).toMatchObject({ kind: 'mlmLineBatches', epoch: 1, batch: 1, batches: 3, batchSize: 4, seqLength: 24, examples: 10 });
    const want = [stream.next().value!, stream.next().value!];
    const resumed = mlmLineBatches(examples, { ...options, lastBatch: 'drop', maxPredictions: 6, state: saved });
    const other = mlmLineBatches(examples, { ...options, lastBatch: 'drop', maxPredictions: 6 });
    other.setState(saved);
    for (const s of [resumed, other]) {
      for (const w of want) {
        const got = s.next().value!;
        expect(got.indices).toEqual(w.indices);
        expect(got.inputIds).toEqual(w.inputIds);
        expect(got.maskedPositions).toEqual(w.maskedPositions);
      }
    }
    expect(() => other.setState({ ...saved, kind: 'nspBatches' })).toThrow(/^mlmLineBatches: setState\.kind must be "mlmLineBatches"/);
    expect(() => other.setState({ ...saved, batch: 2 })).toThrow(/batch must be an integer in \[0, 1\]/);
    expect(() => other.setState({ ...saved, examples: 11 })).toThrow(/examples is 11, but this stream has examples 10/);
    expect(() => mlmLineBatches(examples.slice(0, 3), { ...options, lastBatch: 'drop' })).toThrow(/^mlmLineBatches: 3 examples make no batch of 4/);
    expect(() => mlmLineBatches([], options)).toThrow(/examples must be a non-empty array/);
    expect(() => mlmLineBatches(examples, { ...options, padId: -1 })).toThrow(/^mlmLineBatches: padId must be an integer/);
  });

  test('random replacements come from the whole vocabulary (Hugging Face randint(len(tokenizer)))', () => {
    const stream = mlmLineBatches(examples, { ...options, probability: 1, batchSize: 10 });
    const seen = new Set<number>();
    for (let i = 0; i < 60; i++) {
      const b = stream.next().value!;
      b.labels.forEach((label, at) => {
        if (label !== IGNORE_INDEX && b.inputIds[at] !== specials.maskId && b.inputIds[at] !== label) seen.add(b.inputIds[at]!);
      });
    }
    // ~10% of ~1.5k selected positions a batch are random: a few thousand draws over the vocabulary reach its ends and its specials.
    expect(Math.max(...seen)).toBeGreaterThan(specials.vocabSize * 0.9);
    expect(Math.max(...seen)).toBeLessThan(specials.vocabSize);
    expect([...seen].some((id) => id < 5)).toBe(true);
  });
});
