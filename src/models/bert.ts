// BERT (Devlin et al. 2018) as Hugging Face's BertForMaskedLM: the same config fields and
// parameter names, so weights map one to one. Reads like the model file it mirrors.
import { ArgumentError, describeNumber, describeValue } from '../errors.js';
import type { Var } from '../graph/graph.js';
import * as F from '../graph/ops.js';
import { Dropout, Embedding, EncoderLayer, LayerNorm, LearnedPositions, Linear } from '../nn/layers.js';
import { Module, normal } from '../nn/module.js';
import type { FolderSource } from '../io/folder.js';
import { bertFormat } from './bert-hf.js';
import {
  type ForwardOptions,
  type MaskedLMLabels,
  checkForwardOptions,
  checkModelInputs,
  firstToken,
  maskedLabelForm,
  maskedRows,
  maskedTargets,
} from './heads.js';
import { type FromPretrainedOptions, type Pretrained, type PretrainedFormat, loadPretrained } from './pretrained.js';

/** BERT's configuration, with Hugging Face's field names and BERT-base defaults. */
export interface BertConfig {
  vocab_size: number;
  /** Model width (768). */
  hidden_size?: number;
  /** Encoder layers (12). */
  num_hidden_layers?: number;
  /** Heads per attention (12). */
  num_attention_heads?: number;
  /** Feed-forward width (3072). */
  intermediate_size?: number;
  /** Feed-forward activation ('gelu', exact; 'gelu_new' and 'gelu_pytorch_tanh' are the tanh form). */
  hidden_act?: HiddenAct;
  /** Dropout after embeddings and sublayers (0.1). */
  hidden_dropout_prob?: number;
  /** Dropout on attention probabilities (0.1). */
  attention_probs_dropout_prob?: number;
  /** Longest sequence (512). */
  max_position_embeddings?: number;
  /** Segment ids (2); 0 leaves the segment embedding out. */
  type_vocab_size?: number;
  /** LayerNorm ε (1e-12). */
  layer_norm_eps?: number;
  /** std of the normal initialiser (0.02). */
  initializer_range?: number;
}

/** The inputs of a BERT forward, as graph vars. */
export interface BertInputs {
  /** [B, T] i32 token ids. */
  input_ids: Var<'i32', 2>;
  /** [B, T] i32, 1 for real tokens and 0 for padding (default: all real). */
  attention_mask?: Var<'i32', 2>;
  /** [B, T] i32 segment ids (default: all 0). */
  token_type_ids?: Var<'i32', 2>;
}

/** What a forward returns besides its main output (Hugging Face's `output_hidden_states`, `output_attentions`). */
export type BertForwardOptions = ForwardOptions;

/** The `hidden_act` values BERT and RoBERTa run, and the activation each one is. */
const HIDDEN_ACTS = { gelu: 'gelu', gelu_new: 'gelu_tanh', gelu_pytorch_tanh: 'gelu_tanh', relu: 'relu' } as const;

/** A supported `hidden_act`: 'gelu' (exact, erf), 'gelu_new' and 'gelu_pytorch_tanh' (the tanh form), 'relu'. */
export type HiddenAct = keyof typeof HIDDEN_ACTS;

/** The encoder activation a (checked) hidden_act runs. */
export function activationOf(hiddenAct: HiddenAct): 'gelu' | 'gelu_tanh' | 'relu' {
  return HIDDEN_ACTS[hiddenAct];
}

/** act(x) for a (checked) hidden_act, as a graph op. */
export function applyActivation<R extends number>(x: Var<'f32', R>, hiddenAct: HiddenAct): Var<'f32', R> {
  const act = activationOf(hiddenAct);
  return act === 'relu' ? F.relu(x) : F.gelu(x, act === 'gelu_tanh' ? 'tanh' : 'none');
}

/** What `BertModel.forwardWithOutputs` returns, as graph vars. */
export interface BertModelOutput {
  /** [B, T, hidden]: the last layer's output (what `forward` returns). */
  lastHiddenState: Var<'f32', 3>;
  /** With `outputHiddenStates`: [B, T, hidden] each, the embeddings' output then every layer's. */
  hiddenStates?: Var<'f32', 3>[];
  /** With `outputAttentions`: [B, H, T, T] per layer. */
  attentions?: Var<'f32', 4>[];
  /** With the pooler: [B, hidden], tanh(dense(first token)). */
  poolerOutput?: Var<'f32', 2>;
}

