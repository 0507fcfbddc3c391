// GPT-2 (Radford et al. 2019) as Hugging Face's GPT2Model and GPT2LMHeadModel: a decoder-only
// Transformer with learned positions, pre-LN blocks (causal self-attention, then an MLP), a final
// LayerNorm and the output projection tied to the token embeddings. Config fields and parameter
// names are Hugging Face's, so a GPT-2 folder maps one to one. Reads like the model file it mirrors.
import { ArgumentError, ShapeError, describeNumber, describeValue } from '../errors.js';
import type { Initializer, Parameter, Var } from '../graph/graph.js';
import { checkVar } from '../graph/graph.js';
import * as F from '../graph/ops.js';
import type { FolderSource } from '../io/folder.js';
import { type AttentionCache, type CacheSlots, Dropout, Embedding, LayerNorm, writeSlot } from '../nn/layers.js';
import { Module, normal } from '../nn/module.js';
import { type HiddenAct, applyActivation, checkInteger } from './bert.js';
import { gpt2Format } from './gpt2-hf.js';
import { checkModelInputs } from './heads.js';
import { type FromPretrainedOptions, type Pretrained, type PretrainedFormat, loadPretrained } from './pretrained.js';
import type { DecodeStepOutput } from './transformer.js';

/** The `activation_function` values GPT-2 runs: 'gelu_new' and 'gelu_pytorch_tanh' (the tanh GELU), 'gelu' (exact), 'relu'. */
export type GPT2Activation = 'gelu_new' | 'gelu_pytorch_tanh' | 'gelu' | 'relu';

const ACTIVATIONS: readonly GPT2Activation[] = ['gelu_new', 'gelu_pytorch_tanh', 'gelu', 'relu'];

/** GPT-2's configuration, with Hugging Face's field names and GPT-2 small's defaults. */
export interface GPT2Config {
  /** Vocabulary size (50257). */
  vocab_size?: number;
  /** Longest sequence: rows of the position table (1024). */
  n_positions?: number;
  /** Model width (768). */
  n_embd?: number;
  /** Blocks (12). */
  n_layer?: number;
  /** Heads per attention (12). */
  n_head?: number;
  /** MLP width (null: 4·n_embd). */
  n_inner?: number | null;
  /** MLP activation ('gelu_new', the tanh GELU). */
  activation_function?: GPT2Activation;
  /** Dropout after each block's attention and MLP (0.1). */
  resid_pdrop?: number;
  /** Dropout on the embeddings' sum (0.1). */
  embd_pdrop?: number;
  /** Dropout on the attention probabilities (0.1). */
  attn_pdrop?: number;
  /** LayerNorm ε (1e-5). */
  layer_norm_epsilon?: number;
  /** std of the normal initialiser (0.02). */
  initializer_range?: number;
  /** `<|endoftext|>` as the start token (50256). */
  bos_token_id?: number;
  /** `<|endoftext|>` as the end token (50256): generation stops there by default. */
  eos_token_id?: number;
}

/** A GPT-2 config with every default filled in (`n_inner` stays null when unset, as Hugging Face keeps it). */
export type ResolvedGPT2Config = Required<Omit<GPT2Config, 'n_inner'>> & { n_inner: number | null };

const GPT2_DEFAULTS: ResolvedGPT2Config = {
  vocab_size: 50257,
  n_positions: 1024,
  n_embd: 768,
  n_layer: 12,
  n_head: 12,
  n_inner: null,
  activation_function: 'gelu_new',
  resid_pdrop: 0.1,
  embd_pdrop: 0.1,
  attn_pdrop: 0.1,
  layer_norm_epsilon: 1e-5,
  initializer_range: 0.02,
  bos_token_id: 50256,
  eos_token_id: 50256,
};

