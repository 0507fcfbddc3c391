// Translation with the original Transformer (the seed's first chapter): a joint byte-level BPE trained
// on both languages, the Transformer trained with label smoothing on the Noam schedule, then the test
// sources translated by greedy and beam search and scored with corpus BLEU (sacreBLEU's defaults)
// against the reference translations. Multi30k en→de is the recorded run; any parallel text works.
import { ArgumentError, describeValue } from '../errors.js';
import { type ParallelText, type TranslationBatch, encodeParallel, trainJointTokenizer, translationBatches, translationSpecials } from '../data/parallel.js';
import { ParameterStore } from '../graph/parameters.js';
import { createSeq2SeqGenerator } from '../infer/seq2seq.js';
import { corpusBleu } from '../metrics/bleu.js';
import { TRANSFORMER_SIZES, type Transformer } from '../models/transformer.js';
import type { Tokenizer } from '../tokenizers/tokenizer.js';
import type { Batch } from '../train/train-step.js';
import { type RecipeRunOptions, checkRunOptions, renameBatches, resolveConfig } from './pretrain.js';
import { type Seq2SeqRunResult, type Seq2SeqModelSize, type Seq2SeqSchedule, checkSeq2SeqSchedule, recipeTransformer, runSeq2Seq } from './seq2seq.js';

/** The tokenizer, the model, the batches and the decoding of a translation run. */
export interface TranslateConfig extends Seq2SeqSchedule, Seq2SeqModelSize {
  /** Joint BPE vocabulary size (4 specials and 256 bytes included). */
  vocabSize: number;
  /** Training pairs the tokenizer is trained on (the first ones). */
  tokenizerPairs: number;
  /** Training pairs used (the first ones; 0: all). */
  trainPairs: number;
  /** Padded length of source and target (pairs whose longer side + `</s>` exceeds it are left out of training). */
  length: number;
  /** Pairs per batch. */
  batchSize: number;
  /** Validation pairs the held-out loss is computed on (the first ones). */
  valPairs: number;
  /** Test sources translated and scored (the first ones; 0: all). */
  testSentences: number;
  /** Beams of the beam-search translation. */
  beamSize: number;
  /** α of the GNMT length penalty. */
  lengthPenalty: number;
}

// CI: a narrow model for a few minutes on a CPU adapter; enough to lower the validation loss and
// give a non-zero BLEU, not a translator. Chosen on the validation set (Dawn on lavapipe, 200 steps,
// 100 sentences of val[200:300]): pre-LN without dropout reaches a validation loss of 3.39 where
// the paper's post-LN with dropout 0.1 reaches 3.86 (BPE 1,000); a joint BPE of 4,000 at 24 tokens
// then gives the best validation BLEU (beam 6.6 against greedy 4.3; with BPE 1,000 at 32 tokens
// greedy 5.1, beam 3.8). Two hundred steps are a fifth of an epoch: dropout only slows them down.
const TRANSLATE_CI: TranslateConfig = {
  vocabSize: 4000,
  tokenizerPairs: 4000,
  trainPairs: 0,
  length: 24,
  batchSize: 32,
  dModel: 128,
  numHeads: 4,
  layers: 2,
  ffnSize: 512,
  dropout: 0,
  preLayerNorm: true,
  labelSmoothing: 0.1,
  steps: 200,
  warmupSteps: 100,
  lrFactor: 1,
  maxGradNorm: 1,
  valPairs: 128,
  testSentences: 100,
  beamSize: 4,
  lengthPenalty: 0.6,
};

/** Named configurations: `ci` (minutes on a CPU adapter), `small` (the published small-Transformer size on Multi30k; a GPU run). */
export const TRANSLATE_CONFIGS = {
  ci: TRANSLATE_CI,
  small: {
    ...TRANSLATE_CI,
    vocabSize: 8000,
    tokenizerPairs: 29000,
    length: 32,
    // The paper's post-LN and dropout 0.1 (in TRANSFORMER_SIZES.small) for a run of 17 epochs.
    preLayerNorm: false,
    batchSize: 128,
    ...TRANSFORMER_SIZES.small,
    layers: TRANSFORMER_SIZES.small.encoderLayers,
    steps: 4000,
    warmupSteps: 1000,
    valPairs: 1014,
    testSentences: 0,
  },
} as const satisfies Record<string, TranslateConfig>;

/** Options of `trainTranslator`. */
export interface TranslateOptions extends RecipeRunOptions {
  /** Training pairs (Multi30k `train.{en,de}` through `readParallelText`). */
  train: ParallelText;
  /** Validation pairs, for the held-out loss. */
  validation: ParallelText;
  /** Test pairs, translated and scored with BLEU after training. */
  test: ParallelText;
  /** A named configuration or one of your own (default 'ci'); fields given override the named one's. */
  config?: keyof typeof TRANSLATE_CONFIGS | Partial<TranslateConfig>;
}

