// GPT-2's Hugging Face conventions: the config.json fields it reads and writes, the `transformer.`
// base prefix, and `lm_head.weight` tied to the token embeddings. `gpt2.ts` turns them into each
// class's `PretrainedFormat`; this file imports nothing from it, so there is no import cycle.
import type { Module } from '../nn/module.js';
import type { ConfigFieldKind, PretrainedFormat } from './pretrained.js';

/** The config.json fields GPT-2 reads, with their JSON types (every `GPT2Config` field). */
export const GPT2_CONFIG_FIELDS: Readonly<Record<string, ConfigFieldKind>> = {
  vocab_size: 'integer',
  n_positions: 'integer',
  n_embd: 'integer',
  n_layer: 'integer',
  n_head: 'integer',
  n_inner: 'integer|null',
  activation_function: 'string',
  resid_pdrop: 'number',
  embd_pdrop: 'number',
  attn_pdrop: 'number',
  layer_norm_epsilon: 'number',
  initializer_range: 'number',
  bos_token_id: 'integer|null',
  eos_token_id: 'integer|null',
};

/** config.json as transformers 5.18 writes it for a GPT-2 (every field it writes, sorted; no `transformers_version`). */
export function gpt2ConfigJson(config: Readonly<Record<string, unknown>>, architecture: string): Record<string, unknown> {
  const json: Record<string, unknown> = {
    add_cross_attention: false,
    architectures: [architecture],
    dtype: 'float32',
    model_type: 'gpt2',
    // GPT-2 has no padding token; batches pad with <|endoftext|> and an attention mask.
    pad_token_id: null,
    reorder_and_upcast_attn: false,
    scale_attn_by_inverse_layer_idx: false,
    scale_attn_weights: true,
    // The sequence-summary head's fields (GPT2DoubleHeadsModel), at transformers' defaults.
    summary_activation: null,
    summary_first_dropout: 0.1,
    summary_proj_to_labels: true,
    summary_type: 'cls_index',
    summary_use_proj: true,
    tie_word_embeddings: true,
    use_cache: true,
  };
  for (const field of Object.keys(GPT2_CONFIG_FIELDS)) json[field] = config[field] ?? null;
  return Object.fromEntries(Object.entries(json).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** A GPT-2 class's format: `isBaseModel` for GPT2Model (saved without the `transformer.` prefix, as transformers does). */
export function gpt2Format<M extends Module, C>(
  architecture: string,
  isBaseModel: boolean,
  create: (config: C) => M,
  configOf: (model: M) => Readonly<Record<string, unknown>>,
): PretrainedFormat<M, C> {
  return {
    architecture,
    modelType: 'gpt2',
    basePrefix: 'transformer',
    isBaseModel,
    fields: GPT2_CONFIG_FIELDS,
    // Variants of Hugging Face's GPT-2 these models do not compute: refused rather than silently different.
    supported: { add_cross_attention: [false], scale_attn_weights: [true], scale_attn_by_inverse_layer_idx: [false] },
    tied: { 'lm_head.weight': 'transformer.wte.weight' },
    aliases: {},
    positionsField: 'n_positions',
    create,
    configOf,
    configJson: (config, arch) => gpt2ConfigJson(config, arch),
  };
}
