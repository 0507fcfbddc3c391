// The nn building blocks: each owns its parameters and adds its ops to the graph of its input.
import { ArgumentError, ShapeError, describeNumber, describeValue } from '../errors.js';
import { Graph, type Initializer, type Parameter, type Var, checkVar } from '../graph/graph.js';
import * as F from '../graph/ops.js';
import { sinusoidalPositions } from './init.js';
import { Module, filled, normal } from './module.js';

/** Options of `Linear`. */
export interface LinearOptions {
  /** Add a bias (default true). */
  bias?: boolean;
  /** Weight initialiser (default normal(0, 0.02)). */
  init?: Initializer;
}

/** y = x·Wᵀ + b, W [out, in] (PyTorch's layout, so Hugging Face weights load as they are), b [out]. */
export class Linear extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | undefined;

  constructor(
    name: string,
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super(name);
    checkDims('Linear', name, { inFeatures, outFeatures });
    checkOptions('Linear', name, options, ['init']);
    this.weight = this.parameter('weight', [outFeatures, inFeatures], { init: options.init ?? normal() });
    this.bias = options.bias === false ? undefined : this.parameter('bias', [outFeatures], { decay: false });
  }

  /** [..., in] → [..., out]. */
  forward<R extends number>(x: Var<'f32', R>): Var<'f32', R> {
    checkVar('Linear.forward', 'x', x);
    const g = x.graph;
    return g.scoped(this.name, () => F.linear(x, g.param(this.weight) as Var<'f32', 2>, this.bias && (g.param(this.bias) as Var<'f32', 1>)));
  }
}

/** A lookup table [count, dim]: ids [...] → [..., dim]. */
export class Embedding extends Module {
  readonly weight: Parameter;

  constructor(
    name: string,
    readonly count: number,
    readonly dim: number,
    options: { init?: Initializer } = {},
  ) {
    super(name);
    checkDims('Embedding', name, { count, dim });
    checkOptions('Embedding', name, options, ['init']);
    this.weight = this.parameter('weight', [count, dim], { init: options.init ?? normal() });
  }

  /** Rows of the table for i32 ids (ids outside [0, count) give zero rows). */
  forward(ids: Var<'i32'>): Var<'f32'> {
    checkVar('Embedding.forward', 'ids', ids);
    const g = ids.graph;
    return g.scoped(this.name, () => F.embedding(g.param(this.weight) as Var<'f32', 2>, ids));
  }
}

/** LayerNorm over the last dimension with learned γ (ones) and β (zeros), no weight decay. */
export class LayerNorm extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter;

  constructor(
    name: string,
    readonly dim: number,
    readonly eps = 1e-5,
  ) {
    super(name);
    checkDims('LayerNorm', name, { dim });
    if (typeof eps !== 'number' || !Number.isFinite(eps) || eps < 0) {
      throw new ArgumentError(`LayerNorm: eps must be a finite number ≥ 0, got ${describeNumber(eps)}${where(name)}`);
    }
    this.weight = this.parameter('weight', [dim], { init: filled(1), decay: false });
    this.bias = this.parameter('bias', [dim], { decay: false });
  }

  forward<R extends number>(x: Var<'f32', R>): Var<'f32', R> {
    checkVar('LayerNorm.forward', 'x', x);
    const g = x.graph;
    return g.scoped(this.name, () => F.layerNorm(x, g.param(this.weight) as Var<'f32', 1>, g.param(this.bias) as Var<'f32', 1>, this.eps));
  }
}

/** Dropout with probability p while training; the identity in eval mode. */
export class Dropout extends Module {
  constructor(readonly p: number) {
    super('');
    if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw new ShapeError(`Dropout: p must be in [0, 1), got ${String(p)}`);
  }

  forward<R extends number>(x: Var<'f32', R>): Var<'f32', R> {
    checkVar('Dropout.forward', 'x', x);
    return this.training ? F.dropout(x, this.p) : x;
  }
}

