// KantaiBERT (the seed's chapter 3): a byte-level BPE tokenizer trained on the corpus, a RoBERTa
// pretrained from scratch with masked-LM on it, and fill-mask at the end. Measured on held-out lines
// against the loss of predicting each token's training frequency.
import { ArgumentError, describeValue } from '../errors.js';
import { mlmBatches, tokenWindows } from '../data/batches.js';
import { stripGutenberg } from '../data/corpus.js';
import { mlmLineBatches } from '../data/line-batches.js';
import { heldOutSplit } from '../data/split.js';
import { lineByLineDataset, splitLines, tokenizerSpecials } from '../data/text-datasets.js';
import { ParameterStore } from '../graph/parameters.js';
import { type FillMaskResult, fillMask } from '../infer/fill-mask.js';
import { fixedMaskedSet, unigramBaseline } from '../metrics/mlm.js';
import { RobertaForMaskedLM } from '../models/roberta.js';
import { trainByteLevelBpe } from '../tokenizers/trainers.js';
import type { Tokenizer } from '../tokenizers/tokenizer.js';
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

/** KantaiBERT's tokenizer, model, data and training. */
export interface KantaiBertConfig extends TrainingSchedule, EncoderSize {
  /** BPE vocabulary asked for (the seed: 52,000; a small corpus stops earlier, at min frequency 2). */
  vocabSize: number;
  /** Position embeddings (the seed: 514 = 512 tokens + RoBERTa's padding offset). */
  maxPositions: number;
  /** Tokens per row, `<s>` and `</s>` included (the seed's block_size is 128). */
  seqLength: number;
  /** 'lines': each line a row, cut to seqLength (the seed's LineByLineTextDataset); 'packed': the text as one stream of full rows. */
  data: 'lines' | 'packed';
  /** Masked positions the head runs on per row. */
  maxPredictions: number;
  /** Share of the lines held out for evaluation. */
  heldOutFraction: number;
}

// What makes the small model learn context fast (scripts/recipes/kantaibert.py measured these on the
// held-out lines, every scored token shown as <mask>): short packed rows (at T 64 it sits on the
// unigram plateau for 1000+ steps, at T 16 it leaves it in a few hundred), a 2,000-id BPE, and a
// wider initialiser (0.05: attention logits start less flat than at BERT's 0.02, and the plateau is
// about half as long).
const KANTAIBERT_CI: KantaiBertConfig = {
  vocabSize: 2000,
  layers: 2,
  hidden: 128,
  heads: 4,
  intermediate: 512,
  dropout: 0,
  initRange: 0.05,
  maxPositions: 18,
  seqLength: 16,
  data: 'packed',
  maxPredictions: 6,
  batchSize: 64,
  steps: 800,
  lr: 1e-3,
  warmupSteps: 50,
  weightDecay: 0.01,
  maxGradNorm: 1,
  heldOutFraction: 0.05,
};

/** Named configurations: `seed` is the book's (6 layers, 12 heads, 768 wide, vocab 52,000); `ci` and `recorded` are small ones that learn on a CPU adapter. */
export const KANTAIBERT_CONFIGS = {
  seed: {
    vocabSize: 52_000,
    layers: 6,
    hidden: 768,
    heads: 12,
    intermediate: 3072,
    dropout: 0.1,
    initRange: 0.02,
    maxPositions: 514,
    seqLength: 128,
    data: 'lines',
    maxPredictions: 24,
    batchSize: 64,
    steps: 2672,
    lr: 5e-5,
    warmupSteps: 0,
    weightDecay: 0,
    maxGradNorm: 1,
    heldOutFraction: 0.05,
  },
  ci: KANTAIBERT_CI,
  recorded: { ...KANTAIBERT_CI, steps: 1500, lr: 2e-3, warmupSteps: 100 },
} as const satisfies Record<string, KantaiBertConfig>;