/** What `trainTranslator` returns; `parameters` are the caller's to dispose. */
export interface TranslateResult extends Seq2SeqRunResult {
  model: Transformer;
  parameters: ParameterStore;
  tokenizer: Tokenizer;
  config: TranslateConfig;
  /** Training pairs left out for being longer than `length`. */
  droppedPairs: number;
  /** Test sources with their references and translations. */
  translations: { source: string; reference: string; greedy: string; beam: string }[];
}

/** Resolves a named or partial configuration ('ci' with the fields given). */
export function translateConfig(config?: TranslateOptions['config']): TranslateConfig {
  return resolveConfig('trainTranslator', TRANSLATE_CONFIGS, 'ci', config);
}

/**
 * Trains a Transformer translator: the joint BPE, then the model on the training pairs (one padded
 * length, batches shuffled every epoch), with the validation loss at each evaluation; after training the
 * test sources are translated greedily and with beam search, and `final` gains `bleu_greedy` and `bleu_beam`.
 */
export async function trainTranslator(options: TranslateOptions): Promise<TranslateResult> {
  const op = 'trainTranslator';
  checkRunOptions(op, options);
  for (const part of ['train', 'validation', 'test'] as const) {
    const pairs = options[part];
    if (!Array.isArray(pairs?.source) || !Array.isArray(pairs?.target))
      throw new ArgumentError(`${op}: ${part} must be parallel text { source, target } (readParallelText), got ${describeValue(pairs)}`);
  }
  const config = translateConfig(options.config);
  checkSeq2SeqSchedule(op, config);
  const seed = options.seed ?? 1;
  const first = (pairs: ParallelText, n: number): ParallelText => (n > 0 ? { source: pairs.source.slice(0, n), target: pairs.target.slice(0, n) } : pairs);
  const tokenizer = trainJointTokenizer(first(options.train, config.tokenizerPairs), { vocabSize: config.vocabSize });
  const specials = translationSpecials(tokenizer);
  const vocab = tokenizer.vocabSize;
  const bucket = { bucketLengths: [config.length], fixedBatchSize: config.batchSize, ...specials };
  const trainSet = encodeParallel(first(options.train, config.trainPairs), tokenizer);
  const stream = translationBatches(trainSet, { ...bucket, seed });
  if (stream.plan.kept < config.batchSize)
    throw new ArgumentError(`${op}: only ${stream.plan.kept} training pairs fit in length ${config.length}; a batch needs ${config.batchSize}`);
  const model = recipeTransformer(config, { sourceVocabSize: vocab, maxPositions: 256, ...specials });
  const parameters = ParameterStore.create(options.backend, model.parameters(), { seed });
  try {
    const modelInputs = (b: TranslationBatch): Batch => ({ source_ids: b.source_ids, source_mask: b.source_mask, target_ids: b.target_ids, labels: b.labels });
    const batches = renameBatches(stream, modelInputs);
    const valStream = translationBatches(encodeParallel(first(options.validation, config.valPairs), tokenizer), { ...bucket, seed, shuffle: false, epochs: 1 });
    const heldOut = [...valStream].map(modelInputs);
    const result = await runSeq2Seq(
      {
        op,
        model,
        parameters,
        shape: { batchSize: config.batchSize, sourceLength: config.length, targetLength: config.length },
        batches,
        heldOut,
        schedule: config,
      },
      options,
    );
    const test = first(options.test, config.testSentences);
    const sources = test.source.map((s) => Array.from(tokenizer.encode(s, null, { addSpecialTokens: false }).ids));
    const generator = createSeq2SeqGenerator(model, parameters);
    let translations: TranslateResult['translations'];
    try {
      const decode = (ids: number[][]) => ids.map((t) => tokenizer.decode(t, { skipSpecialTokens: true }).trim());
      const greedy = decode(await generator.generate(sources, { batchSize: 32 }));
      const beam = decode(await generator.generate(sources, { batchSize: 8, beamSize: config.beamSize, lengthPenalty: config.lengthPenalty }));
      translations = test.source.map((source, i) => ({ source, reference: test.target[i]!, greedy: greedy[i]!, beam: beam[i]! }));
      result.final.bleu_greedy = corpusBleu(greedy, test.target).score;
      result.final.bleu_beam = corpusBleu(beam, test.target).score;
    } finally {
      generator.dispose();
    }
    return { ...result, model, parameters, tokenizer, config, droppedPairs: stream.plan.dropped.length, translations };
  } catch (error) {
    parameters.dispose();
    throw error;
  }
}
