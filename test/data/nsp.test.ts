// nspExamples (Hugging Face's TextDatasetForNextSentencePrediction): documents split at blank lines,
// label 0 pairs are consecutive segments of one document, label 1 pairs take B from another document,
// the template's specials and type ids, the length cap; nspBatches with masking, labels and state.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { IGNORE_INDEX, type NspExample, corpusLines, nspBatches, nspExamples, stripGutenberg, tokenizerSpecials } from '../../src/index.js';
import { KANT } from '../harness/data.js';
import { bertWordPiece, byteBpe, SENTENCES } from './text-fixtures.js';

const encode = (s: string) => bertWordPiece().encode(s, null, { addSpecialTokens: false }).ids;

/** Documents of 3 to 6 sentences, each sentence from SENTENCES with a document number in it, so every segment is distinct. */
function documents(count: number): string[][] {
  return Array.from({ length: count }, (_, d) =>
    Array.from({ length: 3 + (d % 4) }, (_, s) => `${SENTENCES[(d + s) % SENTENCES.length]!.slice(0, 30 + 7 * s)} ${d} ${s}`),
  );
}

/** Where `part` occurs as a contiguous run in `whole`, or −1. */
function indexOfRun(whole: number[], part: number[]): number {
  outer: for (let i = 0; i + part.length <= whole.length; i++) {
    for (let j = 0; j < part.length; j++) if (whole[i + j] !== part[j]) continue outer;
    return i;
  }
  return -1;
}

/** A and B of a BERT pair [CLS] A [SEP] B [SEP], checking the type ids on the way. */
function split(example: NspExample): [number[], number[]] {
  const ids = Array.from(example.inputIds);
  const types = Array.from(example.tokenTypeIds);
  const firstSep = ids.indexOf(3);
  expect(ids[0]).toBe(2);
  expect(ids.at(-1)).toBe(3);
  expect(types).toEqual(ids.map((_, i) => (i <= firstSep ? 0 : 1)));
  return [ids.slice(1, firstSep), ids.slice(firstSep + 1, -1)];
}

