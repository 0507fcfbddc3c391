// The run the checkpoint tests resume: a 2-layer BERT (hidden 32, dropout 0.1 on), AdamW with a
// warm-up schedule and clipping, trained on mlmBatches from a random token stream. Used in Node
// (CPU), in the GPU cases (Chromium and Dawn) and by the reload test's page.
import {
  AdamW,
  type Backend,
  type Batch,
  BertForMaskedLM,
  type BertConfig,
  type MlmBatchesState,
  ParameterStore,
  type TrainStep,
  createTrainStep,
  linearWarmupDecay,
  mlmBatches,
} from '../../src/index.js';

export const B = 3;
export const T = 12;
export const CONFIG: BertConfig = {
  vocab_size: 50,
  hidden_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  intermediate_size: 64,
  max_position_embeddings: T,
  type_vocab_size: 0,
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
};
const CLS = 47;
const SEP = 48;
const MASK = 46;

/** A token stream of ids in [0, 45) from a small LCG (fixed: every runtime gets the same stream). */
export const TOKENS = (() => {
  const tokens = new Int32Array(2000);
  let x = 12345;
  for (let i = 0; i < tokens.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    tokens[i] = (x >>> 16) % 45;
  }
  return tokens;
})();

/** Training batches with the position methods of the `mlmBatches` stream under them (as `train()` wants for resuming). */
export interface ResumableBatches extends Iterable<Batch> {
  getState(): MlmBatchesState;
  setState(state: MlmBatchesState): void;
}

/** mlmBatches over TOKENS (30% masked, so every batch has labels), renamed to the model's inputs. */
export function trainingBatches(seed = 9, [batchSize, seqLength]: readonly [number, number] = [B, T]): ResumableBatches {
  const stream = mlmBatches(TOKENS, { batchSize, seqLength, seed, clsId: CLS, sepId: SEP, maskId: MASK, randomTokenRange: 45, probability: 0.3 });
  const iterator: Iterator<Batch> = {
    next: () => {
      const b = stream.next().value;
      return { done: false, value: { input_ids: b.inputIds, labels: b.labels, attention_mask: b.attentionMask } };
    },
  };
  return { [Symbol.iterator]: () => iterator, getState: () => stream.getState(), setState: (state) => stream.setState(state) };
}

export interface BuildOptions {
  mode?: 'compiled' | 'eager';
  accumulationSteps?: number;
  config?: Partial<BertConfig>;
  /** [B, T] (default [3, 12]). */
  shape?: readonly [number, number];
}

/** A fresh model, parameters (seed 5) and step (dropout key 11) on `backend`: built from scratch every time. */
export function buildRun(backend: Backend, options: BuildOptions = {}): { step: TrainStep; parameters: ParameterStore } {
  const model = new BertForMaskedLM({ ...CONFIG, ...options.config });
  const parameters = ParameterStore.create(backend, model.parameters(), { seed: 5 });
  const spec = { shape: [...(options.shape ?? [B, T])], dtype: 'i32' } as const;
  const step = createTrainStep({
    parameters,
    inputs: { input_ids: spec, labels: spec, attention_mask: spec },
    loss: (x) => model.loss(x),
    optimizer: new AdamW({ lr: linearWarmupDecay({ peakLr: 3e-3, warmupSteps: 3, totalSteps: 20 }), weightDecay: 0.01 }),
    maxGradNorm: 1,
    seed: 11,
    ...(options.mode ? { mode: options.mode } : {}),
    ...(options.accumulationSteps ? { accumulationSteps: options.accumulationSteps } : {}),
  });
  return { step, parameters };
}

/** The bits of every float, so equality is bit for bit (NaN payloads and −0 included). */
export function bits(values: Float32Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

/** Indices where two runs' losses differ by `Object.is`, and the parameters whose bits differ. */
export async function differences(
  losses: readonly number[],
  want: readonly number[],
  parameters: ParameterStore,
  wantParameters: Record<string, Float32Array>,
): Promise<string[]> {
  const problems: string[] = [];
  if (losses.length !== want.length) problems.push(`${losses.length} losses, want ${want.length}`);
  want.forEach((w, i) => {
    if (!Object.is(losses[i], w)) problems.push(`loss ${i}: ${losses[i]} vs ${w}`);
  });
  const got = await parameters.toRecord();
  for (const [name, values] of Object.entries(wantParameters)) {
    const a = bits(got[name]!);
    const b = bits(values);
    const at = a.findIndex((v, i) => v !== b[i]);
    if (a.length !== b.length || at >= 0) problems.push(`parameter ${name} differs at [${at}]: ${got[name]![at]} vs ${values[at]}`);
  }
  return problems;
}
