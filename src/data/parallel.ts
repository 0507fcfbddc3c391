// Translation data (the original Transformer on Multi30k en→de): two line-aligned texts read into
// sentence pairs (gzip files decoded in the page, no node:fs), one byte-level BPE trained on both
// languages, and fixed-shape batches by token budget with length bucketing, so a trainer compiles one
// step per bucket shape; plus in-order padded source batches for evaluation and decoding.
import { Gunzip } from 'fflate';
import { ArgumentError, DatasetError } from '../errors.js';
import type { Tokenizer } from '../tokenizers/tokenizer.js';
import { trainByteLevelBpe } from '../tokenizers/trainers.js';
import { checkInteger, describe } from './check.js';
import { type EpochBatchStream, type EpochStreamState, epochPlan, epochStream } from './epochs.js';
import { IGNORE_INDEX } from './mlm.js';
import { checkTokenizer } from './text-datasets.js';

/** Sentence pairs: `target[i]` translates `source[i]`. */
export interface ParallelText {
  source: string[];
  target: string[];
}

/** Tokenized sentence pairs, ids without special tokens: `target[i]` translates `source[i]`. */
export interface TokenizedParallel {
  source: readonly (readonly number[] | Int32Array)[];
  target: readonly (readonly number[] | Int32Array)[];
}

/** The ids translation batches put around the sentences. */
export interface TranslationSpecials {
  /** `<s>`: the decoder's first input. */
  bosId: number;
  /** `</s>`: ends the source and the labels. */
  eosId: number;
  /** `<pad>`: fills the rows past their tokens. */
  padId: number;
}

/**
 * Two line-aligned texts (line N of `target` translates line N of `source`) as sentence pairs. Lines end
 * at \n or \r\n only (a sentence may hold other Unicode breaks); a leading BOM and trailing blank lines
 * are ignored; blank lines inside are kept, so the alignment holds. Different line counts: DatasetError.
 */
export function readParallelText(source: string, target: string): ParallelText {
  const op = 'readParallelText';
  if (typeof source !== 'string') throw new ArgumentError(`${op}: source must be a string, got ${describe(source)}`);
  if (typeof target !== 'string') throw new ArgumentError(`${op}: target must be a string, got ${describe(target)}`);
  const lines = (text: string): string[] => {
    const list = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split(/\r?\n/);
    while (list.length > 0 && list[list.length - 1] === '') list.pop();
    return list;
  };
  const pairs = { source: lines(source), target: lines(target) };
  if (pairs.source.length !== pairs.target.length)
    throw new DatasetError(
      `${op}: the source has ${pairs.source.length} lines but the target has ${pairs.target.length}; line N of one must translate line N of the other`,
    );
  return pairs;
}

/** Options of `gunzipText`. */
export interface GunzipTextOptions {
  /** The most bytes the text may decompress to (default 256 MiB): a small file can claim gigabytes. */
  maxBytes?: number;
}

/**
 * The UTF-8 text in gzip data (one or more members, as `gzip` and `cat a.gz b.gz` write), each member's
 * CRC-32 and length checked. Not gzip, truncated, corrupt, too large or not UTF-8: DatasetError.
 */
