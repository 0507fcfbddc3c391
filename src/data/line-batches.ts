// MLM batches of whole examples (lines, NSP pairs): each batch's examples right-padded to seqLength and
// masked afresh (dynamic masking, as Hugging Face's DataCollatorForLanguageModeling), over shuffled epochs.
import { ShapeError } from '../errors.js';
import { padBatch } from './batches.js';
import { checkInteger, checkTokenIds, describe } from './check.js';
import { type EpochBatchStream, type EpochOptions, epochPlan, epochStream } from './epochs.js';
import { type MaskTokensOptions, maskTokens } from './mlm.js';
import { type Rng, Xoshiro128 } from './rng.js';

/** Options of `mlmLineBatches`: the epochs, the row length, the pad id and `maskTokens`' options but its rng. */
export interface MlmLineBatchesOptions extends EpochOptions, Omit<MaskTokensOptions, 'rng' | 'seqLength'> {
  /** Tokens per row (T): shorter examples are padded with padId, longer ones cut. */
  seqLength: number;
  /** The padding id; never selected for masking. */
  padId: number;
}

/** One batch of padded, masked examples; the token arrays are [B, T] row-major (B may be short in an epoch's last batch). */
export interface MlmLineBatch {
  /** The corrupted ids the model reads. */
  inputIds: Int32Array;
  /** The original id at selected positions, −100 elsewhere (and over padding). */
  labels: Int32Array;
  /** 1 for a real token, 0 for padding. */
  attentionMask: Int32Array;
  /** With `maxPredictions`: [B · maxPredictions] flat positions row·T + t of the selected ones (unused slots: row·T). */
  maskedPositions?: Int32Array;
  /** With `maxPredictions`: their labels, −100 in unused slots. */
  maskedLabels?: Int32Array;
  /** The examples' indices in the dataset, one a row. */
  indices: number[];
  batchSize: number;
  seqLength: number;
}

/** The masking options of a padded-batch stream, checked once; what `maskPadded` needs. */
export interface PaddedMaskPlan {
  seqLength: number;
  padId: number;
  mask: Omit<MaskTokensOptions, 'rng'>;
}

/** Checks the row length, pad id and masking options (no draws); the plan `maskPadded` follows. */
export function paddedMaskPlan(op: string, options: Omit<MlmLineBatchesOptions, keyof EpochOptions>): PaddedMaskPlan {
  const { seqLength, padId, ...mask } = options;
  checkInteger(op, 'seqLength', seqLength, 1, 2 ** 31 - 1);
  checkInteger(op, 'padId', padId, 0, 2 ** 31 - 1);
  const specialIds = mask.specialIds ?? [];
  if (!(specialIds instanceof Set) && !Array.isArray(specialIds))
    throw new ShapeError(`${op}: specialIds must be a Set or an array of ids, got ${describe(specialIds)}`);
  // Padding is special, as in Hugging Face (the pad token is among all_special_ids).
  const plan = { seqLength, padId, mask: { ...mask, seqLength, specialIds: new Set([...specialIds, padId]) } };
  maskTokens(new Int32Array(0), { ...plan.mask, rng: new Xoshiro128(0) }); // checks the options; no ids, no draws
  return plan;
}

/** The examples right-padded to the plan's seqLength and masked with `rng`. */
export function maskPadded(plan: PaddedMaskPlan, sequences: Int32Array[], rng: Rng) {
  const padded = padBatch(sequences, { padId: plan.padId, length: plan.seqLength });
  const masked = maskTokens(padded.ids, { ...plan.mask, rng });
  return { ...masked, attentionMask: padded.attentionMask, batchSize: sequences.length, seqLength: plan.seqLength };
}

/**
 * MLM batches of whole examples (e.g. `lineByLineDataset`'s lines): every epoch the examples are
 * shuffled (seeded), cut into batches of batchSize, right-padded with padId to seqLength and masked by
 * `maskTokens` (padding and specialIds never selected; with `maxPredictions` the gathered form too).
 * Deterministic given the seed; `getState()`/`setState()` save and restore the position.
 */
export function mlmLineBatches(examples: readonly Int32Array[], options: MlmLineBatchesOptions): EpochBatchStream<MlmLineBatch> {
  const op = 'mlmLineBatches';
  if (!Array.isArray(examples) || examples.length === 0)
    throw new ShapeError(`${op}: examples must be a non-empty array of Int32Array, got ${describe(examples)}`);
  examples.forEach((ids, i) => checkTokenIds(op, `examples[${i}]`, ids));
  if (options === null || typeof options !== 'object') throw new ShapeError(`${op}: options must be an object, got ${describe(options)}`);
  const { batchSize, seed, shuffle, epochs, lastBatch, state, ...rest } = options;
  const epochsPlan = epochPlan(op, examples.length, { batchSize, seed, shuffle, epochs, lastBatch });
  const plan = paddedMaskPlan(op, rest);
  if (batchSize * plan.seqLength > 2 ** 31 - 1) throw new ShapeError(`${op}: batchSize × seqLength = ${batchSize * plan.seqLength} is too large`);
  const shape = { batchSize, seqLength: plan.seqLength, examples: examples.length };
  return epochStream(op, op, epochsPlan, shape, state, (indices, rng) => ({
    ...maskPadded(
      plan,
      Array.from(indices, (i) => examples[i]!),
      rng,
    ),
    indices: Array.from(indices),
  }));
}
