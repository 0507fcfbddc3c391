// Batches for training: MLM rows cut from one long token stream (RoBERTa's "full sentences" packing,
// masked afresh for every batch: dynamic masking), and padding for sequences of different lengths.
import { ArgumentError, ShapeError } from '../errors.js';
import { checkInteger, checkTokenIds, describe } from './check.js';
import { maskTokens, type MaskTokensOptions } from './mlm.js';
import { Xoshiro128 } from './rng.js';

/** Options of `mlmBatches`: the batch shape, the seed, and `maskTokens`' options but its rng. */
export interface MlmBatchesOptions extends Omit<MaskTokensOptions, 'rng'> {
  /** Rows per batch (B). */
  batchSize: number;
  /** Tokens per row (T), `[CLS]` and `[SEP]` included when given. */
  seqLength: number;
  /** u32 seed of the window starts and the masking: the same seed gives the same batches. */
  seed: number;
  /** When given, each row starts with this id (BERT's `[CLS]`, RoBERTa's `<s>`); never masked. */
  clsId?: number;
  /** When given, each row ends with this id (BERT's `[SEP]`, RoBERTa's `</s>`); never masked. */
  sepId?: number;
  /** Continue from a state `getState()` returned (a checkpoint's), instead of from the seed's start. */
  state?: MlmBatchesState;
}

/** Where an `mlmBatches` stream is: enough to draw the same batches after a restart (plain JSON). */
export interface MlmBatchesState {
  readonly kind: 'mlmBatches';
  /** The generator's four u32 state words. */
  readonly rng: readonly number[];
  /** Batches drawn so far. */
  readonly batches: number;
  /** The stream's shape, checked on restore: a state from another configuration is refused. */
  readonly batchSize: number;
  readonly seqLength: number;
  readonly tokens: number;
}

/** An endless generator of MLM batches whose position can be saved and restored (for checkpoints). */
export interface MlmBatchStream extends Generator<MlmBatch, never, undefined> {
  /** The position after the last batch drawn (JSON-able); `setState` of it draws the same next batch. */
  getState(): MlmBatchesState;
  /** Moves the stream to `state` (checked against this stream's batch size, length and token count). */
  setState(state: MlmBatchesState): void;
}

/** One MLM batch; every array is [B, T] row-major. */
export interface MlmBatch {
  /** The corrupted ids the model reads. */
  inputIds: Int32Array;
  /** The original id at selected positions, −100 elsewhere. */
  labels: Int32Array;
  /** With `maxPredictions`: [B · maxPredictions] flat positions row·T + t of the selected ones (unused slots: row·T). */
  maskedPositions?: Int32Array;
  /** With `maxPredictions`: their labels, −100 in unused slots. */
  maskedLabels?: Int32Array;
  /** 1 for a real token, 0 for padding: all ones here, every window is full. */
  attentionMask: Int32Array;
  /** Where each row's window starts in `tokens` (B entries). */
  starts: number[];
  batchSize: number;
  seqLength: number;
}

/**
 * An endless stream of MLM batches: each row is a window of T tokens (T − 2 with `clsId` and `sepId`)
 * starting at a uniform offset in `tokens`, wrapped in the optional `clsId`/`sepId`, then masked by
 * `maskTokens` (with `maxPredictions`, in the gathered form too). Deterministic given the seed; `getState()`/`setState()` (or the `state` option) save and
 * restore its position, so a resumed run draws the same batches.
 */
