// RoBERTa (Liu et al. 2019) as Hugging Face's RobertaModel, RobertaForMaskedLM and
// RobertaForSequenceClassification: BERT's encoder with positions counted from pad_token_id + 1, an
// LM head (`lm_head.*`, exact GELU whatever hidden_act says) and a classification head on `<s>`.
import { ArgumentError, ShapeError } from '../errors.js';
import type { Var } from '../graph/graph.js';
import * as F from '../graph/ops.js';
import type { FolderSource } from '../io/folder.js';
import { Dropout, Embedding, LayerNorm, Linear } from '../nn/layers.js';
import { Module, normal } from '../nn/module.js';
import {
  type BertConfig,
  type BertForwardOptions,
  type BertInputs,
  type BertModelOptions,
  type GatheredMaskedLMOutput,
  type MaskedLMOutput,
  checkInteger,
  EncoderModel,
  maskedLMForward,
  maskedLMLoss,
  resolveBertConfig,
} from './bert.js';
import {
  type ClassifierConfig,
  type ClassifierOutput,
  type MaskedLMLabels,
  type SequenceLabels,
  type ResolvedClassifierConfig,
  checkForwardOptions,
  checkModelInputs,
  classificationLoss,
  firstToken,
  resolveClassifierConfig,
} from './heads.js';
import { type FromPretrainedOptions, type Pretrained, type PretrainedFormat, loadPretrained } from './pretrained.js';
import { robertaFormat } from './roberta-hf.js';

/** RoBERTa's configuration: BERT's fields and defaults (as Hugging Face's RobertaConfig) plus the special token ids. */
export interface RobertaConfig extends BertConfig {
  /** The padding token (1); also the position padding index: positions run from pad_token_id + 1. */
  pad_token_id?: number;
  /** `<s>` (0). */
  bos_token_id?: number;
  /** `</s>` (2). */
  eos_token_id?: number;
}

/** The inputs of a RoBERTa forward, as graph vars. */
export interface RobertaInputs extends BertInputs {
  /** [B, T] i32 position ids (default pad_token_id + 1 … pad_token_id + T; see `robertaPositionIds` for Hugging Face's exact ones with padding). */
  position_ids?: Var<'i32', 2>;
}

/** A RoBERTa config with every default filled in and every field checked; errors name `op` and the field. */
export function resolveRobertaConfig(config: RobertaConfig, op = 'RobertaConfig'): Required<RobertaConfig> {
  const resolved = resolveBertConfig({ pad_token_id: 1, bos_token_id: 0, eos_token_id: 2, ...config } as RobertaConfig, op) as Required<RobertaConfig>;
  checkInteger(op, 'pad_token_id', resolved.pad_token_id, 0);
  checkInteger(op, 'bos_token_id', resolved.bos_token_id, 0);
  checkInteger(op, 'eos_token_id', resolved.eos_token_id, 0);
  if (resolved.pad_token_id + 1 >= resolved.max_position_embeddings) {
    throw new ArgumentError(
      `${op}: max_position_embeddings ${resolved.max_position_embeddings} leaves no position after pad_token_id ${resolved.pad_token_id} (positions start at pad_token_id + 1)`,
    );
  }
  return resolved;
}

/**
 * Hugging Face's `create_position_ids_from_input_ids` on the CPU: for ids [B, T], each real token gets
 * pad_token_id + (its index among the row's real tokens, from 1), each padding token pad_token_id.
 */
export function robertaPositionIds(inputIds: Int32Array, shape: readonly [number, number], padTokenId = 1): Int32Array {
  const op = 'robertaPositionIds';
  if (!(inputIds instanceof Int32Array)) throw new ArgumentError(`${op}: inputIds must be an Int32Array, got ${typeof inputIds}`);
  const [rows, length] = shape ?? [];
  if (!Number.isSafeInteger(rows) || !Number.isSafeInteger(length) || rows! < 0 || length! < 0 || rows! * length! !== inputIds.length) {
    throw new ShapeError(`${op}: shape must be [B, T] with B·T = ${inputIds.length} ids, got ${JSON.stringify(shape)}`);
  }
  checkInteger(op, 'padTokenId', padTokenId, 0);
  const out = new Int32Array(inputIds.length);
  for (let b = 0; b < rows!; b++) {
    let count = 0;
    for (let t = 0; t < length!; t++) {
      const i = b * length! + t;
      out[i] = inputIds[i] === padTokenId ? padTokenId : padTokenId + ++count;
    }
  }
  return out;
}

