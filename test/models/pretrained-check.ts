// What the Hugging Face folder tests share: the fixture's expected outputs, a forward in eval mode
// on any backend, and the comparison. Used by pretrained.test.ts (Node, CPU and Dawn) and
// pretrained.cases.ts (Chromium).
import { type Backend, BertForMaskedLM, type BertModel, Graph, type ParameterStore, execute } from '../../src/index.js';

/** What scripts/hf/make-fixtures.py wrote into each folder's expected.json. */
export interface Expected {
  texts: string[];
  pair: [string, string];
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][];
  /** [B, T, V] from BertForMaskedLM / BertForPreTraining. */
  logits?: number[][][];
  /** [B, T, hidden] from BertModel. */
  last_hidden_state?: number[][][];
  /** bert-tf-names: the tensor names in its file. */
  tensors?: string[];
}

/** Float32 against transformers' float32 on another machine: |got − want| ≤ 1e-4 + 1e-4·|want|. */
export const TOLERANCE = { atol: 1e-4, rtol: 1e-4 };

/** The logits (BertForMaskedLM) or last hidden states (BertModel), flat [B·T·(V | hidden)], in eval mode. */
export async function forward(model: BertForMaskedLM | BertModel, parameters: ParameterStore, backend: Backend, expected: Expected): Promise<Float32Array> {
  const rows = expected.input_ids.length;
  const length = expected.input_ids[0]!.length;
  const g = new Graph();
  const ids = g.input('input_ids', [rows, length], 'i32');
  const mask = g.input('attention_mask', [rows, length], 'i32');
  const types = g.input('token_type_ids', [rows, length], 'i32');
  model.eval();
  const inputs = { input_ids: ids, attention_mask: mask, token_type_ids: types };
  const out = model instanceof BertForMaskedLM ? model.logits(inputs) : model.forward(inputs);
  const feed = {
    input_ids: backend.tensor(Int32Array.from(expected.input_ids.flat()), [rows, length], 'i32'),
    attention_mask: backend.tensor(Int32Array.from(expected.attention_mask.flat()), [rows, length], 'i32'),
    token_type_ids: backend.tensor(Int32Array.from(expected.token_type_ids.flat()), [rows, length], 'i32'),
  };
  try {
    const [result] = execute(g, [out], { backend, inputs: feed, parameter: (p) => parameters.tensor(p) });
    const data = (await result!.data()) as Float32Array;
    result!.dispose();
    return data;
  } finally {
    for (const t of Object.values(feed)) t.dispose();
  }
}

/** The largest |got − want| and whether every element is within TOLERANCE. */
export function compare(got: ArrayLike<number>, want: ArrayLike<number>): { maxAbs: number; ok: boolean; count: number } {
  let maxAbs = 0;
  let ok = got.length === want.length;
  for (let i = 0; i < Math.min(got.length, want.length); i++) {
    const d = Math.abs(got[i]! - want[i]!);
    if (!(d <= TOLERANCE.atol + TOLERANCE.rtol * Math.abs(want[i]!))) ok = false;
    if (!(d <= maxAbs)) maxAbs = Number.isNaN(d) ? Number.NaN : Math.max(maxAbs, d);
  }
  return { maxAbs, ok, count: got.length };
}
