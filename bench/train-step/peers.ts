// The peer: the same models (the BERT and RoBERTa encoders, RoBERTa's head on the gathered masked
// rows; the encoder-decoder Transformer; GPT-2) and AdamW written with @jax-js/jax. One `jit` holds
// the forward, `valueAndGrad`'s backward and the update of every parameter and moment; parameters
// and moments stay jax arrays on its device between steps, and only the loss is read back.
//
// jax-js takes ownership of every array passed to a function (reference counting, also while
// tracing): an array used n times is passed as `.ref` n − 1 times and plainly the last time.
import { type Array as JaxArray, defaultDevice, init as initJax, jit, nn, numpy as np, valueAndGrad } from '@jax-js/jax';
import { type TrainStepImpl, type TrainStepRunner, trainOneAtATime } from './bench.js';
import {
  IGNORE_INDEX,
  type TrainBatch,
  type TrainStepConfig,
  firstPosition,
  hasWeightDecay,
  nextTokenLabels,
  parameterNames,
  parameterShapes,
  sinusoidTable,
} from './cases.js';

type Params = Record<string, JaxArray>;
/**
 * One batch on the device: `ids`, `mask` [B, T]; `labels` [B, T] (bert) or [P] (roberta, with `positions`
 * [P], flat row·T + t). transformer: `ids` the target ids, `labels` [B, T], `sourceIds`, `sourceMask`
 * [B, S], `sinusoids` [max(S, T), d]; gpt2: `ids`, `labels` [B, T] already shifted (`nextTokenLabels`).
 */
type Inputs = Record<string, JaxArray>;
type Device = 'webgpu' | 'wasm' | 'cpu';

const initialised = new Map<Device, Promise<void>>();
function ready(device: Device): Promise<void> {
  let done = initialised.get(device);
  if (!done) {
    done = (async () => {
      const devices = await initJax(device);
      if (!devices.includes(device)) throw new Error(`@jax-js/jax: no ${device} device`);
      defaultDevice(device);
    })();
    initialised.set(device, done);
  }
  return done;
}

/** y[N, out] = x[N, in]·Wᵀ + b, W stored [out, in]. */
function linear(x: JaxArray, w: JaxArray, b: JaxArray): JaxArray {
  return np.matmul(x, w.transpose()).add(b);
}

/** LayerNorm over the last axis, variance from the deviations (jax-js's `nn.standardize` uses E[x²] − E[x]²). */
function layerNorm(x: JaxArray, gamma: JaxArray, beta: JaxArray, eps: number): JaxArray {
  const deviation = x.ref.sub(x.mean(-1, { keepdims: true }));
  const variance = np.square(deviation.ref).mean(-1, { keepdims: true });
  return deviation
    .div(np.sqrt(variance.add(eps)))
    .mul(gamma)
    .add(beta);
}

/** Exact GELU, x·Φ(x) (jax-js: x·erfc(−x/√2)/2). */
const gelu = (x: JaxArray) => nn.gelu(x, { approximate: false });

/** A parameter of one layer by its name inside the layer. */
type Layer = (name: string) => JaxArray;
/** The attention of one sublayer: Tq queries over Tk keys, the key mask [B, 1, 1, Tk] (consumed) or causal. */
interface AttentionShape {
  tq: number;
  tk: number;
  mask?: JaxArray;
  causal?: boolean;
}

/** BERT-named multi-head attention (`<prefix>.self.{query,key,value}`, `<prefix>.output.dense`): queries from x [B·Tq, H], keys and values from context [B·Tk, H] (both consumed) → [B·Tq, H]. */
function multiHeadAttention(c: TrainStepConfig, l: Layer, prefix: string, x: JaxArray, context: JaxArray, s: AttentionShape): JaxArray {
  const { batchSize: B, hiddenSize: H, numAttentionHeads: NH } = c;
  const project = (name: string, input: JaxArray, t: number) =>
    linear(input, l(`${prefix}.self.${name}.weight`), l(`${prefix}.self.${name}.bias`)).reshape([B, t, NH, H / NH]);
  const q = project('query', x, s.tq);
  const k = project('key', context.ref, s.tk);
  const v = project('value', context, s.tk);
  const heads = nn.dotProductAttention(q, k, v, { ...(s.mask ? { mask: s.mask } : {}), ...(s.causal ? { isCausal: true } : {}) }); // [B, Tq, Nh, Dh]
  return linear(heads.reshape([B * s.tq, H]), l(`${prefix}.output.dense.weight`), l(`${prefix}.output.dense.bias`));
}