/** Options of `MultiHeadAttention`. */
export interface MultiHeadAttentionOptions {
  hiddenSize: number;
  numHeads: number;
  /** Dropout on the attention probabilities while training (default 0). */
  dropout?: number;
  /** Weight initialiser of the four projections (default normal(0, 0.02)). */
  init?: Initializer;
}

/** What `MultiHeadAttention.forward` attends with. */
export interface AttentionInputs {
  /** Keys and values come from here (cross-attention, [B, Tk, hidden]); default: the queries' input (self-attention). */
  context?: Var<'f32', 3>;
  /** [B, Tk] i32, nonzero where the key is real (padding mask). */
  keyMask?: Var<'i32', 2>;
  /** Query i sees keys j ≤ i (decoder self-attention). */
  causal?: boolean;
}

/** One attention's keys and values split into heads, [B, H, Tk, Dh] each. */
export interface AttentionCache {
  key: Var<'f32', 4>;
  value: Var<'f32', 4>;
}

/**
 * Fixed-size caches for a compiled decoding step: past keys and values hold S slots [B, H, S, Dh]
 * whatever the position, so one graph (one recorded program) serves every step. The newest token's
 * keys and values go into one slot (and beam search's rows move) by one row gather, and attention
 * reads the slots `keyMask` marks.
 */
export interface CacheSlots {
  /**
   * [B·H·S] i32: for each row (b, h, s) of the new cache, the row of [past rows (B·H·S); newest rows
   * (B·H)] it takes: B·H·S + b·H + h at the slot this step writes, else a past row (r·H·S + h·S + s,
   * r = b or, for beam search, the row b continues).
   */
  rows: Var<'i32', 1>;
  /** [B, S] i32: 1 at the slots holding keys the newest token may see (its own slot included). */
  keyMask: Var<'i32', 2>;
}

/** The caches with the newest keys and values [B, H, 1, Dh] written into their slot (`slots.rows`). */
export function writeSlot(past: AttentionCache, own: AttentionCache, slots: CacheSlots): AttentionCache {
  // One gather over the past rows and the newest ones: a plain copy per element, where an outer
  // product and a broadcast add over the whole cache cost a fifth of a step on SwiftShader.
  const put = (cache: Var<'f32', 4>, row: Var<'f32', 4>) => {
    const [b, h, s, dh] = cache.shape as [number, number, number, number];
    const sources = F.concat(F.reshape(cache, [b * h * s, dh]) as Var<'f32', 2>, F.reshape(row, [b * h, dh]) as Var<'f32', 2>, 0);
    return F.reshape(F.gatherRows(sources, slots.rows), [b, h, s, dh]) as Var<'f32', 4>;
  };
  return { key: put(past.key, own.key), value: put(past.value, own.value) };
}

/**
 * Multi-head scaled dot-product attention on the fused kernel, with Hugging Face BERT's names:
 * `{name}.self.{query,key,value}` and `{name}.output.dense`.
 */
export class MultiHeadAttention extends Module {
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;
  readonly output: Linear;
  readonly headDim: number;

  constructor(
    name: string,
    readonly options: MultiHeadAttentionOptions,
  ) {
    super(name);
    checkOptions('MultiHeadAttention', name, options, ['init'], true);
    const { hiddenSize, numHeads, init } = options;
    checkDims('MultiHeadAttention', name, { hiddenSize, numHeads });
    if (hiddenSize % numHeads !== 0) {
      throw new ShapeError(`MultiHeadAttention: hiddenSize ${hiddenSize} is not a multiple of numHeads ${numHeads}${where(name)}`);
    }
    checkRate('MultiHeadAttention', name, 'dropout', options.dropout ?? 0);
    this.headDim = hiddenSize / numHeads;
    const linear = (local: string) => this.child(new Linear(this.childName(local), hiddenSize, hiddenSize, { ...(init ? { init } : {}) }));
    this.query = linear('self.query');
    this.key = linear('self.key');
    this.value = linear('self.value');
    this.output = linear('output.dense');
  }

