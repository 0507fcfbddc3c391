// BERT's Hugging Face conventions: the config.json fields it reads and writes, the `bert.` base
// prefix, and the masked-LM decoder tied to the word embeddings. `bert.ts` turns them into each class's
// `PretrainedFormat`; this file imports nothing from it, so there is no import cycle. The classifier
// fields (num_labels as id2label, classifier_dropout, problem_type) are shared with RoBERTa.
import type { Module } from '../nn/module.js';
import type { ConfigFieldKind, PretrainedFormat } from './pretrained.js';

/** The config.json fields BERT reads, with their JSON types (every `BertConfig` field). */
export const BERT_CONFIG_FIELDS: Readonly<Record<string, ConfigFieldKind>> = {
  vocab_size: 'integer',
  hidden_size: 'integer',
  num_hidden_layers: 'integer',
  num_attention_heads: 'integer',
  intermediate_size: 'integer',
  hidden_act: 'string',
  hidden_dropout_prob: 'number',
  attention_probs_dropout_prob: 'number',
  max_position_embeddings: 'integer',
  type_vocab_size: 'integer',
  layer_norm_eps: 'number',
  initializer_range: 'number',
};

/** The config.json fields a sequence or token classifier reads besides its model's (`ClassifierConfig`). */
export const CLASSIFIER_CONFIG_FIELDS: Readonly<Record<string, ConfigFieldKind>> = {
  num_labels: 'integer',
  id2label: 'object',
  classifier_dropout: 'number|null',
  problem_type: 'string|null',
};

/** config.json as transformers 5.18 writes it: `fixed` values, then `fields` from the config (every field it writes, sorted; no `transformers_version`). */
export function hfConfigJson(
  config: Readonly<Record<string, unknown>>,
  fields: Readonly<Record<string, ConfigFieldKind>>,
  fixed: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const json: Record<string, unknown> = { ...fixed, classifier_dropout: config.classifier_dropout ?? null };
  for (const field of Object.keys(fields)) {
    if (field in CLASSIFIER_CONFIG_FIELDS) continue;
    json[field] = config[field];
  }
  // transformers writes the label names (not num_labels) when they differ from its default of two LABEL_i.
  const labels = config.id2label as Record<string, string> | undefined;
  if (labels !== undefined) {
    const names = Object.values(labels);
    if (names.length !== 2 || names.some((n, i) => n !== `LABEL_${i}`)) {
      json.id2label = labels;
      json.label2id = Object.fromEntries(Object.entries(labels).map(([i, name]) => [name, Number(i)]));
    }
    if (config.problem_type !== undefined) json.problem_type = config.problem_type;
  }
  return Object.fromEntries(Object.entries(json).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** config.json as transformers 5.18 writes it for a BERT (every field it writes, sorted; no `transformers_version`). */
export function bertConfigJson(config: Readonly<Record<string, unknown>>, architecture: string, padTokenId: number): Record<string, unknown> {
  return hfConfigJson(config, BERT_CONFIG_FIELDS, {
    add_cross_attention: false,
    architectures: [architecture],
    bos_token_id: null,
    dtype: 'float32',
    eos_token_id: null,
    is_decoder: false,
    model_type: 'bert',
    pad_token_id: padTokenId,
    tie_word_embeddings: true,
    use_cache: true,
  });
}

/** What a model family's formats share: model_type, base prefix, config fields, tied decoder and config.json writer. */
export interface FamilyConventions {
  modelType: string;
  basePrefix: string;
  fields: Readonly<Record<string, ConfigFieldKind>>;
  /** The masked-LM decoder's checkpoint name → the word embeddings it is tied to. */
  tied: Readonly<Record<string, string>>;
  aliases: Readonly<Record<string, string>>;
  configJson: PretrainedFormat['configJson'];
}

/** A class's part of its format: Hugging Face's class name, whether it is the bare encoder (saved without the prefix), how to build it and read its config, and whether it is a classifier (reads and writes the classifier fields). */
export type FormatArgs<M extends Module, C> = [
  architecture: string,
  isBaseModel: boolean,
  create: (config: C) => M,
  configOf: (model: M) => Readonly<Record<string, unknown>>,
  options?: { classifier?: boolean },
];

/** One class's format in a family. */
export function familyFormat<M extends Module, C>(
  family: FamilyConventions,
  ...[architecture, isBaseModel, create, configOf, options = {}]: FormatArgs<M, C>
): PretrainedFormat<M, C> {
  return {
    architecture,
    modelType: family.modelType,
    basePrefix: family.basePrefix,
    isBaseModel,
    fields: options.classifier ? { ...family.fields, ...CLASSIFIER_CONFIG_FIELDS } : family.fields,
    // Features of Hugging Face's BERT family these models do not have: refused rather than silently different.
    supported: { position_embedding_type: ['absolute'], is_decoder: [false], add_cross_attention: [false] },
    tied: family.tied,
    aliases: family.aliases,
    create,
    configOf,
    configJson: family.configJson,
  };
}

const BERT_FAMILY: FamilyConventions = {
  modelType: 'bert',
  basePrefix: 'bert',
  fields: BERT_CONFIG_FIELDS,
  // The masked-LM decoder is the word embedding table; old checkpoints store it anyway.
  tied: { 'cls.predictions.decoder.weight': 'bert.embeddings.word_embeddings.weight' },
  aliases: { 'cls.predictions.decoder.bias': 'cls.predictions.bias' },
  configJson: bertConfigJson,
};

/** A BERT class's format: `isBaseModel` for BertModel (saved without the `bert.` prefix, as transformers does). */
export function bertFormat<M extends Module, C>(...args: FormatArgs<M, C>): PretrainedFormat<M, C> {
  return familyFormat(BERT_FAMILY, ...args);
}
