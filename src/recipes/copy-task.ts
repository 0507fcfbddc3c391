// The copy and reverse tasks (the Annotated Transformer's first check): random symbol sequences that
// the model must reproduce, or reproduce backwards, from its encoder's memory. Learning them needs
// every part of the encoder-decoder to work (cross-attention to find the symbol, positions to find
// where it is, the causal decoder to keep its place), and success is unambiguous: exact match of
// greedy decoding on sequences never trained on.
import { ArgumentError, describeValue } from '../errors.js';
import { Xoshiro128 } from '../data/rng.js';
import { ParameterStore } from '../graph/parameters.js';
import { createSeq2SeqGenerator } from '../infer/seq2seq.js';
import { TRANSFORMER_SIZES, type Transformer } from '../models/transformer.js';
import type { Batch } from '../train/train-step.js';
import { checkRunOptions, resolveConfig, type RecipeRunOptions } from './pretrain.js';
import { type Seq2SeqRunResult, type Seq2SeqModelSize, type Seq2SeqSchedule, checkSeq2SeqSchedule, recipeTransformer, runSeq2Seq } from './seq2seq.js';

/** Special ids of the task's vocabulary; symbols are 4 … 4 + symbols − 1. */
const BOS = 0;
const PAD = 1;
const EOS = 2;
const FIRST_SYMBOL = 4;

/** The task, the model and the training of a copy-task run. */
export interface CopyTaskConfig extends Seq2SeqSchedule, Seq2SeqModelSize {
  /** 'copy' reproduces the sequence; 'reverse' reproduces it backwards. */
  task: 'copy' | 'reverse';
  /** Distinct symbols. */
  symbols: number;
  /** Sequence lengths are drawn uniformly from [minLength, maxLength]. */
  minLength: number;
  maxLength: number;
  batchSize: number;
  /** Held-out sequences decoded for exact match. */
  evalSequences: number;
}

// The tiny Transformer (d 64, 2+2 layers) on 10 symbols, lengths 1-10: 300 steps, ~1-2 min on lavapipe.
const COPY_CI: CopyTaskConfig = {
  task: 'copy',
  symbols: 10,
  minLength: 1,
  maxLength: 10,
  batchSize: 64,
  ...TRANSFORMER_SIZES.tiny,
  layers: TRANSFORMER_SIZES.tiny.encoderLayers,
  labelSmoothing: 0,
  // 300 steps end at 100% exact match on both tasks (seeds 1 and 2; Dawn on lavapipe); 200 steps at
  // 100% (copy) and 94.5% (reverse), so 300 leaves a margin. 600 steps also end at 100%, at twice the time.
  steps: 300,
  warmupSteps: 100,
  // Peak rate 0.2 / √(64 · 100) = 2.5e-3, then linearly to 0. On Noam's 1/√step decay this model learns
  // the task by step 300 (96% exact match) but the loss still spikes late: 90% at step 600 (copy);
  // factor 1 ended at 93% after 400 steps, factor 0.4 the reverse task at 88% after 500.
  lrFactor: 0.2,
  decay: 'linear',
  maxGradNorm: 1,
  evalSequences: 256,
};

/** Named configurations: `ci` (copy) and `ci-reverse` learn their task to ≥ 95% exact match in a CI-sized run. */
export const COPY_TASK_CONFIGS = {
  ci: COPY_CI,
  'ci-reverse': { ...COPY_CI, task: 'reverse' },
} as const satisfies Record<string, CopyTaskConfig>;

/** Options of `trainCopyTask`. */
export interface CopyTaskOptions extends RecipeRunOptions {
  /** A named configuration or one of your own (default 'ci'); fields given override the named one's. */
  config?: keyof typeof COPY_TASK_CONFIGS | Partial<CopyTaskConfig>;
}

/** What `trainCopyTask` returns; `parameters` are the caller's to dispose. */
export interface CopyTaskResult extends Seq2SeqRunResult {
  model: Transformer;
  parameters: ParameterStore;
  config: CopyTaskConfig;
  /** Held-out sources (without `</s>`) and their greedy outputs after training. */
  samples: { source: number[]; output: number[] }[];
}

/** The target of a source for the task. */
function answer(task: CopyTaskConfig['task'], source: readonly number[]): number[] {
  return task === 'copy' ? [...source] : [...source].reverse();
}