export function gunzipText(bytes: Uint8Array, options: GunzipTextOptions = {}): string {
  const op = 'gunzipText';
  if (!(bytes instanceof Uint8Array)) throw new ArgumentError(`${op}: bytes must be a Uint8Array, got ${describe(bytes)}`);
  if (options === null || typeof options !== 'object') throw new ArgumentError(`${op}: options must be an object, got ${describe(options)}`);
  const maxBytes = checkInteger(op, 'maxBytes', options.maxBytes ?? 2 ** 28, 0, 2 ** 32 - 1);
  if (bytes.length < 18 || bytes[0] !== 0x1f || bytes[1] !== 0x8b)
    throw new DatasetError(
      `${op}: not gzip data (${bytes.length} bytes${bytes.length >= 2 ? `, starting ${hex(bytes[0]!)} ${hex(bytes[1]!)}` : ''}; gzip starts 1f 8b)`,
    );
  const chunks: Uint8Array[] = [];
  let total = 0;
  // Where each member starts in the input and in the output, to check its trailer.
  const inputStarts = [0];
  const outputStarts = [0];
  const gunzip = new Gunzip((chunk) => {
    total += chunk.length;
    if (total > maxBytes) throw new DatasetError(`${op}: the data decompresses to more than maxBytes = ${maxBytes} bytes`);
    chunks.push(chunk);
  });
  gunzip.onmember = (offset) => {
    inputStarts.push(offset);
    outputStarts.push(total);
  };
  try {
    // Fed in slices, so that maxBytes stops a decompression bomb within one slice's output.
    const slice = 1 << 16;
    for (let at = 0; at < bytes.length; at += slice) gunzip.push(bytes.subarray(at, at + slice), at + slice >= bytes.length);
  } catch (error) {
    if (error instanceof DatasetError) throw error;
    throw new DatasetError(`${op}: the gzip data is corrupt or truncated (${(error as Error).message})`);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  // fflate checks neither trailer: a flipped bit can still inflate, to the wrong text.
  inputStarts.forEach((_, m) => {
    const end = m + 1 < inputStarts.length ? inputStarts[m + 1]! : bytes.length;
    const trailer = new DataView(bytes.buffer, bytes.byteOffset + end - 8, 8);
    const member = out.subarray(outputStarts[m], m + 1 < outputStarts.length ? outputStarts[m + 1] : total);
    if (trailer.getUint32(0, true) !== crc32(member) || trailer.getUint32(4, true) !== member.length % 2 ** 32)
      throw new DatasetError(`${op}: gzip member ${m + 1} fails its CRC-32 or length check (the data is corrupt or truncated)`);
  });
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(out);
  } catch {
    throw new DatasetError(`${op}: the decompressed data is not UTF-8 text`);
  }
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3, reflected, polynomial 0xedb88320), as the gzip trailer holds it. */
function crc32(bytes: Uint8Array): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The special tokens of a translation tokenizer, ids 0–3 as RoBERTa's (no `<mask>`: nothing is masked). */
export const TRANSLATION_SPECIAL_TOKENS: readonly string[] = ['<s>', '<pad>', '</s>', '<unk>'];

/** Options of `trainJointTokenizer`. */
export interface JointTokenizerOptions {
  /** Ids in all, the 4 specials and 256 bytes included (training stops earlier when no pair is frequent enough). */
  vocabSize: number;
  /** A merge needs a pair seen this often (default 2). */
  minFrequency?: number;
  /** A space before each sentence (default false), so a sentence's first word is the same token as inside one. */
  addPrefixSpace?: boolean;
}

/**
 * One byte-level BPE for both languages (the original Transformer's shared source–target vocabulary),
 * trained on every source and target sentence with `<s> <pad> </s> <unk>` as ids 0–3.
 */
export function trainJointTokenizer(pairs: ParallelText, options: JointTokenizerOptions): Tokenizer {
  const op = 'trainJointTokenizer';
  const count = checkPairs(op, pairs, sentenceCheck(op));
  if (count === 0) throw new ArgumentError(`${op}: pairs has no sentences to train on`);
  if (options === null || typeof options !== 'object') throw new ArgumentError(`${op}: options { vocabSize } are required, got ${describe(options)}`);
  const vocabSize = checkInteger(op, 'vocabSize', options.vocabSize, TRANSLATION_SPECIAL_TOKENS.length + 256, 2 ** 24);
  const minFrequency = checkInteger(op, 'minFrequency', options.minFrequency ?? 2, 1, 2 ** 31 - 1);
  const addPrefixSpace = options.addPrefixSpace ?? false;
  if (typeof addPrefixSpace !== 'boolean') throw new ArgumentError(`${op}: addPrefixSpace must be a boolean, got ${describe(addPrefixSpace)}`);
  return trainByteLevelBpe([...pairs.source, ...pairs.target], { vocabSize, minFrequency, addPrefixSpace, specialTokens: TRANSLATION_SPECIAL_TOKENS });
}

/** The `<s>`, `</s>` and `<pad>` ids of a tokenizer (as `trainJointTokenizer` makes), to spread into the batchers' options. */
export function translationSpecials(tokenizer: Tokenizer): TranslationSpecials {
  const op = 'translationSpecials';
  checkTokenizer(op, tokenizer);
  const find = (token: string): number => {
    const id = tokenizer.tokenToId(token);
    if (id === undefined) throw new ArgumentError(`${op}: the tokenizer has no ${token} token`);
    return id;
  };
  return { bosId: find('<s>'), eosId: find('</s>'), padId: find('<pad>') };
}

