// The train-step cases: a BERT-style encoder trained with masked-language modelling, the library's
// encoder-decoder `Transformer` and its GPT2LMHeadModel; their parameters (Hugging Face
// BertForMaskedLM or RobertaForMaskedLM names, the library's names for the other two), a seeded
// batch, and a float64 CPU forward that gives the loss of the first step (the check every
// implementation's first loss is compared with).
//
// A step is forward + backward + AdamW update on one batch, reading back only the loss.
// Post-LN encoder: x = LN(E[ids] + P[0..T)); per layer x = LN(x + Attn(x)), x = LN(x + FFN(x));
// head h = LN(gelu(x·Wtᵀ + bt)), logits = h·Eᵀ + bias (decoder tied to the word embeddings);
// loss = mean cross-entropy over the positions whose label is not −100. No dropout, exact GELU.
// RoBERTa differs in the embeddings (positions padding_idx + 1 … padding_idx + T, plus the one
// token-type row) and runs its head only on the P gathered masked rows (`masked_positions`).
// The Transformer (`transformer`): source and target embeddings one shared table, scaled by √d, plus
// sinusoidal positions; post-LN encoder layers (ReLU FFN, source key mask), post-LN decoder layers
// (causal self-attention, cross-attention to the encoder output, ReLU FFN); logits = h·Eᵀ (no bias);
// label-smoothed (ε 0.1) cross-entropy over labels ≠ −100. GPT-2 (`gpt2`): x = wte[ids] + wpe[0..T);
// pre-LN blocks x += attn(ln_1(x)) (causal, q k v from one Conv1D), x += mlp(ln_2(x)) (tanh GELU);
// logits = ln_f(x)·wteᵀ; the logits at t scored against the label at t + 1.
import { normalInit } from '../../src/index.js';
import { geluReference, reluReference } from '../../src/reference/activation.js';
import { type AttentionProblem, attentionReference } from '../../src/reference/attention.js';
import { embeddingReference } from '../../src/reference/embedding.js';
import { matmulReference } from '../../src/reference/gemm.js';
import { crossEntropyReference } from '../../src/reference/loss.js';
import { layerNormReference } from '../../src/reference/norm.js';

/** The model (Hugging Face BertConfig field names, camel-cased), the batch and the optimiser of a case. */
export interface TrainStepConfig {
  /**
   * `bert`: BertForMaskedLM, labels [B, T], the head on every row; `roberta`: RobertaForMaskedLM, the head
   * on the gathered masked rows; `transformer`: the library's encoder-decoder `Transformer` (shared
   * embeddings, tied output); `gpt2`: the library's GPT2LMHeadModel (tied lm_head).
   */
  model: 'bert' | 'roberta' | 'transformer' | 'gpt2';
  /**
   * bert: bytes 0..255, [PAD] 256, [MASK] 257, [CLS] 258, [SEP] 259; roberta: `<s> <pad> </s> <unk> <mask>` 0..4,
   * then BPE tokens; transformer: the joint vocabulary, `<s> <pad> </s>` 0..2, tokens from 4; gpt2: any ids.
   */
  vocabSize: number;
  /** d_model (transformer), n_embd (gpt2). */
  hiddenSize: number;
  numAttentionHeads: number;
  intermediateSize: number;
  /** Encoder layers (bert, roberta, transformer); blocks (gpt2). */
  numHiddenLayers: number;
  /** transformer: decoder layers; 0 otherwise. */
  decoderLayers: number;
  /** Rows of the position table (transformer: the sinusoidal table's). */
  maxPositionEmbeddings: number;
  /** 0 (no token-type embeddings) for bert, 1 for roberta (KantaiBERT's config). */
  typeVocabSize: number;
  /** roberta: the padding id; positions start at padTokenId + 1 (Hugging Face's create_position_ids_from_input_ids). */
  padTokenId: number;
  /** roberta: masked-position slots per sequence; the gathered form has P = batchSize · maxPredictions rows. */
  maxPredictions: number;
  layerNormEps: number;
  batchSize: number;
  /** Tokens per sequence (≤ maxPositionEmbeddings); transformer: per target. */
  seqLength: number;
  /** transformer: tokens per source; 0 otherwise. */
  sourceLength: number;
  /** transformer: ε of the label-smoothed cross-entropy; 0 otherwise. */
  labelSmoothing: number;
  /** AdamW (torch semantics, decoupled decay, bias-corrected moments); constant learning rate. */
  learningRate: number;
  beta1: number;
  beta2: number;
  adamEps: number;
  weightDecay: number;
}

export interface TrainStepCase {
  case: string;
  config: TrainStepConfig;
  detail: string;
}

