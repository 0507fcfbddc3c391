// The masked-LM pretraining run every MLM recipe ends in: AdamW on BERT's linear warm-up/decay,
// clipping, the one training loop, and a held-out evaluation on fixed masks against the unigram
// baseline of the same tokens, every `evaluateEvery` steps and after the last.
import { ArgumentError, describeNumber, describeValue } from '../errors.js';
import type { InputSpec } from '../graph/graph.js';
import type { ParameterStore } from '../graph/parameters.js';
import { AdamW } from '../optim/optimizers.js';
import { linearWarmupDecay } from '../optim/schedules.js';
import type { Backend } from '../tensor/tensor.js';
import { type CheckpointOptions, type StepProgress, type TrainResult, train } from '../train/loop.js';
import { type Batch, type InputVars, createTrainStep } from '../train/train-step.js';
import type { Var } from '../graph/graph.js';
import { type EvaluationBatch, type GatheredMaskedLM, type MaskedLMEvaluation, createMaskedLMEvaluator } from './masked-lm.js';

/** How long and how fast a recipe trains: the optimizer, the schedule and the batch. */
export interface TrainingSchedule {
  /** Optimizer steps. */
  steps: number;
  /** Rows per batch. */
  batchSize: number;
  /** Peak learning rate of the linear warm-up/decay. */
  lr: number;
  /** Steps of linear warm-up. */
  warmupSteps: number;
  /** AdamW's decoupled weight decay. */
  weightDecay: number;
  /** Gradients are clipped to this global norm. */
  maxGradNorm: number;
}

/** What every recipe run takes besides its data and model: where to run, how to report, when to stop. */
export interface RecipeRunOptions {
  /** Where the model trains (`createWebGPUBackend()`, or `createCpuBackend()` for tiny checks). */
  backend: Backend;
  /** Seed of the parameters, the batches, the masks and dropout (default 1). */
  seed?: number;
  /** Steps between held-out evaluations (default: only after the last step). */
  evaluateEvery?: number;
  /** Stops training after the step in flight; the recipe still evaluates and returns. */
  signal?: AbortSignal;
  /** Called after every step (loss, learning rate, tokens/s, ETA). */
  onStep?: (progress: StepProgress) => void | Promise<void>;
  /** Called as each pipeline compiles before the first step. */
  onCompile?: (progress: { done: number; total: number; kernel: string }) => void;
  /** Called with each evaluation's metrics (the recipe's metric names). */
  onEvaluate?: (step: number, metrics: Readonly<Record<string, number>>) => void | Promise<void>;
  /** Save checkpoints while training. */
  checkpoint?: CheckpointOptions;
  /** Continue from the latest checkpoint in `checkpoint.store`. */
  resume?: boolean;
}

/** The encoder's size, as every recipe's configuration gives it. */
export interface EncoderSize {
  layers: number;
  hidden: number;
  heads: number;
  intermediate: number;
  /** Dropout after embeddings and sublayers, and on attention probabilities. */
  dropout: number;
  /** std of the normal initialiser (Hugging Face's initializer_range; BERT's is 0.02). */
  initRange: number;
}

/** An encoder size as Hugging Face's config fields. */
export function encoderFields(size: EncoderSize) {
  return {
    hidden_size: size.hidden,
    num_hidden_layers: size.layers,
    num_attention_heads: size.heads,
    intermediate_size: size.intermediate,
    hidden_dropout_prob: size.dropout,
    attention_probs_dropout_prob: size.dropout,
    initializer_range: size.initRange,
  };
}

/** A recipe's configuration: a named one, or the `fallback` named one with the given fields overriding. */
export function resolveConfig<C extends object>(op: string, named: Readonly<Record<string, C>>, fallback: string, config: string | Partial<C> | undefined): C {
  const chosen = config ?? fallback;
  if (typeof chosen === 'string') {
    if (!Object.hasOwn(named, chosen))
      throw new ArgumentError(`${op}: config must be one of ${Object.keys(named).join(', ')} or an object, got ${describeValue(chosen)}`);
    return { ...named[chosen]! };
  }
  if (typeof chosen !== 'object' || chosen === null) throw new ArgumentError(`${op}: config must be a name or an object, got ${describeValue(chosen)}`);
  return { ...named[fallback]!, ...chosen };
}

