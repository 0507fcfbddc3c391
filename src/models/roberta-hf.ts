// RoBERTa's Hugging Face conventions: its config.json fields (BERT's plus the special token ids,
// pad_token_id being the position padding index), the `roberta.` base prefix and the masked-LM decoder
// tied to the word embeddings (`lm_head.decoder`). `roberta.ts` turns them into each class's format.
import type { Module } from '../nn/module.js';
import { BERT_CONFIG_FIELDS, type FamilyConventions, type FormatArgs, familyFormat, hfConfigJson } from './bert-hf.js';
import type { ConfigFieldKind, PretrainedFormat } from './pretrained.js';

/** The config.json fields RoBERTa reads, with their JSON types (every `RobertaConfig` field). */
export const ROBERTA_CONFIG_FIELDS: Readonly<Record<string, ConfigFieldKind>> = {
  ...BERT_CONFIG_FIELDS,
  pad_token_id: 'integer',
  bos_token_id: 'integer',
  eos_token_id: 'integer',
};

/** config.json as transformers 5.18 writes it for a RoBERTa (sorted; no `transformers_version`); the token ids come from the config. */
export function robertaConfigJson(config: Readonly<Record<string, unknown>>, architecture: string): Record<string, unknown> {
  return hfConfigJson(config, ROBERTA_CONFIG_FIELDS, {
    add_cross_attention: false,
    architectures: [architecture],
    dtype: 'float32',
    is_decoder: false,
    model_type: 'roberta',
    tie_word_embeddings: true,
    use_cache: true,
  });
}

const ROBERTA_FAMILY: FamilyConventions = {
  modelType: 'roberta',
  basePrefix: 'roberta',
  fields: ROBERTA_CONFIG_FIELDS,
  tied: { 'lm_head.decoder.weight': 'roberta.embeddings.word_embeddings.weight' },
  aliases: { 'lm_head.decoder.bias': 'lm_head.bias' },
  // The pad id is the model's own (positions depend on it), not the tokenizer's.
  configJson: (config, architecture) => robertaConfigJson(config, architecture),
};

/** A RoBERTa class's format: `isBaseModel` for RobertaModel (saved without the `roberta.` prefix), `classifier` for the classifiers. */
export function robertaFormat<M extends Module, C>(...args: FormatArgs<M, C>): PretrainedFormat<M, C> {
  return familyFormat(ROBERTA_FAMILY, ...args);
}