  /** x [B, Tq, hidden] → [B, Tq, hidden]. */
  forward(x: Var<'f32', 3>, inputs: AttentionInputs = {}): Var<'f32', 3> {
    return this.#attend('MultiHeadAttention.forward', x, inputs, false).output;
  }

  /**
   * `forward`, plus the attention probabilities [B, H, Tq, Tk] (after masking and softmax, before
   * dropout; masked keys exactly 0), computed by extra graph ops beside the fused kernel.
   */
  forwardWithProbabilities(x: Var<'f32', 3>, inputs: AttentionInputs = {}): { output: Var<'f32', 3>; probabilities: Var<'f32', 4> } {
    const { output, probabilities } = this.#attend('MultiHeadAttention.forwardWithProbabilities', x, inputs, true);
    return { output, probabilities: probabilities! };
  }

  /**
   * The keys and values of `context` [B, Tk, hidden] as heads [B, H, Tk, Dh]: what a decoder's cache
   * holds (cross-attention computes them once per source; self-attention appends one row per step).
   */
  keysAndValues(context: Var<'f32', 3>): AttentionCache {
    checkVar('MultiHeadAttention.keysAndValues', 'context', context);
    return context.graph.scoped(this.name, () => ({ key: this.#heads(this.key.forward(context)), value: this.#heads(this.value.forward(context)) }));
  }

  /** x [B, Tq, hidden] attends to keys and values already split into heads [B, H, Tk, Dh] (`keysAndValues`) → [B, Tq, hidden]. */
  attendTo(x: Var<'f32', 3>, cache: AttentionCache, masks: { keyMask?: Var<'i32', 2>; causal?: boolean } = {}): Var<'f32', 3> {
    const op = 'MultiHeadAttention.attendTo';
    checkVar(op, 'x', x);
    checkVar(op, 'cache.key', cache?.key);
    checkVar(op, 'cache.value', cache?.value);
    if (masks.keyMask !== undefined) checkVar(op, 'keyMask', masks.keyMask);
    return x.graph.scoped(this.name, () => this.#combine(this.#heads(this.query.forward(x)), cache, masks));
  }

  #attend(op: string, x: Var<'f32', 3>, inputs: AttentionInputs, withProbabilities: boolean): { output: Var<'f32', 3>; probabilities?: Var<'f32', 4> } {
    checkVar(op, 'x', x);
    checkOptions(op, '', inputs, [], false, 'inputs');
    if (inputs.context !== undefined) checkVar(op, 'context', inputs.context);
    if (inputs.keyMask !== undefined) checkVar(op, 'keyMask', inputs.keyMask);
    const context = inputs.context ?? x;
    return x.graph.scoped(this.name, () => {
      const q = this.#heads(this.query.forward(x));
      const cache = { key: this.#heads(this.key.forward(context)), value: this.#heads(this.value.forward(context)) };
      const output = this.#combine(q, cache, inputs);
      return withProbabilities ? { output, probabilities: attentionProbabilities(q, cache.key, inputs) } : { output };
    });
  }

  /** softmax(q·Kᵀ/√Dh)·V on the fused kernel, heads merged, then the output projection. */
  #combine(q: Var<'f32', 4>, cache: AttentionCache, masks: { keyMask?: Var<'i32', 2>; causal?: boolean }): Var<'f32', 3> {
    const attended = F.attention(q, cache.key, cache.value, {
      causal: masks.causal === true,
      ...(masks.keyMask ? { keyMask: masks.keyMask } : {}),
      dropout: this.training ? (this.options.dropout ?? 0) : 0,
    }); // [B, H, Tq, Dh]
    const [batch, , tq] = attended.shape as [number, number, number, number];
    const merged = F.reshape(F.transpose(attended, [0, 2, 1, 3]), [batch, tq, this.options.hiddenSize]); // [B, Tq, hidden]
    return this.output.forward(merged);
  }

  /** [B, T, hidden] → [B, H, T, Dh]. */
  #heads(x: Var<'f32', 3>): Var<'f32', 4> {
    const [batch, length] = x.shape as [number, number, number];
    const split = F.reshape(x, [batch, length, this.options.numHeads, this.headDim]); // [B, T, H, Dh]
    return F.transpose(split, [0, 2, 1, 3]); // [B, H, T, Dh]
  }
}

/**
 * softmax(Q·Kᵀ/√Dh + masks) [B, H, Tq, Tk] from graph ops, for inspection: the fused kernel never
 * stores the probabilities. The padding mask becomes an additive −∞ [B, Tk] by an embedding lookup
 * into [−∞, 0] (mask 0 → −∞; any other value is out of the table's range, a zero row: attended, as
 * the kernel treats nonzero), and the scores are laid out [H, Tq, B, Tk] so that mask is their suffix.
 */
function attentionProbabilities(q: Var<'f32', 4>, k: Var<'f32', 4>, inputs: AttentionInputs): Var<'f32', 4> {
  const g = q.graph;
  const [, , tq, dh] = q.shape as [number, number, number, number];
  const tk = k.shape[2]!;
  let scores = F.scale(F.matmul(q, k, { transposeB: true }), 1 / Math.sqrt(dh)); // [B, H, Tq, Tk]
  if (inputs.causal) {
    const causal = Float32Array.from({ length: tq * tk }, (_, n) => (n % tk > Math.floor(n / tk) ? Number.NEGATIVE_INFINITY : 0));
    scores = F.add(scores, g.constant(causal, [tq, tk]) as Var<'f32', 2>);
  }
  if (!inputs.keyMask) return F.softmax(scores);
  const table = g.constant(Float32Array.of(Number.NEGATIVE_INFINITY, 0), [2, 1]) as Var<'f32', 2>;
  const additive = F.reshape(F.embedding(table, inputs.keyMask), [-1, tk]) as Var<'f32', 2>; // [B, Tk]
  const probabilities = F.softmax(F.transpose(scores, [1, 2, 0, 3]), additive); // [H, Tq, B, Tk]
  return F.transpose(probabilities, [2, 0, 1, 3]);
}

/** Options of `FeedForward`. */
export interface FeedForwardOptions {
  hiddenSize: number;
  intermediateSize: number;
  /** 'gelu' (BERT, exact erf form), 'gelu_tanh' or 'relu' (the original Transformer). */
  activation?: 'gelu' | 'gelu_tanh' | 'relu';
  init?: Initializer;
}

/** act(x·W1ᵀ + b1)·W2ᵀ + b2, named as BERT: `{name}.intermediate.dense`, `{name}.output.dense`. */
export class FeedForward extends Module {
  readonly intermediate: Linear;
  readonly output: Linear;

  constructor(
    name: string,
    readonly options: FeedForwardOptions,
  ) {
    super(name);
    checkOptions('FeedForward', name, options, ['init'], true);
    const { hiddenSize, intermediateSize, init } = options;
    checkDims('FeedForward', name, { hiddenSize, intermediateSize });
    checkActivation('FeedForward', name, options.activation);
    const extra = init ? { init } : {};
    this.intermediate = this.child(new Linear(this.childName('intermediate.dense'), hiddenSize, intermediateSize, extra));
    this.output = this.child(new Linear(this.childName('output.dense'), intermediateSize, hiddenSize, extra));
  }

  forward<R extends number>(x: Var<'f32', R>): Var<'f32', R> {
    checkVar('FeedForward.forward', 'x', x);
    const h = this.intermediate.forward(x);
    const activation = this.options.activation ?? 'gelu';
    const a = activation === 'relu' ? F.relu(h) : F.gelu(h, activation === 'gelu_tanh' ? 'tanh' : 'none');
    return this.output.forward(a);
  }
}

/** Shared options of the encoder and decoder layers. */
export interface TransformerLayerOptions {
  hiddenSize: number;
  numHeads: number;
  intermediateSize: number;
  activation?: 'gelu' | 'gelu_tanh' | 'relu';
  /** Dropout after attention and feed-forward, while training (default 0.1). */
  dropout?: number;
  /** Dropout on the attention probabilities (default: `dropout`). */
  attentionDropout?: number;
  /** LayerNorm ε (BERT 1e-12; default 1e-5). */
  layerNormEps?: number;
  /** Pre-LN (LayerNorm before each sublayer, as GPT-2) instead of post-LN (the original Transformer and BERT). */
  preLayerNorm?: boolean;
  init?: Initializer;
}

/** An encoder layer, BERT names: `attention.*`, `attention.output.LayerNorm`, `intermediate.dense`, `output.dense`, `output.LayerNorm`. */
export class EncoderLayer extends Module {
  readonly attention: MultiHeadAttention;
  readonly attentionNorm: LayerNorm;
  readonly feedForward: FeedForward;
  readonly outputNorm: LayerNorm;
  readonly #dropout: Dropout;

  constructor(
    name: string,
    readonly options: TransformerLayerOptions,
  ) {
    super(name);
    const { hiddenSize, numHeads, intermediateSize, dropout = 0.1, layerNormEps = 1e-5, init } = checkLayerOptions('EncoderLayer', name, options);
    const extra = init ? { init } : {};
    this.attention = this.child(
      new MultiHeadAttention(this.childName('attention'), { hiddenSize, numHeads, dropout: options.attentionDropout ?? dropout, ...extra }),
    );
    this.attentionNorm = this.child(new LayerNorm(this.childName('attention.output.LayerNorm'), hiddenSize, layerNormEps));
    this.feedForward = this.child(new FeedForward(name, { hiddenSize, intermediateSize, activation: options.activation ?? 'gelu', ...extra }));
    this.outputNorm = this.child(new LayerNorm(this.childName('output.LayerNorm'), hiddenSize, layerNormEps));
    this.#dropout = this.child(new Dropout(dropout));
  }

  /** x [B, T, hidden] → [B, T, hidden]; keyMask [B, T] marks real tokens. */
  forward(x: Var<'f32', 3>, keyMask?: Var<'i32', 2>): Var<'f32', 3> {
    return this.#forward('EncoderLayer.forward', x, keyMask, false).output;
  }

  /** `forward`, plus its attention probabilities [B, H, T, T] (see `MultiHeadAttention.forwardWithProbabilities`). */
  forwardWithAttentions(x: Var<'f32', 3>, keyMask?: Var<'i32', 2>): { output: Var<'f32', 3>; attentions: Var<'f32', 4> } {
    const { output, attentions } = this.#forward('EncoderLayer.forwardWithAttentions', x, keyMask, true);
    return { output, attentions: attentions! };
  }

  #forward(op: string, x: Var<'f32', 3>, keyMask: Var<'i32', 2> | undefined, withAttentions: boolean): { output: Var<'f32', 3>; attentions?: Var<'f32', 4> } {
    checkVar(op, 'x', x);
    if (keyMask !== undefined) checkVar(op, 'keyMask', keyMask);
    let attentions: Var<'f32', 4> | undefined;
    const attend = (h: Var<'f32', 3>) => {
      const masks = keyMask ? { keyMask } : {};
      if (!withAttentions) return this.#dropout.forward(this.attention.forward(h, masks));
      const result = this.attention.forwardWithProbabilities(h, masks);
      attentions = result.probabilities;
      return this.#dropout.forward(result.output);
    };
    const feed = (h: Var<'f32', 3>) => this.#dropout.forward(this.feedForward.forward(h));
    if (this.options.preLayerNorm) {
      const h = F.add(x, attend(this.attentionNorm.forward(x)));
      return { output: F.add(h, feed(this.outputNorm.forward(h))), attentions };
    }
    const h = this.attentionNorm.forward(F.add(x, attend(x)));
    return { output: this.outputNorm.forward(F.add(h, feed(h))), attentions };
  }
}

/** A decoder layer: causal self-attention, cross-attention over the encoder's output, feed-forward; each with its LayerNorm. */
export class DecoderLayer extends Module {
  readonly selfAttention: MultiHeadAttention;
  readonly selfNorm: LayerNorm;
  readonly crossAttention: MultiHeadAttention;
  readonly crossNorm: LayerNorm;
  readonly feedForward: FeedForward;
  readonly outputNorm: LayerNorm;
  readonly #dropout: Dropout;