/** A batch stream under other field names (the model's inputs), its position saved and restored through it (checkpoints). */
export function renameBatches<B, O>(stream: Iterable<B> & { getState(): unknown; setState(state: never): void }, rename: (batch: B) => O) {
  return Object.assign(
    (function* () {
      for (const batch of stream) yield rename(batch);
    })(),
    { getState: () => stream.getState(), setState: (state: unknown) => stream.setState(state as never) },
  );
}

/** Throws unless every field of a schedule is in range, naming the recipe and the field. */
export function checkSchedule(op: string, schedule: TrainingSchedule): void {
  for (const field of ['steps', 'batchSize'] as const) {
    if (!Number.isSafeInteger(schedule[field]) || schedule[field] < 1)
      throw new ArgumentError(`${op}: ${field} must be an integer ≥ 1, got ${describeNumber(schedule[field])}`);
  }
  if (!Number.isSafeInteger(schedule.warmupSteps) || schedule.warmupSteps < 0 || schedule.warmupSteps > schedule.steps)
    throw new ArgumentError(`${op}: warmupSteps must be an integer in [0, steps ${schedule.steps}], got ${describeNumber(schedule.warmupSteps)}`);
  for (const field of ['lr', 'maxGradNorm'] as const) {
    if (!(Number.isFinite(schedule[field]) && schedule[field] > 0))
      throw new ArgumentError(`${op}: ${field} must be a finite number > 0, got ${describeNumber(schedule[field])}`);
  }
  if (!(Number.isFinite(schedule.weightDecay) && schedule.weightDecay >= 0))
    throw new ArgumentError(`${op}: weightDecay must be a finite number ≥ 0, got ${describeNumber(schedule.weightDecay)}`);
}

/** Throws unless `options` holds a backend and, when given, a u32 seed and a positive evaluateEvery. */
export function checkRunOptions(op: string, options: RecipeRunOptions): void {
  if (typeof options !== 'object' || options === null) throw new ArgumentError(`${op}: options { backend, … } are required, got ${describeValue(options)}`);
  if (typeof options.backend?.tensor !== 'function')
    throw new ArgumentError(`${op}: backend must be a Backend (createWebGPUBackend()), got ${describeValue(options.backend)}`);
  if (options.seed !== undefined && !(Number.isSafeInteger(options.seed) && options.seed >= 0 && options.seed < 2 ** 32))
    throw new ArgumentError(`${op}: seed must be an integer in [0, 2^32), got ${describeNumber(options.seed)}`);
  if (options.evaluateEvery !== undefined && !(Number.isSafeInteger(options.evaluateEvery) && options.evaluateEvery >= 1))
    throw new ArgumentError(`${op}: evaluateEvery must be an integer ≥ 1, got ${describeNumber(options.evaluateEvery)}`);
}

/** A masked-LM pretraining run: the model, its inputs and batches, the held-out set and its baseline. */
export interface MaskedLMRun<I extends Readonly<Record<string, InputSpec>>> {
  op: string;
  lm: GatheredMaskedLM;
  parameters: ParameterStore;
  /** The training batch's inputs (shapes fixed for the compiled step). */
  inputs: I;
  /** The training objective from the input vars. */
  loss: (inputs: InputVars<I>) => Var;
  /** Training batches, endless; with getState/setState for checkpoints. */
  batches: Iterable<Batch> & { getState?(): unknown; setState?(state: unknown): void };
  /** Tokens per batch, for tokens/s. */
  tokensPerBatch: number;
  /** The held-out batches, masked once (`fixedMaskedSet`, or NSP batches drawn once). */
  heldOut: { batches: readonly EvaluationBatch[] };
  /** The unigram baseline of the held-out set's labelled tokens. */
  unigramLoss: number;
  schedule: TrainingSchedule;
}

