// The original Transformer (Vaswani et al. 2017, "Attention Is All You Need"): an encoder-decoder
// with sinusoidal positions, embeddings scaled by √d_model, ReLU feed-forwards, post-LN (or pre-LN),
// an output projection tied to the target embeddings, and label-smoothed cross-entropy. Reads like
// the model file of a training codebase: the config with its defaults, then the modules.
import { ArgumentError, ShapeError, describeNumber, describeValue } from '../errors.js';
import type { Graph, Var } from '../graph/graph.js';
import { checkVar } from '../graph/graph.js';
import * as F from '../graph/ops.js';
import { type AttentionCache, type CacheSlots, DecoderLayer, Dropout, Embedding, EncoderLayer, LayerNorm, Linear } from '../nn/layers.js';
import { sinusoidalPositions } from '../nn/init.js';
import { Module, normal, xavier } from '../nn/module.js';
import { checkInteger } from './bert.js';

/** The Transformer's configuration; the defaults are the paper's base model. */
export interface TransformerConfig {
  /** Source vocabulary size (the joint vocabulary's with `shareEmbeddings`). */
  sourceVocabSize: number;
  /** Target vocabulary size (default: `sourceVocabSize`). */
  targetVocabSize?: number;
  /** Model width d_model (512). */
  dModel?: number;
  /** Heads per attention (8). */
  numHeads?: number;
  /** Encoder layers (6). */
  encoderLayers?: number;
  /** Decoder layers (6). */
  decoderLayers?: number;
  /** Feed-forward width d_ff (2048). */
  ffnSize?: number;
  /** Dropout on the embeddings' sum and every sublayer's output (0.1). */
  dropout?: number;
  /** Dropout on the attention probabilities (default: `dropout`). */
  attentionDropout?: number;
  /** Longest source or target the sinusoidal table covers (256). */
  maxPositions?: number;
  /** One table for source, target and output projection: a joint vocabulary (false; needs equal vocabulary sizes). */
  shareEmbeddings?: boolean;
  /** The output projection is the target embedding table, transposed (true, as the paper). */
  tieOutput?: boolean;
  /** LayerNorm before each sublayer, plus a final one per stack (false: post-LN, the paper). */
  preLayerNorm?: boolean;
  /** ε of the label-smoothed cross-entropy (0.1). */
  labelSmoothing?: number;
  /** LayerNorm ε (1e-5). */
  layerNormEps?: number;
  /** The start token of every target (0, `<s>` in a RoBERTa-style vocabulary). */
  bosId?: number;
  /** The end token (2, `</s>`). */
  eosId?: number;
  /** The padding token (1, `<pad>`). */
  padId?: number;
}

/** Named configurations: the paper's base model, a small one for Multi30k, a tiny one for CI. */
export const TRANSFORMER_SIZES = {
  /** The paper's base model (65M parameters with a 37k joint vocabulary). */
  base: { dModel: 512, numHeads: 8, encoderLayers: 6, decoderLayers: 6, ffnSize: 2048, dropout: 0.1 },
  /** A small model for Multi30k (published small-Transformer setups on it are about this size). */
  small: { dModel: 256, numHeads: 4, encoderLayers: 3, decoderLayers: 3, ffnSize: 1024, dropout: 0.1 },
  /** A tiny model for CI-sized runs (the copy and reverse tasks). */
  tiny: { dModel: 64, numHeads: 4, encoderLayers: 2, decoderLayers: 2, ffnSize: 256, dropout: 0 },
} as const satisfies Record<string, Partial<TransformerConfig>>;

const DEFAULTS: Omit<Required<TransformerConfig>, 'sourceVocabSize' | 'targetVocabSize' | 'attentionDropout'> = {
  ...TRANSFORMER_SIZES.base,
  maxPositions: 256,
  shareEmbeddings: false,
  tieOutput: true,
  preLayerNorm: false,
  labelSmoothing: 0.1,
  layerNormEps: 1e-5,
  bosId: 0,
  eosId: 2,
  padId: 1,
};