/** A config with every default filled in and every field checked; errors name `op` and the field (`GPT2LMHeadModel: n_embd must be …`). */
export function resolveGPT2Config(config: GPT2Config = {}, op = 'GPT2Config'): ResolvedGPT2Config {
  if (typeof config !== 'object' || config === null) throw new ArgumentError(`${op}: config must be an object of GPT-2 fields, got ${describeValue(config)}`);
  // An absent field takes its default; one given as undefined is an error below rather than a silent GPT-2-small size.
  const resolved = { ...GPT2_DEFAULTS, ...config } as ResolvedGPT2Config;
  for (const field of ['vocab_size', 'n_positions', 'n_embd', 'n_head'] as const) checkInteger(op, field, resolved[field], 1);
  checkInteger(op, 'n_layer', resolved.n_layer, 0);
  if (resolved.n_embd % resolved.n_head !== 0) throw new ArgumentError(`${op}: n_embd ${resolved.n_embd} must be a multiple of n_head ${resolved.n_head}`);
  if (resolved.n_inner !== null) checkInteger(op, 'n_inner', resolved.n_inner, 1);
  if (!ACTIVATIONS.includes(resolved.activation_function)) {
    throw new ArgumentError(
      `${op}: activation_function must be one of ${ACTIVATIONS.map((a) => `'${a}'`).join(', ')} (supported activations), got ${describeValue(resolved.activation_function)}`,
    );
  }
  for (const field of ['resid_pdrop', 'embd_pdrop', 'attn_pdrop'] as const) {
    const p = resolved[field];
    if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw new ArgumentError(`${op}: ${field} must be in [0, 1), got ${describeNumber(p)}`);
  }
  const eps = resolved.layer_norm_epsilon;
  if (typeof eps !== 'number' || !Number.isFinite(eps) || eps < 0)
    throw new ArgumentError(`${op}: layer_norm_epsilon must be a finite number ≥ 0, got ${describeNumber(eps)}`);
  const range = resolved.initializer_range;
  if (typeof range !== 'number' || !Number.isFinite(range) || range <= 0)
    throw new ArgumentError(`${op}: initializer_range must be a finite number > 0, got ${describeNumber(range)}`);
  // Outside the vocabulary is allowed (transformers only warns): such an end token is never generated.
  checkInteger(op, 'bos_token_id', resolved.bos_token_id, 0);
  checkInteger(op, 'eos_token_id', resolved.eos_token_id, 0);
  return resolved;
}

/** The inputs of a GPT-2 forward, as graph vars. */
export interface GPT2Inputs {
  /** [B, T] i32 token ids. */
  input_ids: Var<'i32', 2>;
  /** [B, P + T] i32 (P cached positions), 1 for real tokens and 0 for padding (default: all real). */
  attention_mask?: Var<'i32', 2>;
  /** [B, T] i32 positions (default P … P + T − 1; left-padded rows count from their first real token). Ids outside [0, n_positions) read zero rows. */
  position_ids?: Var<'i32', 2>;
}

/** What `GPT2Model.forwardWithCaches` returns, as graph vars. */
export interface GPT2ModelOutput {
  /** [B, T, n_embd] after the final LayerNorm. */
  lastHiddenState: Var<'f32', 3>;
  /** Per block, the keys and values of the past and these positions, [B, H, P + T, Dh] (Hugging Face's `past_key_values`). */
  caches: AttentionCache[];
}

/** Hugging Face's Conv1D: y = x·W + b with W [in, out] (the transpose of `Linear`'s, as GPT-2's checkpoints store it) and b [out]. */
export class Conv1D extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter;

  constructor(
    name: string,
    readonly inFeatures: number,
    readonly outFeatures: number,
    init: Initializer,
  ) {
    super(name);
    checkInteger('Conv1D', 'inFeatures', inFeatures, 1);
    checkInteger('Conv1D', 'outFeatures', outFeatures, 1);
    this.weight = this.parameter('weight', [inFeatures, outFeatures], { init });
    this.bias = this.parameter('bias', [outFeatures], { decay: false });
  }

  /** [..., in] → [..., out]. */
  forward<R extends number>(x: Var<'f32', R>): Var<'f32', R> {
    checkVar('Conv1D.forward', 'x', x);
    const g = x.graph;
    // W is already [in, out]: no transpose; the bias rides in the matmul.
    return g.scoped(this.name, () => F.matmul(x, g.param(this.weight), { bias: g.param(this.bias) as Var<'f32', 1> }));
  }
}