export const MASK_ID = 257;
export const IGNORE_INDEX = -100;
/** RoBERTa's special tokens (KantaiBERT's tokenizer order): `<s>` 0, `<pad>` 1, `</s>` 2, `<unk>` 3, `<mask>` 4. */
const ROBERTA = { bos: 0, pad: 1, eos: 2, mask: 4, firstToken: 5 };
/** The Transformer's special tokens (the copy task's): `<s>` 0, `<pad>` 1, `</s>` 2; tokens from 4. */
export const SEQ2SEQ = { bos: 0, pad: 1, eos: 2, firstToken: 4 };

function makeCase(layers: number, hidden: number, batch: number, seq: number): TrainStepCase {
  const config: TrainStepConfig = {
    model: 'bert',
    vocabSize: 260,
    hiddenSize: hidden,
    numAttentionHeads: 4,
    intermediateSize: 4 * hidden,
    numHiddenLayers: layers,
    decoderLayers: 0,
    maxPositionEmbeddings: seq,
    typeVocabSize: 0,
    padTokenId: 256,
    maxPredictions: 0,
    layerNormEps: 1e-12,
    batchSize: batch,
    seqLength: seq,
    sourceLength: 0,
    labelSmoothing: 0,
    learningRate: 1e-4,
    beta1: 0.9,
    beta2: 0.999,
    adamEps: 1e-6,
    weightDecay: 0.01,
  };
  return {
    case: `encoder-mlm-L${layers}-H${hidden}-B${batch}-T${seq}`,
    config,
    detail: `BERT MLM step (forward, backward, AdamW): ${layers} layers, hidden ${hidden}, 4 heads, ffn ${4 * hidden}, vocab 260, batch ${batch}×${seq}, 15% masked`,
  };
}

/** KantaiBERT at the CI size: the BERT case's encoder with a BPE vocabulary, RoBERTa's embeddings and the head on the gathered masked rows. */
function makeRobertaCase(layers: number, hidden: number, vocab: number, batch: number, seq: number): TrainStepCase {
  const maxPredictions = Math.ceil(0.15 * seq);
  const config: TrainStepConfig = {
    ...makeCase(layers, hidden, batch, seq).config,
    model: 'roberta',
    vocabSize: vocab,
    maxPositionEmbeddings: seq + ROBERTA.pad + 1,
    typeVocabSize: 1,
    padTokenId: ROBERTA.pad,
    maxPredictions,
  };
  const p = batch * maxPredictions;
  return {
    case: `roberta-mlm-L${layers}-H${hidden}-V${vocab}-B${batch}-T${seq}-P${p}`,
    config,
    detail: `RoBERTa MLM step (forward, backward, AdamW): ${layers} layers, hidden ${hidden}, 4 heads, ffn ${4 * hidden}, vocab ${vocab}, batch ${batch}×${seq}, 15% masked, head and loss on ${p} gathered rows (${maxPredictions} per sequence)`,
  };
}

/**
 * The library's Transformer as the seq2seq recipes build it (shared embeddings, post-LN, ReLU, label
 * smoothing 0.1), no dropout, `layers` + `layers` layers, source and target `length` tokens; Adam as
 * the recipes' (β 0.9/0.98, ε 1e-9, no weight decay) at a constant rate, without their clipping.
 */
function makeSeq2SeqCase(layers: number, dModel: number, vocab: number, batch: number, length: number): TrainStepCase {
  const config: TrainStepConfig = {
    ...makeCase(layers, dModel, batch, length).config,
    model: 'transformer',
    vocabSize: vocab,
    decoderLayers: layers,
    typeVocabSize: 0,
    padTokenId: SEQ2SEQ.pad,
    layerNormEps: 1e-5,
    sourceLength: length,
    labelSmoothing: 0.1,
    beta2: 0.98,
    adamEps: 1e-9,
    weightDecay: 0,
  };
  return {
    case: `seq2seq-L${layers}+${layers}-D${dModel}-V${vocab}-B${batch}-T${length}`,
    config,
    detail: `Transformer step (forward, backward, Adam): ${layers}+${layers} layers, d ${dModel}, 4 heads, ffn ${4 * dModel}, shared vocab ${vocab}, batch ${batch}, source and target ${length} (${Math.ceil(length / 2)}–${length - 1} tokens plus </s> or <s>, padded), label smoothing 0.1`,
  };
}

