// BERT's own pretraining (Devlin et al. 2018): a WordPiece vocabulary trained on the corpus, then
// masked-LM + next-sentence prediction on sentence pairs. Documents are the corpus' paragraphs, their
// segments its sentences, as BERT's create_pretraining_data reads one sentence a line.
import { ArgumentError, describeValue } from '../errors.js';
import { stripGutenberg } from '../data/corpus.js';
import { type NspExample, nspBatches, nspExamples } from '../data/nsp.js';
import { heldOutSplit } from '../data/split.js';
import { splitLines, tokenizerSpecials } from '../data/text-datasets.js';
import { ParameterStore } from '../graph/parameters.js';
import { unigramBaseline } from '../metrics/mlm.js';
import { BertForPreTraining } from '../models/bert-heads.js';
import { trainWordPiece } from '../tokenizers/trainers.js';
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

/** The WordPiece vocabulary, the model, the pairs and the training. */
export interface BertPretrainingConfig extends TrainingSchedule, EncoderSize {
  /** WordPiece vocabulary asked for (BERT: 30,522). */
  vocabSize: number;
  /** Uncased (lowercase, accents stripped), as bert-base-uncased. */
  lowercase: boolean;
  /** Tokens per pair, [CLS] and both [SEP] included. */
  seqLength: number;
  /** Masked positions the head runs on per row. */
  maxPredictions: number;
  /** Share of the documents (paragraphs) held out for evaluation. */
  heldOutFraction: number;
}

/** Named configurations: `ci` is CI-sized; `recorded` is the run recipes.json records. */
const BERT_PRETRAINING_CI: BertPretrainingConfig = {
  vocabSize: 2000,
  lowercase: true,
  layers: 2,
  hidden: 128,
  heads: 4,
  intermediate: 512,
  dropout: 0,
  initRange: 0.05,
  seqLength: 64,
  maxPredictions: 12,
  batchSize: 16,
  steps: 200,
  lr: 1e-3,
  warmupSteps: 20,
  weightDecay: 0.01,
  maxGradNorm: 1,
  heldOutFraction: 0.05,
};
export const BERT_PRETRAINING_CONFIGS = {
  ci: BERT_PRETRAINING_CI,
  recorded: { ...BERT_PRETRAINING_CI, vocabSize: 4000, steps: 1000, warmupSteps: 50 },
} as const satisfies Record<string, BertPretrainingConfig>;

/** Options of `pretrainBert`. */
export interface BertPretrainingOptions extends RecipeRunOptions {
  /** The corpus (a Project Gutenberg header and footer are stripped): one paragraph a line, blank lines between. */
  text: string;
  /** A named configuration or one of your own (default 'ci'); fields given override the named one's. */
  config?: keyof typeof BERT_PRETRAINING_CONFIGS | Partial<BertPretrainingConfig>;
  /** Called once the tokenizer is trained, before the model is built. */
  onTokenizer?: (tokenizer: Tokenizer) => void | Promise<void>;
}

/** What `pretrainBert` returns; `parameters` are the caller's to dispose. */
export interface BertPretrainingResult extends MaskedLMRunResult {
  model: BertForPreTraining;
  parameters: ParameterStore;
  tokenizer: Tokenizer;
  config: BertPretrainingConfig;
  /** Sentence pairs trained on and held out (balanced), and the share of held-out pairs whose B is random (0.5 unless one class is empty). */
  pairs: { train: number; heldOut: number; heldOutRandomShare: number };
}

/** Resolves a named or partial configuration ('ci' with the fields given) onto the defaults. */
export function bertPretrainingConfig(config?: BertPretrainingOptions['config']): BertPretrainingConfig {
  return resolveConfig('pretrainBert', BERT_PRETRAINING_CONFIGS, 'ci', config);
}