/** The seed's fill-mask prompt and two more. */
export const KANTAIBERT_PROMPTS = [
  'Human thinking involves human <mask>.',
  'Pure reason is the <mask> of all knowledge.',
  'Space and time are <mask> of intuition.',
];

/** Options of `pretrainKantaiBert`. */
export interface KantaiBertOptions extends RecipeRunOptions {
  /** The corpus (a Project Gutenberg header and footer are stripped); one paragraph or line per line. */
  text: string;
  /** A named configuration or one of your own (default 'ci'); fields given override the named one's. */
  config?: keyof typeof KANTAIBERT_CONFIGS | Partial<KantaiBertConfig>;
  /** Texts with `<mask>` to fill after training (default KANTAIBERT_PROMPTS; [] for none). */
  prompts?: readonly string[];
  /** Called once the tokenizer is trained (its vocabulary size), before the model is built. */
  onTokenizer?: (tokenizer: Tokenizer) => void | Promise<void>;
}

/** What `pretrainKantaiBert` returns; `parameters` are the caller's to dispose. */
export interface KantaiBertResult extends MaskedLMRunResult {
  model: RobertaForMaskedLM;
  parameters: ParameterStore;
  tokenizer: Tokenizer;
  config: KantaiBertConfig;
  /** Top-5 predictions for each prompt. */
  fillMask: { prompt: string; predictions: FillMaskResult }[];
}

/** Resolves a named or partial configuration ('ci' with the fields given) onto the defaults. */
export function kantaiBertConfig(config?: KantaiBertOptions['config']): KantaiBertConfig {
  return resolveConfig('pretrainKantaiBert', KANTAIBERT_CONFIGS, 'ci', config);
}

/**
 * KantaiBERT from scratch: holds out `heldOutFraction` of the corpus' lines, trains a byte-level BPE
 * (`<s> <pad> </s> <unk> <mask>`, min frequency 2) on the rest, pretrains a RobertaForMaskedLM with
 * dynamic masking (15%, 80/10/10, the head on the masked rows only), evaluates on the held-out lines
 * masked once, and fills the prompts' masks at the end.
 */