  constructor(
    name: string,
    readonly options: TransformerLayerOptions,
  ) {
    super(name);
    const { hiddenSize, numHeads, intermediateSize, dropout = 0.1, layerNormEps = 1e-5, init } = checkLayerOptions('DecoderLayer', name, options);
    const extra = init ? { init } : {};
    const attentionOptions = { hiddenSize, numHeads, dropout: options.attentionDropout ?? dropout, ...extra };
    this.selfAttention = this.child(new MultiHeadAttention(this.childName('self_attention'), attentionOptions));
    this.selfNorm = this.child(new LayerNorm(this.childName('self_attention.output.LayerNorm'), hiddenSize, layerNormEps));
    this.crossAttention = this.child(new MultiHeadAttention(this.childName('cross_attention'), attentionOptions));
    this.crossNorm = this.child(new LayerNorm(this.childName('cross_attention.output.LayerNorm'), hiddenSize, layerNormEps));
    this.feedForward = this.child(new FeedForward(name, { hiddenSize, intermediateSize, activation: options.activation ?? 'relu', ...extra }));
    this.outputNorm = this.child(new LayerNorm(this.childName('output.LayerNorm'), hiddenSize, layerNormEps));
    this.#dropout = this.child(new Dropout(dropout));
  }

  /** x [B, Tq, hidden] attends causally to itself and to `memory` [B, Tk, hidden]. */
  forward(x: Var<'f32', 3>, memory: Var<'f32', 3>, masks: { selfKeyMask?: Var<'i32', 2>; memoryKeyMask?: Var<'i32', 2> } = {}): Var<'f32', 3> {
    const op = 'DecoderLayer.forward';
    checkVar(op, 'x', x);
    checkVar(op, 'memory', memory);
    checkOptions(op, '', masks, [], false, 'masks');
    if (masks.selfKeyMask !== undefined) checkVar(op, 'selfKeyMask', masks.selfKeyMask);
    if (masks.memoryKeyMask !== undefined) checkVar(op, 'memoryKeyMask', masks.memoryKeyMask);
    const self = (h: Var<'f32', 3>) =>
      this.#dropout.forward(this.selfAttention.forward(h, { causal: true, ...(masks.selfKeyMask ? { keyMask: masks.selfKeyMask } : {}) }));
    const cross = (h: Var<'f32', 3>) =>
      this.#dropout.forward(this.crossAttention.forward(h, { context: memory, ...(masks.memoryKeyMask ? { keyMask: masks.memoryKeyMask } : {}) }));
    return this.#sublayers(x, self, cross);
  }