// A sentence ends at . ! or ? (closing quotes and brackets kept) followed by white space.
const SENTENCE_END = /(?<=[.!?]["'’”)\]]*)\s+/u;

/** The corpus as documents of sentences: each non-blank line a paragraph, split after . ! ? */
export function paragraphSentences(text: string): string[][] {
  return splitLines(text)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((paragraph) => paragraph.split(SENTENCE_END).filter((sentence) => sentence.trim() !== ''));
}

/**
 * The pairs with as many random Bs as real next ones (the first of the larger class kept, in order):
 * Hugging Face's pairing makes a B random whenever a chunk holds one segment, ~75% of Kant's pairs,
 * so on the raw held-out pairs a model that always answers "random" would score ~75%; here chance is 50%
 * (unless a tiny corpus yields one class only, when the pairs are kept as they are).
 */
function balancedPairs(pairs: NspExample[]): NspExample[] {
  const next = pairs.filter((p) => p.nextSentenceLabel === 0);
  const random = pairs.filter((p) => p.nextSentenceLabel === 1);
  const keep = Math.min(next.length, random.length);
  if (keep === 0) return pairs; // a tiny corpus with one class only: nothing to balance against
  const kept = new Set([...next.slice(0, keep), ...random.slice(0, keep)]);
  return pairs.filter((p) => kept.has(p));
}

/**
 * BERT pretraining from scratch on `text`: holds out `heldOutFraction` of the paragraphs, trains a
 * WordPiece vocabulary on the rest, makes next-sentence pairs (50% the real next sentences, 50% from
 * another paragraph), and trains a BertForPreTraining on masked-LM + NSP, evaluating both on the
 * held-out pairs (masked once; as many random Bs as real ones, so NSP chance is 50%) against the unigram baseline of the same masked tokens.
 */
export async function pretrainBert(options: BertPretrainingOptions): Promise<BertPretrainingResult> {
  const op = 'pretrainBert';
  checkRunOptions(op, options);
  if (typeof options.text !== 'string') throw new ArgumentError(`${op}: text must be a string, got ${describeValue(options.text)}`);
  const config = bertPretrainingConfig(options.config);
  checkSchedule(op, config);
  const seed = options.seed ?? 1;
  const documents = paragraphSentences(stripGutenberg(options.text));
  if (documents.length < 3)
    throw new ArgumentError(`${op}: the corpus has ${documents.length} paragraph(s); it needs at least 3 (pairs across paragraphs, one held out)`);
  const split = heldOutSplit(documents, { fraction: config.heldOutFraction, seed });
  const tokenizer = trainWordPiece(split.train.flat(), { vocabSize: config.vocabSize, lowercase: config.lowercase });
  await options.onTokenizer?.(tokenizer);
  const specials = tokenizerSpecials(tokenizer);
  const trainPairs = nspExamples(split.train, tokenizer, { blockSize: config.seqLength, seed });
  const heldOutPairs = balancedPairs(nspExamples(split.heldOut, tokenizer, { blockSize: config.seqLength, seed: seed + 1 }));
  const batching = {
    maskId: specials.maskId,
    randomTokenRange: specials.randomTokenRange,
    specialIds: specials.specialIds,
    maxPredictions: config.maxPredictions,
    seqLength: config.seqLength,
    padId: specials.padId,
  };
  const heldOut = [...nspBatches(heldOutPairs, { ...batching, batchSize: config.batchSize, seed: seed + 1, shuffle: false, epochs: 1 })];
  const special = new Set(specials.specialIds);
  const unigramLoss = unigramBaseline(
    trainPairs.flatMap((pair) => Array.from(pair.inputIds).filter((id) => !special.has(id))),
    heldOut.flatMap((b) => Array.from(b.maskedLabels!)),
    { vocabSize: tokenizer.vocabSize },
  );

  const model = new BertForPreTraining({
    vocab_size: tokenizer.vocabSize,
    ...encoderFields(config),
    max_position_embeddings: config.seqLength,
    type_vocab_size: 2,
  });
  const parameters = ParameterStore.create(options.backend, model.parameters(), { seed });
  try {
    const ids = { shape: [config.batchSize, config.seqLength], dtype: 'i32' } as const;
    const slots = { shape: [config.batchSize * config.maxPredictions], dtype: 'i32' } as const;
    const run = await runMaskedLM(
      {
        op,
        lm: {
          model,
          outputs: (x) => {
            const out = model.forward(x);
            return { logits: out.logits as typeof out.seqRelationshipLogits, nsp: out.seqRelationshipLogits };
          },
        },
        parameters,
        inputs: {
          input_ids: ids,
          attention_mask: ids,
          token_type_ids: ids,
          masked_positions: slots,
          masked_labels: slots,
          next_sentence_label: { shape: [config.batchSize], dtype: 'i32' } as const,
        },
        loss: (x) => model.loss(x),
        batches: renameBatches(nspBatches(trainPairs, { ...batching, batchSize: config.batchSize, seed, shuffle: true, lastBatch: 'drop' }), (b) => ({
          input_ids: b.inputIds,
          attention_mask: b.attentionMask,
          token_type_ids: b.tokenTypeIds,
          masked_positions: b.maskedPositions!,
          masked_labels: b.maskedLabels!,
          next_sentence_label: b.nextSentenceLabel,
        })),
        tokensPerBatch: config.batchSize * config.seqLength,
        heldOut: { batches: maskEverySelected(heldOut, specials.maskId) },
        unigramLoss,
        schedule: config,
      },
      options,
    );
    const randomShare = heldOutPairs.filter((p) => p.nextSentenceLabel === 1).length / heldOutPairs.length;
    return { ...run, model, parameters, tokenizer, config, pairs: { train: trainPairs.length, heldOut: heldOutPairs.length, heldOutRandomShare: randomShare } };
  } catch (error) {
    parameters.dispose();
    throw error;
  }
}