export function mlmBatches(tokens: Int32Array, options: MlmBatchesOptions): MlmBatchStream {
  const op = 'mlmBatches';
  checkTokenIds(op, 'tokens', tokens);
  if (options === null || typeof options !== 'object') throw new ShapeError(`${op}: options must be an object, got ${describe(options)}`);
  const { batchSize, seqLength, seed, clsId, sepId, state, ...maskOptions } = options;
  checkInteger(op, 'batchSize', batchSize, 1, 2 ** 31 - 1);
  checkInteger(op, 'seqLength', seqLength, 1, 2 ** 31 - 1);
  checkInteger(op, 'seed', seed, 0, 2 ** 32 - 1);
  if (clsId !== undefined) checkInteger(op, 'clsId', clsId, 0, 2 ** 31 - 1);
  if (sepId !== undefined) checkInteger(op, 'sepId', sepId, 0, 2 ** 31 - 1);
  const windowLength = seqLength - (clsId === undefined ? 0 : 1) - (sepId === undefined ? 0 : 1);
  if (windowLength < 1) throw new ShapeError(`${op}: seqLength ${seqLength} leaves no room for tokens beside clsId and sepId`);
  if (tokens.length < windowLength) throw new ShapeError(`${op}: tokens has ${tokens.length} ids, fewer than one window of ${windowLength}`);
  if (batchSize * seqLength > 2 ** 31 - 1) throw new ShapeError(`${op}: batchSize × seqLength = ${batchSize * seqLength} is too large`);
  let rng = new Xoshiro128(seed);
  let drawn = 0;
  const setState = (value: MlmBatchesState, name = 'setState'): void => {
    const restored = checkState(`${op}: ${name}`, value, { batchSize, seqLength, tokens: tokens.length });
    rng = restored.rng;
    drawn = restored.batches;
  };
  if (state !== undefined) setState(state, 'options.state');
  // Check the masking options now rather than at the first next(); no ids, so no draws.
  maskTokens(new Int32Array(0), { ...maskOptions, seqLength, rng });
  const specialIds = new Set(maskOptions.specialIds ?? []);
  if (clsId !== undefined) specialIds.add(clsId);
  if (sepId !== undefined) specialIds.add(sepId);

  function* stream(): Generator<MlmBatch, never, undefined> {
    for (;;) {
      const ids = new Int32Array(batchSize * seqLength);
      const starts: number[] = [];
      for (let row = 0; row < batchSize; row++) {
        const start = rng.nextInt(tokens.length - windowLength + 1);
        starts.push(start);
        let at = row * seqLength;
        if (clsId !== undefined) ids[at++] = clsId;
        ids.set(tokens.subarray(start, start + windowLength), at);
        if (sepId !== undefined) ids[at + windowLength] = sepId;
      }
      const masked = maskTokens(ids, { ...maskOptions, seqLength, specialIds, rng });
      drawn++;
      yield { ...masked, attentionMask: new Int32Array(ids.length).fill(1), starts, batchSize, seqLength };
    }
  }
  const getState = (): MlmBatchesState => ({ kind: 'mlmBatches', rng: rng.getState(), batches: drawn, batchSize, seqLength, tokens: tokens.length });
  // The generator reads `rng` afresh for every batch, so replacing it moves the stream.
  return Object.assign(stream(), { getState, setState: (value: MlmBatchesState) => setState(value) });
}

/** Checks a saved stream state (untrusted JSON) against the stream's shape; the generator it holds. */
function checkState(where: string, state: unknown, shape: { batchSize: number; seqLength: number; tokens: number }): { rng: Xoshiro128; batches: number } {
  if (state === null || typeof state !== 'object' || Array.isArray(state))
    throw new ShapeError(`${where} must be an mlmBatches state object, got ${describe(state)}`);
  const s = state as Record<string, unknown>;
  if (s.kind !== 'mlmBatches') throw new ShapeError(`${where}.kind must be "mlmBatches", got ${JSON.stringify(s.kind) ?? 'nothing'}`);
  for (const key of ['batchSize', 'seqLength', 'tokens'] as const) {
    if (s[key] !== shape[key]) throw new ShapeError(`${where}.${key} is ${JSON.stringify(s[key]) ?? 'missing'}, but this stream has ${key} ${shape[key]}`);
  }
  checkInteger(where, 'batches', s.batches, 0, Number.MAX_SAFE_INTEGER);
  try {
    return { rng: Xoshiro128.fromState(s.rng as number[]), batches: s.batches as number };
  } catch (error) {
    throw new ShapeError(`${where}.rng: ${(error as Error).message}`);
  }
}