/** Post-LN attention sublayer: LN(x + attention(x, context)) with `<prefix>.output.LayerNorm`; self-attention without `context` (consumes x, context). */
function postLnAttention(c: TrainStepConfig, l: Layer, prefix: string, x: JaxArray, context: JaxArray | undefined, s: AttentionShape): JaxArray {
  const attended = multiHeadAttention(c, l, prefix, x.ref, context ?? x.ref, s);
  return layerNorm(x.add(attended), l(`${prefix}.output.LayerNorm.weight`), l(`${prefix}.output.LayerNorm.bias`), c.layerNormEps);
}

/** Post-LN feed-forward sublayer: LN(x + output.dense(act(intermediate.dense(x)))) (consumes x). */
function postLnFeedForward(c: TrainStepConfig, l: Layer, x: JaxArray, activation: (h: JaxArray) => JaxArray): JaxArray {
  const inner = activation(linear(x.ref, l('intermediate.dense.weight'), l('intermediate.dense.bias')));
  const fed = linear(inner, l('output.dense.weight'), l('output.dense.bias'));
  return layerNorm(x.add(fed), l('output.LayerNorm.weight'), l('output.LayerNorm.bias'), c.layerNormEps);
}

/** The mean cross-entropy of logits [rows, V] over labels [rows] ≠ −100; with ε > 0 against (1 − ε)·onehot + ε/V, the label-smoothed loss. */
function crossEntropy(logits: JaxArray, labels: JaxArray, vocab: number, smoothing = 0): JaxArray {
  const flatLabels = labels.reshape([-1]);
  const counted = flatLabels.ref.notEqual(IGNORE_INDEX);
  let targets = nn.oneHot(np.where(counted.ref, flatLabels, 0), vocab); // [rows, V]; ignored rows weigh 0 below
  if (smoothing > 0) targets = targets.mul(1 - smoothing).add(smoothing / vocab);
  const nll = targets.mul(nn.logSoftmax(logits, -1)).sum(-1).neg(); // [rows]
  const weights = counted.astype(np.float32);
  return nll.mul(weights.ref).sum().div(weights.sum());
}

/** The mean masked-LM cross-entropy of the encoder at `p` (consumes every argument). */
function mlmLoss(c: TrainStepConfig, p: Params, inputs: Inputs): JaxArray {
  const { batchSize: B, seqLength: T, hiddenSize: H, layerNormEps: eps } = c;
  const N = B * T;
  const names = parameterNames(c);
  const words = p[names.words]!; // used twice: lookup and tied decoder
  const first = firstPosition(c);
  const positions = p[names.positions]!.slice([first, first + T]).reshape([1, T, H]); // roberta: padding_idx + 1 …
  let embedded = np.take(words.ref, inputs.ids!, 0).add(positions); // [B, T, H]
  if (names.tokenType) embedded = embedded.add(p[names.tokenType]!.reshape([1, 1, H])); // every token has type 0
  let x = layerNorm(embedded.reshape([N, H]), p[`${names.embeddingsNorm}.weight`]!, p[`${names.embeddingsNorm}.bias`]!, eps); // [N, H]
  const keyMask = inputs.mask!.notEqual(0).reshape([B, 1, 1, T]); // broadcast to [B, Nh, Tq, Tk]
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const l = (name: string) => p[`${names.layer(i)}.${name}`]!;
    x = postLnAttention(c, l, 'attention', x, undefined, { tq: T, tk: T, mask: keyMask.ref });
    x = postLnFeedForward(c, l, x, gelu);
  }
  keyMask.dispose();
  // The gathered form: the head runs on the P masked rows only (their gradient scatter-adds back).
  if (inputs.positions) x = np.take(x, inputs.positions, 0).mul(np.ones([1, H])); // [P, H]
  const transformed = gelu(linear(x, p[`${names.headDense}.weight`]!, p[`${names.headDense}.bias`]!));
  const h = layerNorm(transformed, p[`${names.headNorm}.weight`]!, p[`${names.headNorm}.bias`]!, eps);
  return crossEntropy(linear(h, words, p[names.decoderBias]!), inputs.labels!, c.vocabSize); // [rows, V]
}

