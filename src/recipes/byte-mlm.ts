// The byte-level masked LM: a small BERT reads any text one UTF-8 byte a token (no tokenizer to
// train), learns to fill masked bytes, and is measured on held-out text against the loss of
// predicting each byte's training frequency. The demo's model and CI's end-to-end check.
import { ArgumentError, describeValue } from '../errors.js';
import { tokenWindows, mlmBatches } from '../data/batches.js';
import { ByteVocabulary } from '../data/byte-vocab.js';
import { stripGutenberg } from '../data/corpus.js';
import { ParameterStore } from '../graph/parameters.js';
import { fixedMaskedSet, unigramBaseline } from '../metrics/mlm.js';
import { BertForMaskedLM } from '../models/bert.js';
import {
  type EncoderSize,
  type MaskedLMRunResult,
  type RecipeRunOptions,
  type TrainingSchedule,
  checkRunOptions,
  checkSchedule,
  encoderFields,
  renameBatches,
  resolveConfig,
  runMaskedLM,
} from './pretrain.js';
import { maskEverySelected } from './masked-lm.js';

/** The byte-level model and its training, every size a recipe fixes. */
export interface ByteMlmConfig extends TrainingSchedule, EncoderSize {
  /** Tokens per row, [CLS] and [SEP] included. */
  seqLength: number;
  /** Masked positions the head runs on per row (the gathered form); selections past it are left unmasked. */
  maxPredictions: number;
  /** Share of the text held out for evaluation (its end). */
  heldOutFraction: number;
  /** Held-out tokens evaluated (from the start of the held-out part), to bound an evaluation's cost. */
  evalTokens: number;
}

/** Named byte-MLM configurations: `ci` gets below the unigram baseline in a CI-sized run; `recorded` is the run `recipes.json` records. */
// Short rows learn context first: attention starts uniform, so a neighbour's signal is diluted by
// 1/T, and at T 64 this model sits at the unigram plateau for 1000+ steps; at T 16 (B 64, the same
// tokens a step) it leaves it within a few hundred (scripts/recipes/byte_mlm.py measured both). A
// wider initialiser (0.05 against BERT's 0.02) shortens the plateau again: 300 steps end at 0.87x the
// unigram baseline against 0.96x (the replica, every scored byte shown as [MASK]).
const BYTE_MLM_CI: ByteMlmConfig = {
  layers: 2,
  hidden: 128,
  heads: 4,
  intermediate: 512,
  dropout: 0,
  initRange: 0.05,
  seqLength: 16,
  maxPredictions: 5,
  batchSize: 64,
  steps: 300,
  lr: 1e-3,
  warmupSteps: 20,
  weightDecay: 0.01,
  maxGradNorm: 1,
  heldOutFraction: 0.05,
  evalTokens: 8192,
};
export const BYTE_MLM_CONFIGS = {
  ci: BYTE_MLM_CI,
  recorded: { ...BYTE_MLM_CI, steps: 600, evalTokens: 32768 },
} as const satisfies Record<string, ByteMlmConfig>;

/** Options of `trainByteMlm`. */
export interface ByteMlmOptions extends RecipeRunOptions {
  /** The training text (a Project Gutenberg header and footer are stripped). */
  text: string;
  /** A named configuration or one of your own (default 'ci'); fields given override the named one's. */
  config?: keyof typeof BYTE_MLM_CONFIGS | Partial<ByteMlmConfig>;
}

/** What `trainByteMlm` returns; `parameters` are the caller's to dispose. */
export interface ByteMlmResult extends MaskedLMRunResult {
  model: BertForMaskedLM;
  parameters: ParameterStore;
  vocab: ByteVocabulary;
  config: ByteMlmConfig;
}

/** Resolves a named or partial configuration ('ci' with the fields given) onto the defaults. */
export function byteMlmConfig(config?: ByteMlmOptions['config']): ByteMlmConfig {
  return resolveConfig('trainByteMlm', BYTE_MLM_CONFIGS, 'ci', config);
}

/**
 * Pretrains a byte-level BERT MLM on `text`: the last `heldOutFraction` of the bytes is held out and
 * masked once; training draws random windows of the rest, masked afresh each batch (15%, 80/10/10),
 * the head running on the masked rows only. Returns the model, its parameters and every held-out
 * evaluation (loss, accuracy, the unigram baseline of the same tokens and their ratio).
 */
export async function trainByteMlm(options: ByteMlmOptions): Promise<ByteMlmResult> {
  const op = 'trainByteMlm';
  checkRunOptions(op, options);
  if (typeof options.text !== 'string') throw new ArgumentError(`${op}: text must be a string, got ${describeValue(options.text)}`);
  const config = byteMlmConfig(options.config);
  checkSchedule(op, config);
  const seed = options.seed ?? 1;
  const vocab = new ByteVocabulary();
  const tokens = vocab.encode(stripGutenberg(options.text));
  const heldOutStart = Math.floor(tokens.length * (1 - config.heldOutFraction));
  const trainTokens = tokens.subarray(0, heldOutStart);
  const heldOutTokens = tokens.subarray(heldOutStart, heldOutStart + config.evalTokens);
  if (trainTokens.length < config.seqLength || heldOutTokens.length < config.seqLength) {
    throw new ArgumentError(`${op}: the text has ${tokens.length} bytes: too short for training windows and a held-out part of ${config.seqLength} bytes each`);
  }
  const masking = { maskId: vocab.maskId, randomTokenRange: vocab.byteCount, specialIds: vocab.specialIds, maxPredictions: config.maxPredictions };
  const heldOut = fixedMaskedSet(tokenWindows(heldOutTokens, { seqLength: config.seqLength, clsId: vocab.clsId, sepId: vocab.sepId }), {
    ...masking,
    batchSize: config.batchSize,
    seqLength: config.seqLength,
    padId: vocab.padId,
    seed: seed + 1,
  });
  const unigramLoss = unigramBaseline(
    trainTokens,
    heldOut.batches.flatMap((b) => Array.from(b.maskedLabels!)),
    { vocabSize: vocab.size },
  );

  const model = new BertForMaskedLM({
    vocab_size: vocab.size,
    ...encoderFields(config),
    max_position_embeddings: config.seqLength,
    type_vocab_size: 0,
  });
  const parameters = ParameterStore.create(options.backend, model.parameters(), { seed });
  try {
    const stream = mlmBatches(trainTokens, {
      ...masking,
      batchSize: config.batchSize,
      seqLength: config.seqLength,
      seed,
      clsId: vocab.clsId,
      sepId: vocab.sepId,
    });
    const ids = { shape: [config.batchSize, config.seqLength], dtype: 'i32' } as const;
    const slots = { shape: [config.batchSize * config.maxPredictions], dtype: 'i32' } as const;
    const run = await runMaskedLM(
      {
        op,
        lm: { model, outputs: (x) => ({ logits: model.forward(x).logits }) },
        parameters,
        inputs: { input_ids: ids, masked_positions: slots, masked_labels: slots },
        loss: (x) => model.loss(x),
        batches: renameBatches(stream, (b) => ({ input_ids: b.inputIds, masked_positions: b.maskedPositions!, masked_labels: b.maskedLabels! })),
        tokensPerBatch: config.batchSize * config.seqLength,
        heldOut: { batches: maskEverySelected(heldOut.batches, vocab.maskId) },
        unigramLoss,
        schedule: config,
      },
      options,
    );
    return { ...run, model, parameters, vocab, config };
  } catch (error) {
    parameters.dispose();
    throw error;
  }
}