/** Options of `padBatch`. */
export interface PadBatchOptions {
  /** The id written after each sequence's end (`[PAD]`). */
  padId: number;
  /** Length of every row: longer sequences are cut to their first `length` ids. */
  length: number;
}

/** Sequences padded or truncated to one length; both arrays are [N, length] row-major. */
export interface PaddedBatch {
  ids: Int32Array;
  /** 1 over each sequence's ids, 0 over its padding. */
  attentionMask: Int32Array;
  batchSize: number;
  length: number;
}

/** Right-pads each sequence with padId to `length` (cutting longer ones), with the attention mask 1 = token, 0 = pad. */
export function padBatch(sequences: readonly Int32Array[], options: PadBatchOptions): PaddedBatch {
  const op = 'padBatch';
  if (!Array.isArray(sequences)) throw new ShapeError(`${op}: sequences must be an array of Int32Array, got ${describe(sequences)}`);
  sequences.forEach((ids, i) => checkTokenIds(op, `sequences[${i}]`, ids));
  if (options === null || typeof options !== 'object') throw new ArgumentError(`${op}: options { padId, length } are required, got ${describe(options)}`);
  const { padId, length } = options;
  checkInteger(op, 'padId', padId, 0, 2 ** 31 - 1);
  checkInteger(op, 'length', length, 0, 2 ** 31 - 1);
  if (sequences.length * length > 2 ** 31 - 1) throw new ShapeError(`${op}: ${sequences.length} sequences × length ${length} is too large`);
  const ids = new Int32Array(sequences.length * length).fill(padId);
  const attentionMask = new Int32Array(sequences.length * length);
  sequences.forEach((sequence, row) => {
    const kept = Math.min(sequence.length, length);
    ids.set(sequence.subarray(0, kept), row * length);
    attentionMask.fill(1, row * length, row * length + kept);
  });
  return { ids, attentionMask, batchSize: sequences.length, length };
}

/**
 * A token stream cut into consecutive, non-overlapping rows of at most seqLength ids, each wrapped in the
 * optional clsId/sepId as `mlmBatches` wraps its windows; the last row holds the remainder (shorter).
 * For a held-out set of packed text (`fixedMaskedSet`), where every token is scored once.
 */
export function tokenWindows(tokens: Int32Array, options: { seqLength: number; clsId?: number; sepId?: number }): Int32Array[] {
  const op = 'tokenWindows';
  checkTokenIds(op, 'tokens', tokens);
  if (options === null || typeof options !== 'object') throw new ArgumentError(`${op}: options { seqLength } are required, got ${describe(options)}`);
  const { seqLength, clsId, sepId } = options;
  checkInteger(op, 'seqLength', seqLength, 1, 2 ** 31 - 1);
  if (clsId !== undefined) checkInteger(op, 'clsId', clsId, 0, 2 ** 31 - 1);
  if (sepId !== undefined) checkInteger(op, 'sepId', sepId, 0, 2 ** 31 - 1);
  const windowLength = seqLength - (clsId === undefined ? 0 : 1) - (sepId === undefined ? 0 : 1);
  if (windowLength < 1) throw new ShapeError(`${op}: seqLength ${seqLength} leaves no room for tokens beside clsId and sepId`);
  const rows: Int32Array[] = [];
  for (let start = 0; start < tokens.length; start += windowLength) {
    const window = tokens.subarray(start, Math.min(start + windowLength, tokens.length));
    rows.push(Int32Array.from([...(clsId === undefined ? [] : [clsId]), ...window, ...(sepId === undefined ? [] : [sepId])]));
  }
  return rows;
}
