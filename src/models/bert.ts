// BERT (Devlin et al. 2018) as Hugging Face's BertForMaskedLM: the same config fields and
// parameter names, so weights map one to one. Reads like the model file it mirrors.
import { ArgumentError, describeNumber, describeValue } from '../errors.js';
import { type Var, checkVar } from '../graph/graph.js';
import * as F from '../graph/ops.js';
import { Dropout, Embedding, EncoderLayer, LayerNorm, LearnedPositions, Linear } from '../nn/layers.js';
import { Module, normal } from '../nn/module.js';
import type { FolderSource } from '../io/folder.js';
import { bertFormat } from './bert-hf.js';
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
  /** Feed-forward activation ('gelu', exact). */
  hidden_act?: 'gelu' | 'gelu_new' | 'relu';
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
export interface BertForwardOptions {
  /** Also return the hidden states: the embeddings' output, then each layer's (num_hidden_layers + 1 entries). */
  outputHiddenStates?: boolean;
  /** Also return each layer's attention probabilities [B, H, T, T] (after masking and softmax; padded keys 0). */
  outputAttentions?: boolean;
}

/** What `BertModel.forwardWithOutputs` returns, as graph vars. */
export interface BertModelOutput {
  /** [B, T, hidden]: the last layer's output (what `forward` returns). */
  lastHiddenState: Var<'f32', 3>;
  /** With `outputHiddenStates`: [B, T, hidden] each, the embeddings' output then every layer's. */
  hiddenStates?: Var<'f32', 3>[];
  /** With `outputAttentions`: [B, H, T, T] per layer. */
  attentions?: Var<'f32', 4>[];
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

/** Throws unless `options` is an object whose output flags, when set, are booleans. */
function checkForwardOptions(op: string, options: BertForwardOptions): void {
  if (typeof options !== 'object' || options === null) throw new ArgumentError(`${op}: options must be an object, got ${describeValue(options)}`);
  for (const key of ['outputHiddenStates', 'outputAttentions'] as const) {
    const value = options[key];
    if (value !== undefined && typeof value !== 'boolean') throw new ArgumentError(`${op}: options.${key} must be a boolean, got ${describeValue(value)}`);
  }
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
  if (!['gelu', 'gelu_new', 'relu'].includes(resolved.hidden_act)) {
    throw new ArgumentError(`${op}: hidden_act must be 'gelu', 'gelu_new' or 'relu', got ${describeValue(resolved.hidden_act)}`);
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

function checkInteger(op: string, field: string, value: unknown, min: number): void {
  if (!Number.isSafeInteger(value) || (value as number) < min) {
    throw new ArgumentError(`${op}: ${field} must be an integer ≥ ${min}, got ${describeNumber(value)}`);
  }
}

/** Throws unless `inputs` holds input_ids (and each of `required`) and, when given, the masks as graph values. */
function checkInputs(op: string, inputs: BertInputs, required: readonly string[] = []): void {
  if (typeof inputs !== 'object' || inputs === null) throw new ArgumentError(`${op}: inputs { input_ids, … } are required, got ${describeValue(inputs)}`);
  checkVar(op, 'input_ids', inputs.input_ids);
  for (const key of ['attention_mask', 'token_type_ids', ...required]) {
    const value = (inputs as unknown as Record<string, unknown>)[key];
    if (value !== undefined || required.includes(key)) checkVar(op, key, value);
  }
}

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

/** BERT's encoder stack: `bert.embeddings.*`, `bert.encoder.layer.{i}.*`. */
export class BertModel extends Module {
  readonly config: Required<BertConfig>;
  readonly embeddings: BertEmbeddings;
  readonly layers: EncoderLayer[];

  constructor(config: BertConfig, name = 'bert') {
    super(name);
    this.config = resolveBertConfig(config, 'BertModel');
    const c = this.config;
    this.embeddings = this.child(new BertEmbeddings(this.childName('embeddings'), c));
    this.layers = Array.from({ length: c.num_hidden_layers }, (_, i) =>
      this.child(
        new EncoderLayer(this.childName(`encoder.layer.${i}`), {
          hiddenSize: c.hidden_size,
          numHeads: c.num_attention_heads,
          intermediateSize: c.intermediate_size,
          activation: c.hidden_act === 'gelu_new' ? 'gelu_tanh' : c.hidden_act,
          dropout: c.hidden_dropout_prob,
          attentionDropout: c.attention_probs_dropout_prob,
          layerNormEps: c.layer_norm_eps,
          init: normal(c.initializer_range),
        }),
      ),
    );
  }

  /** The last hidden states [B, T, hidden]. */
  forward(inputs: BertInputs): Var<'f32', 3> {
    checkInputs('BertModel.forward', inputs);
    let x = this.embeddings.forward(inputs);
    for (const layer of this.layers) x = layer.forward(x, inputs.attention_mask);
    return x;
  }

  /** The last hidden states and, on request, every layer's hidden states and attention probabilities. */
  forwardWithOutputs(inputs: BertInputs, options: BertForwardOptions = {}): BertModelOutput {
    const op = 'BertModel.forwardWithOutputs';
    checkInputs(op, inputs);
    checkForwardOptions(op, options);
    let x = this.embeddings.forward(inputs);
    const hiddenStates = [x];
    const attentions: Var<'f32', 4>[] = [];
    for (const layer of this.layers) {
      if (options.outputAttentions) {
        const result = layer.forwardWithAttentions(x, inputs.attention_mask);
        x = result.output;
        attentions.push(result.attentions);
      } else {
        x = layer.forward(x, inputs.attention_mask);
      }
      hiddenStates.push(x);
    }
    return {
      lastHiddenState: x,
      ...(options.outputHiddenStates ? { hiddenStates } : {}),
      ...(options.outputAttentions ? { attentions } : {}),
    };
  }

  /** How this class maps to a Hugging Face folder: transformers' BertModel saves its weights without the `bert.` prefix. */
  static readonly pretrained: PretrainedFormat<BertModel, BertConfig> = bertFormat(
    'BertModel',
    true,
    (c: BertConfig) => new BertModel(c),
    (m) => m.config,
  );

  /** Loads a Hugging Face BERT folder as the bare encoder (a masked-LM head in it is reported unexpected and skipped). */
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

  /** Hidden states [B, T, hidden] and the word embedding table [V, hidden] → logits [B·T, V]. */
  forward(hidden: Var<'f32', 3>, words: Var<'f32', 2>): Var<'f32', 2> {
    const c = this.config;
    const g = hidden.graph;
    return g.scoped(this.name, () => {
      const act = c.hidden_act === 'relu' ? F.relu : (x: Var<'f32', 3>) => F.gelu(x, c.hidden_act === 'gelu_new' ? 'tanh' : 'none');
      const h = this.transformNorm.forward(act(this.transform.forward(hidden)));
      const rows = F.reshape(h, [-1, c.hidden_size]); // [B·T, hidden]
      return F.linear(rows, words, g.param(this.bias) as Var<'f32', 1>); // [B·T, V], decoder tied to the embeddings
    });
  }
}

/** BERT with the masked-LM head (`cls.predictions.*`); parameters in Hugging Face's order and names. */
export class BertForMaskedLM extends Module {
  readonly bert: BertModel;
  readonly head: BertLMPredictionHead;

  constructor(config: BertConfig) {
    super('');
    this.bert = this.child(new BertModel(resolveBertConfig(config, 'BertForMaskedLM')));
    this.head = this.child(new BertLMPredictionHead('cls.predictions', this.bert.config));
  }

  /**
   * One forward: logits [B, T, V]; with `labels` [B, T] i32 the loss as `loss()` computes it; on
   * request the hidden states and attention probabilities (see `BertForwardOptions`).
   */
  forward(inputs: BertInputs & { labels?: Var<'i32', 2> }, options: BertForwardOptions = {}): MaskedLMOutput {
    const op = 'BertForMaskedLM.forward';
    checkInputs(op, inputs, inputs?.labels === undefined ? [] : ['labels']);
    checkForwardOptions(op, options);
    const { lastHiddenState, ...extra } = this.bert.forwardWithOutputs(inputs, options);
    const rows = this.head.forward(lastHiddenState, lastHiddenState.graph.param(this.bert.embeddings.words.weight) as Var<'f32', 2>); // [B·T, V]
    const [batch, length] = inputs.input_ids.shape as [number, number];
    const logits = F.reshape(rows, [batch, length, this.bert.config.vocab_size]) as Var<'f32', 3>;
    const loss = inputs.labels === undefined ? {} : { loss: F.crossEntropy(rows, F.reshape(inputs.labels, [-1]) as Var<'i32', 1>) };
    return { logits, ...loss, ...extra };
  }

  /** Vocabulary logits [B·T, V] of every position. */
  logits(inputs: BertInputs): Var<'f32', 2> {
    checkInputs('BertForMaskedLM.logits', inputs);
    const hidden = this.bert.forward(inputs);
    return this.head.forward(hidden, hidden.graph.param(this.bert.embeddings.words.weight) as Var<'f32', 2>);
  }

  /** Mean cross-entropy over the positions whose label is not -100 (labels [B, T] i32). */
  loss(inputs: BertInputs & { labels: Var<'i32', 2> }): Var<'f32', 0> {
    checkInputs('BertForMaskedLM.loss', inputs, ['labels']);
    const labels = F.reshape(inputs.labels, [-1]) as Var<'i32', 1>;
    return F.crossEntropy(this.logits(inputs), labels);
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