  /**
   * One decoding step, incremental: x [B, 1, hidden] (the newest position) attends to `past` (the
   * self-attention keys and values of the earlier positions, [B, H, t, Dh]; none at the first step)
   * plus its own, and to `memory` (the cross-attention keys and values of the encoder output, computed
   * once by `crossAttention.keysAndValues`). Returns the output and the self-attention cache grown by
   * one position. With `masks.slots`, `past` is fixed-size and the cache returned is `past` with this
   * position written into its slot (`CacheSlots`). Gives what `forward` gives at that position (eval mode).
   */
  forwardStep(
    x: Var<'f32', 3>,
    memory: AttentionCache,
    past?: AttentionCache,
    masks: { memoryKeyMask?: Var<'i32', 2>; slots?: CacheSlots } = {},
  ): { output: Var<'f32', 3>; cache: AttentionCache } {
    const op = 'DecoderLayer.forwardStep';
    checkVar(op, 'x', x);
    if (x.shape[1] !== 1) throw new ShapeError(`${op}: x must be one position [B, 1, hidden], got ${x.describe()}${where(this.name)}`);
    if (masks.slots && !past) throw new ArgumentError(`${op}: slots need the fixed-size caches as past${where(this.name)}`);
    const memoryMask = masks.memoryKeyMask ? { keyMask: masks.memoryKeyMask } : {};
    let cache: AttentionCache | undefined;
    // The newest position sees every cached one: no causal mask (a 1-row causal mask would hide all but key 0).
    const self = (h: Var<'f32', 3>) => {
      const own = this.selfAttention.keysAndValues(h);
      if (masks.slots) {
        cache = writeSlot(past!, own, masks.slots);
        return this.#dropout.forward(this.selfAttention.attendTo(h, cache, { keyMask: masks.slots.keyMask }));
      }
      cache = past ? { key: F.concat(past.key, own.key, 2), value: F.concat(past.value, own.value, 2) } : own;
      return this.#dropout.forward(this.selfAttention.attendTo(h, cache));
    };
    const cross = (h: Var<'f32', 3>) => this.#dropout.forward(this.crossAttention.attendTo(h, memory, memoryMask));
    const output = this.#sublayers(x, self, cross);
    return { output, cache: cache! };
  }

