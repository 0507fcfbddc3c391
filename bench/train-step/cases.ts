// The train-step cases: a BERT-style encoder trained with masked-language modelling, its
// parameters (Hugging Face BertForMaskedLM or RobertaForMaskedLM names), a seeded batch, and a
// float64 CPU forward that gives the loss of the first step (the check every implementation's first
// loss is compared with).
//
// A step is forward + backward + AdamW update on one batch, reading back only the loss.
// Post-LN encoder: x = LN(E[ids] + P[0..T)); per layer x = LN(x + Attn(x)), x = LN(x + FFN(x));
// head h = LN(gelu(x·Wtᵀ + bt)), logits = h·Eᵀ + bias (decoder tied to the word embeddings);
// loss = mean cross-entropy over the positions whose label is not −100. No dropout, exact GELU.
// RoBERTa differs in the embeddings (positions padding_idx + 1 … padding_idx + T, plus the one
// token-type row) and runs its head only on the P gathered masked rows (`masked_positions`).
import { normalInit } from '../../src/index.js';
import { geluReference } from '../../src/reference/activation.js';
import { type AttentionProblem, attentionReference } from '../../src/reference/attention.js';
import { embeddingReference } from '../../src/reference/embedding.js';
import { matmulReference } from '../../src/reference/gemm.js';
import { crossEntropyReference } from '../../src/reference/loss.js';
import { layerNormReference } from '../../src/reference/norm.js';