/** The normal(0, initializer_range) initialiser, and GPT-2's scaled one for each residual projection (`c_proj`): std / √(2·n_layer). */
function initializers(config: ResolvedGPT2Config): { init: Initializer; residual: Initializer } {
  const std = config.initializer_range;
  return { init: normal(std), residual: normal(std / Math.sqrt(2 * Math.max(config.n_layer, 1))) };
}

/** Causal multi-head self-attention with GPT-2's names: `attn.c_attn` (q, k, v fused) and `attn.c_proj`. */
export class GPT2Attention extends Module {
  readonly cAttn: Conv1D;
  readonly cProj: Conv1D;
  readonly #dropout: Dropout;

  constructor(
    name: string,
    readonly config: ResolvedGPT2Config,
  ) {
    super(name);
    const { init, residual } = initializers(config);
    this.cAttn = this.child(new Conv1D(this.childName('c_attn'), config.n_embd, 3 * config.n_embd, init));
    this.cProj = this.child(new Conv1D(this.childName('c_proj'), config.n_embd, config.n_embd, residual));
    this.#dropout = this.child(new Dropout(config.resid_pdrop));
  }

  /**
   * x [B, T, n_embd] → the output and the keys and values of the past plus these positions. Without
   * `past`, position i attends to positions ≤ i; with it, x is one position and attends to every
   * cached one and itself. `keyMask` [B, P + T] marks the real keys. With `slots`, `past` is
   * fixed-size: this position's keys and values go into its slot and `slots.keyMask` is the mask.
   */
  forward(x: Var<'f32', 3>, past?: AttentionCache, keyMask?: Var<'i32', 2>, slots?: CacheSlots): { output: Var<'f32', 3>; cache: AttentionCache } {
    const { n_embd: d, n_head: heads } = this.config;
    return x.graph.scoped(this.name, () => {
      const qkv = this.cAttn.forward(x); // [B, T, 3·d]
      const q = splitHeads(F.slice(qkv, 2, 0, d), heads);
      const k = splitHeads(F.slice(qkv, 2, d, d), heads);
      const v = splitHeads(F.slice(qkv, 2, 2 * d, d), heads);
      const own = { key: k, value: v };
      const cache = slots && past ? writeSlot(past, own, slots) : past ? { key: F.concat(past.key, k, 2), value: F.concat(past.value, v, 2) } : own;
      const mask = slots ? slots.keyMask : keyMask;
      // The fused kernel's causal mask is aligned to the first key, so a single new position after a
      // cache runs unmasked: it may see every earlier position anyway.
      const attended = F.attention(q, cache.key, cache.value, {
        causal: past === undefined,
        ...(mask ? { keyMask: mask } : {}),
        dropout: this.training ? this.config.attn_pdrop : 0,
      });
      return { output: this.#dropout.forward(this.cProj.forward(mergeHeads(attended))), cache };
    });
  }
}

/** [B, T, H·Dh] → [B, H, T, Dh]. */
function splitHeads(x: Var<'f32', 3>, heads: number): Var<'f32', 4> {
  const [batch, length, width] = x.shape as [number, number, number];
  return F.transpose(F.reshape(x, [batch, length, heads, width / heads]), [0, 2, 1, 3]);
}

/** [B, H, T, Dh] → [B, T, H·Dh]. */
function mergeHeads(x: Var<'f32', 4>): Var<'f32', 3> {
  const [batch, heads, length, dh] = x.shape as [number, number, number, number];
  return F.reshape(F.transpose(x, [0, 2, 1, 3]), [batch, length, heads * dh]);
}

/** GPT-2's MLP, `mlp.c_fc` [n_embd, n_inner] then `mlp.c_proj` [n_inner, n_embd], with the activation between and dropout after. */
export class GPT2MLP extends Module {
  readonly cFc: Conv1D;
  readonly cProj: Conv1D;
  readonly #dropout: Dropout;