/** What `BertForMaskedLM.forward` returns, as graph vars. */
export interface MaskedLMOutput {
  /** [B, T, V] vocabulary logits of every position. */
  logits: Var<'f32', 3>;
  /** With labels: the mean cross-entropy over the positions whose label is not -100 (as `loss()`). */
  loss?: Var<'f32', 0>;
  /** With `outputHiddenStates`: the embeddings' output then every layer's, [B, T, hidden] each. */
  hiddenStates?: Var<'f32', 3>[];
  /** With `outputAttentions`: [B, H, T, T] per layer. */
  attentions?: Var<'f32', 4>[];
}

/** What the gathered masked-LM form of a forward returns (`masked_positions` given), as graph vars. */
export interface GatheredMaskedLMOutput {
  /** [P, V] vocabulary logits of the gathered positions only. */
  logits: Var<'f32', 2>;
  /** With masked_labels: the mean cross-entropy over the slots whose label is not -100 (equal to the full form's loss). */
  loss?: Var<'f32', 0>;
  hiddenStates?: Var<'f32', 3>[];
  attentions?: Var<'f32', 4>[];
}

/** A config with every default filled in, every field checked; errors name `op` and the field (`BertForMaskedLM: hidden_size must be …`). */
export function resolveBertConfig(config: BertConfig, op = 'BertConfig'): Required<BertConfig> {
  if (typeof config !== 'object' || config === null) {
    throw new ArgumentError(`${op}: config { vocab_size, … } is required, got ${describeValue(config)}`);
  }
  // An absent field takes its default; one given as undefined (`hidden_size: opts.hidden`, a typo away) is an
  // error below rather than a silent BERT-base size. Fields this model does not read (a Hugging Face
  // config.json has many) are kept and ignored.
  const resolved = { ...BERT_DEFAULTS, ...config } as Required<BertConfig>;
  checkInteger(op, 'vocab_size', resolved.vocab_size, 1);
  for (const field of ['hidden_size', 'num_attention_heads', 'intermediate_size', 'max_position_embeddings'] as const) {
    checkInteger(op, field, resolved[field], 1);
  }
  if (resolved.hidden_size % resolved.num_attention_heads !== 0) {
    throw new ArgumentError(`${op}: hidden_size ${resolved.hidden_size} must be a multiple of num_attention_heads ${resolved.num_attention_heads}`);
  }
  checkInteger(op, 'num_hidden_layers', resolved.num_hidden_layers, 0);
  checkInteger(op, 'type_vocab_size', resolved.type_vocab_size, 0);
  if (typeof resolved.hidden_act !== 'string' || !Object.hasOwn(HIDDEN_ACTS, resolved.hidden_act)) {
    const supported = Object.keys(HIDDEN_ACTS).map((a) => `'${a}'`);
    throw new ArgumentError(`${op}: hidden_act must be one of ${supported.join(', ')} (supported activations), got ${describeValue(resolved.hidden_act)}`);
  }
  for (const field of ['hidden_dropout_prob', 'attention_probs_dropout_prob'] as const) {
    const p = resolved[field];
    if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw new ArgumentError(`${op}: ${field} must be in [0, 1), got ${describeNumber(p)}`);
  }
  const eps = resolved.layer_norm_eps;
  if (typeof eps !== 'number' || !Number.isFinite(eps) || eps < 0)
    throw new ArgumentError(`${op}: layer_norm_eps must be a finite number ≥ 0, got ${describeNumber(eps)}`);
  const range = resolved.initializer_range;
  if (typeof range !== 'number' || !Number.isFinite(range) || range <= 0) {
    throw new ArgumentError(`${op}: initializer_range must be a finite number > 0, got ${describeNumber(range)}`);
  }
  return resolved;
}

const BERT_DEFAULTS: Omit<Required<BertConfig>, 'vocab_size'> = {
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  max_position_embeddings: 512,
  type_vocab_size: 2,
  layer_norm_eps: 1e-12,
  initializer_range: 0.02,
};