/** Every pair encoded without special tokens (the batchers add `<s>` and `</s>`). */
export function encodeParallel(pairs: ParallelText, tokenizer: Tokenizer): { source: Int32Array[]; target: Int32Array[] } {
  const op = 'encodeParallel';
  checkTokenizer(op, tokenizer);
  checkPairs(op, pairs, sentenceCheck(op));
  const encode = (text: string) => Int32Array.from(tokenizer.encode(text, null, { addSpecialTokens: false }).ids);
  return { source: pairs.source.map(encode), target: pairs.target.map(encode) };
}

/** How pairs are grouped and cut into batches: the options `translationBatchPlan` reads. */
export interface TranslationBucketOptions {
  /** The padded lengths, increasing (default [16, 24, 32, 48, 64]): a pair goes to the smallest ≥ its longer side + 1. */
  bucketLengths?: readonly number[];
  /** Padded positions per side per batch: a bucket of length L has floor(tokenBudget / L) rows. */
  tokenBudget?: number;
  /** Rows per batch in every bucket, instead of a token budget. */
  fixedBatchSize?: number;
  /** A bucket's final batch with fewer pairs than rows: 'pad' (filler rows, default) or 'drop' (its pairs wait for another epoch's shuffle). */
  lastBatch?: 'pad' | 'drop';
}

/** One batch shape: a trainer compiles one step per shape. */
export interface TranslationBatchShape {
  batchSize: number;
  sourceLength: number;
  targetLength: number;
}

/** What a bucketing makes of a set of pairs. */
export interface TranslationBatchPlan {
  /** Every bucket length, with its rows per batch, its pairs and its batches per epoch. */
  buckets: { length: number; batchSize: number; pairs: number; batches: number }[];
  /** The shapes of the buckets that make at least one batch, in bucket order: every shape the stream yields. */
  shapes: TranslationBatchShape[];
  batchesPerEpoch: number;
  /** Pairs in a bucket. */
  kept: number;
  /** The indices of the pairs longer than the largest bucket (longer side + 1 > it): never batched. */
  dropped: number[];
}

/** Options of `translationBatches`. */
export interface TranslationBatchesOptions extends TranslationBucketOptions, TranslationSpecials {
  /** u32 seed of each epoch's shuffles. */
  seed: number;
  /** Shuffle every epoch (default true): the pairs within each bucket, then the order of the batches. false: bucket by bucket, pairs in order. */
  shuffle?: boolean;
  /** Epochs to draw; the stream ends after them. Default: endless. */
  epochs?: number;
  /** Continue from a state `getState()` returned. */
  state?: EpochStreamState;
}

/**
 * One translation batch, every array [batchSize × length] row-major. Row r holds pair x → y:
 * source_ids `x </s>`, target_ids `<s> y` (the decoder's input), labels `y </s>` (target_ids shifted
 * left by one), the pad id after the tokens and -100 in labels there. A filler row (index -1) is all
 * padding, masks 0, labels -100.
 */
export interface TranslationBatch {
  source_ids: Int32Array;
  /** 1 on source tokens, 0 on padding. */
  source_mask: Int32Array;
  target_ids: Int32Array;
  /** 1 on decoder-input tokens, 0 on padding: exactly where labels are not -100. */
  target_mask: Int32Array;
  labels: Int32Array;
  /** Rows (B). */
  batchSize: number;
  /** S = the bucket length. */
  sourceLength: number;
  /** T = the bucket length (= S). */
  targetLength: number;
  /** Labels that are not -100 (each pair's y + 1): the count a summed loss is divided by. */
  targetTokens: number;
  /** Rows that hold a pair; the rest are filler. */
  rows: number;
  /** Each row's pair index, -1 for a filler row. */
  indices: Int32Array;
}

const DEFAULT_BUCKETS = [16, 24, 32, 48, 64];

/** How `translationBatches` would bucket and batch these pairs: the shapes to compile, the batches per epoch, the dropped pairs. */
export function translationBatchPlan(pairs: TokenizedParallel, options: TranslationBucketOptions): TranslationBatchPlan {
  return planBuckets('translationBatchPlan', pairs, options).plan;
}