  /** Self-attention, cross-attention and feed-forward with their residuals, LayerNorm before (pre-LN) or after each. */
  #sublayers(x: Var<'f32', 3>, self: (h: Var<'f32', 3>) => Var<'f32', 3>, cross: (h: Var<'f32', 3>) => Var<'f32', 3>): Var<'f32', 3> {
    const feed = (h: Var<'f32', 3>) => this.#dropout.forward(this.feedForward.forward(h));
    if (this.options.preLayerNorm) {
      const a = F.add(x, self(this.selfNorm.forward(x)));
      const b = F.add(a, cross(this.crossNorm.forward(a)));
      return F.add(b, feed(this.outputNorm.forward(b)));
    }
    const a = this.selfNorm.forward(F.add(x, self(x)));
    const b = this.crossNorm.forward(F.add(a, cross(a)));
    return this.outputNorm.forward(F.add(b, feed(b)));
  }
}

/** Learned positions (BERT): a [maxPositions, hidden] table; adds rows 0..T−1 to x [B, T, hidden]. */
export class LearnedPositions extends Module {
  readonly embedding: Embedding;

  constructor(
    name: string,
    readonly maxPositions: number,
    readonly hiddenSize: number,
    options: { init?: Initializer } = {},
  ) {
    super(name);
    checkDims('LearnedPositions', name, { maxPositions, hiddenSize });
    this.embedding = this.child(new Embedding(name, maxPositions, hiddenSize, options));
  }

