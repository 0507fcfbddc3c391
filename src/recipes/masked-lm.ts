// What every masked-LM recipe shares: held-out evaluation on fixed masks (loss and top-1 accuracy
// of the masked tokens, read on the gathered rows only), and the unigram baseline of the same
// held-out tokens that a model which learns context has to beat.
import { ArgumentError, describeValue } from '../errors.js';
import type { Var } from '../graph/graph.js';
import type { ParameterStore } from '../graph/parameters.js';
import { type Inference, createInference } from '../infer/inference.js';
import type { Module } from '../nn/module.js';

/** The masked-LM inputs a recipe's model reads in the gathered form, as graph vars (token_type_ids for sentence pairs). */
export interface GatheredMaskedLMVars {
  input_ids: Var<'i32', 2>;
  attention_mask: Var<'i32', 2>;
  masked_positions: Var<'i32', 1>;
  token_type_ids?: Var<'i32', 2>;
}

/** A masked-LM model seen by the evaluator: a module whose `outputs` give [P, V] logits for the gathered positions (and NSP logits [B, 2] for pre-training). */
export interface GatheredMaskedLM {
  /** The module (switched to eval mode while the graph is built). */
  model: Module;
  /** [P, V] vocabulary logits of the gathered positions; `nsp`: [B, 2] next-sentence logits, when the model has that head. */
  outputs: (inputs: GatheredMaskedLMVars) => { logits: Var<'f32', 2>; nsp?: Var<'f32', 2> };
}

/** One held-out batch: `MlmLineBatch` or `NspBatch` in the gathered form. */
export interface EvaluationBatch {
  inputIds: Int32Array;
  attentionMask: Int32Array;
  maskedPositions?: Int32Array;
  maskedLabels?: Int32Array;
  tokenTypeIds?: Int32Array;
  /** 0 = B follows A, 1 = random: scored when the model returns NSP logits. */
  nextSentenceLabel?: Int32Array;
  batchSize: number;
  seqLength: number;
}

/** Held-out masked-token loss and accuracy (and next-sentence accuracy for pre-training). */
export interface MaskedLMEvaluation {
  /** Mean cross-entropy (nats) over the labelled positions. */
  loss: number;
  /** Share of labelled positions whose top-1 prediction is the label. */
  accuracy: number;
  /** Labelled positions scored. */
  count: number;
  /** Mean next-sentence cross-entropy over the pairs, when scored. */
  nspLoss?: number;
  /** Share of pairs whose next-sentence prediction is right, when scored. */
  nspAccuracy?: number;
}

/** Evaluates a masked LM on a fixed masked set; build once, `evaluate()` as often as wanted, then `dispose()`. */
export interface MaskedLMEvaluator {
  evaluate(): Promise<MaskedLMEvaluation>;
  dispose(): void;
}

/**
 * An evaluator of `lm` on `set` (a `fixedMaskedSet`, or fixed NSP batches, built with `maxPredictions`): each batch runs the
 * forward in eval mode on the gathered positions only and reads back their logits; the loss and
 * accuracy are computed here in float64. One inference graph per batch shape (the last batch of the
 * set may be shorter), built on first use and kept until `dispose()`.
 */
