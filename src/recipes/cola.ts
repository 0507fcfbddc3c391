// BERT on CoLA (the seed's chapter 2): fine-tune a sequence classifier on the Corpus of Linguistic
// Acceptability and report accuracy and the Matthews correlation on the out-of-domain dev set after
// every epoch. Starts from a Hugging Face folder or from a BERT pretrained here.
import { ArgumentError, describeValue } from '../errors.js';
import { type ClassificationBatch, type ColaExample, classificationBatches, readGlueTsv } from '../data/glue.js';
import type { Var } from '../graph/graph.js';
import { ParameterStore } from '../graph/parameters.js';
import { type Inference, createInference } from '../infer/inference.js';
import type { FolderSource } from '../io/folder.js';
import { accuracy, argmax, matthewsCorrelation } from '../metrics/classification.js';
import type { BertModel } from '../models/bert.js';
import { BertForSequenceClassification } from '../models/bert-heads.js';
import { AdamW } from '../optim/optimizers.js';
import { linearWarmupDecay } from '../optim/schedules.js';
import type { Tokenizer } from '../tokenizers/tokenizer.js';
import { type TrainResult, train } from '../train/loop.js';
import { createTrainStep } from '../train/train-step.js';
import { type RecipeRunOptions, checkRunOptions } from './pretrain.js';

/** The fine-tuning settings (the seed's: AdamW, lr 2e-5, batch 32, 4 epochs, max length 64, linear decay). */
export interface ColaConfig {
  epochs: number;
  batchSize: number;
  lr: number;
  /** Steps of linear warm-up (the seed: 0). */
  warmupSteps: number;
  weightDecay: number;
  maxGradNorm: number;
  /** Tokens per sentence, [CLS] and [SEP] included. */
  maxLength: number;
  /** Use only the first N training sentences (default all: 8,551 in in_domain_train.tsv). */
  trainExamples?: number;
}

/** The seed's settings. */
export const COLA_CONFIG: ColaConfig = { epochs: 4, batchSize: 32, lr: 2e-5, warmupSteps: 0, weightDecay: 0.01, maxGradNorm: 1, maxLength: 64 };

/** Where the fine-tuning starts: a Hugging Face BERT folder, or a BERT (any head) with its parameters and tokenizer. */
export type ColaStart = { folder: FolderSource } | { model: { bert: BertModel }; parameters: ParameterStore; tokenizer: Tokenizer };

/** Options of `fineTuneCola`. */
export interface ColaOptions extends Omit<RecipeRunOptions, 'checkpoint' | 'resume'> {
  /** in_domain_train.tsv's text. */
  train: string;
  /** out_of_domain_dev.tsv's text (or any CoLA TSV to evaluate on). */
  dev: string;
  from: ColaStart;
  /** Fields given override the seed's settings (COLA_CONFIG). */
  config?: Partial<ColaConfig>;
}

/** Dev metrics after one epoch. */
export interface ColaEpoch {
  epoch: number;
  step: number;
  /** Mean training loss over the epoch. */
  trainLoss: number;
  accuracy: number;
  mcc: number;
}

/** What `fineTuneCola` returns; `parameters` are the caller's to dispose. */
export interface ColaResult {
  model: BertForSequenceClassification;
  parameters: ParameterStore;
  tokenizer: Tokenizer;
  config: ColaConfig;
  training: TrainResult;
  epochs: ColaEpoch[];
  /** The last epoch's dev metrics. */
  final: { accuracy: number; mcc: number };
  wallSeconds: number;
}

/**
 * Fine-tunes a BertForSequenceClassification (2 labels) on CoLA's training sentences and evaluates
 * accuracy and MCC on the dev set after every epoch. The encoder starts from `from` (the classifier
 * is new); each epoch's batches are shuffled (seeded), the last short batch dropped.
 */