  constructor(
    name: string,
    readonly config: ResolvedGPT2Config,
  ) {
    super(name);
    const { init, residual } = initializers(config);
    const inner = config.n_inner ?? 4 * config.n_embd;
    this.cFc = this.child(new Conv1D(this.childName('c_fc'), config.n_embd, inner, init));
    this.cProj = this.child(new Conv1D(this.childName('c_proj'), inner, config.n_embd, residual));
    this.#dropout = this.child(new Dropout(config.resid_pdrop));
  }

  /** [..., n_embd] → [..., n_embd]. */
  forward(x: Var<'f32', 3>): Var<'f32', 3> {
    const act = applyActivation(this.cFc.forward(x), this.config.activation_function as HiddenAct);
    return this.#dropout.forward(this.cProj.forward(act));
  }
}

/** One pre-LN block, `h.{i}.*`: x + attn(ln_1(x)), then + mlp(ln_2(·)). */
export class GPT2Block extends Module {
  readonly ln1: LayerNorm;
  readonly attn: GPT2Attention;
  readonly ln2: LayerNorm;
  readonly mlp: GPT2MLP;

  constructor(
    name: string,
    readonly config: ResolvedGPT2Config,
  ) {
    super(name);
    this.ln1 = this.child(new LayerNorm(this.childName('ln_1'), config.n_embd, config.layer_norm_epsilon));
    this.attn = this.child(new GPT2Attention(this.childName('attn'), config));
    this.ln2 = this.child(new LayerNorm(this.childName('ln_2'), config.n_embd, config.layer_norm_epsilon));
    this.mlp = this.child(new GPT2MLP(this.childName('mlp'), config));
  }

  /** x [B, T, n_embd] → the block's output and its attention's grown cache (see `GPT2Attention.forward`). */
  forward(x: Var<'f32', 3>, past?: AttentionCache, keyMask?: Var<'i32', 2>, slots?: CacheSlots): { output: Var<'f32', 3>; cache: AttentionCache } {
    const attended = this.attn.forward(this.ln1.forward(x), past, keyMask, slots);
    const h = F.add(x, attended.output);
    return { output: F.add(h, this.mlp.forward(this.ln2.forward(h))), cache: attended.cache };
  }
}

/** GPT-2's decoder stack, as Hugging Face's GPT2Model: `transformer.wte`, `transformer.wpe`, `transformer.h.{i}.*`, `transformer.ln_f`. */
export class GPT2Model extends Module {
  readonly config: ResolvedGPT2Config;
  readonly wte: Embedding;
  readonly wpe: Embedding;
  readonly h: GPT2Block[];
  readonly lnF: LayerNorm;
  readonly #dropout: Dropout;

  constructor(config: GPT2Config = {}, name = 'transformer') {
    super(name);
    const c = resolveGPT2Config(config, 'GPT2Model');
    this.config = c;
    const { init } = initializers(c);
    this.wte = this.child(new Embedding(this.childName('wte'), c.vocab_size, c.n_embd, { init }));
    this.wpe = this.child(new Embedding(this.childName('wpe'), c.n_positions, c.n_embd, { init }));
    this.#dropout = this.child(new Dropout(c.embd_pdrop));
    this.h = Array.from({ length: c.n_layer }, (_, i) => this.child(new GPT2Block(this.childName(`h.${i}`), c)));
    this.lnF = this.child(new LayerNorm(this.childName('ln_f'), c.n_embd, c.layer_norm_epsilon));
  }

