// Next-sentence-prediction pairs for BERT pre-training, with the semantics of Hugging Face's
// TextDatasetForNextSentencePrediction (itself Google BERT's create_pretraining_data): documents of
// segments (lines), chunks filled up to a target length, A = the chunk's first segments, B = the rest
// (label 0, "is next") or, half the time and always for a one-segment chunk, a run of segments from a
// random other document (label 1), wrapped in the tokenizer's pair template. One difference: Hugging
// Face never cuts a pair, so a long segment gives a pair longer than block_size; here the pair is cut
// as Google BERT's truncate_seq_pair does, so every pair fits blockSize (a fixed-shape graph needs it).
import { ShapeError } from '../errors.js';
import type { Tokenizer } from '../tokenizers/tokenizer.js';
import { checkInteger, checkTokenIds, describe } from './check.js';
import type { EpochBatchStream, EpochOptions } from './epochs.js';
import { epochPlan, epochStream } from './epochs.js';
import { type MlmLineBatchesOptions, maskPadded, paddedMaskPlan } from './line-batches.js';
import { Xoshiro128 } from './rng.js';
import { checkTokenizer, splitLines } from './text-datasets.js';

/** One NSP example: the pair with its special tokens, and whether B follows A. */
export interface NspExample {
  inputIds: Int32Array;
  /** 0 over the template's first part ([CLS] A [SEP]), 1 over the second (B [SEP]) for BERT; all 0 for RoBERTa's template. */
  tokenTypeIds: Int32Array;
  /** 0: B is A's real continuation; 1: B comes from a random document. */
  nextSentenceLabel: 0 | 1;
}

/** Options of `nspExamples`. */
export interface NspExamplesOptions {
  /** Length of every pair, special tokens included (Hugging Face's block_size). */
  blockSize: number;
  /** u32 seed of the chunk targets, the split points, the random documents and the truncation. */
  seed: number;
  /** Chance that a chunk aims at a random shorter length in [2, max] (default 0.1). */
  shortSeqProbability?: number;
  /** Chance that B is a random segment when it could be the real next one (default 0.5). */
  nspProbability?: number;
}

/**
 * NSP pairs from documents as Hugging Face's TextDatasetForNextSentencePrediction makes them. `documents`
 * is a text (lines trimmed; blank lines end a document) or a list of documents, each a list of segments
 * (sentences or lines). Each segment is tokenized without special tokens; empty segments and documents are
 * dropped (Hugging Face keeps a trailing empty document and can fail on it). With one document, the
 * "random" B comes from the same document, as in Hugging Face. Every pair fits blockSize: the longer of
 * A and B loses a token from its front or back (at random) until it does (Google BERT's truncation;
 * Hugging Face does not cut). A chunk of one segment always gets a random B, so with long segments
 * more than half the pairs are random.
 */