/**
 * Translation batches by token budget with length bucketing: each pair goes to the smallest bucket
 * length ≥ its longer side + 1 (S = T = that length); a bucket of length L has floor(tokenBudget / L)
 * rows (or `fixedBatchSize`). Every epoch the pairs of each bucket are shuffled and cut into batches,
 * and the batches shuffled, from (seed, epoch) alone. Pairs longer than the largest bucket are left out
 * and listed in `plan.dropped`. Ends after `epochs`; `getState()`/`setState()` save and restore the position.
 */
export function translationBatches(
  pairs: TokenizedParallel,
  options: TranslationBatchesOptions,
): EpochBatchStream<TranslationBatch> & { plan: TranslationBatchPlan } {
  const op = 'translationBatches';
  const { plan, bucketOf } = planBuckets(op, pairs, options);
  const { bosId, eosId, padId } = checkSpecials(op, options);
  const { seed, shuffle = true, epochs, state } = options;
  const pairOrder = epochPlan(op, pairs.source.length, { batchSize: pairs.source.length, seed, shuffle, epochs });
  // The batch order has a seed of its own, so it is not drawn from the same stream as the pair order.
  const batchOrder = epochPlan(op, plan.batchesPerEpoch, { batchSize: plan.batchesPerEpoch, seed: (seed ^ 0x85ebca6b) >>> 0, shuffle });
  let cached = -1;
  let batches: Int32Array[] = [];
  const indices = (epoch: number, batch: number): Int32Array => {
    if (epoch !== cached) {
      const order = pairOrder.indices(epoch, 0);
      // Each bucket's pairs in the epoch's order, cut into its batches.
      const lists = plan.buckets.map((b) => new Int32Array(b.pairs));
      const filled = new Int32Array(lists.length);
      for (const i of order) {
        const b = bucketOf[i]!;
        if (b >= 0) lists[b]![filled[b]!++] = i;
      }
      batches = [];
      plan.buckets.forEach(({ batchSize, batches: count }, b) => {
        for (let k = 0; k < count; k++) batches.push(lists[b]!.subarray(k * batchSize, (k + 1) * batchSize));
      });
      cached = epoch;
    }
    return batches[batchOrder.indices(epoch, 0)[batch]!]!;
  };
  // What a restored state must match (EpochStreamState's fields): the most rows a batch has, the largest bucket, the pairs kept.
  const largest = Math.max(...plan.buckets.map((b) => b.batchSize));
  const shape = { batchSize: largest, seqLength: plan.buckets.at(-1)!.length, examples: plan.kept };
  const stream = epochStream(op, op, { ...pairOrder, perEpoch: plan.batchesPerEpoch, indices }, shape, state, (rows) => {
    const bucket = plan.buckets[bucketOf[rows[0]!]!]!;
    const B = bucket.batchSize;
    const L = bucket.length;
    const batch: TranslationBatch = {
      source_ids: new Int32Array(B * L).fill(padId),
      source_mask: new Int32Array(B * L),
      target_ids: new Int32Array(B * L).fill(padId),
      target_mask: new Int32Array(B * L),
      labels: new Int32Array(B * L).fill(IGNORE_INDEX),
      batchSize: B,
      sourceLength: L,
      targetLength: L,
      targetTokens: 0,
      rows: rows.length,
      indices: new Int32Array(B).fill(-1),
    };
    rows.forEach((pair, r) => {
      const x = pairs.source[pair]!;
      const y = pairs.target[pair]!;
      const at = r * L;
      fillSource(batch.source_ids, batch.source_mask, at, x, eosId);
      batch.target_ids[at] = bosId;
      batch.target_ids.set(y, at + 1);
      batch.target_mask.fill(1, at, at + y.length + 1);
      batch.labels.set(y, at);
      batch.labels[at + y.length] = eosId;
      batch.targetTokens += y.length + 1;
      batch.indices[r] = pair;
    });
    return batch;
  });
  return Object.assign(stream, { plan });
}

/** Options of `paddedSourceBatches`. */
export interface PaddedSourceBatchesOptions {
  /** Rows per batch (N); the last batch is filled with filler rows. */
  batchSize: number;
  eosId: number;
  padId: number;
  /** S: positions per row, `</s>` included (default the longest source + 1); a longer source is an error, never cut. */
  sourceLength?: number;
}