/** Throws unless `value` is a safe integer ≥ min, naming `op` and the field. */
export function checkInteger(op: string, field: string, value: unknown, min: number): void {
  if (!Number.isSafeInteger(value) || (value as number) < min) {
    throw new ArgumentError(`${op}: ${field} must be an integer ≥ ${min}, got ${describeNumber(value)}`);
  }
}

/** Throws unless `inputs` holds input_ids (and each of `required`) and, when given, the masks and label vars as graph values. */
function checkInputs(op: string, inputs: BertInputs, required: readonly string[] = []): void {
  checkModelInputs(op, inputs, ['attention_mask', 'token_type_ids', ...LABEL_KEYS], required);
}

/** Every label input a BERT head reads. */
const LABEL_KEYS = ['labels', 'masked_positions', 'masked_labels', 'next_sentence_label', 'start_positions', 'end_positions'];

/** Word + position (+ segment) embeddings, LayerNorm, dropout: `bert.embeddings.*`. */
export class BertEmbeddings extends Module {
  readonly words: Embedding;
  readonly positions: LearnedPositions;
  readonly segments: Embedding | undefined;
  readonly norm: LayerNorm;
  readonly #dropout: Dropout;

  constructor(
    name: string,
    readonly config: Required<BertConfig>,
  ) {
    super(name);
    const init = normal(config.initializer_range);
    this.words = this.child(new Embedding(this.childName('word_embeddings'), config.vocab_size, config.hidden_size, { init }));
    this.positions = this.child(new LearnedPositions(this.childName('position_embeddings'), config.max_position_embeddings, config.hidden_size, { init }));
    this.segments =
      config.type_vocab_size > 0
        ? this.child(new Embedding(this.childName('token_type_embeddings'), config.type_vocab_size, config.hidden_size, { init }))
        : undefined;
    this.norm = this.child(new LayerNorm(this.childName('LayerNorm'), config.hidden_size, config.layer_norm_eps));
    this.#dropout = this.child(new Dropout(config.hidden_dropout_prob));
  }

  /** ids [B, T] → [B, T, hidden]. */
  forward(inputs: BertInputs): Var<'f32', 3> {
    checkInputs('BertEmbeddings.forward', inputs);
    const { input_ids, token_type_ids } = inputs;
    const g = input_ids.graph;
    const length = input_ids.shape[1]!;
    let x = F.add(this.words.forward(input_ids), this.positions.forward(length, g)) as Var<'f32', 3>; // [B, T, hidden] + [T, hidden]
    if (this.segments) {
      // Without segment ids every token is segment 0: one row, added to every position.
      const ids = token_type_ids ?? g.constant(new Int32Array(length), [length]);
      x = F.add(x, this.segments.forward(ids));
    }
    return this.#dropout.forward(this.norm.forward(x));
  }
}

/** The encoder layers, `{prefix}.encoder.layer.{i}.*` (shared by BERT and RoBERTa). */
export class BertEncoder extends Module {
  readonly layers: EncoderLayer[];

  constructor(name: string, config: Required<BertConfig>) {
    super(name);
    this.layers = Array.from({ length: config.num_hidden_layers }, (_, i) =>
      this.child(
        new EncoderLayer(this.childName(`layer.${i}`), {
          hiddenSize: config.hidden_size,
          numHeads: config.num_attention_heads,
          intermediateSize: config.intermediate_size,
          activation: activationOf(config.hidden_act),
          dropout: config.hidden_dropout_prob,
          attentionDropout: config.attention_probs_dropout_prob,
          layerNormEps: config.layer_norm_eps,
          init: normal(config.initializer_range),
        }),
      ),
    );
  }

  /** Embeddings [B, T, hidden] through every layer; on request every layer's hidden states and attention probabilities. */
  forward(x: Var<'f32', 3>, keyMask: Var<'i32', 2> | undefined, options: ForwardOptions = {}): BertModelOutput {
    const hiddenStates = [x];
    const attentions: Var<'f32', 4>[] = [];
    for (const layer of this.layers) {
      if (options.outputAttentions) {
        const result = layer.forwardWithAttentions(x, keyMask);
        x = result.output;
        attentions.push(result.attentions);
      } else {
        x = layer.forward(x, keyMask);
      }
      hiddenStates.push(x);
    }
    return {
      lastHiddenState: x,
      ...(options.outputHiddenStates ? { hiddenStates } : {}),
      ...(options.outputAttentions ? { attentions } : {}),
    };
  }
}

