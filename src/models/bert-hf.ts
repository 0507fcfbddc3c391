// BERT's Hugging Face conventions: the config.json fields it reads and writes, the `bert.` base
// prefix, and the masked-LM decoder tied to the word embeddings. `bert.ts` turns them into each class's
// `PretrainedFormat`; this file imports nothing from it, so there is no import cycle.
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

/** config.json as transformers 5.18 writes it for a BERT (every field it writes, sorted; no `transformers_version`). */
export function bertConfigJson(config: Readonly<Record<string, unknown>>, architecture: string, padTokenId: number): Record<string, unknown> {
  const json: Record<string, unknown> = {
    add_cross_attention: false,
    architectures: [architecture],
    bos_token_id: null,
    classifier_dropout: null,
    dtype: 'float32',
    eos_token_id: null,
    is_decoder: false,
    model_type: 'bert',
    pad_token_id: padTokenId,
    tie_word_embeddings: true,
    use_cache: true,
  };
  for (const field of Object.keys(BERT_CONFIG_FIELDS)) json[field] = config[field];
  return Object.fromEntries(Object.entries(json).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** A BERT class's format: `isBaseModel` for BertModel (saved without the `bert.` prefix, as transformers does). */
export function bertFormat<M extends Module, C>(
  architecture: string,
  isBaseModel: boolean,
  create: (config: C) => M,
  configOf: (model: M) => Readonly<Record<string, unknown>>,
): PretrainedFormat<M, C> {
  return {
    architecture,
    modelType: 'bert',
    basePrefix: 'bert',
    isBaseModel,
    fields: BERT_CONFIG_FIELDS,
    // Features of Hugging Face's BERT this one does not have: refused rather than silently different.
    supported: { position_embedding_type: ['absolute'], is_decoder: [false], add_cross_attention: [false] },
    // The masked-LM decoder is the word embedding table; old checkpoints store it anyway.
    tied: { 'cls.predictions.decoder.weight': 'bert.embeddings.word_embeddings.weight' },
    aliases: { 'cls.predictions.decoder.bias': 'cls.predictions.bias' },
    create,
    configOf,
    configJson: bertConfigJson,
  };
}