/** GPT2LMHeadModel as the gpt-kant recipe builds it (no dropout, 128 positions), AdamW (β 0.9/0.999, ε 1e-8, weight decay 0.01) at a constant rate, without clipping. */
function makeGptCase(layers: number, hidden: number, vocab: number, batch: number, seq: number): TrainStepCase {
  const config: TrainStepConfig = {
    ...makeCase(layers, hidden, batch, seq).config,
    model: 'gpt2',
    vocabSize: vocab,
    maxPositionEmbeddings: Math.max(seq, 128),
    layerNormEps: 1e-5,
    adamEps: 1e-8,
  };
  return {
    case: `gpt-L${layers}-H${hidden}-V${vocab}-B${batch}-T${seq}`,
    config,
    detail: `GPT-2 causal-LM step (forward, backward, AdamW): ${layers} blocks, hidden ${hidden}, 4 heads, mlp ${4 * hidden}, vocab ${vocab}, batch ${batch}×${seq}`,
  };
}

/** The benchmark cases, and a small one for smoke runs (`--case L1`). */
export const trainStepCases: TrainStepCase[] = [
  makeCase(2, 128, 16, 64),
  makeCase(1, 64, 8, 32),
  makeRobertaCase(2, 128, 3000, 16, 64),
  makeSeq2SeqCase(2, 128, 1000, 16, 32),
  makeGptCase(2, 128, 2000, 16, 64),
];

/** Every parameter with its shape, in the library model's order (BertForMaskedLM's and RobertaForMaskedLM's as transformers 5); a Linear weight is [out, in] (y = x·Wᵀ + b), a GPT-2 Conv1D weight [in, out] (y = x·W + b). */
export function parameterShapes(c: TrainStepConfig): [string, number[]][] {
  const { vocabSize: V, hiddenSize: H, intermediateSize: F, maxPositionEmbeddings: P } = c;
  const linear = (name: string, out: number, inp: number): [string, number[]][] => [
    [`${name}.weight`, [out, inp]],
    [`${name}.bias`, [out]],
  ];
  const layerNorm = (name: string): [string, number[]][] => [
    [`${name}.weight`, [H]],
    [`${name}.bias`, [H]],
  ];
  /** BERT's attention block names under `prefix` (`attention`, `self_attention`, `cross_attention`). */
  const attention = (prefix: string): [string, number[]][] => [
    ...linear(`${prefix}.self.query`, H, H),
    ...linear(`${prefix}.self.key`, H, H),
    ...linear(`${prefix}.self.value`, H, H),
    ...linear(`${prefix}.output.dense`, H, H),
    ...layerNorm(`${prefix}.output.LayerNorm`),
  ];
  const feedForward = (layer: string): [string, number[]][] => [
    ...linear(`${layer}.intermediate.dense`, F, H),
    ...linear(`${layer}.output.dense`, H, F),
    ...layerNorm(`${layer}.output.LayerNorm`),
  ];
  const layers = (count: number, shapes: (i: number) => [string, number[]][]) => Array.from({ length: count }, (_, i) => shapes(i)).flat();
  if (c.model === 'transformer') {
    return [
      ['shared.weight', [V, H]],
      ...layers(c.numHiddenLayers, (i) => [...attention(`encoder.layer.${i}.attention`), ...feedForward(`encoder.layer.${i}`)]),
      ...layers(c.decoderLayers, (i) => [
        ...attention(`decoder.layer.${i}.self_attention`),
        ...attention(`decoder.layer.${i}.cross_attention`),
        ...feedForward(`decoder.layer.${i}`),
      ]),
    ];
  }
  if (c.model === 'gpt2') {
    const conv1d = (name: string, inp: number, out: number): [string, number[]][] => [
      [`${name}.weight`, [inp, out]],
      [`${name}.bias`, [out]],
    ];
    return [
      ['transformer.wte.weight', [V, H]],
      ['transformer.wpe.weight', [P, H]],
      ...layers(c.numHiddenLayers, (i) => {
        const block = `transformer.h.${i}`;
        return [
          ...layerNorm(`${block}.ln_1`),
          ...conv1d(`${block}.attn.c_attn`, H, 3 * H),
          ...conv1d(`${block}.attn.c_proj`, H, H),
          ...layerNorm(`${block}.ln_2`),
          ...conv1d(`${block}.mlp.c_fc`, H, F),
          ...conv1d(`${block}.mlp.c_proj`, F, H),
        ];
      }),
      ...layerNorm('transformer.ln_f'),
    ];
  }
  const base = c.model;
  const shapes: [string, number[]][] =
    base === 'roberta'
      ? [
          ['roberta.embeddings.word_embeddings.weight', [V, H]],
          ['roberta.embeddings.token_type_embeddings.weight', [c.typeVocabSize, H]],
          ...layerNorm('roberta.embeddings.LayerNorm'),
          ['roberta.embeddings.position_embeddings.weight', [P, H]],
        ]
      : [['bert.embeddings.word_embeddings.weight', [V, H]], ['bert.embeddings.position_embeddings.weight', [P, H]], ...layerNorm('bert.embeddings.LayerNorm')];
  shapes.push(...layers(c.numHiddenLayers, (i) => [...attention(`${base}.encoder.layer.${i}.attention`), ...feedForward(`${base}.encoder.layer.${i}`)]));
  if (base === 'roberta') shapes.push(['lm_head.bias', [V]], ...linear('lm_head.dense', H, H), ...layerNorm('lm_head.layer_norm'));
  else shapes.push(...linear('cls.predictions.transform.dense', H, H), ...layerNorm('cls.predictions.transform.LayerNorm'), ['cls.predictions.bias', [V]]);
  return shapes;
}