export async function fineTuneCola(options: ColaOptions): Promise<ColaResult> {
  const op = 'fineTuneCola';
  checkRunOptions(op, options as RecipeRunOptions);
  for (const key of ['train', 'dev'] as const) {
    if (typeof options[key] !== 'string') throw new ArgumentError(`${op}: ${key} must be the text of a CoLA TSV file, got ${describeValue(options[key])}`);
  }
  const config = { ...COLA_CONFIG, ...options.config };
  for (const key of ['epochs', 'batchSize', 'maxLength'] as const) {
    if (!Number.isSafeInteger(config[key]) || config[key] < 1)
      throw new ArgumentError(`${op}: config.${key} must be an integer ≥ 1, got ${describeValue(config[key])}`);
  }
  const seed = options.seed ?? 1;
  const started = performance.now();
  const trainSet = readGlueTsv(options.train, { task: 'cola' }).slice(0, config.trainExamples);
  const devSet = readGlueTsv(options.dev, { task: 'cola' });
  const { model, parameters, tokenizer } = await startingPoint(op, options.from, options.backend, seed);
  try {
    const perEpoch = Math.floor(trainSet.length / config.batchSize);
    if (perEpoch < 1) throw new ArgumentError(`${op}: ${trainSet.length} training sentences make no batch of ${config.batchSize}`);
    const steps = perEpoch * config.epochs;
    const ids = { shape: [config.batchSize, config.maxLength], dtype: 'i32' } as const;
    const step = createTrainStep({
      parameters,
      inputs: { input_ids: ids, attention_mask: ids, token_type_ids: ids, labels: { shape: [config.batchSize], dtype: 'i32' } as const },
      loss: (x) => model.loss(x),
      optimizer: new AdamW({
        lr: linearWarmupDecay({ peakLr: config.lr, warmupSteps: config.warmupSteps, totalSteps: steps }),
        weightDecay: config.weightDecay,
      }),
      maxGradNorm: config.maxGradNorm,
      seed,
    });
    const stream = classificationBatches(trainSet, tokenizer, {
      batchSize: config.batchSize,
      maxLength: config.maxLength,
      seed,
      epochs: config.epochs,
      lastBatch: 'drop',
    });
    const batches = (function* () {
      for (const b of stream) yield { input_ids: b.inputIds, attention_mask: b.attentionMask, token_type_ids: b.tokenTypeIds, labels: b.labels as Int32Array };
    })();
    const evaluator = devEvaluator(model, parameters, tokenizer, devSet, config);
    const epochs: ColaEpoch[] = [];
    const trainingLosses: number[] = []; // every step's loss, for each epoch's mean
    try {
      const training = await train({
        step,
        batches,
        steps,
        tokensPerBatch: config.batchSize * config.maxLength,
        evaluateEvery: perEpoch,
        evaluate: async (at) => {
          const { accuracy: acc, mcc } = await evaluator.evaluate();
          const losses = trainingLosses.slice(at - perEpoch, at);
          const epoch = { epoch: Math.round(at / perEpoch), step: at, trainLoss: losses.reduce((a, b) => a + b, 0) / losses.length, accuracy: acc, mcc };
          epochs.push(epoch);
          return { accuracy: acc, mcc, train_loss: epoch.trainLoss };
        },
        onStep: async (p) => {
          trainingLosses.push(p.loss);
          await options.onStep?.(p);
        },
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onCompile ? { onCompile: options.onCompile } : {}),
        ...(options.onEvaluate ? { onEvaluate: options.onEvaluate } : {}),
      });
      if (epochs.at(-1)?.step !== training.steps) {
        const { accuracy: acc, mcc } = await evaluator.evaluate();
        const losses = trainingLosses.slice(-perEpoch);
        epochs.push({
          epoch: training.steps / perEpoch,
          step: training.steps,
          trainLoss: losses.reduce((a, b) => a + b, 0) / losses.length,
          accuracy: acc,
          mcc,
        });
      }
      const last = epochs.at(-1)!;
      return {
        model,
        parameters,
        tokenizer,
        config,
        training,
        epochs,
        final: { accuracy: last.accuracy, mcc: last.mcc },
        wallSeconds: (performance.now() - started) / 1000,
      };
    } finally {
      evaluator.dispose();
      step.dispose();
    }
  } catch (error) {
    parameters.dispose();
    throw error;
  }
}

