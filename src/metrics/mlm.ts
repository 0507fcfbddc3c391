// Held-out evaluation of masked language models: a fixed masked set (the same masks at every
// evaluation, so losses compare across steps and runs) and the unigram baseline, the loss of a model
// that knows only how common each token is, which a model that learns context must beat.
import { checkInteger, describe } from '../data/check.js';
import { type MlmLineBatch, type MlmLineBatchesOptions, mlmLineBatches } from '../data/line-batches.js';
import { IGNORE_INDEX } from '../data/mlm.js';
import { ArgumentError, ShapeError } from '../errors.js';

/**
 * The unigram baseline in nats: the mean over held-out labels (−100 skipped) of −ln p(label), where
 * p(id) = (count of id in trainIds + 1) / (trainIds.length + vocabSize), the training frequency
 * add-one (Laplace) smoothed over the whole vocabulary so an id unseen in training costs ln(N + V), not ∞.
 * Pass as trainIds the training tokens a label can be (the masking's candidates, not the special ids).
 */
export function unigramBaseline(trainIds: ArrayLike<number>, heldOutLabels: ArrayLike<number>, options: { vocabSize: number }): number {
  const op = 'unigramBaseline';
  if (options === null || typeof options !== 'object') throw new ArgumentError(`${op}: options { vocabSize } are required, got ${describe(options)}`);
  const V = checkInteger(op, 'vocabSize', options.vocabSize, 1, 2 ** 31 - 1);
  const counts = new Float64Array(V);
  const checkIds = (name: string, ids: ArrayLike<number>, allowIgnore: boolean) => {
    if (ids === null || typeof ids !== 'object' || typeof ids.length !== 'number')
      throw new ArgumentError(`${op}: ${name} must be an array of ids, got ${describe(ids)}`);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (allowIgnore && id === IGNORE_INDEX) continue;
      if (!Number.isInteger(id) || id < 0 || id >= V) throw new ShapeError(`${op}: ${name}[${i}] = ${String(id)} is not an id in [0, vocabSize ${V})`);
    }
  };
  checkIds('trainIds', trainIds, false);
  checkIds('heldOutLabels', heldOutLabels, true);
  for (let i = 0; i < trainIds.length; i++) counts[trainIds[i]!]!++;
  const total = trainIds.length + V;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < heldOutLabels.length; i++) {
    const id = heldOutLabels[i]!;
    if (id === IGNORE_INDEX) continue;
    sum -= Math.log((counts[id]! + 1) / total);
    n++;
  }
  if (n === 0) throw new ShapeError(`${op}: heldOutLabels has no label to score (all are −100, or none given)`);
  return sum / n;
}

/** Options of `fixedMaskedSet`: `mlmLineBatches`' options without the epoch ones (one pass, in order). */
export type FixedMaskedSetOptions = Omit<MlmLineBatchesOptions, 'shuffle' | 'epochs' | 'state'>;

/** A held-out set masked once: its batches (reuse them at every evaluation) and how many positions are labelled. */
export interface FixedMaskedSet {
  batches: MlmLineBatch[];
  /** Selected (labelled) positions over all batches: the count a mean masked-token loss divides by. */
  maskedCount: number;
}

/**
 * Held-out MLM examples masked once, deterministically from the seed: one pass over the examples in
 * order, padded to seqLength and masked as `mlmLineBatches` does (with `maxPredictions`, in the gathered
 * form too). Evaluating on the same batches every time makes held-out losses comparable across steps.
 * For a packed token stream, cut it with `tokenWindows` first.
 */
export function fixedMaskedSet(examples: readonly Int32Array[], options: FixedMaskedSetOptions): FixedMaskedSet {
  if (options === null || typeof options !== 'object') throw new ArgumentError(`fixedMaskedSet: options must be an object, got ${describe(options)}`);
  let batches: MlmLineBatch[];
  try {
    batches = [...mlmLineBatches(examples, { ...options, shuffle: false, epochs: 1 })];
  } catch (error) {
    // The batcher checked the arguments; say which public function was called.
    if (error instanceof ShapeError) throw new ShapeError(`fixedMaskedSet: ${error.message}`);
    throw error;
  }
  let maskedCount = 0;
  for (const batch of batches) for (const label of batch.labels) if (label !== IGNORE_INDEX) maskedCount++;
  return { batches, maskedCount };
}
