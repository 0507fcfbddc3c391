// What the model-class tests share (Node in heads.test.ts, Chromium and Dawn in heads.cases.ts): the
// tiny transformers fixtures of scripts/hf/make-model-fixtures.py, a forward of any graph on a backend,
// and the gathered masked-LM form of a label matrix.
import { type Backend, Graph, type ParameterStore, type Var, execute } from '../../src/index.js';

/** What make-model-fixtures.py wrote into each tiny folder's expected.json (the keys each class has). */
export type TinyExpected = Record<string, number | number[] | number[][] | number[][][]>;

/** One batch input: its values, shape and dtype. */
export interface FeedEntry {
  data: Int32Array | Float32Array;
  shape: number[];
}

/** The inputs named in `keys` from a fixture, as typed arrays (f32 for `floats`, else i32). */
export function feedOf(expected: TinyExpected, keys: readonly string[], floats: readonly string[] = []): Record<string, FeedEntry> {
  const out: Record<string, FeedEntry> = {};
  for (const key of keys) {
    const value = expected[key];
    if (value === undefined) throw new Error(`the fixture has no ${key}`);
    const shape = shapeOf(value);
    const flat = [value].flat(3) as number[];
    out[key] = { data: floats.includes(key) ? Float32Array.from(flat) : Int32Array.from(flat), shape };
  }
  return out;
}

function shapeOf(value: unknown): number[] {
  return Array.isArray(value) ? [value.length, ...shapeOf(value[0])] : [];
}

/** Builds `build(inputs)` on a fresh graph with the feed as inputs, runs it on `backend`, and returns each output's values. */
export async function run(
  backend: Backend,
  parameters: ParameterStore,
  feed: Record<string, FeedEntry>,
  build: (inputs: Record<string, Var>) => Var[],
): Promise<Float32Array[]> {
  const g = new Graph();
  const vars: Record<string, Var> = {};
  for (const [name, { data, shape }] of Object.entries(feed)) vars[name] = g.input(name, shape, data instanceof Int32Array ? 'i32' : 'f32');
  const outputs = build(vars);
  const tensors = Object.fromEntries(
    Object.entries(feed).map(([name, { data, shape }]) => [name, backend.tensor(data, shape, data instanceof Int32Array ? 'i32' : 'f32')]),
  );
  try {
    const results = execute(g, outputs, { backend, inputs: tensors, parameter: (p) => parameters.tensor(p) });
    const values: Float32Array[] = [];
    for (const r of results) {
      values.push((await r.data()) as Float32Array);
      r.dispose();
    }
    return values;
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
}

/**
 * The gathered form of labels [B, T] (-100: none): `perRow` slots a row, flat positions row·T + t of the
 * labelled tokens first, the unused slots pointing at the row's first position with label -100.
 */
export function gatheredOf(labels: number[][], perRow: number): { masked_positions: FeedEntry; masked_labels: FeedEntry; rows: number[] } {
  const length = labels[0]!.length;
  const positions: number[] = [];
  const targets: number[] = [];
  const rows: number[] = []; // the flat position of each labelled slot, in slot order
  labels.forEach((row, b) => {
    const picked = row.flatMap((label, t) => (label === -100 ? [] : [t]));
    if (picked.length > perRow) throw new Error(`row ${b} has ${picked.length} labels, more than ${perRow} slots`);
    for (let s = 0; s < perRow; s++) {
      const t = picked[s];
      positions.push(b * length + (t ?? 0));
      targets.push(t === undefined ? -100 : row[t]!);
      if (t !== undefined) rows.push(b * length + t);
    }
  });
  return {
    masked_positions: { data: Int32Array.from(positions), shape: [positions.length] },
    masked_labels: { data: Int32Array.from(targets), shape: [targets.length] },
    rows,
  };
}

/** Float32 against transformers' float32: |got − want| ≤ 1e-4 + 1e-4·|want|. */
export const TOLERANCE = { atol: 1e-4, rtol: 1e-4 };

/** The real (attention_mask 1) positions of a [B, T, ...] array flattened, `width` values per position. */
export function realPositions(values: ArrayLike<number>, mask: number[][], width: number): number[] {
  const out: number[] = [];
  mask.flat().forEach((m, i) => {
    if (m) for (let j = 0; j < width; j++) out.push(values[i * width + j]!);
  });
  return out;
}