/** The names of the parts `referenceLoss` and the peer need, per model. */
export function parameterNames(c: TrainStepConfig) {
  const base = c.model;
  const roberta = base === 'roberta';
  return {
    words: `${base}.embeddings.word_embeddings.weight`,
    positions: `${base}.embeddings.position_embeddings.weight`,
    /** The one token-type row every token adds (roberta; undefined for bert here). */
    tokenType: roberta ? `${base}.embeddings.token_type_embeddings.weight` : undefined,
    embeddingsNorm: `${base}.embeddings.LayerNorm`,
    layer: (i: number) => `${base}.encoder.layer.${i}`,
    headDense: roberta ? 'lm_head.dense' : 'cls.predictions.transform.dense',
    headNorm: roberta ? 'lm_head.layer_norm' : 'cls.predictions.transform.LayerNorm',
    decoderBias: roberta ? 'lm_head.bias' : 'cls.predictions.bias',
  };
}

/** The first position id: 0 for bert, padding_idx + 1 for roberta (no padding in the batch). */
export function firstPosition(c: TrainStepConfig): number {
  return c.model === 'roberta' ? c.padTokenId + 1 : 0;
}

/** Whether a parameter belongs to a LayerNorm (BERT's `LayerNorm`, RoBERTa's head `layer_norm`, GPT-2's `ln_1`, `ln_2`, `ln_f`). */
function isLayerNorm(name: string): boolean {
  return /LayerNorm|layer_norm|(^|\.)ln_/.test(name);
}

/** Whether AdamW decays a parameter: not biases, not LayerNorm weights (Hugging Face's `no_decay`, and the library's `decay: false`). */
export function hasWeightDecay(name: string): boolean {
  return !name.endsWith('.bias') && !isLayerNorm(name);
}

/**
 * The std of a weight's normal initialiser: BERT's 0.02 (bert, roberta); the Transformer's N(0, d^-½)
 * embeddings and Xavier-normal projections, √(2 / (in + out)); GPT-2's 0.02, / √(2·n_layer) for the
 * residual projections (`c_proj`).
 */
function initStd(c: TrainStepConfig, name: string, shape: number[]): number {
  if (c.model === 'transformer') return name === 'shared.weight' ? c.hiddenSize ** -0.5 : Math.sqrt(2 / (shape[0]! + shape[1]!));
  if (c.model === 'gpt2' && name.endsWith('c_proj.weight')) return 0.02 / Math.sqrt(2 * c.numHiddenLayers);
  return 0.02;
}

/** Normal weights and embeddings (seed + parameter index, `initStd`), zero biases, LayerNorm γ = 1, β = 0 (RoBERTa: the padding rows of both embeddings zero, as Hugging Face's padding_idx). */
export function initialParameters(c: TrainStepConfig, seed: number): Record<string, Float32Array> {
  const params: Record<string, Float32Array> = {};
  for (const [index, [name, shape]] of parameterShapes(c).entries()) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (isLayerNorm(name)) params[name] = new Float32Array(size).fill(name.endsWith('.weight') ? 1 : 0);
    else if (name.endsWith('.bias')) params[name] = new Float32Array(size);
    else params[name] = normalInit(shape, { std: initStd(c, name, shape), seed: (seed + index) >>> 0 });
    if (c.model === 'roberta' && /(word|position)_embeddings/.test(name)) params[name]!.fill(0, c.padTokenId * c.hiddenSize, (c.padTokenId + 1) * c.hiddenSize);
  }
  return params;
}