/** The model (Hugging Face BertConfig field names, camel-cased), the batch and the optimiser of a case. */
export interface TrainStepConfig {
  /** `bert`: BertForMaskedLM, labels [B, T], the head on every row; `roberta`: RobertaForMaskedLM, the head on the gathered masked rows. */
  model: 'bert' | 'roberta';
  /** bert: bytes 0..255, [PAD] 256, [MASK] 257, [CLS] 258, [SEP] 259; roberta: `<s> <pad> </s> <unk> <mask>` 0..4, then BPE tokens. */
  vocabSize: number;
  hiddenSize: number;
  numAttentionHeads: number;
  intermediateSize: number;
  numHiddenLayers: number;
  maxPositionEmbeddings: number;
  /** 0 (no token-type embeddings) for bert, 1 for roberta (KantaiBERT's config). */
  typeVocabSize: number;
  /** roberta: the padding id; positions start at padTokenId + 1 (Hugging Face's create_position_ids_from_input_ids). */
  padTokenId: number;
  /** roberta: masked-position slots per sequence; the gathered form has P = batchSize · maxPredictions rows. */
  maxPredictions: number;
  layerNormEps: number;
  batchSize: number;
  /** Tokens per sequence (≤ maxPositionEmbeddings). */
  seqLength: number;
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

function makeCase(layers: number, hidden: number, batch: number, seq: number): TrainStepCase {
  const config: TrainStepConfig = {
    model: 'bert',
    vocabSize: 260,
    hiddenSize: hidden,
    numAttentionHeads: 4,
    intermediateSize: 4 * hidden,
    numHiddenLayers: layers,
    maxPositionEmbeddings: seq,
    typeVocabSize: 0,
    padTokenId: 256,
    maxPredictions: 0,
    layerNormEps: 1e-12,
    batchSize: batch,
    seqLength: seq,
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

/** The benchmark cases, and a small one for smoke runs (`--case L1`). */
export const trainStepCases: TrainStepCase[] = [makeCase(2, 128, 16, 64), makeCase(1, 64, 8, 32), makeRobertaCase(2, 128, 3000, 16, 64)];

/** Every parameter with its shape, in BertForMaskedLM's or RobertaForMaskedLM's order (transformers 5); a Linear weight is [out, in] (y = x·Wᵀ + b). */
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
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const layer = `${base}.encoder.layer.${i}`;
    shapes.push(
      ...linear(`${layer}.attention.self.query`, H, H),
      ...linear(`${layer}.attention.self.key`, H, H),
      ...linear(`${layer}.attention.self.value`, H, H),
      ...linear(`${layer}.attention.output.dense`, H, H),
      ...layerNorm(`${layer}.attention.output.LayerNorm`),
      ...linear(`${layer}.intermediate.dense`, F, H),
      ...linear(`${layer}.output.dense`, H, F),
      ...layerNorm(`${layer}.output.LayerNorm`),
    );
  }
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

/** Whether AdamW decays a parameter: not biases, not LayerNorm weights (Hugging Face's `no_decay`). */
export function hasWeightDecay(name: string): boolean {
  return !name.endsWith('.bias') && !name.includes('LayerNorm');
}

/** BERT's initialisation: normal(0, 0.02) for weights and embeddings (seed + parameter index), zero biases, LayerNorm γ = 1, β = 0 (RoBERTa: the padding rows of both embeddings zero, as Hugging Face's padding_idx). */
export function initialParameters(c: TrainStepConfig, seed: number): Record<string, Float32Array> {
  const params: Record<string, Float32Array> = {};
  for (const [index, [name, shape]] of parameterShapes(c).entries()) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (name.includes('LayerNorm')) params[name] = new Float32Array(size).fill(name.endsWith('.weight') ? 1 : 0);
    else if (name.endsWith('.bias')) params[name] = new Float32Array(size);
    else params[name] = normalInit(shape, { std: 0.02, seed: (seed + index) >>> 0 });
    if (c.model === 'roberta' && /(word|position)_embeddings/.test(name)) params[name]!.fill(0, c.padTokenId * c.hiddenSize, (c.padTokenId + 1) * c.hiddenSize);
  }
  return params;
}

/** One batch, [batchSize, seqLength] row-major each. */
export interface TrainBatch {
  inputIds: Int32Array;
  /** The original id at the masked positions, −100 elsewhere. */
  labels: Int32Array;
  /** 1 = attend to this key; all ones here (no padding). */
  attentionMask: Int32Array;
  /** roberta: the gathered form, [B·maxPredictions] flat row·T + t; unused slots point at the row's first position. */
  maskedPositions?: Int32Array;
  /** roberta: the original ids at `maskedPositions`, −100 in unused slots. */
  maskedLabels?: Int32Array;
}

/** bert: random byte ids; 15% of positions masked: their label is the id and their input [MASK]. roberta: see `makeRobertaBatch`. */
export function makeBatch(c: TrainStepConfig, uniform: () => number): TrainBatch {
  if (c.model === 'roberta') return makeRobertaBatch(c, uniform);
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

/** y[rows, out] = x[rows, in]·Wᵀ + b, W stored [out, in] (float64). */
function linear(x: Float64Array, w: ArrayLike<number>, b: ArrayLike<number>, rows: number, out: number, inp: number): Float64Array {
  const y = new Float64Array(rows * out);
  matmulReference(x, w, y, rows, out, inp, { transB: true });
  for (let r = 0; r < rows; r++) for (let j = 0; j < out; j++) y[r * out + j]! += b[j]!;
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

function gelu(x: Float64Array): Float64Array {
  const y = new Float64Array(x.length);
  geluReference(x, y, 'none');
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

/** The loss of the model at `params` on `batch`, in float64 from the src/reference loops: what every implementation's first step must report. */
export function referenceLoss(c: TrainStepConfig, params: Record<string, Float32Array>, batch: TrainBatch): number {
  const { batchSize: B, seqLength: T, hiddenSize: H, intermediateSize: F, vocabSize: V, numAttentionHeads: NH, layerNormEps: eps } = c;
  const N = B * T;
  const Dh = H / NH;
  const p = (name: string) => params[name]!;
  const names = parameterNames(c);
  const embedded = new Float64Array(N * H);
  embeddingReference(p(names.words), batch.inputIds, V, H, embedded);
  const positions = p(names.positions);
  const first = firstPosition(c);
  const tokenType = names.tokenType ? p(names.tokenType) : new Float32Array(H); // row 0: every token's type is 0
  for (let r = 0; r < N; r++) for (let j = 0; j < H; j++) embedded[r * H + j]! += positions[(first + (r % T)) * H + j]! + tokenType[j]!;
  let x = layerNorm(embedded, p(`${names.embeddingsNorm}.weight`), p(`${names.embeddingsNorm}.bias`), N, H, eps);
  const problem: AttentionProblem = {
    batch: B,
    heads: NH,
    tq: T,
    tk: T,
    dh: Dh,
    scale: 1 / Math.sqrt(Dh),
    causal: false,
    keyMask: batch.attentionMask,
    dropout: null,
  };
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const l = (name: string) => p(`${names.layer(i)}.${name}`);
    const project = (name: string) => swapHeads(linear(x, l(`attention.self.${name}.weight`), l(`attention.self.${name}.bias`), N, H, H), B, T, NH, Dh, true); // [B, Nh, T, Dh]
    const heads = new Float64Array(N * H);
    attentionReference(problem, project('query'), project('key'), project('value'), heads, new Float64Array(B * NH * T));
    const merged = swapHeads(heads, B, T, NH, Dh, false); // [B·T, H]
    const attended = linear(merged, l('attention.output.dense.weight'), l('attention.output.dense.bias'), N, H, H);
    x = layerNorm(add(x, attended), l('attention.output.LayerNorm.weight'), l('attention.output.LayerNorm.bias'), N, H, eps);
    const inner = gelu(linear(x, l('intermediate.dense.weight'), l('intermediate.dense.bias'), N, F, H));
    const fed = linear(inner, l('output.dense.weight'), l('output.dense.bias'), N, H, F);
    x = layerNorm(add(x, fed), l('output.LayerNorm.weight'), l('output.LayerNorm.bias'), N, H, eps);
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
  const logits = linear(h, p(names.words), p(names.decoderBias), rows, V, H);
  const loss = new Float64Array(1);
  crossEntropyReference(logits, labels, rows, V, IGNORE_INDEX, 0, loss, new Float64Array(rows));
  return loss[0]!;
}