/** A config with every default filled in and every field checked; errors name `op` and the field. */
export function resolveTransformerConfig(config: TransformerConfig, op = 'TransformerConfig'): Required<TransformerConfig> {
  if (typeof config !== 'object' || config === null) throw new ArgumentError(`${op}: config { sourceVocabSize, … } is required, got ${describeValue(config)}`);
  const merged = { ...DEFAULTS, ...config };
  const resolved: Required<TransformerConfig> = {
    ...merged,
    targetVocabSize: config.targetVocabSize ?? config.sourceVocabSize,
    attentionDropout: config.attentionDropout ?? merged.dropout,
  };
  for (const field of ['sourceVocabSize', 'targetVocabSize', 'dModel', 'numHeads', 'ffnSize', 'maxPositions', 'encoderLayers', 'decoderLayers'] as const) {
    checkInteger(op, field, resolved[field], 1);
  }
  if (resolved.dModel % resolved.numHeads !== 0)
    throw new ArgumentError(`${op}: dModel ${resolved.dModel} must be a multiple of numHeads ${resolved.numHeads}`);
  // The sinusoidal table interleaves sin and cos pairs.
  if (resolved.dModel % 2 !== 0) throw new ArgumentError(`${op}: dModel must be even (sine/cosine pairs), got ${resolved.dModel}`);
  for (const field of ['dropout', 'attentionDropout'] as const) {
    const p = resolved[field];
    if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw new ArgumentError(`${op}: ${field} must be in [0, 1), got ${describeNumber(p)}`);
  }
  const smoothing = resolved.labelSmoothing;
  if (typeof smoothing !== 'number' || !(smoothing >= 0 && smoothing < 1))
    throw new ArgumentError(`${op}: labelSmoothing must be in [0, 1), got ${describeNumber(smoothing)}`);
  const eps = resolved.layerNormEps;
  if (typeof eps !== 'number' || !Number.isFinite(eps) || eps < 0)
    throw new ArgumentError(`${op}: layerNormEps must be a finite number ≥ 0, got ${describeNumber(eps)}`);
  for (const field of ['shareEmbeddings', 'tieOutput', 'preLayerNorm'] as const) {
    if (typeof resolved[field] !== 'boolean') throw new ArgumentError(`${op}: ${field} must be a boolean, got ${describeValue(resolved[field])}`);
  }
  if (resolved.shareEmbeddings && resolved.sourceVocabSize !== resolved.targetVocabSize) {
    throw new ArgumentError(
      `${op}: shareEmbeddings needs one vocabulary, got sourceVocabSize ${resolved.sourceVocabSize} and targetVocabSize ${resolved.targetVocabSize}`,
    );
  }
  for (const field of ['bosId', 'eosId', 'padId'] as const) {
    checkInteger(op, field, resolved[field], 0);
    if (resolved[field] >= resolved.targetVocabSize)
      throw new ArgumentError(`${op}: ${field} ${resolved[field]} is outside the target vocabulary of ${resolved.targetVocabSize}`);
  }
  return resolved;
}

/** The inputs of a Transformer forward, as graph vars (the batch format of `translationBatches`). */
export interface TransformerInputs {
  /** [B, S] i32 source ids (the source then `</s>`, padded). */
  source_ids: Var<'i32', 2>;
  /** [B, S] i32, 1 for real source tokens, 0 for padding (default: all real). */
  source_mask?: Var<'i32', 2>;
  /** [B, T] i32 decoder inputs: `<s>` then the target, padded. */
  target_ids: Var<'i32', 2>;
  /** [B, T] i32 next-token labels (the target then `</s>`), -100 where there is none. */
  labels?: Var<'i32', 2>;
}

/** What `Transformer.forward` returns, as graph vars. */
export interface TransformerOutput {
  /** [B, T, V] next-token logits at every target position. */
  logits: Var<'f32', 3>;
  /** With labels: the label-smoothed cross-entropy over the labelled positions. */
  loss?: Var<'f32', 0>;
}

/** What one incremental decoding step returns, as graph vars. */
export interface DecodeStepOutput {
  /** [B, V] next-token logits of the newest position. */
  logits: Var<'f32', 2>;
  /** Per decoder layer, the self-attention keys and values grown by this position, [B, H, t + 1, Dh]. */
  caches: AttentionCache[];
}

