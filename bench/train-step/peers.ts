// The peer: the same encoder and AdamW written with @jax-js/jax. One `jit` holds the forward,
// `valueAndGrad`'s backward and the update of every parameter and moment; parameters and moments
// stay jax arrays on its device between steps, and only the loss is read back.
//
// jax-js takes ownership of every array passed to a function (reference counting, also while
// tracing): an array used n times is passed as `.ref` n − 1 times and plainly the last time.
import { type Array as JaxArray, defaultDevice, init as initJax, jit, nn, numpy as np, valueAndGrad } from '@jax-js/jax';
import { type TrainStepImpl, type TrainStepRunner, trainOneAtATime } from './bench.js';
import { IGNORE_INDEX, type TrainBatch, type TrainStepConfig, hasWeightDecay, parameterShapes } from './cases.js';

type Params = Record<string, JaxArray>;
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
function mlmLoss(c: TrainStepConfig, p: Params, inputIds: JaxArray, labels: JaxArray, attentionMask: JaxArray): JaxArray {
  const { batchSize: B, seqLength: T, hiddenSize: H, numAttentionHeads: NH, layerNormEps: eps } = c;
  const N = B * T;
  const Dh = H / NH;
  const words = p['bert.embeddings.word_embeddings.weight']!; // used twice: lookup and tied decoder
  const embedded = np.take(words.ref, inputIds, 0).add(p['bert.embeddings.position_embeddings.weight']!.reshape([1, T, H]));
  let x = layerNorm(embedded.reshape([N, H]), p['bert.embeddings.LayerNorm.weight']!, p['bert.embeddings.LayerNorm.bias']!, eps); // [N, H]
  const keyMask = attentionMask.notEqual(0).reshape([B, 1, 1, T]); // broadcast to [B, Nh, Tq, Tk]
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const l = (name: string) => p[`bert.encoder.layer.${i}.${name}`]!;
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
  const transformed = gelu(linear(x, p['cls.predictions.transform.dense.weight']!, p['cls.predictions.transform.dense.bias']!));
  const h = layerNorm(transformed, p['cls.predictions.transform.LayerNorm.weight']!, p['cls.predictions.transform.LayerNorm.bias']!, eps);
  const logits = linear(h, words, p['cls.predictions.bias']!); // [N, V]
  const flatLabels = labels.reshape([N]);
  const counted = flatLabels.ref.notEqual(IGNORE_INDEX);
  const targets = nn.oneHot(np.where(counted.ref, flatLabels, 0), c.vocabSize); // [N, V]; ignored rows weigh 0 below
  const nll = targets.mul(nn.logSoftmax(logits, -1)).sum(-1).neg(); // [N]
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
  const lossAndGrad = valueAndGrad((p: Params, ids: JaxArray, labels: JaxArray, mask: JaxArray) => mlmLoss(c, p, ids, labels, mask));
  return jit((params: Params, m: Params, v: Params, stepSize: JaxArray, rootBias2: JaxArray, ids: JaxArray, labels: JaxArray, mask: JaxArray) => {
    const [loss, grads] = lossAndGrad(Object.fromEntries(names.map((name) => [name, params[name]!.ref])), ids, labels, mask); // params are used again below
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

/** The encoder and AdamW in @jax-js/jax from `initial` (copied to the device); each step uploads its batch and reads back only the loss. */
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
    const ints = (values: Int32Array) => np.array(values, { shape: batchShape, dtype: np.int32 });
    const stepSize = np.array(c.learningRate / (1 - c.beta1 ** step), { dtype: np.float32 });
    const rootBias2 = np.array(Math.sqrt(1 - c.beta2 ** step), { dtype: np.float32 });
    const [loss, p, m1, v1] = trainStep(params, m, v, stepSize, rootBias2, ints(batch.inputIds), ints(batch.labels), ints(batch.attentionMask));
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