  /** The last hidden states [B, T, n_embd]. */
  forward(inputs: GPT2Inputs): Var<'f32', 3> {
    return this.#forward('GPT2Model.forward', inputs, undefined, []).lastHiddenState;
  }

  /**
   * The last hidden states and every block's keys and values. Without `past`, positions attend
   * causally to each other; with the caches of P earlier positions, input_ids must be one position
   * [B, 1], which attends to all of them (incremental decoding).
   */
  forwardWithCaches(inputs: GPT2Inputs, past?: readonly AttentionCache[]): GPT2ModelOutput {
    return this.#forward('GPT2Model.forwardWithCaches', inputs, past, []);
  }

  /** @internal The forward with `op` in its errors; `extraKeys` are the input keys a head reads (labels). */
  forwardFor(op: string, inputs: GPT2Inputs, past: readonly AttentionCache[] | undefined, extraKeys: readonly string[], slots?: CacheSlots): GPT2ModelOutput {
    return this.#forward(op, inputs, past, extraKeys, slots);
  }

  #forward(op: string, inputs: GPT2Inputs, past: readonly AttentionCache[] | undefined, extraKeys: readonly string[], slots?: CacheSlots): GPT2ModelOutput {
    checkModelInputs(op, inputs, ['attention_mask', 'position_ids', ...extraKeys]);
    const { input_ids: ids, attention_mask: mask, position_ids: positions } = inputs;
    const { n_positions: maxPositions, n_embd: d } = this.config;
    if (ids.rank !== 2) throw new ShapeError(`${op}: input_ids must be [B, T], got ${ids.describe()}`);
    const [batch, length] = ids.shape as [number, number];
    if (past !== undefined && (!Array.isArray(past) || past.length !== this.h.length))
      throw new ArgumentError(`${op}: past must hold one cache per block (${this.h.length}), got ${describeValue(past)}`);
    // Fixed-size caches hold this position's slot too.
    const pastLength = (past?.[0]?.key.shape[2] ?? 0) - (slots ? 1 : 0);
    if (slots && !past) throw new ArgumentError(`${op}: slots need the fixed-size caches as past`);
    if (past !== undefined && length !== 1) throw new ShapeError(`${op}: with past caches input_ids must be one position [B, 1], got ${ids.describe()}`);
    if (pastLength + length > maxPositions) {
      throw new ShapeError(
        `${op}: a sequence of ${pastLength + length} tokens is longer than the model's ${maxPositions} positions (config.n_positions), for input_ids ${ids.describe()}${pastLength ? ` after ${pastLength} cached` : ''}`,
      );
    }
    if (mask !== undefined && (mask.rank !== 2 || mask.shape[0] !== batch || mask.shape[1] !== pastLength + length))
      throw new ShapeError(`${op}: attention_mask must be [${batch}, ${pastLength + length}] (past and new positions), got ${mask.describe()}`);
    if (positions !== undefined && (positions.rank !== 2 || positions.shape[0] !== batch || positions.shape[1] !== length))
      throw new ShapeError(`${op}: position_ids must be shaped like input_ids ${ids.describe()}, got ${positions.describe()}`);
    const g = ids.graph;
    const positionIds =
      positions ??
      g.constant(
        Int32Array.from({ length }, (_, t) => pastLength + t),
        [length],
      );
    const embedded = F.add(this.wte.forward(ids) as Var<'f32', 3>, this.wpe.forward(positionIds));
    let x = this.#dropout.forward(F.reshape(embedded, [batch, length, d]) as Var<'f32', 3>);
    const caches: AttentionCache[] = [];
    this.h.forEach((block, i) => {
      const step = block.forward(x, past?.[i], mask, slots);
      x = step.output;
      caches.push(step.cache);
    });
    return { lastHiddenState: this.lnF.forward(x), caches };
  }