export function createMaskedLMEvaluator(lm: GatheredMaskedLM, parameters: ParameterStore, set: { batches: readonly EvaluationBatch[] }): MaskedLMEvaluator {
  const op = 'createMaskedLMEvaluator';
  if (typeof lm?.outputs !== 'function') throw new ArgumentError(`${op}: lm { model, outputs } is required, got ${describeValue(lm)}`);
  if (!Array.isArray(set?.batches) || set.batches.length === 0)
    throw new ArgumentError(`${op}: set must be a non-empty fixedMaskedSet, got ${describeValue(set)}`);
  for (const [i, batch] of set.batches.entries()) {
    if (!batch.maskedPositions || !batch.maskedLabels)
      throw new ArgumentError(`${op}: set.batches[${i}] has no gathered form: build the set with maxPredictions`);
  }
  const pairs = set.batches[0]!.tokenTypeIds !== undefined;
  type Outputs = Record<string, Var<'f32', 2>>;
  const graphs = new Map<string, Inference<Outputs>>();
  const inferenceFor = (batchSize: number, seqLength: number, predictions: number): Inference<Outputs> => {
    const key = `${batchSize}x${seqLength}x${predictions}`;
    const made = graphs.get(key);
    if (made) return made;
    const ids = { shape: [batchSize, seqLength], dtype: 'i32' } as const;
    const positions = { shape: [predictions], dtype: 'i32' } as const;
    const outputs = (x: GatheredMaskedLMVars): Outputs => {
      const { logits, nsp } = lm.outputs(x);
      return nsp ? { logits, nsp } : { logits };
    };
    const inference = pairs
      ? createInference({
          parameters,
          model: lm.model,
          inputs: { input_ids: ids, attention_mask: ids, token_type_ids: ids, masked_positions: positions },
          outputs,
        })
      : createInference({ parameters, model: lm.model, inputs: { input_ids: ids, attention_mask: ids, masked_positions: positions }, outputs });
    graphs.set(key, inference);
    return inference;
  };
  return {
    async evaluate() {
      const mlm = { loss: 0, correct: 0, count: 0 };
      const nsp = { loss: 0, correct: 0, count: 0 };
      const score = (tally: typeof mlm, data: Float32Array, classes: number, labels: Int32Array) => {
        for (let row = 0; row < labels.length; row++) {
          const label = labels[row]!;
          if (label < 0) continue;
          const { logSumExp, best } = rowStats(data, row * classes, classes);
          tally.loss += logSumExp - data[row * classes + label]!;
          if (best === label) tally.correct++;
          tally.count++;
        }
      };
      for (const batch of set.batches) {
        const positions = batch.maskedPositions!;
        const inference = inferenceFor(batch.batchSize, batch.seqLength, positions.length);
        const out = await inference.run({
          input_ids: batch.inputIds,
          attention_mask: batch.attentionMask,
          masked_positions: positions,
          ...(pairs ? { token_type_ids: batch.tokenTypeIds! } : {}),
        });
        const logits = out.logits!;
        score(mlm, logits.data, logits.shape[1]!, batch.maskedLabels!);
        if (out.nsp && batch.nextSentenceLabel) score(nsp, out.nsp.data, 2, batch.nextSentenceLabel);
      }
      if (mlm.count === 0) throw new ArgumentError(`${op}: the set has no labelled position`);
      return {
        loss: mlm.loss / mlm.count,
        accuracy: mlm.correct / mlm.count,
        count: mlm.count,
        ...(nsp.count > 0 ? { nspLoss: nsp.loss / nsp.count, nspAccuracy: nsp.correct / nsp.count } : {}),
      };
    },
    dispose() {
      for (const inference of graphs.values()) inference.dispose();
      graphs.clear();
    },
  };
}

/**
 * The batches with every labelled position's input set to `maskId`. Held-out scoring reads these: with
 * training's 80/10/10 corruption, 10% of the scored positions show their answer, and a model that only
 * learned to copy its input would score below the unigram baseline without using any context.
 */
export function maskEverySelected<B extends EvaluationBatch>(batches: readonly B[], maskId: number): B[] {
  return batches.map((batch) => {
    const inputIds = Int32Array.from(batch.inputIds);
    const { maskedPositions: positions, maskedLabels: labels } = batch;
    if (!positions || !labels) throw new ArgumentError('maskEverySelected: the batches need the gathered form (maxPredictions)');
    for (let i = 0; i < positions.length; i++) if (labels[i]! >= 0) inputIds[positions[i]!] = maskId;
    return { ...batch, inputIds };
  });
}

/** log Σ exp over one row of logits, in float64, and the row's arg max (first of ties). */
function rowStats(data: Float32Array, start: number, length: number): { logSumExp: number; best: number } {
  let max = Number.NEGATIVE_INFINITY;
  let best = 0;
  for (let j = 0; j < length; j++) {
    const x = data[start + j]!;
    if (x > max) {
      max = x;
      best = j;
    }
  }
  let sum = 0;
  for (let j = 0; j < length; j++) sum += Math.exp(data[start + j]! - max);
  return { logSumExp: max + Math.log(sum), best };
}