export function nspExamples(documents: string | readonly (readonly string[])[], tokenizer: Tokenizer, options: NspExamplesOptions): NspExample[] {
  const op = 'nspExamples';
  checkTokenizer(op, tokenizer);
  if (options === null || typeof options !== 'object') throw new ShapeError(`${op}: options { blockSize, seed } are required, got ${describe(options)}`);
  const { blockSize, seed, shortSeqProbability = 0.1, nspProbability = 0.5 } = options;
  checkInteger(op, 'blockSize', blockSize, 1, 2 ** 31 - 1);
  checkInteger(op, 'seed', seed, 0, 2 ** 32 - 1);
  for (const [name, p] of [
    ['shortSeqProbability', shortSeqProbability],
    ['nspProbability', nspProbability],
  ] as const) {
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new ShapeError(`${op}: ${name} must be a number in [0, 1], got ${describe(p)}`);
  }
  const template = tokenizer.postProcessor?.pair ?? [
    { sequence: 0, typeId: 0 },
    { sequence: 1, typeId: 1 },
  ];
  const maxTokens = blockSize - template.filter((piece) => 'special' in piece).length;
  if (maxTokens < 2) throw new ShapeError(`${op}: blockSize ${blockSize} leaves ${maxTokens} ids beside the pair's special tokens; at least 2 are needed`);

  const encode = (segment: string) => tokenizer.encode(segment, null, { addSpecialTokens: false, truncation: null }).ids;
  const docs = splitDocuments(op, documents)
    .map((doc) => doc.map(encode).filter((ids) => ids.length > 0))
    .filter((doc) => doc.length > 0);
  if (docs.length === 0) throw new ShapeError(`${op}: documents hold no tokens`);

  // Python's random.random() and random.randint(a, b) (both ends included) on the seeded generator.
  const rng = new Xoshiro128(seed);
  const randint = (a: number, b: number) => a + rng.nextInt(b - a + 1);
  const examples: NspExample[] = [];
  docs.forEach((document, docIndex) => {
    const target = rng.nextFloat() < shortSeqProbability ? randint(2, maxTokens) : maxTokens;
    let chunk: number[][] = [];
    let length = 0;
    for (let i = 0; i < document.length; i++) {
      chunk.push(document[i]!);
      length += document[i]!.length;
      if (i !== document.length - 1 && length < target) continue;
      const aEnd = chunk.length >= 2 ? randint(1, chunk.length - 1) : 1;
      const a = chunk.slice(0, aEnd).flat();
      let b: number[] = [];
      let isRandom = false;
      if (chunk.length === 1 || rng.nextFloat() < nspProbability) {
        isRandom = true;
        const targetB = target - a.length;
        let other = docIndex;
        for (let tries = 0; tries < 10 && other === docIndex; tries++) other = randint(0, docs.length - 1);
        const randomDoc = docs[other]!;
        // At least one segment, even when A alone reaches the target.
        for (let j = randint(0, randomDoc.length - 1); j < randomDoc.length; j++) {
          b.push(...randomDoc[j]!);
          if (b.length >= targetB) break;
        }
        // The chunk's unused segments go back, to start the next chunk.
        i -= chunk.length - aEnd;
      } else {
        b = chunk.slice(aEnd).flat();
      }
      truncatePair(a, b, maxTokens, rng);
      const ids: number[] = [];
      const types: number[] = [];
      for (const piece of template) {
        const part = 'special' in piece ? [piece.id] : piece.sequence === 0 ? a : b;
        for (const id of part) {
          ids.push(id);
          types.push(piece.typeId);
        }
      }
      examples.push({ inputIds: Int32Array.from(ids), tokenTypeIds: Int32Array.from(types), nextSentenceLabel: isRandom ? 1 : 0 });
      chunk = [];
      length = 0;
    }
  });
  return examples;
}

/** The documents as lists of trimmed segments: a text splits at blank lines, a list is checked. */
function splitDocuments(op: string, documents: unknown): string[][] {
  if (typeof documents === 'string') {
    const docs: string[][] = [[]];
    for (const raw of splitLines(documents)) {
      const line = raw.trim();
      if (line === '') {
        if (docs[docs.length - 1]!.length > 0) docs.push([]);
      } else docs[docs.length - 1]!.push(line);
    }
    return docs;
  }
  if (!Array.isArray(documents))
    throw new ShapeError(`${op}: documents must be a text or an array of documents (arrays of strings), got ${describe(documents)}`);
  return documents.map((doc, d) => {
    if (!Array.isArray(doc)) throw new ShapeError(`${op}: documents[${d}] must be an array of strings, got ${describe(doc)}`);
    return doc.map((segment, s) => {
      if (typeof segment !== 'string') throw new ShapeError(`${op}: documents[${d}][${s}] must be a string, got ${describe(segment)}`);
      return segment.trim();
    });
  });
}

