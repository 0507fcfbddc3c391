// A tiny GPT on Kant (the seed's GPT chapter, trained here instead of downloaded): a byte-level BPE
// trained on the book, a GPT-2-layout causal LM trained on random windows of it, measured on held-out
// paragraphs by the next-token loss against the unigram baseline (a model that only learned token
// frequencies would sit there), then sampled from a few prompts with a seed.
import { ArgumentError, describeValue } from '../errors.js';
import { stripGutenberg } from '../data/corpus.js';
import { Xoshiro128 } from '../data/rng.js';
import { heldOutSplit } from '../data/split.js';
import { splitLines } from '../data/text-datasets.js';
import { ParameterStore } from '../graph/parameters.js';
import { createTextGenerator } from '../infer/generate.js';
import { createInference } from '../infer/inference.js';
import { unigramBaseline } from '../metrics/mlm.js';
import { GPT2LMHeadModel } from '../models/gpt2.js';
import { AdamW } from '../optim/optimizers.js';
import { linearWarmupDecay } from '../optim/schedules.js';
import { trainByteLevelBpe } from '../tokenizers/trainers.js';
import type { Tokenizer } from '../tokenizers/tokenizer.js';
import { train } from '../train/loop.js';
import { type Batch, createTrainStep } from '../train/train-step.js';
import { encodeLines } from './kantaibert.js';
import { type RecipeRunOptions, type TrainingSchedule, checkRunOptions, checkSchedule, evaluateAtEnd, loopOptions, resolveConfig } from './pretrain.js';

/** The tokenizer, model, data and training of the Kant GPT. */
export interface GptKantConfig extends TrainingSchedule {
  /** BPE vocabulary asked for (`<|endoftext|>` and 256 bytes included). */
  vocabSize: number;
  layers: number;
  hidden: number;
  heads: number;
  dropout: number;
  /** Tokens per training row (the context the model learns to use). */
  seqLength: number;
  /** Share of the paragraphs held out. */
  heldOutFraction: number;
  /** Held-out tokens evaluated (from the start of the held-out stream). */
  evalTokens: number;
  /** New tokens sampled per prompt after training. */
  sampleTokens: number;
}

const GPT_KANT_CI: GptKantConfig = {
  vocabSize: 2000,
  layers: 2,
  hidden: 128,
  heads: 4,
  dropout: 0,
  seqLength: 32,
  batchSize: 32,
  // 200 steps end at ~0.81x the unigram loss, 400 at 0.77x (Dawn on lavapipe, ~1.3 s a step).
  steps: 200,
  lr: 1e-3,
  warmupSteps: 20,
  weightDecay: 0.01,
  maxGradNorm: 1,
  heldOutFraction: 0.05,
  evalTokens: 8192,
  sampleTokens: 24,
};

/** Named configurations: `ci` beats the unigram baseline in a CI-sized run; `recorded` is the run recipes.json records. */
export const GPT_KANT_CONFIGS = {
  ci: GPT_KANT_CI,
  recorded: { ...GPT_KANT_CI, layers: 4, seqLength: 64, steps: 1500, warmupSteps: 100, evalTokens: 32768, sampleTokens: 40 },
} as const satisfies Record<string, GptKantConfig>;

/** Prompts sampled after training. */
export const GPT_KANT_PROMPTS = ['Pure reason is', 'The transcendental unity of apperception', 'Space and time are'];

/** Options of `trainGptKant`. */
export interface GptKantOptions extends RecipeRunOptions {
  /** The corpus (a Project Gutenberg header and footer are stripped); one paragraph a line. */
  text: string;
  /** A named configuration or one of your own (default 'ci'); fields given override the named one's. */
  config?: keyof typeof GPT_KANT_CONFIGS | Partial<GptKantConfig>;
  /** Prompts to sample from after training (default GPT_KANT_PROMPTS). */
  prompts?: readonly string[];
}

/** Held-out metrics of the Kant GPT (recipes.json's names). */
export interface GptKantMetrics extends Record<string, number> {
  heldout_lm_loss: number;
  unigram_loss: number;
  ratio_to_unigram: number;
}

/** What `trainGptKant` returns; `parameters` are the caller's to dispose. */
export interface GptKantResult {
  model: GPT2LMHeadModel;
  parameters: ParameterStore;
  tokenizer: Tokenizer;
  config: GptKantConfig;
  training: Awaited<ReturnType<typeof train>>;
  evaluations: { step: number; metrics: GptKantMetrics }[];
  final: GptKantMetrics;
  /** Each prompt with its sampled continuation (temperature 0.8, top-k 40, seed 1). */
  samples: { prompt: string; text: string }[];
  wallSeconds: number;
}

/** Resolves a named or partial configuration ('ci' with the fields given). */
export function gptKantConfig(config?: GptKantOptions['config']): GptKantConfig {
  return resolveConfig('trainGptKant', GPT_KANT_CONFIGS, 'ci', config);
}