/** The pooler, `{prefix}.pooler.dense`: tanh(dense(first token)), what NSP and sequence classification read. */
export class BertPooler extends Module {
  readonly dense: Linear;

  constructor(name: string, config: Required<BertConfig>) {
    super(name);
    this.dense = this.child(new Linear(this.childName('dense'), config.hidden_size, config.hidden_size, { init: normal(config.initializer_range) }));
  }

  /** hidden [B, T, hidden] → [B, hidden]. */
  forward(hidden: Var<'f32', 3>): Var<'f32', 2> {
    return hidden.graph.scoped(this.name, () => F.tanh(this.dense.forward(firstToken(hidden))));
  }
}

/** Options of `BertModel` and `RobertaModel`. */
export interface BertModelOptions {
  /** Add the pooler (`pooler.dense`), as Hugging Face's base models do (default true; the masked-LM, token and span heads have none). */
  addPoolingLayer?: boolean;
  /** Parameter prefix ('bert'). */
  name?: string;
}

/** Throws unless `options` is an object with a boolean addPoolingLayer and a string name when given. */
function checkModelOptions(op: string, options: BertModelOptions): void {
  if (typeof options !== 'object' || options === null) throw new ArgumentError(`${op}: options must be an object, got ${describeValue(options)}`);
  if (options.addPoolingLayer !== undefined && typeof options.addPoolingLayer !== 'boolean') {
    throw new ArgumentError(`${op}: options.addPoolingLayer must be a boolean, got ${describeValue(options.addPoolingLayer)}`);
  }
  if (options.name !== undefined && typeof options.name !== 'string')
    throw new ArgumentError(`${op}: options.name must be a string, got ${describeValue(options.name)}`);
}

/** The embeddings an encoder model is built on: ids (and what else the model reads) → [B, T, hidden]. */
export interface EmbeddingsModule<I extends BertInputs> extends Module {
  forward(inputs: I): Var<'f32', 3>;
}

/** What BertModel and RobertaModel share: their embeddings (`{name}.embeddings.*`), the encoder layers and, unless left out, the pooler. */
export abstract class EncoderModel<C extends Required<BertConfig>, I extends BertInputs, E extends EmbeddingsModule<I>> extends Module {
  readonly embeddings: E;
  readonly encoder: BertEncoder;
  readonly pooler: BertPooler | undefined;
  readonly #op: string;
  readonly #inputKeys: readonly string[];

  protected constructor(
    op: string,
    readonly config: C,
    embeddings: (name: string, config: C) => E,
    options: BertModelOptions & { defaultName: string; inputKeys: readonly string[] },
  ) {
    checkModelOptions(op, options);
    super(options.name ?? options.defaultName);
    this.#op = op;
    this.#inputKeys = options.inputKeys;
    this.embeddings = this.child(embeddings(this.childName('embeddings'), config));
    this.encoder = this.child(new BertEncoder(this.childName('encoder'), config));
    this.pooler = options.addPoolingLayer === false ? undefined : this.child(new BertPooler(this.childName('pooler'), config));
  }

  /** The encoder layers. */
  get layers(): EncoderLayer[] {
    return this.encoder.layers;
  }