/** Word (+ segment) embeddings, LayerNorm, positions from pad_token_id + 1, dropout: `roberta.embeddings.*`, in Hugging Face's order. */
export class RobertaEmbeddings extends Module {
  readonly words: Embedding;
  readonly segments: Embedding | undefined;
  readonly norm: LayerNorm;
  readonly positions: Embedding;
  readonly #dropout: Dropout;

  constructor(
    name: string,
    readonly config: Required<RobertaConfig>,
  ) {
    super(name);
    const init = normal(config.initializer_range);
    this.words = this.child(new Embedding(this.childName('word_embeddings'), config.vocab_size, config.hidden_size, { init }));
    this.segments =
      config.type_vocab_size > 0
        ? this.child(new Embedding(this.childName('token_type_embeddings'), config.type_vocab_size, config.hidden_size, { init }))
        : undefined;
    this.norm = this.child(new LayerNorm(this.childName('LayerNorm'), config.hidden_size, config.layer_norm_eps));
    this.positions = this.child(new Embedding(this.childName('position_embeddings'), config.max_position_embeddings, config.hidden_size, { init }));
    this.#dropout = this.child(new Dropout(config.hidden_dropout_prob));
  }

  /** ids [B, T] → [B, T, hidden]. */
  forward(inputs: RobertaInputs): Var<'f32', 3> {
    const op = 'RobertaEmbeddings.forward';
    checkModelInputs(op, inputs, INPUT_KEYS);
    const { input_ids, token_type_ids, position_ids } = inputs;
    const g = input_ids.graph;
    const length = input_ids.shape[1]!;
    const pad = this.config.pad_token_id;
    let x = this.words.forward(input_ids) as Var<'f32', 3>;
    if (this.segments) x = F.add(x, this.segments.forward(token_type_ids ?? g.constant(new Int32Array(length), [length])));
    const positions = position_ids;
    if (positions === undefined) {
      if (pad + length >= this.config.max_position_embeddings) {
        throw new ShapeError(
          `${op}: a sequence of ${length} tokens needs positions up to ${pad + length}, but max_position_embeddings is ${this.config.max_position_embeddings} (in ${this.name})`,
        );
      }
      // Without position_ids every row counts from pad + 1: Hugging Face's positions for right-padded rows, except on the padding itself.
      x = F.add(
        x,
        this.positions.forward(
          g.constant(
            Int32Array.from({ length }, (_, t) => pad + 1 + t),
            [length],
          ),
        ),
      );
    } else {
      x = F.add(x, this.positions.forward(positions));
    }
    return this.#dropout.forward(this.norm.forward(x));
  }
}

/** Every input a RoBERTa model reads besides input_ids. */
const INPUT_KEYS = ['attention_mask', 'token_type_ids', 'position_ids'];

/** RoBERTa's encoder stack, as Hugging Face's RobertaModel: `roberta.embeddings.*`, `roberta.encoder.layer.{i}.*`, `roberta.pooler.dense`. */
export class RobertaModel extends EncoderModel<Required<RobertaConfig>, RobertaInputs, RobertaEmbeddings> {
  constructor(config: RobertaConfig, options: BertModelOptions = {}) {
    super('RobertaModel', resolveRobertaConfig(config, 'RobertaModel'), (name, c) => new RobertaEmbeddings(name, c), {
      ...options,
      defaultName: 'roberta',
      inputKeys: [...INPUT_KEYS, ...LABEL_KEYS],
    });
  }

  /** How this class maps to a Hugging Face folder: transformers' RobertaModel saves its weights without the `roberta.` prefix. */
  static readonly pretrained: PretrainedFormat<RobertaModel, RobertaConfig> = robertaFormat(
    'RobertaModel',
    true,
    (c: RobertaConfig) => new RobertaModel(c),
    (m) => m.config,
  );

  /** Loads a Hugging Face RoBERTa folder as the bare encoder with its pooler. */
  static fromPretrained(source: FolderSource, options: FromPretrainedOptions): Promise<Pretrained<RobertaModel>> {
    return loadPretrained(RobertaModel.pretrained, source, options);
  }
}

/** Every label input a RoBERTa head reads. */
const LABEL_KEYS = ['labels', 'masked_positions', 'masked_labels'];

/** The masked-LM head, `lm_head.*`: dense, exact GELU (as Hugging Face's, whatever hidden_act is), layer_norm, then the decoder tied to the word embeddings plus `lm_head.bias`. */
export class RobertaLMHead extends Module {
  readonly bias;
  readonly dense: Linear;
  readonly layerNorm: LayerNorm;

