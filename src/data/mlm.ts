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
  /** 10% of the selected positions get an id drawn uniformly from [0, randomTokenRange) (256 for bytes; the non-special ids). */
  randomTokenRange: number;
  /** Ids never selected (`[PAD]`, `[CLS]`, `[SEP]`, …). */
  specialIds?: ReadonlySet<number> | readonly number[];
  /** Chance that a non-special position is selected: 0.15 in BERT and RoBERTa. */
  probability?: number;
  /** The random source; the same state gives the same masking. */
  rng: Rng;
}

/** Model inputs and MLM labels, both the length of the ids. */
export interface MaskedTokens {
  /** The corrupted ids the model reads. */
  inputIds: Int32Array;
  /** The original id where a position was selected, IGNORE_INDEX (−100) elsewhere. */
  labels: Int32Array;
}

/**
 * MLM masking: each non-special position is selected with chance p; a selected one keeps its id as
 * the label and becomes maskId (80%), a uniform id in [0, randomTokenRange) (10%; may equal the
 * original, as in BERT), or stays (10%); unselected positions get label −100. Nothing guarantees a
 * selected position: with n candidates, none is selected with chance (1 − p)ⁿ.
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

  const inputIds = Int32Array.from(ids);
  const labels = new Int32Array(ids.length).fill(IGNORE_INDEX);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (special.has(id) || !(rng.nextFloat() < probability)) continue;
    labels[i] = id;
    const u = rng.nextFloat();
    if (u < 0.8) inputIds[i] = maskId;
    else if (u < 0.9) inputIds[i] = rng.nextInt(randomTokenRange);
  }
  return { inputIds, labels };
}

function specialIdSet(op: string, specialIds: unknown): ReadonlySet<number> {
  if (!(specialIds instanceof Set) && !Array.isArray(specialIds))
    throw new ShapeError(`${op}: specialIds must be a Set or an array of ids, got ${describe(specialIds)}`);
  const set = new Set<number>();
  for (const id of specialIds as Iterable<unknown>) set.add(checkInteger(op, 'each of specialIds', id, 0, 2 ** 31 - 1));
  return set;
}