  /** The [T, hidden] position rows for a sequence of length T. */
  forward(length: number, graph: Var['graph']): Var<'f32'> {
    checkLength(this.name, length, this.maxPositions);
    checkGraph('LearnedPositions.forward', graph);
    const ids = graph.constant(
      Int32Array.from({ length }, (_, i) => i),
      [length],
    );
    return this.embedding.forward(ids);
  }
}

/** The original Transformer's fixed sinusoidal positions: a [T, hidden] constant (no parameters). */
export class SinusoidalPositions extends Module {
  constructor(
    readonly maxPositions: number,
    readonly hiddenSize: number,
  ) {
    super('');
    checkDims('SinusoidalPositions', '', { maxPositions, hiddenSize });
  }

  forward(length: number, graph: Var['graph']): Var<'f32'> {
    checkLength('SinusoidalPositions', length, this.maxPositions);
    checkGraph('SinusoidalPositions.forward', graph);
    return graph.constant(sinusoidalPositions(length, this.hiddenSize), [length, this.hiddenSize]);
  }
}

/** Throws unless `length` is an integer in [1, maxPositions]. */
function checkLength(name: string, length: number, maxPositions: number): void {
  if (!Number.isInteger(length) || length < 1 || length > maxPositions) {
    throw new ShapeError(`${name}: sequence length must be in [1, ${maxPositions}], got ${length}`);
  }
}