describe('nspExamples', () => {
  const docs = documents(12);
  const docTokens = docs.map((doc) => doc.flatMap(encode));

  test('label 0: A then B is a run of one document; label 1: B is a run of another; about half each', () => {
    const examples = nspExamples(docs, bertWordPiece(), { blockSize: 512, seed: 1 });
    let next = 0;
    let random = 0;
    for (const example of examples) {
      const [a, b] = split(example);
      expect(a.length).toBeGreaterThan(0);
      expect(b.length).toBeGreaterThan(0);
      const home = docTokens.findIndex((tokens) => indexOfRun(tokens, a) >= 0);
      expect(home).toBeGreaterThanOrEqual(0);
      if (example.nextSentenceLabel === 0) {
        next++;
        expect(indexOfRun(docTokens[home]!, [...a, ...b])).toBeGreaterThanOrEqual(0);
      } else {
        random++;
        // From another document (12 documents: the 10 tries find one), and not A's continuation.
        const source = docTokens.findIndex((tokens, d) => d !== home && indexOfRun(tokens, b) >= 0);
        expect(source).toBeGreaterThanOrEqual(0);
      }
    }
    expect(next).toBeGreaterThan(0);
    expect(random).toBeGreaterThan(0);
    // blockSize 512 makes one chunk a document: 12 examples plus those from segments put back after a random B.
    expect(examples.length).toBeGreaterThanOrEqual(12);
  });

  test('a text splits into documents at blank lines; the same seed gives the same pairs', () => {
    const text = docs.map((doc) => doc.join('\n')).join('\n\n  \n');
    const fromText = nspExamples(text, bertWordPiece(), { blockSize: 64, seed: 9 });
    expect(fromText).toEqual(nspExamples(docs, bertWordPiece(), { blockSize: 64, seed: 9 }));
    expect(fromText).not.toEqual(nspExamples(docs, bertWordPiece(), { blockSize: 64, seed: 10 }));
  });

  test('short blocks: every pair fits blockSize; many chunks, labels near half and half over many documents', () => {
    const many = documents(200);
    const examples = nspExamples(many, bertWordPiece(), { blockSize: 24, seed: 2 });
    expect(examples.every((e) => e.inputIds.length <= 24 && e.inputIds.length === e.tokenTypeIds.length)).toBe(true);
    const share = examples.filter((e) => e.nextSentenceLabel === 1).length / examples.length;
    // Multi-segment chunks draw B at random with chance 0.5; one-segment chunks always do: the share is ≥ ~0.5.
    expect(examples.length).toBeGreaterThan(400);
    expect(share).toBeGreaterThan(0.45);
    expect(share).toBeLessThan(0.8);
  });

  test('a segment longer than the block: A and B both keep tokens (B takes a whole segment before checking its target)', () => {
    const long = `${SENTENCES[1]} ${SENTENCES[2]} ${SENTENCES[3]}`;
    const examples = nspExamples([[long], [long.toUpperCase(), SENTENCES[4]!]], bertWordPiece(), { blockSize: 16, seed: 7 });
    for (const e of examples) {
      const [a, b] = split(e);
      expect(a.length).toBeGreaterThan(0);
      expect(b.length).toBeGreaterThan(0);
      expect(e.inputIds.length).toBe(16);
    }
  });

  test("RoBERTa's template: <s> A </s></s> B </s>, every type id 0", () => {
    const [example] = nspExamples([[SENTENCES[0]!, SENTENCES[1]!]], byteBpe(), { blockSize: 128, seed: 4, nspProbability: 0 });
    const ids = Array.from(example!.inputIds);
    expect(example!.nextSentenceLabel).toBe(0);
    const bpe = (s: string) => byteBpe().encode(s, null, { addSpecialTokens: false }).ids;
    expect(ids).toEqual([0, ...bpe(SENTENCES[0]!), 2, 2, ...bpe(SENTENCES[1]!), 2]);
    expect(example!.tokenTypeIds.every((t) => t === 0)).toBe(true);
  });

  test('bad arguments are errors naming nspExamples', () => {
    const t = bertWordPiece();
    expect(() => nspExamples(docs, t, { blockSize: 4, seed: 1 })).toThrow(/^nspExamples: blockSize 4 leaves 1 ids beside the pair's special tokens/);
    expect(() => nspExamples([['', ' ']], t, { blockSize: 64, seed: 1 })).toThrow(/^nspExamples: documents hold no tokens/);
    expect(() => nspExamples([[3]] as never, t, { blockSize: 64, seed: 1 })).toThrow(/documents\[0\]\[0\] must be a string/);
    expect(() => nspExamples(docs, t, { blockSize: 64, seed: 1, nspProbability: 2 })).toThrow(/nspProbability must be a number in \[0, 1\]/);
  });
});

describe('nspExamples on the Kant text', () => {
  test.skipIf(!KANT.present)('paragraphs as documents, sentences as segments: pairs fit 128 ids, more random than next', () => {
    // The file has no blank lines: one paragraph a line. Each paragraph is a document of its sentences.
    const paragraphs = corpusLines(stripGutenberg(readFileSync(KANT.path, 'utf8')));
    const docs = paragraphs.map((p) => p.split(/(?<=[.!?])\s+/));
    const examples = nspExamples(docs, bertWordPiece(), { blockSize: 128, seed: 3 });
    expect(examples.length).toBeGreaterThan(2000);
    expect(examples.every((e) => e.inputIds.length <= 128 && e.inputIds[0] === 2 && e.inputIds.at(-1) === 3)).toBe(true);
    // A and B are never empty, also where one sentence alone is longer than the block.
    expect(examples.every((e) => Array.from(e.inputIds).indexOf(3) > 1 && Array.from(e.inputIds).indexOf(3) < e.inputIds.length - 2)).toBe(true);
    const share = examples.filter((e) => e.nextSentenceLabel === 1).length / examples.length;
    // As in Hugging Face, a chunk of one segment (a sentence as long as the target, frequent with this
    // 300-id vocabulary) always takes a random B, so random pairs are more than half (~74% here).
    expect(share).toBeGreaterThan(0.5);
    expect(share).toBeLessThan(0.85);
    console.log(`Kant NSP: ${examples.length} pairs, ${(share * 100).toFixed(1)}% random`);
  });
});

describe('nspBatches', () => {
  const t = bertWordPiece();
  const specials = tokenizerSpecials(t);
  const examples = nspExamples(documents(30), t, { blockSize: 32, seed: 5 });
  const options = {
    batchSize: 8,
    seqLength: 32,
    seed: 6,
    maskId: specials.maskId,
    padId: specials.padId,
    specialIds: specials.specialIds,
    randomTokenRange: specials.vocabSize,
    maxPredictions: 5,
  };

  test('rows are the pairs padded, masked apart from specials and padding, with type ids and NSP labels', () => {
    const stream = nspBatches(examples, options);
    let selected = 0;
    for (let k = 0; k < 6; k++) {
      const b = stream.next().value!;
      expect(b.nextSentenceLabel).toEqual(Int32Array.from(b.indices, (i) => examples[i]!.nextSentenceLabel));
      b.indices.forEach((index, row) => {
        const e = examples[index]!;
        for (let s = 0; s < 32; s++) {
          const at = row * 32 + s;
          expect(b.tokenTypeIds[at]).toBe(s < e.inputIds.length ? e.tokenTypeIds[s] : 0);
          expect(b.attentionMask[at]).toBe(s < e.inputIds.length ? 1 : 0);
          const original = s < e.inputIds.length ? e.inputIds[s]! : specials.padId;
          if (b.labels[at] === IGNORE_INDEX) expect(b.inputIds[at]).toBe(original);
          else {
            selected++;
            expect(b.labels[at]).toBe(original);
            expect(specials.specialIds).not.toContain(original);
          }
        }
      });
      expect(b.maskedPositions!.length).toBe(b.batchSize * 5);
    }
    expect(selected).toBeGreaterThan(0);
    const saved = stream.getState();
    const want = stream.next().value!;
    const resumed = nspBatches(examples, { ...options, state: saved }).next().value!;
    expect(resumed.inputIds).toEqual(want.inputIds);
    expect(resumed.nextSentenceLabel).toEqual(want.nextSentenceLabel);
  });

  test('malformed examples are refused', () => {
    const bad = { ...examples[0]!, tokenTypeIds: new Int32Array(1) };
    expect(() => nspBatches([bad], options)).toThrow(/^nspBatches: examples\[0\] has \d+ inputIds but 1 tokenTypeIds/);
    expect(() => nspBatches([{ ...examples[0]!, nextSentenceLabel: 2 as never }], options)).toThrow(/nextSentenceLabel must be 0 or 1/);
  });
});