/** Trains a GPT-2-layout causal LM on Kant and samples from it (see the module comment). */
export async function trainGptKant(options: GptKantOptions): Promise<GptKantResult> {
  const op = 'trainGptKant';
  checkRunOptions(op, options);
  if (typeof options.text !== 'string') throw new ArgumentError(`${op}: text must be a string, got ${describeValue(options.text)}`);
  const config = gptKantConfig(options.config);
  checkSchedule(op, config);
  const seed = options.seed ?? 1;
  const started = performance.now();
  const lines = splitLines(stripGutenberg(options.text)).filter((line) => line.trim() !== '');
  if (lines.length < 2) throw new ArgumentError(`${op}: the corpus has ${lines.length} non-blank line(s); it needs at least 2 (one to hold out)`);
  const split = heldOutSplit(lines, { fraction: config.heldOutFraction, seed });
  const tokenizer = trainByteLevelBpe(
    split.train.map((line) => `${line}\n`),
    { vocabSize: config.vocabSize, minFrequency: 2, specialTokens: ['<|endoftext|>'] },
  );
  const eos = tokenizer.tokenToId('<|endoftext|>')!;
  const trainTokens = encodeLines(tokenizer, split.train);
  const heldOutTokens = encodeLines(tokenizer, split.heldOut).subarray(0, config.evalTokens + 1);
  const T = config.seqLength;
  if (trainTokens.length <= T || heldOutTokens.length <= T) throw new ArgumentError(`${op}: the corpus is too short for windows of ${T} tokens`);
  // Held-out rows: consecutive windows; every token after a row's first is predicted once.
  const heldOut: Batch[] = [];
  const windows = Math.floor((heldOutTokens.length - 1) / T);
  for (let start = 0; start + config.batchSize <= windows; start += config.batchSize) {
    heldOut.push({ input_ids: heldOutTokens.slice(start * T, (start + config.batchSize) * T) });
  }
  if (heldOut.length === 0) throw new ArgumentError(`${op}: the held-out part has ${windows} windows of ${T} tokens; one batch needs ${config.batchSize}`);
  const heldOutLabels = heldOut.flatMap((b) => Array.from(b.input_ids!).filter((_, i) => i % T !== 0));
  const unigramLoss = unigramBaseline(trainTokens, heldOutLabels, { vocabSize: tokenizer.vocabSize });

  const model = new GPT2LMHeadModel({
    vocab_size: tokenizer.vocabSize,
    n_positions: Math.max(T, 128),
    n_embd: config.hidden,
    n_layer: config.layers,
    n_head: config.heads,
    resid_pdrop: config.dropout,
    embd_pdrop: config.dropout,
    attn_pdrop: config.dropout,
    bos_token_id: eos,
    eos_token_id: eos,
  });
  const parameters = ParameterStore.create(options.backend, model.parameters(), { seed });
  try {
    let rng = new Xoshiro128(seed);
    const batches = Object.assign(
      (function* () {
        for (;;) {
          const ids = new Int32Array(config.batchSize * T);
          for (let r = 0; r < config.batchSize; r++) {
            const at = rng.nextInt(trainTokens.length - T);
            ids.set(trainTokens.subarray(at, at + T), r * T);
          }
          yield { input_ids: ids, labels: ids };
        }
      })(),
      {
        getState: () => rng.getState(),
        setState: (state: unknown) => {
          rng = Xoshiro128.fromState(state as number[]);
        },
      },
    );
    const ids = { shape: [config.batchSize, T], dtype: 'i32' } as const;
    const step = createTrainStep({
      parameters,
      inputs: { input_ids: ids, labels: ids },
      loss: (x) => model.forward({ input_ids: x.input_ids, labels: x.labels }).loss!,
      optimizer: new AdamW({
        lr: linearWarmupDecay({ peakLr: config.lr, warmupSteps: config.warmupSteps, totalSteps: config.steps }),
        weightDecay: config.weightDecay,
      }),
      maxGradNorm: config.maxGradNorm,
      seed,
    });
    const evaluator = createInference({
      parameters,
      inputs: { input_ids: ids },
      model,
      outputs: (x) => ({ loss: model.forward({ input_ids: x.input_ids, labels: x.input_ids }).loss! }),
    });
    const evaluations: GptKantResult['evaluations'] = [];
    const evaluate = async (at: number): Promise<GptKantMetrics> => {
      let total = 0;
      for (const batch of heldOut) total += (await evaluator.run(batch)).loss.data[0]!;
      const loss = total / heldOut.length; // every batch predicts the same number of tokens
      const metrics = { heldout_lm_loss: loss, unigram_loss: unigramLoss, ratio_to_unigram: loss / unigramLoss };
      evaluations.push({ step: at, metrics });
      return metrics;
    };
    let training: GptKantResult['training'];
    try {
      training = await train({ step, batches, steps: config.steps, tokensPerBatch: config.batchSize * T, evaluate, ...loopOptions(options) });
      await evaluateAtEnd(training.steps, evaluations, evaluate, options);
    } finally {
      evaluator.dispose();
      step.dispose();
    }
    const generator = createTextGenerator(model, parameters);
    const prompts = options.prompts ?? GPT_KANT_PROMPTS;
    let samples: GptKantResult['samples'];
    try {
      const encoded = prompts.map((p) => Array.from(tokenizer.encode(p, null, { addSpecialTokens: false }).ids));
      const outputs = await generator.generate(encoded, { maxNewTokens: config.sampleTokens, temperature: 0.8, topK: 40, seed: 1 });
      samples = prompts.map((prompt, i) => ({ prompt, text: prompt + tokenizer.decode(outputs[i]!, { skipSpecialTokens: true }) }));
    } finally {
      generator.dispose();
    }
    const final = evaluations.at(-1)!.metrics;
    return { model, parameters, tokenizer, config, training, evaluations, final, samples, wallSeconds: (performance.now() - started) / 1000 };
  } catch (error) {
    parameters.dispose();
    throw error;
  }
}