  constructor(name: string, config: Required<RobertaConfig>) {
    super(name);
    // The bias first, as Hugging Face's named_parameters() lists it.
    this.bias = this.parameter('bias', [config.vocab_size], { decay: false });
    this.dense = this.child(new Linear(this.childName('dense'), config.hidden_size, config.hidden_size, { init: normal(config.initializer_range) }));
    this.layerNorm = this.child(new LayerNorm(this.childName('layer_norm'), config.hidden_size, config.layer_norm_eps));
  }

  /** Rows [N, hidden] and the word embedding table [V, hidden] → logits [N, V]. */
  forward(rows: Var<'f32', 2>, words: Var<'f32', 2>): Var<'f32', 2> {
    const g = rows.graph;
    return g.scoped(this.name, () => F.linear(this.layerNorm.forward(F.gelu(this.dense.forward(rows))), words, g.param(this.bias) as Var<'f32', 1>));
  }
}

/** RoBERTa's inputs with masked-LM labels in either form. */
export type RobertaMaskedLMInputs = RobertaInputs & MaskedLMLabels;

/** RoBERTa with the masked-LM head, Hugging Face's RobertaForMaskedLM: `roberta.*` (no pooler), `lm_head.*` (decoder tied). */
export class RobertaForMaskedLM extends Module {
  readonly roberta: RobertaModel;
  readonly lmHead: RobertaLMHead;

  constructor(config: RobertaConfig) {
    super('');
    this.roberta = this.child(new RobertaModel(resolveRobertaConfig(config, 'RobertaForMaskedLM'), { addPoolingLayer: false }));
    this.lmHead = this.child(new RobertaLMHead('lm_head', this.roberta.config));
  }