/** One batch of sources for evaluation or decoding: [batchSize × sourceLength] row-major, as in `TranslationBatch`. */
export interface PaddedSourceBatch {
  source_ids: Int32Array;
  source_mask: Int32Array;
  batchSize: number;
  sourceLength: number;
  /** Rows that hold a source; the rest are filler (all padding, mask 0). */
  rows: number;
  /** Each row's source index, -1 for a filler row. */
  indices: Int32Array;
}

/** The sources in order (no shuffle), each `x </s>` padded, in batches of `batchSize` rows with their original indices. */
export function paddedSourceBatches(sources: TokenizedParallel['source'], options: PaddedSourceBatchesOptions): PaddedSourceBatch[] {
  const op = 'paddedSourceBatches';
  if (!Array.isArray(sources)) throw new ArgumentError(`${op}: sources must be an array of id arrays, got ${describe(sources)}`);
  sources.forEach((ids, i) => checkIds(op, `sources[${i}]`, ids));
  if (options === null || typeof options !== 'object')
    throw new ArgumentError(`${op}: options { batchSize, eosId, padId } are required, got ${describe(options)}`);
  const B = checkInteger(op, 'batchSize', options.batchSize, 1, 2 ** 24);
  const eosId = checkInteger(op, 'eosId', options.eosId, 0, 2 ** 31 - 1);
  const padId = checkInteger(op, 'padId', options.padId, 0, 2 ** 31 - 1);
  const longest = sources.reduce((most, ids) => Math.max(most, ids.length), 0);
  const S = options.sourceLength === undefined ? longest + 1 : checkInteger(op, 'sourceLength', options.sourceLength, 1, 2 ** 24);
  if (longest + 1 > S) {
    const i = sources.findIndex((ids) => ids.length + 1 > S);
    throw new ArgumentError(`${op}: sources[${i}] has ${sources[i]!.length} ids; with </s> it does not fit sourceLength ${S}`);
  }
  if (B * S > 2 ** 31 - 1) throw new ArgumentError(`${op}: batchSize × sourceLength = ${B * S} is too large`);
  const batches: PaddedSourceBatch[] = [];
  for (let start = 0; start < sources.length; start += B) {
    const rows = Math.min(B, sources.length - start);
    const batch = {
      source_ids: new Int32Array(B * S).fill(padId),
      source_mask: new Int32Array(B * S),
      batchSize: B,
      sourceLength: S,
      rows,
      indices: new Int32Array(B).fill(-1),
    };
    for (let r = 0; r < rows; r++) {
      fillSource(batch.source_ids, batch.source_mask, r * S, sources[start + r]!, eosId);
      batch.indices[r] = start + r;
    }
    batches.push(batch);
  }
  return batches;
}

/** Writes `x </s>` and its mask at `at` (the row's padding is already there). */
function fillSource(ids: Int32Array, mask: Int32Array, at: number, x: readonly number[] | Int32Array, eosId: number): void {
  ids.set(x, at);
  ids[at + x.length] = eosId;
  mask.fill(1, at, at + x.length + 1);
}

/** Checks that pairs has two arrays of one length, calling `check` on every item; returns the pair count. */
function checkPairs(op: string, pairs: unknown, check: (side: 'source' | 'target', i: number, value: unknown) => void): number {
  const p = pairs as Record<string, unknown> | null;
  if (p === null || typeof p !== 'object' || !Array.isArray(p.source) || !Array.isArray(p.target))
    throw new ArgumentError(`${op}: pairs must be { source, target }, two arrays, got ${describe(pairs)}`);
  if (p.source.length !== p.target.length)
    throw new ArgumentError(`${op}: pairs.source has ${p.source.length} items but pairs.target has ${p.target.length}; they must pair up`);
  for (const side of ['source', 'target'] as const) (p[side] as unknown[]).forEach((value, i) => check(side, i, value));
  return p.source.length;
}

/** The `checkPairs` item check of sentence pairs: every item a string. */
function sentenceCheck(op: string) {
  return (side: string, i: number, value: unknown): void => {
    if (typeof value !== 'string') throw new ArgumentError(`${op}: pairs.${side}[${i}] must be a string, got ${describe(value)}`);
  };
}