/** The encoder-decoder Transformer. Parameter names follow the layers' (`encoder.layer.0.attention.self.query.weight`, …). */
export class Transformer extends Module {
  readonly config: Required<TransformerConfig>;
  readonly sourceEmbedding: Embedding;
  /** The same module as `sourceEmbedding` with `shareEmbeddings`. */
  readonly targetEmbedding: Embedding;
  readonly encoder: EncoderLayer[];
  readonly decoder: DecoderLayer[];
  /** Pre-LN only: the LayerNorm after each stack. */
  readonly encoderNorm: LayerNorm | undefined;
  readonly decoderNorm: LayerNorm | undefined;
  /** Without `tieOutput`: the output projection [V, d]. */
  readonly outputProjection: Linear | undefined;
  readonly #dropout: Dropout;

  constructor(config: TransformerConfig, name = '') {
    super(name);
    const c = resolveTransformerConfig(config, 'Transformer');
    this.config = c;
    // Xavier for the projections (the reference implementations' choice); embeddings N(0, d^-½), so that
    // after the √d scaling they have unit variance, like the positions they are added to.
    const embeddingInit = normal(c.dModel ** -0.5);
    const init = xavier();
    if (c.shareEmbeddings) {
      this.sourceEmbedding = this.child(new Embedding(this.childName('shared'), c.sourceVocabSize, c.dModel, { init: embeddingInit }));
      this.targetEmbedding = this.sourceEmbedding;
    } else {
      this.sourceEmbedding = this.child(new Embedding(this.childName('encoder.embed_tokens'), c.sourceVocabSize, c.dModel, { init: embeddingInit }));
      this.targetEmbedding = this.child(new Embedding(this.childName('decoder.embed_tokens'), c.targetVocabSize, c.dModel, { init: embeddingInit }));
    }
    const layer = {
      hiddenSize: c.dModel,
      numHeads: c.numHeads,
      intermediateSize: c.ffnSize,
      activation: 'relu' as const,
      dropout: c.dropout,
      attentionDropout: c.attentionDropout,
      layerNormEps: c.layerNormEps,
      preLayerNorm: c.preLayerNorm,
      init,
    };
    this.encoder = Array.from({ length: c.encoderLayers }, (_, i) => this.child(new EncoderLayer(this.childName(`encoder.layer.${i}`), layer)));
    this.decoder = Array.from({ length: c.decoderLayers }, (_, i) => this.child(new DecoderLayer(this.childName(`decoder.layer.${i}`), layer)));
    this.encoderNorm = c.preLayerNorm ? this.child(new LayerNorm(this.childName('encoder.layer_norm'), c.dModel, c.layerNormEps)) : undefined;
    this.decoderNorm = c.preLayerNorm ? this.child(new LayerNorm(this.childName('decoder.layer_norm'), c.dModel, c.layerNormEps)) : undefined;
    this.outputProjection = c.tieOutput ? undefined : this.child(new Linear(this.childName('lm_head'), c.dModel, c.targetVocabSize, { bias: false, init }));
    this.#dropout = this.child(new Dropout(c.dropout));
  }

  /** The encoder: source ids [B, S] (and their padding mask) → memory [B, S, d]. */
  encode(sourceIds: Var<'i32', 2>, sourceMask?: Var<'i32', 2>): Var<'f32', 3> {
    const op = 'Transformer.encode';
    checkVar(op, 'sourceIds', sourceIds);
    if (sourceMask !== undefined) checkVar(op, 'sourceMask', sourceMask);
    let h = this.#embed(op, this.sourceEmbedding, sourceIds, 0);
    for (const layer of this.encoder) h = layer.forward(h, sourceMask);
    return this.encoderNorm ? this.encoderNorm.forward(h) : h;
  }