/**
 * Held-out metrics of a masked-LM recipe after some step (recipes.json's names). Pre-training with NSP
 * adds `nsp_accuracy` and `heldout_nsp_loss` on the held-out pairs.
 */
export type MaskedLMMetrics = Record<string, number> & {
  heldout_mlm_loss: number;
  heldout_accuracy: number;
  unigram_loss: number;
  /** heldout_mlm_loss / unigram_loss: below 1 the model uses context. */
  ratio_to_unigram: number;
};

/** What a masked-LM run returns. */
export interface MaskedLMRunResult {
  /** The training loop's result (losses, steps, why it stopped, checkpoints). */
  training: TrainResult;
  /** Every held-out evaluation, in order; the last one follows the last step. */
  evaluations: { step: number; metrics: MaskedLMMetrics }[];
  /** The last evaluation's metrics. */
  final: MaskedLMMetrics;
  /** Wall-clock seconds of training and evaluation (compilation included). */
  wallSeconds: number;
}

/** The parts of a recipe's run options that `train()` takes as they are. */
export function loopOptions(options: RecipeRunOptions) {
  return {
    ...(options.evaluateEvery ? { evaluateEvery: options.evaluateEvery } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onStep ? { onStep: options.onStep } : {}),
    ...(options.onCompile ? { onCompile: options.onCompile } : {}),
    ...(options.onEvaluate ? { onEvaluate: options.onEvaluate } : {}),
    ...(options.checkpoint ? { checkpoint: options.checkpoint } : {}),
    ...(options.resume ? { resume: true } : {}),
  };
}

/** An aborted run skips the loop's final evaluation; a recipe's result always ends with one. */
export async function evaluateAtEnd<M extends Record<string, number>>(
  steps: number,
  evaluations: readonly { step: number }[],
  evaluate: (step: number) => Promise<M>,
  options: RecipeRunOptions,
): Promise<void> {
  if (evaluations.at(-1)?.step === steps) return;
  const metrics = await evaluate(steps);
  await options.onEvaluate?.(steps, metrics);
}

/** Trains `run.loss` with AdamW + warm-up/decay through `train()`, evaluating on the held-out set. */
export async function runMaskedLM<I extends Readonly<Record<string, InputSpec>>>(run: MaskedLMRun<I>, options: RecipeRunOptions): Promise<MaskedLMRunResult> {
  const { schedule } = run;
  const seed = options.seed ?? 1;
  const started = performance.now();
  const step = createTrainStep({
    parameters: run.parameters,
    inputs: run.inputs,
    loss: run.loss,
    optimizer: new AdamW({
      lr: linearWarmupDecay({ peakLr: schedule.lr, warmupSteps: schedule.warmupSteps, totalSteps: schedule.steps }),
      weightDecay: schedule.weightDecay,
    }),
    maxGradNorm: schedule.maxGradNorm,
    seed,
  });
  const evaluator = createMaskedLMEvaluator(run.lm, run.parameters, run.heldOut);
  const evaluations: { step: number; metrics: MaskedLMMetrics }[] = [];
  const evaluate = async (at: number): Promise<MaskedLMMetrics> => {
    const result: MaskedLMEvaluation = await evaluator.evaluate();
    const metrics: MaskedLMMetrics = {
      heldout_mlm_loss: result.loss,
      heldout_accuracy: result.accuracy,
      unigram_loss: run.unigramLoss,
      ratio_to_unigram: result.loss / run.unigramLoss,
      ...(result.nspAccuracy === undefined ? {} : { nsp_accuracy: result.nspAccuracy, heldout_nsp_loss: result.nspLoss! }),
    };
    evaluations.push({ step: at, metrics });
    return metrics;
  };
  try {
    const training = await train({
      step,
      batches: run.batches,
      steps: schedule.steps,
      tokensPerBatch: run.tokensPerBatch,
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