/** One batch, [batchSize, seqLength] row-major each. */
export interface TrainBatch {
  /** transformer: the target ids (`<s>` then the target, padded); gpt2: the tokens. */
  inputIds: Int32Array;
  /** The original id at the masked positions, −100 elsewhere; transformer: the target then `</s>`, −100 on padding; gpt2: the tokens (shifted inside the loss). */
  labels: Int32Array;
  /** 1 = attend to this key; all ones here (no padding; unused by transformer and gpt2). */
  attentionMask: Int32Array;
  /** transformer: [B, sourceLength] source ids (the source then `</s>`, padded). */
  sourceIds?: Int32Array;
  /** transformer: [B, sourceLength], 1 on real source tokens, 0 on padding. */
  sourceMask?: Int32Array;
  /** roberta: the gathered form, [B·maxPredictions] flat row·T + t; unused slots point at the row's first position. */
  maskedPositions?: Int32Array;
  /** roberta: the original ids at `maskedPositions`, −100 in unused slots. */
  maskedLabels?: Int32Array;
}

/** bert: random byte ids; 15% of positions masked: their label is the id and their input [MASK]. roberta, transformer, gpt2: see `makeRobertaBatch`, `makeSeq2SeqBatch`, `makeGptBatch`. */
export function makeBatch(c: TrainStepConfig, uniform: () => number): TrainBatch {
  if (c.model === 'roberta') return makeRobertaBatch(c, uniform);
  if (c.model === 'transformer') return makeSeq2SeqBatch(c, uniform);
  if (c.model === 'gpt2') return makeGptBatch(c, uniform);
  const n = c.batchSize * c.seqLength;
  const inputIds = new Int32Array(n);
  const labels = new Int32Array(n).fill(IGNORE_INDEX);
  for (let i = 0; i < n; i++) {
    const id = Math.floor(uniform() * 256);
    const masked = uniform() < 0.15;
    inputIds[i] = masked ? MASK_ID : id;
    if (masked) labels[i] = id;
  }
  return { inputIds, labels, attentionMask: new Int32Array(n).fill(1) };
}

/**
 * Each row `<s>` random-BPE-ids `</s>` (no padding); 15% of the inner positions selected, up to
 * maxPredictions per row (a selection beyond the cap stays unmasked, as original BERT): input
 * `<mask>`, label the id, and a slot in the gathered form; unused slots are padding (−100).
 */
function makeRobertaBatch(c: TrainStepConfig, uniform: () => number): TrainBatch {
  const { batchSize: B, seqLength: T, maxPredictions: K } = c;
  const inputIds = new Int32Array(B * T);
  const labels = new Int32Array(B * T).fill(IGNORE_INDEX);
  const maskedPositions = new Int32Array(B * K);
  const maskedLabels = new Int32Array(B * K).fill(IGNORE_INDEX);
  for (let row = 0; row < B; row++) {
    maskedPositions.fill(row * T, row * K, (row + 1) * K);
    let slots = 0;
    for (let t = 0; t < T; t++) {
      const i = row * T + t;
      if (t === 0 || t === T - 1) {
        inputIds[i] = t === 0 ? ROBERTA.bos : ROBERTA.eos;
        continue;
      }
      const id = ROBERTA.firstToken + Math.floor(uniform() * (c.vocabSize - ROBERTA.firstToken));
      const masked = uniform() < 0.15 && slots < K;
      inputIds[i] = masked ? ROBERTA.mask : id;
      if (!masked) continue;
      labels[i] = id;
      maskedPositions[row * K + slots] = i;
      maskedLabels[row * K + slots] = id;
      slots++;
    }
  }
  return { inputIds, labels, attentionMask: new Int32Array(B * T).fill(1), maskedPositions, maskedLabels };
}

/**
 * A copy task as the copy-task recipe's batches: per row n random tokens (n uniform in
 * [sourceLength / 2, sourceLength − 1]); source = tokens `</s>`, target ids = `<s>` tokens, labels =
 * tokens `</s>`; padding `<pad>`, mask 0 and label −100.
 */
function makeSeq2SeqBatch(c: TrainStepConfig, uniform: () => number): TrainBatch {
  const { batchSize: B, sourceLength: S, seqLength: T } = c;
  const sourceIds = new Int32Array(B * S).fill(SEQ2SEQ.pad);
  const sourceMask = new Int32Array(B * S);
  const inputIds = new Int32Array(B * T).fill(SEQ2SEQ.pad);
  const labels = new Int32Array(B * T).fill(IGNORE_INDEX);
  const shortest = Math.ceil(S / 2);
  for (let row = 0; row < B; row++) {
    const n = Math.min(shortest + Math.floor(uniform() * (S - shortest)), T - 1);
    const tokens = Array.from({ length: n }, () => SEQ2SEQ.firstToken + Math.floor(uniform() * (c.vocabSize - SEQ2SEQ.firstToken)));
    sourceIds.set([...tokens, SEQ2SEQ.eos], row * S);
    sourceMask.fill(1, row * S, row * S + n + 1);
    inputIds.set([SEQ2SEQ.bos, ...tokens], row * T);
    labels.set([...tokens, SEQ2SEQ.eos], row * T);
  }
  return { inputIds, labels, attentionMask: new Int32Array(B * T).fill(1), sourceIds, sourceMask };
}