export async function pretrainKantaiBert(options: KantaiBertOptions): Promise<KantaiBertResult> {
  const op = 'pretrainKantaiBert';
  checkRunOptions(op, options);
  if (typeof options.text !== 'string') throw new ArgumentError(`${op}: text must be a string, got ${describeValue(options.text)}`);
  const config = kantaiBertConfig(options.config);
  checkSchedule(op, config);
  if (config.data !== 'lines' && config.data !== 'packed')
    throw new ArgumentError(`${op}: data must be 'lines' or 'packed', got ${describeValue(config.data)}`);
  const seed = options.seed ?? 1;
  const lines = splitLines(stripGutenberg(options.text)).filter((line) => line.trim() !== '');
  if (lines.length < 2) throw new ArgumentError(`${op}: the corpus has ${lines.length} non-blank line(s); it needs at least 2 (one to hold out)`);
  const split = heldOutSplit(lines, { fraction: config.heldOutFraction, seed });

  // Trained on the training lines only, each with its newline, as Hugging Face's training from a file.
  const tokenizer = trainByteLevelBpe(
    split.train.map((line) => `${line}\n`),
    // `<mask>` absorbs the space before it, as the seed's RobertaTokenizer defines it: a prompt's
    // "human <mask>" then reads like the training rows, where a masked word's space is masked with it.
    { vocabSize: config.vocabSize, minFrequency: 2, lstripTokens: ['<mask>'] },
  );
  await options.onTokenizer?.(tokenizer);
  const specials = tokenizerSpecials(tokenizer);
  const bos = tokenizer.tokenToId('<s>');
  const eos = tokenizer.tokenToId('</s>');
  if (bos === undefined || eos === undefined) throw new ArgumentError(`${op}: the tokenizer has no <s> or </s>`);
  const masking = {
    maskId: specials.maskId,
    randomTokenRange: specials.randomTokenRange,
    specialIds: specials.specialIds,
    maxPredictions: config.maxPredictions,
  };
  const rows = (part: readonly string[]) =>
    config.data === 'lines'
      ? lineByLineDataset(part, tokenizer, { blockSize: config.seqLength })
      : tokenWindows(encodeLines(tokenizer, part), { seqLength: config.seqLength, clsId: bos, sepId: eos });
  const heldOut = fixedMaskedSet(rows(split.heldOut), {
    ...masking,
    batchSize: config.batchSize,
    seqLength: config.seqLength,
    padId: specials.padId,
    seed: seed + 1,
  });
  const trainStream = encodeLines(tokenizer, split.train);
  const special = new Set(specials.specialIds);
  const unigramLoss = unigramBaseline(
    trainStream.filter((id) => !special.has(id)),
    heldOut.batches.flatMap((b) => Array.from(b.maskedLabels!)),
    { vocabSize: tokenizer.vocabSize },
  );

  const model = new RobertaForMaskedLM({
    vocab_size: tokenizer.vocabSize,
    ...encoderFields(config),
    max_position_embeddings: config.maxPositions,
    type_vocab_size: 1,
    pad_token_id: specials.padId,
    bos_token_id: bos,
    eos_token_id: eos,
  });
  const parameters = ParameterStore.create(options.backend, model.parameters(), { seed });
  try {
    const ids = { shape: [config.batchSize, config.seqLength], dtype: 'i32' } as const;
    const slots = { shape: [config.batchSize * config.maxPredictions], dtype: 'i32' } as const;
    const toInputs = (b: { inputIds: Int32Array; attentionMask: Int32Array; maskedPositions?: Int32Array; maskedLabels?: Int32Array }) => ({
      input_ids: b.inputIds,
      attention_mask: b.attentionMask,
      masked_positions: b.maskedPositions!,
      masked_labels: b.maskedLabels!,
    });
    const batches =
      config.data === 'lines'
        ? renameBatches(
            mlmLineBatches(lineByLineDataset(split.train, tokenizer, { blockSize: config.seqLength }), {
              ...masking,
              batchSize: config.batchSize,
              seqLength: config.seqLength,
              padId: specials.padId,
              seed,
              shuffle: true,
              lastBatch: 'drop',
            }),
            toInputs,
          )
        : renameBatches(
            mlmBatches(trainStream, { ...masking, batchSize: config.batchSize, seqLength: config.seqLength, seed, clsId: bos, sepId: eos }),
            toInputs,
          );
    const run = await runMaskedLM(
      {
        op,
        lm: { model, outputs: (x) => ({ logits: model.forward(x).logits }) },
        parameters,
        inputs: { input_ids: ids, attention_mask: ids, masked_positions: slots, masked_labels: slots },
        loss: (x) => model.loss(x),
        batches,
        tokensPerBatch: config.batchSize * config.seqLength,
        heldOut: { batches: maskEverySelected(heldOut.batches, specials.maskId) },
        unigramLoss,
        schedule: config,
      },
      options,
    );
    const prompts = options.prompts ?? KANTAIBERT_PROMPTS;
    const filled = prompts.length === 0 ? [] : ((await fillMask({ model, parameters }, tokenizer, [...prompts], { topK: 5 })) as FillMaskResult[]);
    return { ...run, model, parameters, tokenizer, config, fillMask: prompts.map((prompt, i) => ({ prompt, predictions: filled[i]! })) };
  } catch (error) {
    parameters.dispose();
    throw error;
  }
}

/** The lines encoded without special tokens, each with its newline, as one id stream. */
export function encodeLines(tokenizer: Tokenizer, lines: readonly string[]): Int32Array {
  const ids: number[] = [];
  for (const line of lines) for (const id of tokenizer.encode(`${line}\n`, null, { addSpecialTokens: false }).ids) ids.push(id);
  return Int32Array.from(ids);
}