/** ` (in encoder.layer.0)`: which module an error is about, as graph errors say it. */
function where(name: string): string {
  return name ? ` (in ${name})` : '';
}

/** Throws unless every dim is an integer ≥ 1: `Linear: inFeatures must be an integer ≥ 1, got 0 (in head)`. */
function checkDims(cls: string, name: string, dims: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(dims)) {
    if (!Number.isSafeInteger(value) || (value as number) < 1) {
      throw new ArgumentError(`${cls}: ${key} must be an integer ≥ 1, got ${describeNumber(value)}${where(name)}`);
    }
  }
}

/**
 * Throws unless `options` is an object (`required`: given at all) whose `initializers` are functions
 * when set; `label` names the argument in the message.
 */
function checkOptions(cls: string, name: string, options: unknown, initializers: readonly string[], required = false, label = 'options'): void {
  if (typeof options !== 'object' || options === null) {
    const what = required ? `${label} { … } are required` : `${label} must be an object`;
    throw new ArgumentError(`${cls}: ${what}, got ${describeValue(options)}${where(name)}`);
  }
  for (const key of initializers) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined && typeof value !== 'function') {
      throw new ArgumentError(`${cls}: ${key} must be an initialiser function (shape, seed) => Float32Array, got ${describeValue(value)}${where(name)}`);
    }
  }
}

/** Throws unless a dropout probability is in [0, 1). */
function checkRate(cls: string, name: string, key: string, value: unknown): void {
  if (typeof value !== 'number' || !(value >= 0 && value < 1))
    throw new ArgumentError(`${cls}: ${key} must be in [0, 1), got ${describeNumber(value)}${where(name)}`);
}

const ACTIVATIONS = ['gelu', 'gelu_tanh', 'relu'];

function checkActivation(cls: string, name: string, activation: unknown): void {
  if (activation !== undefined && !ACTIVATIONS.includes(activation as string)) {
    throw new ArgumentError(`${cls}: activation must be one of ${ACTIVATIONS.join(', ')}, got ${describeValue(activation)}${where(name)}`);
  }
}

/** Checks an encoder or decoder layer's options before any child is built, so errors name the layer and the field. */
function checkLayerOptions(cls: string, name: string, options: TransformerLayerOptions): TransformerLayerOptions {
  checkOptions(cls, name, options, ['init'], true);
  checkDims(cls, name, { hiddenSize: options.hiddenSize, numHeads: options.numHeads, intermediateSize: options.intermediateSize });
  checkActivation(cls, name, options.activation);
  if (options.dropout !== undefined) checkRate(cls, name, 'dropout', options.dropout);
  if (options.attentionDropout !== undefined) checkRate(cls, name, 'attentionDropout', options.attentionDropout);
  const eps = options.layerNormEps;
  if (eps !== undefined && (typeof eps !== 'number' || !Number.isFinite(eps) || eps < 0)) {
    throw new ArgumentError(`${cls}: layerNormEps must be a finite number ≥ 0, got ${describeNumber(eps)}${where(name)}`);
  }
  return options;
}

function checkGraph(op: string, graph: unknown): void {
  if (!(graph instanceof Graph)) throw new ArgumentError(`${op}: graph must be a Graph, got ${describeValue(graph)}`);
}