  /** How this class maps to a Hugging Face folder: transformers' GPT2Model saves its weights without the `transformer.` prefix. */
  static readonly pretrained: PretrainedFormat<GPT2Model, GPT2Config> = gpt2Format(
    'GPT2Model',
    true,
    (c: GPT2Config) => new GPT2Model(c),
    (m) => m.config,
  );

  /** Loads a Hugging Face GPT-2 folder as the bare decoder stack (an `lm_head.weight` in it is a tied copy). */
  static fromPretrained(source: FolderSource, options: FromPretrainedOptions): Promise<Pretrained<GPT2Model>> {
    return loadPretrained(GPT2Model.pretrained, source, options);
  }
}

/** The inputs of a GPT-2 LM forward: the model's, and labels for the loss. */
export interface GPT2LMInputs extends GPT2Inputs {
  /** [B, T] i32: the tokens themselves (usually input_ids), -100 where none; the logits at t are scored against labels at t + 1. */
  labels?: Var<'i32', 2>;
}

/** What `GPT2LMHeadModel.forward` returns, as graph vars. */
export interface CausalLMOutput {
  /** [B, T, V] next-token logits at every position. */
  logits: Var<'f32', 3>;
  /** With labels: the mean cross-entropy of logits[:, :-1] against labels[:, 1:] over labels ≠ -100. */
  loss?: Var<'f32', 0>;
}

/** GPT-2 with the LM head, Hugging Face's GPT2LMHeadModel: `transformer.*`, and `lm_head` tied to `transformer.wte` (no parameter of its own). */
export class GPT2LMHeadModel extends Module {
  readonly transformer: GPT2Model;

  constructor(config: GPT2Config = {}) {
    super('');
    this.transformer = this.child(new GPT2Model(resolveGPT2Config(config, 'GPT2LMHeadModel')));
  }

  /** The resolved config. */
  get config(): ResolvedGPT2Config {
    return this.transformer.config;
  }

  /** Hidden states [..., n_embd] → logits [..., V] = h·wteᵀ (the tied lm_head). */
  project<R extends number>(hidden: Var<'f32', R>): Var<'f32', R> {
    checkVar('GPT2LMHeadModel.project', 'hidden', hidden);
    const g = hidden.graph;
    return g.scoped('lm_head', () => F.matmul(hidden, g.param(this.transformer.wte.weight), { transposeB: true }));
  }

  /** Logits [B, T, V]; with labels [B, T] the causal-LM loss, shifted inside as Hugging Face's (the logits at t predict labels at t + 1). */
  forward(inputs: GPT2LMInputs): CausalLMOutput {
    const op = 'GPT2LMHeadModel.forward';
    const hidden = this.transformer.forwardFor(op, inputs, undefined, ['labels']).lastHiddenState;
    const logits = this.project(hidden);
    const { labels, input_ids: ids } = inputs;
    if (labels === undefined) return { logits };
    if (labels.shape.join() !== ids.shape.join()) throw new ShapeError(`${op}: labels ${labels.describe()} must be shaped like input_ids ${ids.describe()}`);
    const length = ids.shape[1]!;
    if (length < 2)
      throw new ShapeError(`${op}: the loss needs at least 2 positions (the logits at t predict the label at t + 1), got labels ${labels.describe()}`);
    const shifted = F.reshape(F.slice(logits, 1, 0, length - 1), [-1, this.config.vocab_size]) as Var<'f32', 2>;
    const targets = F.reshape(F.slice(labels, 1, 1, length - 1), [-1]) as Var<'i32', 1>;
    return { logits, loss: F.crossEntropy(shifted, targets, { ignoreIndex: -100 }) };
  }