/** Throws unless `ids` is an array or Int32Array of integer ids in [0, 2³¹). */
function checkIds(op: string, name: string, ids: unknown): void {
  if (!Array.isArray(ids) && !(ids instanceof Int32Array))
    throw new ArgumentError(`${op}: ${name} must be an array or Int32Array of ids, got ${describe(ids)}`);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as unknown;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 2 ** 31 - 1)
      throw new ArgumentError(`${op}: ${name}[${i}] must be an integer id in [0, 2^31 - 1], got ${describe(id)}`);
  }
}

function checkSpecials(op: string, options: TranslationSpecials): TranslationSpecials {
  return {
    bosId: checkInteger(op, 'bosId', options.bosId, 0, 2 ** 31 - 1),
    eosId: checkInteger(op, 'eosId', options.eosId, 0, 2 ** 31 - 1),
    padId: checkInteger(op, 'padId', options.padId, 0, 2 ** 31 - 1),
  };
}

/** Checks the pairs and the bucket options; the plan, and each pair's bucket (-1: dropped). */
function planBuckets(op: string, pairs: TokenizedParallel, options: TranslationBucketOptions) {
  const n = checkPairs(op, pairs, (side, i, value) => checkIds(op, `pairs.${side}[${i}]`, value));
  if (options === null || typeof options !== 'object') throw new ArgumentError(`${op}: options must be an object, got ${describe(options)}`);
  const { bucketLengths = DEFAULT_BUCKETS, tokenBudget, fixedBatchSize, lastBatch = 'pad' } = options;
  if (!Array.isArray(bucketLengths) || bucketLengths.length === 0)
    throw new ArgumentError(`${op}: bucketLengths must be a non-empty array of increasing lengths, got ${describe(bucketLengths)}`);
  bucketLengths.forEach((length, b) => {
    checkInteger(op, `bucketLengths[${b}]`, length, 1, 2 ** 24);
    if (b > 0 && length <= bucketLengths[b - 1]!)
      throw new ArgumentError(`${op}: bucketLengths must increase, got ${length} after ${bucketLengths[b - 1]} (at ${b})`);
  });
  if ((tokenBudget === undefined) === (fixedBatchSize === undefined))
    throw new ArgumentError(`${op}: give exactly one of tokenBudget and fixedBatchSize, got ${describe(tokenBudget)} and ${describe(fixedBatchSize)}`);
  const largest = bucketLengths.at(-1)!;
  if (tokenBudget !== undefined) checkInteger(op, 'tokenBudget', tokenBudget, largest, 2 ** 31 - 1);
  else checkInteger(op, 'fixedBatchSize', fixedBatchSize, 1, Math.floor((2 ** 31 - 1) / largest));
  if (lastBatch !== 'pad' && lastBatch !== 'drop') throw new ArgumentError(`${op}: lastBatch must be 'pad' or 'drop', got ${describe(lastBatch)}`);

  const bucketOf = new Int32Array(n);
  const counts = new Array<number>(bucketLengths.length).fill(0);
  const dropped: number[] = [];
  for (let i = 0; i < n; i++) {
    // + 1: the source gets </s>, the decoder input <s> and the labels </s>.
    const needed = Math.max(pairs.source[i]!.length, pairs.target[i]!.length) + 1;
    const b = bucketLengths.findIndex((length) => length >= needed);
    bucketOf[i] = b;
    if (b < 0) dropped.push(i);
    else counts[b]!++;
  }
  const buckets = bucketLengths.map((length, b) => {
    const batchSize = fixedBatchSize ?? Math.floor(tokenBudget! / length);
    const count = counts[b]!;
    return { length, batchSize, pairs: count, batches: lastBatch === 'pad' ? Math.ceil(count / batchSize) : Math.floor(count / batchSize) };
  });
  const batchesPerEpoch = buckets.reduce((sum, b) => sum + b.batches, 0);
  if (batchesPerEpoch === 0)
    throw new ArgumentError(
      n - dropped.length === 0
        ? `${op}: all ${n} pairs are longer than the largest bucket (${largest}, with </s>): no batch`
        : `${op}: no bucket fills one batch with lastBatch 'drop' (pairs per bucket: ${buckets.map((b) => `${b.length}: ${b.pairs}`).join(', ')})`,
    );
  const shapes = buckets.filter((b) => b.batches > 0).map((b) => ({ batchSize: b.batchSize, sourceLength: b.length, targetLength: b.length }));
  const plan: TranslationBatchPlan = { buckets, shapes, batchesPerEpoch, kept: n - dropped.length, dropped };
  return { plan, bucketOf };
}
