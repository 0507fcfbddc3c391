// The training run every encoder-decoder recipe ends in: Adam (β 0.9/0.98, ε 1e-9) on the Noam
// schedule (Vaswani et al. §5.3), the label-smoothed loss of the model's config, the one training
// loop, and a held-out evaluation: the cross-entropy per target token without smoothing (val_loss),
// plus whatever the recipe measures by decoding (exact match, BLEU).
import { ArgumentError, describeNumber, describeValue } from '../errors.js';
import type { ParameterStore } from '../graph/parameters.js';
import * as F from '../graph/ops.js';
import { createInference } from '../infer/inference.js';
import { Transformer, type TransformerConfig } from '../models/transformer.js';
import { AdamW } from '../optim/optimizers.js';
import { linearWarmupDecay, noamSchedule } from '../optim/schedules.js';
import { type TrainResult, train } from '../train/loop.js';
import { type Batch, createTrainStep } from '../train/train-step.js';
import { type RecipeRunOptions, evaluateAtEnd, loopOptions } from './pretrain.js';

/** How an encoder-decoder recipe trains. */
export interface Seq2SeqSchedule {
  /** Optimizer steps. */
  steps: number;
  /** Steps of the Noam warm-up (4000 in the paper). */
  warmupSteps: number;
  /** Multiplies the Noam rate, whose peak is factor / √(d_model · warmup). */
  lrFactor: number;
  /** After the warm-up: 'noam' decays as 1/√step (the paper); 'linear' falls from the same peak to 0 at the last step. Default 'noam'. */
  decay?: 'noam' | 'linear';
  /** Gradients are clipped to this global norm. */
  maxGradNorm: number;
}

/** A recipe's Transformer: d_model, heads, layers per stack, feed-forward width, dropout, label smoothing ε. */
export interface Seq2SeqModelSize {
  dModel: number;
  numHeads: number;
  /** Encoder layers, and as many decoder layers. */
  layers: number;
  ffnSize: number;
  dropout: number;
  labelSmoothing: number;
  /** LayerNorm before each sub-layer (and after each stack) instead of after it (the paper's post-LN); default false. */
  preLayerNorm?: boolean;
}

/** A recipe's Transformer: its size, one joint vocabulary (shared embeddings), and the rest of the config from `extra`. */
export function recipeTransformer(size: Seq2SeqModelSize, extra: TransformerConfig): Transformer {
  const { dModel, numHeads, layers, ffnSize, dropout, labelSmoothing, preLayerNorm = false } = size;
  return new Transformer({
    dModel,
    numHeads,
    encoderLayers: layers,
    decoderLayers: layers,
    ffnSize,
    dropout,
    labelSmoothing,
    preLayerNorm,
    shareEmbeddings: true,
    ...extra,
  });
}

/** The shape every batch of a run has: the compiled step is built for it. */
export interface Seq2SeqShape {
  batchSize: number;
  sourceLength: number;
  targetLength: number;
}

/** A run: the model, its parameters, the batches and the held-out set. */
export interface Seq2SeqRun {
  op: string;
  model: Transformer;
  parameters: ParameterStore;
  shape: Seq2SeqShape;
  /** Training batches (`source_ids`, `source_mask`, `target_ids`, `labels`), endless; with getState/setState for checkpoints. */
  batches: Iterable<Batch> & { getState?(): unknown; setState?(state: unknown): void };
  /** Held-out batches of the same shape. */
  heldOut: readonly Batch[];
  schedule: Seq2SeqSchedule;
  /** Decodes and scores the model (exact match, BLEU), after val_loss, at every evaluation. */
  measure?: () => Promise<Record<string, number>>;
}

/** What `runSeq2Seq` returns. */
export interface Seq2SeqRunResult {
  training: TrainResult;
  /** Every evaluation: val_loss and the recipe's measures. */
  evaluations: { step: number; metrics: Record<string, number> }[];
  /** The last evaluation's metrics. */
  final: Record<string, number>;
  /** Wall-clock seconds of training and evaluation (compilation included). */
  wallSeconds: number;
}