/** Random ids in [0, vocabSize), every position real; the labels are the ids themselves (the model shifts them). */
function makeGptBatch(c: TrainStepConfig, uniform: () => number): TrainBatch {
  const n = c.batchSize * c.seqLength;
  const inputIds = Int32Array.from({ length: n }, () => Math.floor(uniform() * c.vocabSize));
  return { inputIds, labels: inputIds.slice(), attentionMask: new Int32Array(n).fill(1) };
}

/** gpt2: the label each position's logits are scored against, labels[b, t + 1], and −100 at the last position (the loss over B·T rows then equals Hugging Face's over the shifted B·(T − 1)). */
export function nextTokenLabels(c: TrainStepConfig, labels: Int32Array): Int32Array {
  const T = c.seqLength;
  return labels.map((_, i) => (i % T === T - 1 ? IGNORE_INDEX : labels[i + 1]!));
}

/** Rows 0..length−1 of the sinusoidal table [length, d]: sin(pos / 10000^(2i/d)) at column 2i, cos at 2i + 1 (Vaswani et al. §3.5). */
export function sinusoidTable(length: number, d: number): Float32Array {
  const table = new Float32Array(length * d);
  for (let pos = 0; pos < length; pos++)
    for (let i = 0; i < d; i += 2) {
      const angle = pos / 10000 ** (i / d);
      table[pos * d + i] = Math.sin(angle);
      if (i + 1 < d) table[pos * d + i + 1] = Math.cos(angle);
    }
  return table;
}

/** y[rows, out] = x[rows, in]·Wᵀ + b, W stored [out, in] (float64); `conv1d`: W stored [in, out], y = x·W + b (GPT-2); no `b`: no bias. */
function linear(
  x: Float64Array,
  w: ArrayLike<number>,
  b: ArrayLike<number> | undefined,
  rows: number,
  out: number,
  inp: number,
  { conv1d = false } = {},
): Float64Array {
  const y = new Float64Array(rows * out);
  matmulReference(x, w, y, rows, out, inp, { transB: !conv1d });
  if (b) for (let r = 0; r < rows; r++) for (let j = 0; j < out; j++) y[r * out + j]! += b[j]!;
  return y;
}

function layerNorm(x: Float64Array, gamma: ArrayLike<number>, beta: ArrayLike<number>, rows: number, dim: number, eps: number): Float64Array {
  const y = new Float64Array(rows * dim);
  layerNormReference(x, gamma, beta, y, new Float64Array(rows), new Float64Array(rows), rows, dim, eps);
  return y;
}

function add(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((x, i) => x + b[i]!);
}

/** GELU, exact (BERT) or tanh (GPT-2's gelu_new). */
function gelu(x: Float64Array, approximate: 'none' | 'tanh' = 'none'): Float64Array {
  const y = new Float64Array(x.length);
  geluReference(x, y, approximate);
  return y;
}

function relu(x: Float64Array): Float64Array {
  const y = new Float64Array(x.length);
  reluReference(x, y);
  return y;
}

/** Columns [from, from + width) of x [rows, cols]. */
function columns(x: Float64Array, rows: number, cols: number, from: number, width: number): Float64Array {
  const y = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) y.set(x.subarray(r * cols + from, r * cols + from + width), r * width);
  return y;
}

/** [B, T, Nh, Dh] ↔ [B, Nh, T, Dh] (the attention reference's layout); `toHeads` picks the direction. */
function swapHeads(x: Float64Array, b: number, t: number, nh: number, dh: number, toHeads: boolean): Float64Array {
  const y = new Float64Array(x.length);
  for (let i = 0; i < b; i++)
    for (let s = 0; s < t; s++)
      for (let h = 0; h < nh; h++) {
        const tokenMajor = ((i * t + s) * nh + h) * dh;
        const headMajor = ((i * nh + h) * t + s) * dh;
        const [from, to] = toHeads ? [tokenMajor, headMajor] : [headMajor, tokenMajor];
        y.set(x.subarray(from, from + dh), to);
      }
  return y;
}

/** The attention of one problem without dropout (scale 1/√Dh). */
function attentionProblem(c: TrainStepConfig, tq: number, tk: number, causal: boolean, keyMask: ArrayLike<number> | null): AttentionProblem {
  const dh = c.hiddenSize / c.numAttentionHeads;
  return { batch: c.batchSize, heads: c.numAttentionHeads, tq, tk, dh, scale: 1 / Math.sqrt(dh), causal, keyMask, dropout: null };
}

