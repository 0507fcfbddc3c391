// The checks of BertForMaskedLM.forward and the inference runner, written once against a backend:
// test/infer/inference.test.ts runs them on the CPU (Node), inference.cases.ts on WebGPU (Chromium, Dawn).
import { type Backend, type BertConfig, BertForMaskedLM, ParameterStore, createInference } from '../../src/index.js';
import type { CaseContext, Rng, Tolerance } from '../harness/cases.js';

export const B = 2;
export const T = 7;
/** Real tokens of each row: row 1 ends in two padded positions. */
export const LENGTHS = [T, T - 2];
export const CONFIG: BertConfig = {
  vocab_size: 50,
  hidden_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  intermediate_size: 64,
  max_position_embeddings: 16,
  type_vocab_size: 2,
  // Dropout on, as a model is built for training: the runner must switch it off.
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  // Wider than BERT's 0.02 so the attention rows are far from uniform and the logits spread out.
  initializer_range: 0.3,
};
const H = CONFIG.num_attention_heads!;
const HIDDEN = CONFIG.hidden_size!;
const DH = HIDDEN / H;

/** The checks a case or a vitest test makes. */
export type Checks = Pick<CaseContext, 'expectClose' | 'expectTrue'>;

/** A random batch: ids, ~half the positions labelled, segments, row 1 padded at the end. */
export function makeBatch(rng: Rng): Record<'input_ids' | 'attention_mask' | 'token_type_ids' | 'labels', Int32Array> {
  const n = B * T;
  const input_ids = new Int32Array(n).map(() => Math.floor(rng.uniform(0, CONFIG.vocab_size)));
  const attention_mask = new Int32Array(n).map((_, i) => (i % T < LENGTHS[Math.floor(i / T)]! ? 1 : 0));
  const token_type_ids = new Int32Array(n).map((_, i) => (i % T >= 3 ? 1 : 0));
  const labels = new Int32Array(n).map(() => (rng.next() < 0.5 ? Math.floor(rng.uniform(0, CONFIG.vocab_size)) : -100));
  labels[1] = input_ids[1]!;
  return { input_ids, attention_mask, token_type_ids, labels };
}

/** The model and its parameters (seed 7) on `backend`: the same values on every backend (drawn on the CPU). */
export function makeModel(backend: Backend): { model: BertForMaskedLM; parameters: ParameterStore } {
  const model = new BertForMaskedLM(CONFIG);
  return { model, parameters: ParameterStore.create(backend, model.parameters(), { seed: 7 }) };
}

const spec = { shape: [B, T], dtype: 'i32' } as const;
const INPUTS = { input_ids: spec, attention_mask: spec, token_type_ids: spec, labels: spec };

/** A runner with every output of the new forward and, beside it, the old `logits()`, `loss()` and `BertModel.forward`. */
export function makeRunner(model: BertForMaskedLM, parameters: ParameterStore) {
  return createInference({
    parameters,
    inputs: INPUTS,
    model,
    outputs: (x) => {
      const out = model.forward(x, { outputHiddenStates: true, outputAttentions: true });
      return {
        logits: out.logits,
        loss: out.loss!,
        hiddenStates: out.hiddenStates!,
        attentions: out.attentions!,
        oldLogits: model.logits(x),
        oldLoss: model.loss(x),
        last: model.bert.forward(x),
      };
    },
  });
}

const EXACT: Tolerance = { atol: 0, rtol: 0 };
// Probabilities from the graph's f32 ops against float64 from the same f32 hidden states and weights:
// a few f32 roundings of O(1) scores, so ~1e-6; 1e-5 leaves room, a wrong mask or scale is off by ≥ 1e-2.
export const PROBABILITY_TOLERANCE: Tolerance = { atol: 1e-5, rtol: 0 };