  /** The decoder over a whole target prefix: ids [B, T] attend causally to themselves and to `memory` → hidden states [B, T, d]. */
  decode(targetIds: Var<'i32', 2>, memory: Var<'f32', 3>, sourceMask?: Var<'i32', 2>): Var<'f32', 3> {
    const op = 'Transformer.decode';
    checkVar(op, 'targetIds', targetIds);
    checkVar(op, 'memory', memory);
    if (sourceMask !== undefined) checkVar(op, 'sourceMask', sourceMask);
    // Targets are right-padded, so causal attention already keeps every real position off the padding.
    let h = this.#embed(op, this.targetEmbedding, targetIds, 0);
    for (const layer of this.decoder) h = layer.forward(h, memory, sourceMask ? { memoryKeyMask: sourceMask } : {});
    return this.decoderNorm ? this.decoderNorm.forward(h) : h;
  }

  /** Hidden states [..., d] → target-vocabulary logits [..., V]. */
  project<R extends number>(hidden: Var<'f32', R>): Var<'f32', R> {
    checkVar('Transformer.project', 'hidden', hidden);
    const g = hidden.graph;
    if (this.outputProjection) return this.outputProjection.forward(hidden);
    return g.scoped(this.name, () => F.matmul(hidden, g.param(this.targetEmbedding.weight), { transposeB: true }));
  }

  /** Teacher-forced forward: logits [B, T, V], and with labels the label-smoothed loss (padding, label -100, ignored). */
  forward(inputs: TransformerInputs): TransformerOutput {
    const op = 'Transformer.forward';
    if (typeof inputs !== 'object' || inputs === null)
      throw new ArgumentError(`${op}: inputs { source_ids, target_ids, … } are required, got ${describeValue(inputs)}`);
    checkVar(op, 'source_ids', inputs.source_ids);
    checkVar(op, 'target_ids', inputs.target_ids);
    if (inputs.labels !== undefined) {
      checkVar(op, 'labels', inputs.labels);
      if (inputs.labels.shape.join() !== inputs.target_ids.shape.join())
        throw new ShapeError(`${op}: labels ${inputs.labels.describe()} must be shaped like target_ids ${inputs.target_ids.describe()}`);
    }
    const memory = this.encode(inputs.source_ids, inputs.source_mask);
    const logits = this.project(this.decode(inputs.target_ids, memory, inputs.source_mask));
    if (!inputs.labels) return { logits };
    const vocab = this.config.targetVocabSize;
    const loss = F.crossEntropy(F.reshape(logits, [-1, vocab]), F.reshape(inputs.labels, [-1]), {
      ignoreIndex: -100,
      labelSmoothing: this.config.labelSmoothing,
    });
    return { logits, loss };
  }

  /** The cross-attention keys and values of `memory` for every decoder layer: computed once per source, read at every step. */
  memoryCaches(memory: Var<'f32', 3>): AttentionCache[] {
    checkVar('Transformer.memoryCaches', 'memory', memory);
    return this.decoder.map((layer) => layer.crossAttention.keysAndValues(memory));
  }

  /**
   * One incremental decoding step at position `position` (0 for the `<s>` token): ids [B, 1] of the
   * newest token, the memory caches (`memoryCaches`), and the self-attention caches of the earlier
   * positions (none at position 0) → the next-token logits [B, V] and the caches grown by one.
   */
  decodeStep(
    ids: Var<'i32', 2>,
    position: number,
    memory: readonly AttentionCache[],
    past: readonly AttentionCache[] | undefined,
    sourceMask?: Var<'i32', 2>,
  ): DecodeStepOutput {
    const op = 'Transformer.decodeStep';
    checkVar(op, 'ids', ids);
    if (ids.shape[1] !== 1) throw new ShapeError(`${op}: ids must be one position [B, 1], got ${ids.describe()}`);
    if (memory?.length !== this.decoder.length)
      throw new ArgumentError(`${op}: memory must hold one cache per decoder layer (${this.decoder.length}), got ${describeValue(memory)}`);
    if (past !== undefined && past.length !== this.decoder.length)
      throw new ArgumentError(`${op}: past must hold one cache per decoder layer (${this.decoder.length}), got ${past.length}`);
    if ((past === undefined) !== (position === 0))
      throw new ArgumentError(
        `${op}: position ${describeNumber(position)} needs ${position === 0 ? 'no past caches' : 'the past caches of the earlier positions'}`,
      );
    let h = this.#embed(op, this.targetEmbedding, ids, position);
    const caches: AttentionCache[] = [];
    this.decoder.forEach((layer, i) => {
      const step = layer.forwardStep(h, memory[i]!, past?.[i], sourceMask ? { memoryKeyMask: sourceMask } : {});
      h = step.output;
      caches.push(step.cache);
    });
    const hidden = this.decoderNorm ? this.decoderNorm.forward(h) : h;
    const logits = this.project(F.reshape(hidden, [ids.shape[0]!, this.config.dModel]) as Var<'f32', 2>);
    return { logits, caches };
  }