/** The classifier and its parameters: loaded from a folder, or the encoder's values copied from a BERT trained here. */
async function startingPoint(
  op: string,
  from: ColaStart,
  backend: RecipeRunOptions['backend'],
  seed: number,
): Promise<{ model: BertForSequenceClassification; parameters: ParameterStore; tokenizer: Tokenizer }> {
  if (typeof from !== 'object' || from === null)
    throw new ArgumentError(`${op}: from must be { folder } or { model, parameters, tokenizer }, got ${describeValue(from)}`);
  if ('folder' in from) {
    const loaded = await BertForSequenceClassification.fromPretrained(from.folder, { backend, seed });
    if (!loaded.tokenizer) {
      loaded.parameters.dispose();
      throw new ArgumentError(`${op}: the folder has no tokenizer (tokenizer.json or vocab.txt)`);
    }
    return { model: loaded.model, parameters: loaded.parameters, tokenizer: loaded.tokenizer };
  }
  const { model: source, parameters: sourceParameters, tokenizer } = from;
  if (typeof source?.bert?.config !== 'object' || typeof sourceParameters?.get !== 'function' || typeof tokenizer?.encode !== 'function')
    throw new ArgumentError(`${op}: from must hold a BERT model (with .bert), its ParameterStore and its tokenizer, got ${describeValue(from)}`);
  const model = new BertForSequenceClassification({ ...source.bert.config, num_labels: 2 });
  const known = new Set(sourceParameters.names());
  const values = new Map<string, Float32Array>();
  for (const p of model.parameters()) if (known.has(p.name)) values.set(p.name, await sourceParameters.get(p.name));
  if (values.size === 0) throw new ArgumentError(`${op}: the source model shares no parameter name with BertForSequenceClassification (bert.*)`);
  return { model, parameters: ParameterStore.create(backend, model.parameters(), { seed, values: (p) => values.get(p.name) }), tokenizer };
}

/** Dev-set accuracy and MCC: the sentences in order, one inference graph per batch size. */
function devEvaluator(model: BertForSequenceClassification, parameters: ParameterStore, tokenizer: Tokenizer, dev: ColaExample[], config: ColaConfig) {
  const batches: ClassificationBatch[] = [
    ...classificationBatches(dev, tokenizer, { batchSize: config.batchSize, maxLength: config.maxLength, seed: 0, shuffle: false, epochs: 1 }),
  ];
  const graphs = new Map<number, Inference<{ logits: Var<'f32', 2> }>>();
  const labels = Int32Array.from(dev, (e) => e.label);
  return {
    async evaluate(): Promise<{ accuracy: number; mcc: number }> {
      const predictions = new Int32Array(dev.length);
      let at = 0;
      for (const batch of batches) {
        let inference = graphs.get(batch.batchSize);
        if (!inference) {
          const ids = { shape: [batch.batchSize, config.maxLength], dtype: 'i32' } as const;
          inference = createInference({
            parameters,
            model,
            inputs: { input_ids: ids, attention_mask: ids, token_type_ids: ids },
            outputs: (x) => ({ logits: model.forward(x).logits }),
          });
          graphs.set(batch.batchSize, inference);
        }
        const { logits } = await inference.run({ input_ids: batch.inputIds, attention_mask: batch.attentionMask, token_type_ids: batch.tokenTypeIds });
        predictions.set(argmax(logits.data, 2), at);
        at += batch.batchSize;
      }
      return { accuracy: accuracy(predictions, labels), mcc: matthewsCorrelation(predictions, labels) };
    },
    dispose() {
      for (const g of graphs.values()) g.dispose();
    },
  };
}