/** A random sequence of symbol ids. */
function randomSequence(rng: Xoshiro128, config: CopyTaskConfig): number[] {
  const length = config.minLength + rng.nextInt(config.maxLength - config.minLength + 1);
  return Array.from({ length }, () => FIRST_SYMBOL + rng.nextInt(config.symbols));
}

/** One batch of `rows` sequences: source + `</s>`, `<s>` + target, target + `</s>` as labels (−100 on padding). */
function copyBatch(sequences: readonly number[][], config: CopyTaskConfig): Batch {
  const length = config.maxLength + 1;
  const rows = sequences.length;
  const sourceIds = new Int32Array(rows * length).fill(PAD);
  const sourceMask = new Int32Array(rows * length);
  const targetIds = new Int32Array(rows * length).fill(PAD);
  const labels = new Int32Array(rows * length).fill(-100);
  sequences.forEach((source, r) => {
    const target = answer(config.task, source);
    sourceIds.set([...source, EOS], r * length);
    sourceMask.fill(1, r * length, r * length + source.length + 1);
    targetIds.set([BOS, ...target], r * length);
    labels.set([...target, EOS], r * length);
  });
  return { source_ids: sourceIds, source_mask: sourceMask, target_ids: targetIds, labels };
}

/** Resolves a named or partial configuration ('ci' with the fields given). */
export function copyTaskConfig(config?: CopyTaskOptions['config']): CopyTaskConfig {
  return resolveConfig('trainCopyTask', COPY_TASK_CONFIGS, 'ci', config);
}

/**
 * Trains a Transformer on the copy or reverse task from random sequences drawn afresh each batch, then
 * decodes held-out sequences greedily: `final.exact_match` is the share reproduced exactly, `final.val_loss`
 * the held-out cross-entropy per target token.
 */
export async function trainCopyTask(options: CopyTaskOptions): Promise<CopyTaskResult> {
  const op = 'trainCopyTask';
  checkRunOptions(op, options);
  const config = copyTaskConfig(options.config);
  checkSeq2SeqSchedule(op, config);
  if (config.task !== 'copy' && config.task !== 'reverse')
    throw new ArgumentError(`${op}: task must be 'copy' or 'reverse', got ${describeValue(config.task)}`);
  const seed = options.seed ?? 1;
  const model = recipeTransformer(config, {
    sourceVocabSize: FIRST_SYMBOL + config.symbols,
    maxPositions: config.maxLength + 2,
    bosId: BOS,
    padId: PAD,
    eosId: EOS,
  });
  const parameters = ParameterStore.create(options.backend, model.parameters(), { seed });
  try {
    let trainRng = new Xoshiro128(seed);
    // Held-out sequences come from another stream; with 10^10 possible sequences, overlap with training is negligible.
    const heldOutRng = new Xoshiro128(seed + 0x9e37);
    const heldOutSequences = Array.from({ length: config.evalSequences }, () => randomSequence(heldOutRng, config));
    const heldOut: Batch[] = [];
    for (let i = 0; i + config.batchSize <= heldOutSequences.length; i += config.batchSize)
      heldOut.push(copyBatch(heldOutSequences.slice(i, i + config.batchSize), config));
    const batches = Object.assign(
      (function* () {
        for (;;)
          yield copyBatch(
            Array.from({ length: config.batchSize }, () => randomSequence(trainRng, config)),
            config,
          );
      })(),
      {
        getState: () => trainRng.getState(),
        setState: (state: unknown) => {
          trainRng = Xoshiro128.fromState(state as number[]);
        },
      },
    );
    const generator = createSeq2SeqGenerator(model, parameters);
    let samples: CopyTaskResult['samples'] = [];
    const measure = async () => {
      const outputs = await generator.generate(heldOutSequences, { batchSize: 64, maxLength: config.maxLength + 1 });
      samples = heldOutSequences.map((source, i) => ({ source, output: outputs[i]! }));
      const exact = samples.filter((s) => s.output.join() === answer(config.task, s.source).join()).length;
      return { exact_match: exact / samples.length };
    };
    try {
      const length = config.maxLength + 1;
      const result = await runSeq2Seq(
        {
          op,
          model,
          parameters,
          shape: { batchSize: config.batchSize, sourceLength: length, targetLength: length },
          batches,
          heldOut,
          schedule: config,
          measure,
        },
        options,
      );
      return { ...result, model, parameters, config, samples };
    } finally {
      generator.dispose();
    }
  } catch (error) {
    parameters.dispose();
    throw error;
  }
}