  /** The last hidden states [B, T, hidden]. */
  forward(inputs: I): Var<'f32', 3> {
    checkModelInputs(`${this.#op}.forward`, inputs, this.#inputKeys);
    return this.encoder.forward(this.embeddings.forward(inputs), inputs.attention_mask).lastHiddenState;
  }

  /** The last hidden states, the pooled first token (with a pooler) and, on request, every layer's hidden states and attention probabilities. */
  forwardWithOutputs(inputs: I, options: BertForwardOptions = {}): BertModelOutput {
    const op = `${this.#op}.forwardWithOutputs`;
    checkModelInputs(op, inputs, this.#inputKeys);
    checkForwardOptions(op, options);
    const out = this.encoder.forward(this.embeddings.forward(inputs), inputs.attention_mask, options);
    return this.pooler ? { ...out, poolerOutput: this.pooler.forward(out.lastHiddenState) } : out;
  }
}

/** BERT's encoder stack, as Hugging Face's BertModel: `bert.embeddings.*`, `bert.encoder.layer.{i}.*`, `bert.pooler.dense`. */
export class BertModel extends EncoderModel<Required<BertConfig>, BertInputs, BertEmbeddings> {
  constructor(config: BertConfig, options: BertModelOptions = {}) {
    super('BertModel', resolveBertConfig(config, 'BertModel'), (name, c) => new BertEmbeddings(name, c), {
      ...options,
      defaultName: 'bert',
      inputKeys: ['attention_mask', 'token_type_ids', ...LABEL_KEYS],
    });
  }

  /** How this class maps to a Hugging Face folder: transformers' BertModel saves its weights without the `bert.` prefix. */
  static readonly pretrained: PretrainedFormat<BertModel, BertConfig> = bertFormat(
    'BertModel',
    true,
    (c: BertConfig) => new BertModel(c),
    (m) => m.config,
  );

  /** Loads a Hugging Face BERT folder as the bare encoder with its pooler (a head in it is reported unexpected and skipped). */
  static fromPretrained(source: FolderSource, options: FromPretrainedOptions): Promise<Pretrained<BertModel>> {
    return loadPretrained(BertModel.pretrained, source, options);
  }
}

/** The masked-LM head, `cls.predictions.*`: dense + activation + LayerNorm, then the decoder tied to the word embeddings, plus its own bias. */
export class BertLMPredictionHead extends Module {
  readonly bias;
  readonly transform: Linear;
  readonly transformNorm: LayerNorm;

  constructor(
    name: string,
    readonly config: Required<BertConfig>,
  ) {
    super(name);
    // The bias first, as Hugging Face registers it: `parameters()` then lists names in its named_parameters() order.
    this.bias = this.parameter('bias', [config.vocab_size], { decay: false });
    this.transform = this.child(
      new Linear(this.childName('transform.dense'), config.hidden_size, config.hidden_size, { init: normal(config.initializer_range) }),
    );
    this.transformNorm = this.child(new LayerNorm(this.childName('transform.LayerNorm'), config.hidden_size, config.layer_norm_eps));
  }

  /** Hidden states [B, T, hidden] (or rows [N, hidden]) and the word embedding table [V, hidden] → logits [B·T (or N), V]. */
  forward(hidden: Var<'f32', 3> | Var<'f32', 2>, words: Var<'f32', 2>): Var<'f32', 2> {
    const c = this.config;
    const g = hidden.graph;
    return g.scoped(this.name, () => {
      const h = this.transformNorm.forward(applyActivation(this.transform.forward(hidden as Var<'f32'>), c.hidden_act));
      const rows = F.reshape(h, [-1, c.hidden_size]); // [B·T, hidden]
      return F.linear(rows, words, g.param(this.bias) as Var<'f32', 1>); // [B·T, V], decoder tied to the embeddings
    });
  }
}

/** The masked-LM part of a forward: logits of every position [B, T, V] or of the gathered ones [P, V], and the loss when labelled. */
export function maskedLMForward(
  op: string,
  hidden: Var<'f32', 3>,
  inputs: MaskedLMLabels,
  head: (rows: Var<'f32', 2>) => Var<'f32', 2>,
): { logits: Var<'f32', 3> | Var<'f32', 2>; loss?: Var<'f32', 0> } {
  const form = maskedLabelForm(op, inputs);
  const rows = head(maskedRows(hidden, inputs.masked_positions)); // [B·T, V] or [P, V]
  const targets = maskedTargets(inputs);
  const [batch, length] = hidden.shape as [number, number, number];
  const logits = form === 'gathered' ? rows : (F.reshape(rows, [batch, length, rows.shape[1]!]) as Var<'f32', 3>);
  return targets === undefined ? { logits } : { logits, loss: F.crossEntropy(rows, targets) };
}

/** The masked-LM loss of `inputs` (labels [B, T], or masked_positions + masked_labels), checked to carry one of them. */
export function maskedLMLoss(op: string, hidden: Var<'f32', 3>, inputs: MaskedLMLabels, head: (rows: Var<'f32', 2>) => Var<'f32', 2>): Var<'f32', 0> {
  if (maskedLabelForm(op, inputs) === 'none' || (inputs.masked_positions !== undefined && inputs.masked_labels === undefined)) {
    throw new ArgumentError(`${op}: labels [B, T] i32, or masked_positions [P] with masked_labels [P] (i32), are required`);
  }
  return maskedLMForward(op, hidden, inputs, head).loss!;
}

/** BERT's inputs with masked-LM labels in either form. */
export type BertMaskedLMInputs = BertInputs & MaskedLMLabels;

/** BERT with the masked-LM head (`cls.predictions.*`); parameters in Hugging Face's order and names. */
export class BertForMaskedLM extends Module {
  readonly bert: BertModel;
  readonly head: BertLMPredictionHead;

  constructor(config: BertConfig) {
    super('');
    this.bert = this.child(new BertModel(resolveBertConfig(config, 'BertForMaskedLM'), { addPoolingLayer: false }));
    this.head = this.child(new BertLMPredictionHead('cls.predictions', this.bert.config));
  }

  #head(hidden: Var<'f32', 3>) {
    return (rows: Var<'f32', 2>) => this.head.forward(rows, hidden.graph.param(this.bert.embeddings.words.weight) as Var<'f32', 2>);
  }

  /**
   * One forward: logits [B, T, V], or [P, V] of the gathered rows when `masked_positions` [P] is given (the
   * head then runs on those rows only); with labels (`labels` [B, T], or `masked_labels` [P]) the loss as
   * `loss()` computes it; on request the hidden states and attention probabilities (see `BertForwardOptions`).
   */
  forward(inputs: BertInputs & MaskedLMLabels & { masked_positions: Var<'i32', 1> }, options?: BertForwardOptions): GatheredMaskedLMOutput;
  forward(inputs: BertInputs & { labels?: Var<'i32', 2> }, options?: BertForwardOptions): MaskedLMOutput;
  forward(inputs: BertMaskedLMInputs, options: BertForwardOptions = {}): MaskedLMOutput | GatheredMaskedLMOutput {
    const op = 'BertForMaskedLM.forward';
    checkInputs(op, inputs);
    checkForwardOptions(op, options);
    const { lastHiddenState, ...extra } = this.bert.forwardWithOutputs(inputs, options);
    const { logits, loss } = maskedLMForward(op, lastHiddenState, inputs, this.#head(lastHiddenState));
    return { logits, ...(loss ? { loss } : {}), ...extra } as MaskedLMOutput | GatheredMaskedLMOutput;
  }

  /** Vocabulary logits [B·T, V] of every position. */
  logits(inputs: BertInputs): Var<'f32', 2> {
    checkInputs('BertForMaskedLM.logits', inputs);
    const hidden = this.bert.forward(inputs);
    return this.#head(hidden)(F.reshape(hidden, [-1, this.bert.config.hidden_size]) as Var<'f32', 2>);
  }

  /** Mean cross-entropy over the labelled positions: labels [B, T] i32 (-100: none), or the gathered masked_positions [P] + masked_labels [P]. */
  loss(inputs: BertMaskedLMInputs): Var<'f32', 0> {
    const op = 'BertForMaskedLM.loss';
    checkInputs(op, inputs);
    const hidden = this.bert.forward(inputs);
    return maskedLMLoss(op, hidden, inputs, this.#head(hidden));
  }

  /** How this class maps to a Hugging Face folder (config fields, names, tied weights); `savePretrained` reads it. */
  static readonly pretrained: PretrainedFormat<BertForMaskedLM, BertConfig> = bertFormat(
    'BertForMaskedLM',
    false,
    (c: BertConfig) => new BertForMaskedLM(c),
    (m) => m.bert.config,
  );

  /** Loads a Hugging Face BERT folder (URL, dropped files, file map or Node directory): the model, its parameters (never drawn first), its tokenizer and a loading report. */
  static fromPretrained(source: FolderSource, options: FromPretrainedOptions): Promise<Pretrained<BertForMaskedLM>> {
    return loadPretrained(BertForMaskedLM.pretrained, source, options);
  }
}
