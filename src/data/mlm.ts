// BERT's masked-language-model corruption (Devlin et al. 2018, §3.1), with the semantics of
// Hugging Face's DataCollatorForLanguageModeling: each position is drawn on its own, so the
// number of selected positions varies from call to call, and may be 0.
import { ShapeError } from '../errors.js';
import { checkInteger, checkTokenIds, describe } from './check.js';
import type { Rng } from './rng.js';

/** The label of a position that takes no part in the loss (`crossEntropy`'s default `ignoreIndex`). */
export const IGNORE_INDEX = -100;

/** Options of `maskTokens`. */
export interface MaskTokensOptions {
  /** The id that replaces 80% of the selected positions (`[MASK]`). */
  maskId: number;
  /** 10% of the selected positions get an id drawn uniformly from [0, randomTokenRange) (256 for bytes; a tokenizer's `vocabSize` for Hugging Face's `randint(len(tokenizer))`). */
  randomTokenRange: number;
  /** Ids never selected (`[PAD]`, `[CLS]`, `[SEP]`, …). */
  specialIds?: ReadonlySet<number> | readonly number[];
  /** Chance that a non-special position is selected: 0.15 in BERT and RoBERTa. */
  probability?: number;
  /** The random source; the same state gives the same masking. */
  rng: Rng;
  /**
   * With `seqLength`, the gathered form: at most this many selected positions per row of `seqLength`
   * ids (original BERT's `max_predictions_per_seq`). A row's selections past the cap are dropped (left
   * uncorrupted, label −100), and `maskedPositions`/`maskedLabels` are returned.
   */
  maxPredictions?: number;
  /** Row length (T) of `ids` when `maxPredictions` is given; ids.length must be a multiple of it. */
  seqLength?: number;
}

/** Model inputs and MLM labels, both the length of the ids. */
export interface MaskedTokens {
  /** The corrupted ids the model reads. */
  inputIds: Int32Array;
  /** The original id where a position was selected, IGNORE_INDEX (−100) elsewhere. */
  labels: Int32Array;
  /** With `maxPredictions`: [rows · maxPredictions] flat positions row·T + t of each row's selections in order; unused slots hold the row's first position (row·T). */
  maskedPositions?: Int32Array;
  /** With `maxPredictions`: the label of each slot of `maskedPositions`, −100 in unused slots. */
  maskedLabels?: Int32Array;
}

/**
 * MLM masking: each non-special position is selected with chance p; a selected one keeps its id as
 * the label and becomes maskId (80%), a uniform id in [0, randomTokenRange) (10%; may equal the
 * original, as in BERT), or stays (10%); unselected positions get label −100. Nothing guarantees a
 * selected position: with n candidates, none is selected with chance (1 − p)ⁿ. With `maxPredictions`
 * (and `seqLength`) each row keeps at most that many selections and the gathered form comes back too.
 */
export function maskTokens(ids: Int32Array, options: MaskTokensOptions): MaskedTokens {
  const op = 'maskTokens';
  checkTokenIds(op, 'ids', ids);
  if (options === null || typeof options !== 'object') throw new ShapeError(`${op}: options must be an object, got ${describe(options)}`);
  const { maskId, randomTokenRange, specialIds = [], probability = 0.15, rng } = options;
  checkInteger(op, 'maskId', maskId, 0, 2 ** 31 - 1);
  checkInteger(op, 'randomTokenRange', randomTokenRange, 1, 2 ** 31);
  if (typeof probability !== 'number' || !(probability >= 0 && probability <= 1))
    throw new ShapeError(`${op}: probability must be a number in [0, 1], got ${describe(probability)}`);
  if (rng === null || typeof rng !== 'object' || typeof rng.nextFloat !== 'function' || typeof rng.nextInt !== 'function') {
    throw new ShapeError(`${op}: rng must be an Rng (nextFloat, nextInt), got ${describe(rng)}`);
  }
  const special = specialIdSet(op, specialIds);
  const { maxPredictions, seqLength } = options;
  let rowLength = Math.max(ids.length, 1);
  let cap = Number.POSITIVE_INFINITY;
  if (maxPredictions !== undefined) {
    cap = checkInteger(op, 'maxPredictions', maxPredictions, 1, 2 ** 31 - 1);
    rowLength = checkInteger(op, 'seqLength', seqLength, 1, 2 ** 31 - 1);
    if (ids.length % rowLength !== 0) throw new ShapeError(`${op}: ids has ${ids.length} ids, not a whole number of rows of seqLength ${rowLength}`);
    if ((ids.length / rowLength) * cap > 2 ** 31 - 1) throw new ShapeError(`${op}: ${ids.length / rowLength} rows × maxPredictions ${cap} is too large`);
  } else if (seqLength !== undefined) {
    checkInteger(op, 'seqLength', seqLength, 1, 2 ** 31 - 1);
  }

  const inputIds = Int32Array.from(ids);
  const labels = new Int32Array(ids.length).fill(IGNORE_INDEX);
  const gathered = maxPredictions !== undefined;
  const rows = gathered ? ids.length / rowLength : 0;
  const maskedPositions = new Int32Array(rows * (gathered ? cap : 0));
  const maskedLabels = new Int32Array(maskedPositions.length).fill(IGNORE_INDEX);
  for (let row = 0; row < rows; row++) maskedPositions.fill(row * rowLength, row * cap, (row + 1) * cap);
  let taken = 0;
  for (let i = 0; i < ids.length; i++) {
    if (i % rowLength === 0) taken = 0;
    const id = ids[i]!;
    // The draw comes first, so a capped row spends the same numbers as an uncapped one up to the cap.
    if (special.has(id) || !(rng.nextFloat() < probability) || taken >= cap) continue;
    labels[i] = id;
    if (gathered) {
      const slot = Math.floor(i / rowLength) * cap + taken;
      maskedPositions[slot] = i;
      maskedLabels[slot] = id;
    }
    taken++;
    const u = rng.nextFloat();
    if (u < 0.8) inputIds[i] = maskId;
    else if (u < 0.9) inputIds[i] = rng.nextInt(randomTokenRange);
  }
  return gathered ? { inputIds, labels, maskedPositions, maskedLabels } : { inputIds, labels };
}

function specialIdSet(op: string, specialIds: unknown): ReadonlySet<number> {
  if (!(specialIds instanceof Set) && !Array.isArray(specialIds))
    throw new ShapeError(`${op}: specialIds must be a Set or an array of ids, got ${describe(specialIds)}`);
  const set = new Set<number>();
  for (const id of specialIds as Iterable<unknown>) set.add(checkInteger(op, 'each of specialIds', id, 0, 2 ** 31 - 1));
  return set;
}