/** Runs the forward on `backend` and checks it: shapes, old and new paths equal, the attention probabilities against float64, memory flat. */
export async function checkForward(checks: Checks, backend: Backend, rng: Rng): Promise<void> {
  const { model, parameters } = makeModel(backend);
  const runner = makeRunner(model, parameters);
  try {
    checks.expectTrue('model left in training mode', model.training, 'createInference must restore the training flag');
    const batch = makeBatch(rng);
    const out = await runner.run(batch);
    const V = CONFIG.vocab_size;
    checks.expectTrue('logits shape', same(out.logits.shape, [B, T, V]), `got [${out.logits.shape}]`);
    checks.expectClose('forward logits = logits() reshaped', out.logits.data, out.oldLogits.data, EXACT);
    checks.expectTrue('loss shape', out.loss.shape.length === 0 && Number.isFinite(out.loss.data[0]!), `got [${out.loss.shape}] ${out.loss.data[0]}`);
    checks.expectClose('forward loss = loss()', out.loss.data, out.oldLoss.data, EXACT);
    const L = CONFIG.num_hidden_layers!;
    checks.expectTrue('hiddenStates: L + 1 entries', out.hiddenStates.length === L + 1, `got ${out.hiddenStates.length}`);
    checks.expectClose('hiddenStates[L] = BertModel.forward', out.hiddenStates[L]!.data, out.last.data, EXACT);
    checks.expectTrue('attentions: one per layer', out.attentions.length === L, `got ${out.attentions.length}`);
    for (let l = 0; l < L; l++) {
      const a = out.attentions[l]!;
      checks.expectTrue(`attentions[${l}] shape`, same(a.shape, [B, H, T, T]), `got [${a.shape}]`);
      const sums: number[] = [];
      const padded: number[] = [];
      for (let b = 0; b < B; b++)
        for (let h = 0; h < H; h++)
          for (let i = 0; i < T; i++) {
            const row = a.data.subarray(((b * H + h) * T + i) * T, ((b * H + h) * T + i + 1) * T);
            sums.push(row.reduce((s, x) => s + x, 0));
            for (let j = LENGTHS[b]!; j < T; j++) padded.push(row[j]!);
          }
      checks.expectClose(
        `attentions[${l}] rows sum to 1`,
        sums,
        sums.map(() => 1),
        { atol: 1e-5, rtol: 0 },
      );
      checks.expectClose(
        `attentions[${l}] padded keys are 0`,
        padded,
        padded.map(() => 0),
        EXACT,
      );
      const want = await referenceProbabilities(parameters, l, out.hiddenStates[l]!.data, batch.attention_mask);
      checks.expectClose(`attentions[${l}] = float64 softmax(QKᵀ/√Dh)`, a.data, want, PROBABILITY_TOLERANCE);
    }
    // Every run frees what it made: live bytes the same before and after each of 5 runs.
    const live: number[] = [];
    for (let r = 0; r < 5; r++) {
      const before = backend.stats().liveBytes;
      await runner.run(batch);
      live.push(backend.stats().liveBytes - before);
    }
    checks.expectClose(
      'live bytes flat over 5 runs',
      live,
      live.map(() => 0),
      EXACT,
    );
  } finally {
    runner.dispose();
    parameters.dispose();
  }
}

/** Layer `l`'s attention probabilities in float64, from its input hidden states and the query/key weights, written from the math. */
async function referenceProbabilities(parameters: ParameterStore, l: number, hidden: Float32Array, mask: Int32Array): Promise<Float64Array> {
  const prefix = `bert.encoder.layer.${l}.attention.self`;
  const project = async (which: string) => {
    const w = await parameters.get(`${prefix}.${which}.weight`); // [out, in]
    const bias = await parameters.get(`${prefix}.${which}.bias`);
    const y = new Float64Array(B * T * HIDDEN);
    for (let r = 0; r < B * T; r++)
      for (let o = 0; o < HIDDEN; o++) {
        let s = bias[o]!;
        for (let k = 0; k < HIDDEN; k++) s += hidden[r * HIDDEN + k]! * w[o * HIDDEN + k]!;
        y[r * HIDDEN + o] = s;
      }
    return y;
  };
  const q = await project('query');
  const k = await project('key');
  const probs = new Float64Array(B * H * T * T);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < T; i++) {
        const scores: number[] = [];
        for (let j = 0; j < T; j++) {
          let s = 0;
          for (let d = 0; d < DH; d++) s += q[(b * T + i) * HIDDEN + h * DH + d]! * k[(b * T + j) * HIDDEN + h * DH + d]!;
          scores.push(mask[b * T + j] ? s / Math.sqrt(DH) : Number.NEGATIVE_INFINITY);
        }
        const max = Math.max(...scores);
        const total = scores.reduce((t, s) => t + Math.exp(s - max), 0);
        scores.forEach((s, j) => {
          probs[((b * H + h) * T + i) * T + j] = Math.exp(s - max) / total;
        });
      }
  return probs;
}

function same(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