/** Multi-head attention on token-major rows: q [B·Tq, H], k and v [B·Tk, H], heads side by side → [B·Tq, H]. */
function attention(s: AttentionProblem, q: Float64Array, k: Float64Array, v: Float64Array): Float64Array {
  const { batch: B, heads: NH, tq, tk, dh } = s;
  const out = new Float64Array(q.length);
  const toHeads = (x: Float64Array, t: number) => swapHeads(x, B, t, NH, dh, true);
  attentionReference(s, toHeads(q, tq), toHeads(k, tk), toHeads(v, tk), out, new Float64Array(B * NH * tq));
  return swapHeads(out, B, tq, NH, dh, false);
}

type Lookup = (name: string) => Float32Array;

/** BERT-named attention (`<prefix>.self.{query,key,value}`, `<prefix>.output.dense`) of x [B·Tq, H] over context [B·Tk, H], then residual and `<prefix>.output.LayerNorm` (post-LN). */
function postLnAttention(l: Lookup, prefix: string, x: Float64Array, context: Float64Array, s: AttentionProblem, eps: number): Float64Array {
  const H = s.heads * s.dh;
  const [rows, keys] = [s.batch * s.tq, s.batch * s.tk];
  const project = (name: string, input: Float64Array, n: number) =>
    linear(input, l(`${prefix}.self.${name}.weight`), l(`${prefix}.self.${name}.bias`), n, H, H);
  const heads = attention(s, project('query', x, rows), project('key', context, keys), project('value', context, keys));
  const attended = linear(heads, l(`${prefix}.output.dense.weight`), l(`${prefix}.output.dense.bias`), rows, H, H);
  return layerNorm(add(x, attended), l(`${prefix}.output.LayerNorm.weight`), l(`${prefix}.output.LayerNorm.bias`), rows, H, eps);
}

/** `intermediate.dense`, the activation, `output.dense`, then residual and `output.LayerNorm` (post-LN). */
function postLnFeedForward(c: TrainStepConfig, l: Lookup, x: Float64Array, activation: (h: Float64Array) => Float64Array): Float64Array {
  const { hiddenSize: H, intermediateSize: F, layerNormEps: eps } = c;
  const rows = x.length / H;
  const inner = activation(linear(x, l('intermediate.dense.weight'), l('intermediate.dense.bias'), rows, F, H));
  const fed = linear(inner, l('output.dense.weight'), l('output.dense.bias'), rows, H, F);
  return layerNorm(add(x, fed), l('output.LayerNorm.weight'), l('output.LayerNorm.bias'), rows, H, eps);
}

/** The mean (label-smoothed) cross-entropy of logits [rows, V] over the labels that are not −100. */
function crossEntropy(logits: Float64Array, labels: ArrayLike<number>, rows: number, vocab: number, smoothing: number): number {
  const loss = new Float64Array(1);
  crossEntropyReference(logits, labels, rows, vocab, IGNORE_INDEX, smoothing, loss, new Float64Array(rows));
  return loss[0]!;
}

/** The loss of the model at `params` on `batch`, in float64 from the src/reference loops: what every implementation's first step must report. */
export function referenceLoss(c: TrainStepConfig, params: Record<string, Float32Array>, batch: TrainBatch): number {
  if (c.model === 'transformer') return seq2seqReferenceLoss(c, params, batch);
  if (c.model === 'gpt2') return gptReferenceLoss(c, params, batch);
  const { batchSize: B, seqLength: T, hiddenSize: H, vocabSize: V, layerNormEps: eps } = c;
  const N = B * T;
  const p = (name: string) => params[name]!;
  const names = parameterNames(c);
  const embedded = new Float64Array(N * H);
  embeddingReference(p(names.words), batch.inputIds, V, H, embedded);
  const positions = p(names.positions);
  const first = firstPosition(c);
  const tokenType = names.tokenType ? p(names.tokenType) : new Float32Array(H); // row 0: every token's type is 0
  for (let r = 0; r < N; r++) for (let j = 0; j < H; j++) embedded[r * H + j]! += positions[(first + (r % T)) * H + j]! + tokenType[j]!;
  let x = layerNorm(embedded, p(`${names.embeddingsNorm}.weight`), p(`${names.embeddingsNorm}.bias`), N, H, eps);
  const problem = attentionProblem(c, T, T, false, batch.attentionMask);
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const l = (name: string) => p(`${names.layer(i)}.${name}`);
    x = postLnAttention(l, 'attention', x, x, problem, eps);
    x = postLnFeedForward(c, l, x, (h) => gelu(h));
  }
  // The gathered form: the head sees only the rows at maskedPositions, with maskedLabels.
  let [rows, labels] = [N, batch.labels];
  if (batch.maskedPositions && batch.maskedLabels) {
    const gathered = new Float64Array(batch.maskedPositions.length * H);
    for (const [slot, row] of batch.maskedPositions.entries()) gathered.set(x.subarray(row * H, (row + 1) * H), slot * H);
    [x, rows, labels] = [gathered, batch.maskedPositions.length, batch.maskedLabels];
  }
  const transformed = gelu(linear(x, p(`${names.headDense}.weight`), p(`${names.headDense}.bias`), rows, H, H));
  const h = layerNorm(transformed, p(`${names.headNorm}.weight`), p(`${names.headNorm}.bias`), rows, H, eps);
  return crossEntropy(linear(h, p(names.words), p(names.decoderBias), rows, V, H), labels, rows, V, 0);
}