  /**
   * `decodeStep` on fixed-size caches, the form a compiled decoder replays at every position: ids and
   * positions [B, 1] of the newest token, the memory caches, the self-attention caches of S slots
   * [B, H, S, Dh], and `slots` (which slot this token writes and which slots it sees) → the logits
   * [B, V] and the caches with this token written into its slot.
   */
  decodeSlotStep(
    ids: Var<'i32', 2>,
    positions: Var<'i32', 2>,
    memory: readonly AttentionCache[],
    past: readonly AttentionCache[],
    slots: CacheSlots,
    sourceMask?: Var<'i32', 2>,
  ): DecodeStepOutput {
    const op = 'Transformer.decodeSlotStep';
    checkVar(op, 'ids', ids);
    checkVar(op, 'positions', positions);
    if (ids.shape[1] !== 1 || positions.shape.join() !== ids.shape.join())
      throw new ShapeError(`${op}: ids and positions must be one position [B, 1], got ${ids.describe()} and ${positions.describe()}`);
    if (memory?.length !== this.decoder.length || past?.length !== this.decoder.length)
      throw new ArgumentError(`${op}: memory and past must hold one cache per decoder layer (${this.decoder.length})`);
    let h = this.#embed(op, this.targetEmbedding, ids, positions);
    const caches: AttentionCache[] = [];
    this.decoder.forEach((layer, i) => {
      const step = layer.forwardStep(h, memory[i]!, past[i], { slots, ...(sourceMask ? { memoryKeyMask: sourceMask } : {}) });
      h = step.output;
      caches.push(step.cache);
    });
    const hidden = this.decoderNorm ? this.decoderNorm.forward(h) : h;
    return { logits: this.project(F.reshape(hidden, [ids.shape[0]!, this.config.dModel]) as Var<'f32', 2>), caches };
  }

  /**
   * Token embeddings · √d + the sinusoidal rows of positions [start, start + T), or of the positions a
   * [B, T] input gives (a compiled decoding step's), then dropout.
   */
  #embed(op: string, table: Embedding, ids: Var<'i32', 2>, start: number | Var<'i32', 2>): Var<'f32', 3> {
    const { dModel, maxPositions } = this.config;
    const length = ids.shape[1]!;
    const g = ids.graph;
    let positions: Var<'f32'>;
    if (typeof start === 'number') {
      if (!Number.isSafeInteger(start) || start < 0 || start + length > maxPositions) {
        throw new ShapeError(
          `${op}: positions ${start}..${start + length - 1} are beyond the ${maxPositions} positions of the model (config.maxPositions), for ids ${ids.describe()}`,
        );
      }
      positions = positionRows(g, start, length, dModel);
    } else {
      positions = F.embedding(g.constant(sinusoidalPositions(maxPositions, dModel), [maxPositions, dModel]) as Var<'f32', 2>, start);
    }
    const tokens = F.scale(table.forward(ids) as Var<'f32', 3>, Math.sqrt(dModel));
    return this.#dropout.forward(F.add(tokens, positions));
  }
}

/** Rows [start, start + length) of the sinusoidal table, as a [length, d] constant. */
function positionRows(graph: Graph, start: number, length: number, dModel: number): Var<'f32', 2> {
  const table = sinusoidalPositions(start + length, dModel).subarray(start * dModel);
  return graph.constant(table, [length, dModel]) as Var<'f32', 2>;
}