/** The Transformer's label-smoothed loss at `p` (consumes every argument): shared table, √d-scaled embeddings plus sinusoids, post-LN ReLU layers, tied output. */
function seq2seqLoss(c: TrainStepConfig, p: Params, inputs: Inputs): JaxArray {
  const { batchSize: B, sourceLength: S, seqLength: T, hiddenSize: H } = c;
  const table = p['shared.weight']!; // used three times: source and target lookups, output projection
  const sinusoids = inputs.sinusoids!;
  const embed = (ids: JaxArray, length: number) =>
    np
      .take(table.ref, ids, 0)
      .mul(Math.sqrt(H))
      .add(sinusoids.ref.slice([0, length]).reshape([1, length, H]))
      .reshape([B * length, H]);
  let memory = embed(inputs.sourceIds!, S);
  const sourceMask = inputs.sourceMask!.notEqual(0).reshape([B, 1, 1, S]);
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const l = (name: string) => p[`encoder.layer.${i}.${name}`]!;
    memory = postLnAttention(c, l, 'attention', memory, undefined, { tq: S, tk: S, mask: sourceMask.ref });
    memory = postLnFeedForward(c, l, memory, nn.relu);
  }
  let x = embed(inputs.ids!, T);
  sinusoids.dispose();
  for (let i = 0; i < c.decoderLayers; i++) {
    const l = (name: string) => p[`decoder.layer.${i}.${name}`]!;
    x = postLnAttention(c, l, 'self_attention', x, undefined, { tq: T, tk: T, causal: true }); // targets are right-padded: causal suffices
    x = postLnAttention(c, l, 'cross_attention', x, memory.ref, { tq: T, tk: S, mask: sourceMask.ref });
    x = postLnFeedForward(c, l, x, nn.relu);
  }
  memory.dispose();
  sourceMask.dispose();
  return crossEntropy(np.matmul(x, table.transpose()), inputs.labels!, c.vocabSize, c.labelSmoothing); // [B·T, V]
}

/** GPT-2's causal-LM loss at `p` (consumes every argument): pre-LN blocks, q k v from one Conv1D (W [in, out]), tanh GELU, lm_head tied to wte. */
function gptLoss(c: TrainStepConfig, p: Params, inputs: Inputs): JaxArray {
  const { batchSize: B, seqLength: T, hiddenSize: H, numAttentionHeads: NH, layerNormEps: eps } = c;
  const N = B * T;
  const wte = p['transformer.wte.weight']!; // used twice: lookup and lm_head
  const conv1d = (x: JaxArray, w: JaxArray, b: JaxArray) => np.matmul(x, w).add(b);
  const positions = p['transformer.wpe.weight']!.slice([0, T]).reshape([1, T, H]);
  let x = np.take(wte.ref, inputs.ids!, 0).add(positions).reshape([N, H]);
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const l = (name: string) => p[`transformer.h.${i}.${name}`]!;
    const qkv = conv1d(layerNorm(x.ref, l('ln_1.weight'), l('ln_1.bias'), eps), l('attn.c_attn.weight'), l('attn.c_attn.bias')); // [N, 3H]
    const part = (k: number, from: JaxArray) => from.slice([], [k * H, (k + 1) * H]).reshape([B, T, NH, H / NH]);
    const heads = nn.dotProductAttention(part(0, qkv.ref), part(1, qkv.ref), part(2, qkv), { isCausal: true });
    x = x.add(conv1d(heads.reshape([N, H]), l('attn.c_proj.weight'), l('attn.c_proj.bias')));
    const inner = nn.gelu(conv1d(layerNorm(x.ref, l('ln_2.weight'), l('ln_2.bias'), eps), l('mlp.c_fc.weight'), l('mlp.c_fc.bias')), { approximate: true });
    x = x.add(conv1d(inner, l('mlp.c_proj.weight'), l('mlp.c_proj.bias')));
  }
  const h = layerNorm(x, p['transformer.ln_f.weight']!, p['transformer.ln_f.bias']!, eps);
  return crossEntropy(np.matmul(h, wte.transpose()), inputs.labels!, c.vocabSize); // [N, V] against the next tokens
}

const LOSSES = { bert: mlmLoss, roberta: mlmLoss, transformer: seq2seqLoss, gpt2: gptLoss };

/**
 * One jitted function: loss and gradients (`valueAndGrad`), then torch AdamW on every parameter:
 * p ← p·(1 − lr·wd) where decayed; m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g²;
 * p ← p − (lr / (1 − β1ᵗ))·m / (√v / √(1 − β2ᵗ) + eps). The two bias corrections come in as scalars.
 */