  #head(hidden: Var<'f32', 3>) {
    return (rows: Var<'f32', 2>) => this.lmHead.forward(rows, hidden.graph.param(this.roberta.embeddings.words.weight) as Var<'f32', 2>);
  }

  /**
   * One forward: logits [B, T, V], or [P, V] of the gathered rows when `masked_positions` [P] is given (the
   * head then runs on those rows only); with labels (`labels` [B, T], or `masked_labels` [P]) the loss as
   * `loss()` computes it; on request the hidden states and attention probabilities.
   */
  forward(inputs: RobertaInputs & MaskedLMLabels & { masked_positions: Var<'i32', 1> }, options?: BertForwardOptions): GatheredMaskedLMOutput;
  forward(inputs: RobertaInputs & { labels?: Var<'i32', 2> }, options?: BertForwardOptions): MaskedLMOutput;
  forward(inputs: RobertaMaskedLMInputs, options: BertForwardOptions = {}): MaskedLMOutput | GatheredMaskedLMOutput {
    const op = 'RobertaForMaskedLM.forward';
    checkModelInputs(op, inputs, [...INPUT_KEYS, ...LABEL_KEYS]);
    checkForwardOptions(op, options);
    const { lastHiddenState, ...extra } = this.roberta.forwardWithOutputs(inputs, options);
    const { logits, loss } = maskedLMForward(op, lastHiddenState, inputs, this.#head(lastHiddenState));
    return { logits, ...(loss ? { loss } : {}), ...extra } as MaskedLMOutput | GatheredMaskedLMOutput;
  }

  /** Vocabulary logits [B·T, V] of every position. */
  logits(inputs: RobertaInputs): Var<'f32', 2> {
    const hidden = this.roberta.forward(inputs);
    return this.#head(hidden)(F.reshape(hidden, [-1, this.roberta.config.hidden_size]) as Var<'f32', 2>);
  }

  /** Mean cross-entropy over the labelled positions: labels [B, T] i32 (-100: none), or the gathered masked_positions [P] + masked_labels [P]. */
  loss(inputs: RobertaMaskedLMInputs): Var<'f32', 0> {
    const op = 'RobertaForMaskedLM.loss';
    checkModelInputs(op, inputs, [...INPUT_KEYS, ...LABEL_KEYS]);
    const hidden = this.roberta.forward(inputs);
    return maskedLMLoss(op, hidden, inputs, this.#head(hidden));
  }

  /** How this class maps to a Hugging Face folder (config fields, names, tied decoder); `savePretrained` reads it. */
  static readonly pretrained: PretrainedFormat<RobertaForMaskedLM, RobertaConfig> = robertaFormat(
    'RobertaForMaskedLM',
    false,
    (c: RobertaConfig) => new RobertaForMaskedLM(c),
    (m) => m.roberta.config,
  );

  /** Loads a Hugging Face RoBERTa folder: the model, its parameters, its tokenizer (vocab.json + merges.txt or tokenizer.json) and a loading report. */
  static fromPretrained(source: FolderSource, options: FromPretrainedOptions): Promise<Pretrained<RobertaForMaskedLM>> {
    return loadPretrained(RobertaForMaskedLM.pretrained, source, options);
  }
}

/** Hugging Face's RobertaClassificationHead, `classifier.*`: dropout, dense, tanh, dropout, out_proj on the `<s>` token. */
export class RobertaClassificationHead extends Module {
  readonly dense: Linear;
  readonly outProj: Linear;
  readonly #dropout: Dropout;

  constructor(name: string, config: Required<RobertaConfig>, classifier: ResolvedClassifierConfig) {
    super(name);
    const init = normal(config.initializer_range);
    this.dense = this.child(new Linear(this.childName('dense'), config.hidden_size, config.hidden_size, { init }));
    this.#dropout = this.child(new Dropout(classifier.classifier_dropout ?? config.hidden_dropout_prob));
    this.outProj = this.child(new Linear(this.childName('out_proj'), config.hidden_size, classifier.num_labels, { init }));
  }

  /** hidden [B, T, hidden] → logits [B, num_labels]. */
  forward(hidden: Var<'f32', 3>): Var<'f32', 2> {
    return hidden.graph.scoped(this.name, () => {
      const x = F.tanh(this.dense.forward(this.#dropout.forward(firstToken(hidden))));
      return this.outProj.forward(this.#dropout.forward(x));
    });
  }
}

/** RoBERTa with a sequence classifier on `<s>`, Hugging Face's RobertaForSequenceClassification: `roberta.*` (no pooler), `classifier.dense`, `classifier.out_proj`. */
export class RobertaForSequenceClassification extends Module {
  readonly roberta: RobertaModel;
  readonly classifierConfig: ResolvedClassifierConfig;
  readonly classifier: RobertaClassificationHead;

  constructor(config: RobertaConfig & ClassifierConfig) {
    super('');
    const op = 'RobertaForSequenceClassification';
    this.roberta = this.child(new RobertaModel(resolveRobertaConfig(config, op), { addPoolingLayer: false }));
    this.classifierConfig = resolveClassifierConfig(config, op);
    this.classifier = this.child(new RobertaClassificationHead('classifier', this.roberta.config, this.classifierConfig));
  }

  /** Logits [B, num_labels]; with labels [B] the loss (cross-entropy, or MSE for a regression). */
  forward(inputs: RobertaInputs & { labels?: SequenceLabels }, options: BertForwardOptions = {}): ClassifierOutput<2> {
    const op = 'RobertaForSequenceClassification.forward';
    checkModelInputs(op, inputs, [...INPUT_KEYS, 'labels']);
    checkForwardOptions(op, options);
    const { lastHiddenState, ...extra } = this.roberta.forwardWithOutputs(inputs, options);
    const logits = this.classifier.forward(lastHiddenState);
    const loss = inputs.labels === undefined ? {} : { loss: classificationLoss(op, logits, inputs.labels, this.classifierConfig) };
    return { logits, ...loss, ...extra };
  }

  /** Cross-entropy on i32 labels [B], or the mean squared error on f32 labels [B] when num_labels is 1. */
  loss(inputs: RobertaInputs & { labels: SequenceLabels }): Var<'f32', 0> {
    const op = 'RobertaForSequenceClassification.loss';
    checkModelInputs(op, inputs, INPUT_KEYS, ['labels']);
    return this.forward(inputs).loss!;
  }

  /** How this class maps to a Hugging Face folder (num_labels is read from id2label). */
  static readonly pretrained: PretrainedFormat<RobertaForSequenceClassification, RobertaConfig & ClassifierConfig> = robertaFormat(
    'RobertaForSequenceClassification',
    false,
    (c: RobertaConfig & ClassifierConfig) => new RobertaForSequenceClassification(c),
    (m) => ({ ...m.roberta.config, ...m.classifierConfig }),
    { classifier: true },
  );

  /** Loads a Hugging Face RoBERTa folder with a sequence classifier (from a masked-LM folder the classifier is missing: initialised, listed). */
  static fromPretrained(source: FolderSource, options: FromPretrainedOptions): Promise<Pretrained<RobertaForSequenceClassification>> {
    return loadPretrained(RobertaForSequenceClassification.pretrained, source, options);
  }
}