/** Throws unless every field of a schedule is in range, naming the recipe and the field. */
export function checkSeq2SeqSchedule(op: string, schedule: Seq2SeqSchedule): void {
  for (const field of ['steps', 'warmupSteps'] as const) {
    if (!Number.isSafeInteger(schedule[field]) || schedule[field] < 1)
      throw new ArgumentError(`${op}: ${field} must be an integer ≥ 1, got ${describeNumber(schedule[field])}`);
  }
  for (const field of ['lrFactor', 'maxGradNorm'] as const) {
    if (!(Number.isFinite(schedule[field]) && schedule[field] > 0))
      throw new ArgumentError(`${op}: ${field} must be a finite number > 0, got ${describeNumber(schedule[field])}`);
  }
  if (schedule.decay !== undefined && schedule.decay !== 'noam' && schedule.decay !== 'linear')
    throw new ArgumentError(`${op}: decay must be 'noam' or 'linear', got ${describeValue(schedule.decay)}`);
  if (schedule.warmupSteps > schedule.steps) throw new ArgumentError(`${op}: warmupSteps ${schedule.warmupSteps} must not exceed steps ${schedule.steps}`);
}

/** The schedule's learning rate: Noam's, or its peak decaying linearly to 0. */
function learningRate(schedule: Seq2SeqSchedule, dModel: number) {
  const { warmupSteps, lrFactor, steps } = schedule;
  if ((schedule.decay ?? 'noam') === 'noam') return noamSchedule({ dModel, warmupSteps, factor: lrFactor });
  return linearWarmupDecay({ peakLr: lrFactor / Math.sqrt(dModel * warmupSteps), warmupSteps, totalSteps: steps });
}

/** Trains the model's label-smoothed loss with Adam on the Noam schedule through `train()`, evaluating on the held-out batches. */
export async function runSeq2Seq(run: Seq2SeqRun, options: RecipeRunOptions): Promise<Seq2SeqRunResult> {
  const { model, parameters, shape, schedule } = run;
  const started = performance.now();
  const ids = (length: number) => ({ shape: [shape.batchSize, length], dtype: 'i32' }) as const;
  const inputs = {
    source_ids: ids(shape.sourceLength),
    source_mask: ids(shape.sourceLength),
    target_ids: ids(shape.targetLength),
    labels: ids(shape.targetLength),
  };
  const step = createTrainStep({
    parameters,
    inputs,
    loss: (x) => model.forward(x).loss!,
    optimizer: new AdamW({
      lr: learningRate(schedule, model.config.dModel),
      betas: [0.9, 0.98],
      eps: 1e-9,
      weightDecay: 0,
    }),
    maxGradNorm: schedule.maxGradNorm,
    seed: options.seed ?? 1,
  });
  // Plain cross-entropy (no smoothing) summed over the labelled positions: a per-token loss comparable across runs.
  const vocab = model.config.targetVocabSize;
  const evaluator = createInference({
    parameters,
    inputs,
    model,
    outputs: (x) => {
      const logits = model.forward({ source_ids: x.source_ids, source_mask: x.source_mask, target_ids: x.target_ids }).logits;
      return { loss: F.crossEntropy(F.reshape(logits, [-1, vocab]), F.reshape(x.labels, [-1])) };
    },
  });
  const evaluations: { step: number; metrics: Record<string, number> }[] = [];
  const evaluate = async (at: number): Promise<Record<string, number>> => {
    let total = 0;
    let count = 0;
    for (const batch of run.heldOut) {
      const labelled = (batch.labels as Int32Array).reduce((n, l) => n + (l === -100 ? 0 : 1), 0);
      const { loss } = await evaluator.run(batch);
      total += loss.data[0]! * labelled;
      count += labelled;
    }
    const metrics = { val_loss: total / Math.max(1, count), ...(run.measure ? await run.measure() : {}) };
    evaluations.push({ step: at, metrics });
    return metrics;
  };
  try {
    const training = await train({
      step,
      batches: run.batches,
      steps: schedule.steps,
      tokensPerBatch: shape.batchSize * (shape.sourceLength + shape.targetLength),
      evaluate,
      ...loopOptions(options),
    });
    await evaluateAtEnd(training.steps, evaluations, evaluate, options);
    return { training, evaluations, final: evaluations.at(-1)!.metrics, wallSeconds: (performance.now() - started) / 1000 };
  } finally {
    evaluator.dispose();
    step.dispose();
  }
}