function makeTrainStep(c: TrainStepConfig) {
  const names = parameterShapes(c).map(([name]) => name);
  const loss = LOSSES[c.model];
  const lossAndGrad = valueAndGrad((p: Params, inputs: Inputs) => loss(c, p, inputs));
  return jit((params: Params, m: Params, v: Params, stepSize: JaxArray, rootBias2: JaxArray, inputs: Inputs) => {
    const [loss, grads] = lossAndGrad(Object.fromEntries(names.map((name) => [name, params[name]!.ref])), inputs); // params are used again below
    const next: { params: Params; m: Params; v: Params } = { params: {}, m: {}, v: {} };
    for (const name of names) {
      const g = grads[name]!;
      const m1 = m[name]!.mul(c.beta1).add(g.ref.mul(1 - c.beta1));
      const v1 = v[name]!.mul(c.beta2).add(np.square(g).mul(1 - c.beta2));
      const update = m1.ref.mul(stepSize.ref).div(np.sqrt(v1.ref).div(rootBias2.ref).add(c.adamEps));
      const decayed = hasWeightDecay(name) ? params[name]!.mul(1 - c.learningRate * c.weightDecay) : params[name]!;
      next.params[name] = decayed.sub(update);
      next.m[name] = m1;
      next.v[name] = v1;
    }
    stepSize.dispose();
    rootBias2.dispose();
    return [loss, next.params, next.m, next.v] as [JaxArray, Params, Params, Params];
  });
}

/** The model and AdamW in @jax-js/jax from `initial` (copied to the device); each step uploads its batch and reads back only the loss. */
export async function createJaxTrainStep(c: TrainStepConfig, initial: Record<string, Float32Array>, device: Device = 'webgpu'): Promise<TrainStepRunner> {
  await ready(device);
  const shapes = parameterShapes(c);
  const upload = (values: Float32Array, shape: number[]) => np.array(values, { shape, dtype: np.float32 });
  let params: Params = {};
  let m: Params = {};
  let v: Params = {};
  for (const [name, shape] of shapes) {
    const values = initial[name];
    if (!values) throw new Error(`@jax-js/jax train step: no initial value for ${name}`);
    params[name] = upload(values, shape);
    m[name] = np.zeros(shape, { dtype: np.float32 });
    v[name] = np.zeros(shape, { dtype: np.float32 });
  }
  const trainStep = makeTrainStep(c);
  const batchShape = [c.batchSize, c.seqLength];
  let step = 0;
  const runStep = async (batch: TrainBatch): Promise<number> => {
    step++;
    const ints = (values: Int32Array, shape = batchShape) => np.array(values, { shape, dtype: np.int32 });
    const stepSize = np.array(c.learningRate / (1 - c.beta1 ** step), { dtype: np.float32 });
    const rootBias2 = np.array(Math.sqrt(1 - c.beta2 ** step), { dtype: np.float32 });
    const inputs: Inputs = { ids: ints(batch.inputIds) };
    if (c.model === 'roberta') {
      const [positions, labels] = [batch.maskedPositions!, batch.maskedLabels!];
      Object.assign(inputs, { mask: ints(batch.attentionMask), positions: ints(positions, [positions.length]), labels: ints(labels, [labels.length]) });
    } else if (c.model === 'transformer') {
      const source = [c.batchSize, c.sourceLength];
      const length = Math.max(c.sourceLength, c.seqLength);
      Object.assign(inputs, {
        labels: ints(batch.labels),
        sourceIds: ints(batch.sourceIds!, source),
        sourceMask: ints(batch.sourceMask!, source),
        sinusoids: np.array(sinusoidTable(length, c.hiddenSize), { shape: [length, c.hiddenSize], dtype: np.float32 }),
      });
    } else if (c.model === 'gpt2') inputs.labels = ints(nextTokenLabels(c, batch.labels));
    else Object.assign(inputs, { mask: ints(batch.attentionMask), labels: ints(batch.labels) });
    const [loss, p, m1, v1] = trainStep(params, m, v, stepSize, rootBias2, inputs);
    [params, m, v] = [p, m1, v1];
    return (await loss.data())[0]!; // data() consumes the loss
  };
  return {
    train: (batch, steps) => trainOneAtATime(runStep, batch, steps),
    dispose() {
      for (const tree of [params, m, v]) for (const a of Object.values(tree)) a.dispose();
      trainStep.dispose();
    },
  };
}

export const peerTrainStepImpls: TrainStepImpl[] = [{ impl: '@jax-js/jax', create: (config, params) => createJaxTrainStep(config, params) }];