  /**
   * One incremental decoding step: ids [B, 1] of the token at `position` (0 for the first, with no past),
   * the caches of the `position` earlier tokens → the next-token logits [B, V] and the caches grown by
   * one. `attention_mask` [B, position + 1] marks real tokens (left padding), `position_ids` [B, 1]
   * overrides the position row (default `position`). Gives what `forward` gives at that position (eval mode).
   */
  decodeStep(
    ids: Var<'i32', 2>,
    position: number,
    past: readonly AttentionCache[] | undefined,
    masks: { attention_mask?: Var<'i32', 2>; position_ids?: Var<'i32', 2> } = {},
  ): DecodeStepOutput {
    const op = 'GPT2LMHeadModel.decodeStep';
    checkVar(op, 'ids', ids);
    if (ids.rank !== 2 || ids.shape[1] !== 1) throw new ShapeError(`${op}: ids must be one position [B, 1], got ${ids.describe()}`);
    if (typeof masks !== 'object' || masks === null) throw new ArgumentError(`${op}: masks must be an object, got ${describeValue(masks)}`);
    if (!Number.isSafeInteger(position) || position < 0) throw new ArgumentError(`${op}: position must be an integer ≥ 0, got ${describeNumber(position)}`);
    if ((past === undefined) !== (position === 0))
      throw new ArgumentError(`${op}: position ${position} needs ${position === 0 ? 'no past caches' : 'the past caches of the earlier positions'}`);
    const cached = past?.[0]?.key.shape[2] ?? 0;
    if (past !== undefined && cached !== position)
      throw new ShapeError(`${op}: position ${position} needs caches of ${position} positions, got ${past[0]?.key.describe() ?? describeValue(past[0])}`);
    const { lastHiddenState, caches } = this.transformer.forwardFor(op, { input_ids: ids, ...masks }, past, []);
    return { logits: this.project(F.reshape(lastHiddenState, [ids.shape[0]!, this.config.n_embd]) as Var<'f32', 2>), caches };
  }

  /**
   * `decodeStep` on fixed-size caches, the form a compiled decoder replays at every position: ids and
   * position ids [B, 1] of the newest token, every block's caches of S slots [B, H, S, Dh], and `slots`
   * (which slot this token writes and which slots it sees) → the logits [B, V] and the caches with
   * this token written into its slot.
   */
  decodeSlotStep(ids: Var<'i32', 2>, positions: Var<'i32', 2>, past: readonly AttentionCache[], slots: CacheSlots): DecodeStepOutput {
    const op = 'GPT2LMHeadModel.decodeSlotStep';
    checkVar(op, 'ids', ids);
    if (ids.rank !== 2 || ids.shape[1] !== 1) throw new ShapeError(`${op}: ids must be one position [B, 1], got ${ids.describe()}`);
    if (!Array.isArray(past)) throw new ArgumentError(`${op}: past must hold one cache per block (${this.transformer.h.length}), got ${describeValue(past)}`);
    const inputs = { input_ids: ids, position_ids: positions, attention_mask: slots?.keyMask };
    const { lastHiddenState, caches } = this.transformer.forwardFor(op, inputs, past, [], slots);
    return { logits: this.project(F.reshape(lastHiddenState, [ids.shape[0]!, this.config.n_embd]) as Var<'f32', 2>), caches };
  }

  /** How this class maps to a Hugging Face folder (config fields, names, tied lm_head); `savePretrained` reads it. */
  static readonly pretrained: PretrainedFormat<GPT2LMHeadModel, GPT2Config> = gpt2Format(
    'GPT2LMHeadModel',
    false,
    (c: GPT2Config) => new GPT2LMHeadModel(c),
    (m) => m.config,
  );

  /** Loads a Hugging Face GPT-2 folder: the model, its parameters, its tokenizer (tokenizer.json, or vocab.json + merges.txt) and a loading report. */
  static fromPretrained(source: FolderSource, options: FromPretrainedOptions): Promise<Pretrained<GPT2LMHeadModel>> {
    return loadPretrained(GPT2LMHeadModel.pretrained, source, options);
  }
}