/** Google BERT's truncate_seq_pair: cut the longer of A and B, from the front or the back at random, until they fit. */
function truncatePair(a: number[], b: number[], maxTokens: number, rng: Xoshiro128): void {
  while (a.length + b.length > maxTokens) {
    const longer = a.length > b.length ? a : b;
    if (rng.nextFloat() < 0.5) longer.shift();
    else longer.pop();
  }
}

/** Options of `nspBatches`: the epochs, the row length, the pad id and the masking. */
export type NspBatchesOptions = MlmLineBatchesOptions;

/** One batch of masked NSP pairs; token arrays are [B, T] row-major, `nextSentenceLabel` [B]. */
export interface NspBatch {
  inputIds: Int32Array;
  /** The original id at selected positions, −100 elsewhere. */
  labels: Int32Array;
  attentionMask: Int32Array;
  /** The pairs' segment ids, 0 over padding. */
  tokenTypeIds: Int32Array;
  /** 0 = B follows A, 1 = B is random, one a row. */
  nextSentenceLabel: Int32Array;
  maskedPositions?: Int32Array;
  maskedLabels?: Int32Array;
  indices: number[];
  batchSize: number;
  seqLength: number;
}

/**
 * BERT pre-training batches (MLM + NSP) of `nspExamples`' pairs: every epoch shuffled (seeded), padded
 * with padId to seqLength and masked afresh as `mlmLineBatches` does (padding and specialIds never selected;
 * `maxPredictions` adds the gathered form), with token type ids and NSP labels. `getState()`/`setState()`.
 */
export function nspBatches(examples: readonly NspExample[], options: NspBatchesOptions): EpochBatchStream<NspBatch> {
  const op = 'nspBatches';
  if (!Array.isArray(examples) || examples.length === 0)
    throw new ShapeError(`${op}: examples must be a non-empty array of NSP examples, got ${describe(examples)}`);
  examples.forEach((example, i) => {
    if (example === null || typeof example !== 'object') throw new ShapeError(`${op}: examples[${i}] must be an NspExample, got ${describe(example)}`);
    checkTokenIds(op, `examples[${i}].inputIds`, example.inputIds);
    checkTokenIds(op, `examples[${i}].tokenTypeIds`, example.tokenTypeIds);
    if (example.tokenTypeIds.length !== example.inputIds.length)
      throw new ShapeError(`${op}: examples[${i}] has ${example.inputIds.length} inputIds but ${example.tokenTypeIds.length} tokenTypeIds`);
    if (example.nextSentenceLabel !== 0 && example.nextSentenceLabel !== 1)
      throw new ShapeError(`${op}: examples[${i}].nextSentenceLabel must be 0 or 1, got ${describe(example.nextSentenceLabel)}`);
  });
  if (options === null || typeof options !== 'object') throw new ShapeError(`${op}: options must be an object, got ${describe(options)}`);
  const { batchSize, seed, shuffle, epochs, lastBatch, state, ...rest } = options satisfies EpochOptions;
  const epochsPlan = epochPlan(op, examples.length, { batchSize, seed, shuffle, epochs, lastBatch });
  const plan = paddedMaskPlan(op, rest);
  const T = plan.seqLength;
  if (batchSize * T > 2 ** 31 - 1) throw new ShapeError(`${op}: batchSize × seqLength = ${batchSize * T} is too large`);
  return epochStream(op, op, epochsPlan, { batchSize, seqLength: T, examples: examples.length }, state, (indices, rng) => {
    const rows = Array.from(indices, (i) => examples[i]!);
    const tokenTypeIds = new Int32Array(rows.length * T);
    rows.forEach((row, r) => tokenTypeIds.set(row.tokenTypeIds.subarray(0, T), r * T));
    return {
      ...maskPadded(
        plan,
        rows.map((row) => row.inputIds),
        rng,
      ),
      tokenTypeIds,
      nextSentenceLabel: Int32Array.from(rows, (row) => row.nextSentenceLabel),
      indices: Array.from(indices),
    };
  });
}