/** The Transformer's label-smoothed loss (see the module comment). */
function seq2seqReferenceLoss(c: TrainStepConfig, params: Record<string, Float32Array>, batch: TrainBatch): number {
  const { batchSize: B, sourceLength: S, seqLength: T, hiddenSize: H, vocabSize: V, layerNormEps: eps } = c;
  const table = params['shared.weight']!;
  const positions = sinusoidTable(Math.max(S, T), H);
  const embed = (ids: Int32Array, length: number): Float64Array => {
    const x = new Float64Array(ids.length * H);
    embeddingReference(table, ids, V, H, x);
    for (let r = 0; r < ids.length; r++) for (let j = 0; j < H; j++) x[r * H + j] = x[r * H + j]! * Math.sqrt(H) + positions[(r % length) * H + j]!;
    return x;
  };
  const sourceMask = batch.sourceMask!;
  let memory = embed(batch.sourceIds!, S);
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const l = (name: string) => params[`encoder.layer.${i}.${name}`]!;
    memory = postLnAttention(l, 'attention', memory, memory, attentionProblem(c, S, S, false, sourceMask), eps);
    memory = postLnFeedForward(c, l, memory, relu);
  }
  let x = embed(batch.inputIds, T);
  for (let i = 0; i < c.decoderLayers; i++) {
    const l = (name: string) => params[`decoder.layer.${i}.${name}`]!;
    x = postLnAttention(l, 'self_attention', x, x, attentionProblem(c, T, T, true, null), eps);
    x = postLnAttention(l, 'cross_attention', x, memory, attentionProblem(c, T, S, false, sourceMask), eps);
    x = postLnFeedForward(c, l, x, relu);
  }
  return crossEntropy(linear(x, table, undefined, B * T, V, H), batch.labels, B * T, V, c.labelSmoothing);
}

/** GPT-2's causal-LM loss (see the module comment). */
function gptReferenceLoss(c: TrainStepConfig, params: Record<string, Float32Array>, batch: TrainBatch): number {
  const { batchSize: B, seqLength: T, hiddenSize: H, intermediateSize: F, vocabSize: V, layerNormEps: eps } = c;
  const N = B * T;
  const p = (name: string) => params[name]!;
  let x: Float64Array = new Float64Array(N * H);
  embeddingReference(p('transformer.wte.weight'), batch.inputIds, V, H, x);
  const wpe = p('transformer.wpe.weight');
  for (let r = 0; r < N; r++) for (let j = 0; j < H; j++) x[r * H + j]! += wpe[(r % T) * H + j]!;
  const problem = attentionProblem(c, T, T, true, null);
  const conv1d = { conv1d: true };
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const l = (name: string) => p(`transformer.h.${i}.${name}`);
    const qkv = linear(layerNorm(x, l('ln_1.weight'), l('ln_1.bias'), N, H, eps), l('attn.c_attn.weight'), l('attn.c_attn.bias'), N, 3 * H, H, conv1d);
    const part = (k: number) => columns(qkv, N, 3 * H, k * H, H);
    x = add(x, linear(attention(problem, part(0), part(1), part(2)), l('attn.c_proj.weight'), l('attn.c_proj.bias'), N, H, H, conv1d));
    const inner = gelu(linear(layerNorm(x, l('ln_2.weight'), l('ln_2.bias'), N, H, eps), l('mlp.c_fc.weight'), l('mlp.c_fc.bias'), N, F, H, conv1d), 'tanh');
    x = add(x, linear(inner, l('mlp.c_proj.weight'), l('mlp.c_proj.bias'), N, H, F, conv1d));
  }
  const h = layerNorm(x, p('transformer.ln_f.weight'), p('transformer.ln_f.bias'), N, H, eps);
  return crossEntropy(linear(h, p('transformer.wte.weight'), undefined, N, V, H), nextTokenLabels(c, batch.labels), N, V, 0);
}
