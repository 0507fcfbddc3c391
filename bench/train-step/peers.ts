// The peer: the same encoders (BERT, and RoBERTa with its head on the gathered masked rows) and
// AdamW written with @jax-js/jax. One `jit` holds the forward,
// `valueAndGrad`'s backward and the update of every parameter and moment; parameters and moments
// stay jax arrays on its device between steps, and only the loss is read back.
//
// jax-js takes ownership of every array passed to a function (reference counting, also while
// tracing): an array used n times is passed as `.ref` n − 1 times and plainly the last time.
import { type Array as JaxArray, defaultDevice, init as initJax, jit, nn, numpy as np, valueAndGrad } from '@jax-js/jax';
import { type TrainStepImpl, type TrainStepRunner, trainOneAtATime } from './bench.js';
import { IGNORE_INDEX, type TrainBatch, type TrainStepConfig, firstPosition, hasWeightDecay, parameterNames, parameterShapes } from './cases.js';

type Params = Record<string, JaxArray>;
/** One batch on the device: `ids`, `mask` [B, T]; `labels` [B, T] (bert) or [P] (roberta, with `positions` [P], flat row·T + t). */
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

/** The mean masked-LM cross-entropy of the encoder at `p` (consumes every argument). */
function mlmLoss(c: TrainStepConfig, p: Params, inputs: Inputs): JaxArray {
  const { batchSize: B, seqLength: T, hiddenSize: H, numAttentionHeads: NH, layerNormEps: eps } = c;
  const N = B * T;
  const Dh = H / NH;
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
    const project = (name: string) => linear(x.ref, l(`attention.self.${name}.weight`), l(`attention.self.${name}.bias`)).reshape([B, T, NH, Dh]);
    const q = project('query');
    const k = project('key');
    const v = project('value');
    const heads = nn.dotProductAttention(q, k, v, { mask: keyMask.ref }); // [B, T, Nh, Dh]
    const attended = linear(heads.reshape([N, H]), l('attention.output.dense.weight'), l('attention.output.dense.bias'));
    x = layerNorm(x.add(attended), l('attention.output.LayerNorm.weight'), l('attention.output.LayerNorm.bias'), eps);
    const inner = gelu(linear(x.ref, l('intermediate.dense.weight'), l('intermediate.dense.bias'))); // [N, F]
    const fed = linear(inner, l('output.dense.weight'), l('output.dense.bias'));
    x = layerNorm(x.add(fed), l('output.LayerNorm.weight'), l('output.LayerNorm.bias'), eps);
  }
  keyMask.dispose();
  // The gathered form: the head runs on the P masked rows only (their gradient scatter-adds back).
  if (inputs.positions) x = np.take(x, inputs.positions, 0).mul(np.ones([1, H])); // [P, H]
  const transformed = gelu(linear(x, p[`${names.headDense}.weight`]!, p[`${names.headDense}.bias`]!));
  const h = layerNorm(transformed, p[`${names.headNorm}.weight`]!, p[`${names.headNorm}.bias`]!, eps);
  const logits = linear(h, words, p[names.decoderBias]!); // [rows, V]
  const flatLabels = inputs.labels!.reshape([-1]);
  const counted = flatLabels.ref.notEqual(IGNORE_INDEX);
  const targets = nn.oneHot(np.where(counted.ref, flatLabels, 0), c.vocabSize); // [rows, V]; ignored rows weigh 0 below
  const nll = targets.mul(nn.logSoftmax(logits, -1)).sum(-1).neg(); // [rows]
  const weights = counted.astype(np.float32);
  return nll.mul(weights.ref).sum().div(weights.sum());
}

/**
 * One jitted function: loss and gradients (`valueAndGrad`), then torch AdamW on every parameter:
 * p ← p·(1 − lr·wd) where decayed; m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g²;
 * p ← p − (lr / (1 − β1ᵗ))·m / (√v / √(1 − β2ᵗ) + eps). The two bias corrections come in as scalars.
 */
function makeTrainStep(c: TrainStepConfig) {
  const names = parameterShapes(c).map(([name]) => name);
  const lossAndGrad = valueAndGrad((p: Params, inputs: Inputs) => mlmLoss(c, p, inputs));
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
    const inputs: Inputs = { ids: ints(batch.inputIds), mask: ints(batch.attentionMask) };
    if (c.model === 'roberta') {
      const [positions, labels] = [batch.maskedPositions!, batch.maskedLabels!];
      Object.assign(inputs, { positions: ints(positions, [positions.length]), labels: ints(labels, [labels.length]) });
    } else inputs.labels = ints(batch.labels);
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
