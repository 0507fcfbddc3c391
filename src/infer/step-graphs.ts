// What the decoders (seq2seq.ts, generate.ts) share: their step graphs depend on the batch shape, so
// each is built once per key and kept, and all of them run on one parameter store with one cache of
// materialised constants (position tables, masks), which lives until `dispose`. A `StepLoop` runs one
// graph once per token: on WebGPU it records the graph into a program once per batch and replays it,
// so a decoding step runs no op function and allocates nothing.
import type { OpBackend, RecordedProgram } from '../backend/contract.js';
import { ShaderformerError } from '../errors.js';
import { type ConstantCache, execute, materializeConstants, neededNodes } from '../graph/execute.js';
import { Graph, type Var } from '../graph/graph.js';
import type { ParameterStore } from '../graph/parameters.js';
import type { AttentionCache, CacheSlots } from '../nn/layers.js';
import type { Module } from '../nn/module.js';
import type { TensorData } from '../tensor/dtype.js';
import { type Tensor, shapeSize } from '../tensor/tensor.js';

/** Decoders round source lengths and cache slots up to a multiple of this. */
export const SHAPE_STEP = 8;

/** n rounded up to a multiple of `step`. */
export function roundUp(n: number, step: number): number {
  return Math.ceil(n / step) * step;
}

/** One built step graph and its outputs in order. */
export interface StepGraph {
  graph: Graph;
  outputs: Var[];
}

/** Step graphs built once per key, run on a parameter store's backend with a shared constant cache. */
export class StepGraphs {
  readonly #graphs = new Map<string, StepGraph>();
  readonly #constants: ConstantCache = new Map();
  #disposed = false;

  constructor(readonly parameters: ParameterStore) {}

  /** Throws, naming `op`, once `dispose` has run. */
  checkLive(op: string): void {
    if (this.#disposed) throw new ShaderformerError(`${op}: the generator was disposed`);
  }

  /** The graph under `key`, built by `build` (which returns its outputs) the first time. */
  get(key: string, build: (g: Graph) => Var[]): StepGraph {
    let step = this.#graphs.get(key);
    if (!step) {
      const graph = new Graph();
      step = { graph, outputs: build(graph) };
      this.#graphs.set(key, step);
    }
    return step;
  }

  /** Runs a step graph on named input tensors; every output is the caller's to dispose. */
  run(step: StepGraph, inputs: Record<string, Tensor>): Tensor[] {
    return execute(step.graph, step.outputs, {
      backend: this.parameters.backend,
      inputs,
      parameter: (p) => this.parameters.tensor(p),
      constants: this.#constants,
    });
  }

  /** Records `step` on `inputs` into a program (WebGPU); undefined on a backend that runs op by op. */
  record(step: StepGraph, inputs: Record<string, Tensor>): RecordedProgram | undefined {
    const { backend } = this.parameters;
    const runner = (backend as OpBackend).programs;
    if (!runner) return undefined;
    // Tensors with data cannot be made while recording: the constants first.
    materializeConstants(neededNodes(step.graph, step.outputs), backend, this.#constants);
    return runner.record(() => this.run(step, inputs));
  }

  /** Frees the constants and forgets the graphs (the parameters stay); later calls do nothing. */
  dispose(): void {
    this.#disposed = true;
    for (const t of this.#constants.values()) t.dispose();
    this.#constants.clear();
    this.#graphs.clear();
  }
}

/**
 * `decode` over consecutive slices of at most `size` items (given each slice and its first index), the
 * results joined in order. The step graphs are built in eval mode (no dropout); the model's own mode
 * is restored after.
 */
export async function inBatches<T, R>(model: Module, items: readonly T[], size: number, decode: (slice: T[], first: number) => Promise<R[]>): Promise<R[]> {
  const results: R[] = [];
  const training = model.training;
  model.eval();
  try {
    for (let start = 0; start < items.length; start += size) results.push(...(await decode(items.slice(start, start + size), start)));
  } finally {
    model.train(training);
  }
  return results;
}

/**
 * One step graph run once per token over a batch. Its output 0 is what each step reads (the logits);
 * outputs 1… are carried into the inputs named `carried` for the next step (the caches). The other
 * inputs are either fixed for the batch or rewritten before each step (`run`'s values). On WebGPU the
 * graph is recorded into a program when the loop opens and replayed every step, its carried outputs
 * copied back into the carried inputs on the GPU; elsewhere it runs op by op. The loop owns the
 * carried tensors (and frees them in `dispose`); the caller owns the other inputs.
 */
export class StepLoop {
  readonly #steps: StepGraphs;
  readonly #step: StepGraph;
  readonly #inputs: Record<string, Tensor>;
  readonly #carried: readonly string[];
  readonly #program: RecordedProgram | undefined;

  constructor(steps: StepGraphs, step: StepGraph, inputs: Record<string, Tensor>, carried: readonly string[]) {
    if (step.outputs.length !== carried.length + 1)
      throw new ShaderformerError(`StepLoop: the step has ${step.outputs.length} outputs, expected the read one and ${carried.length} carried`);
    this.#steps = steps;
    this.#step = step;
    this.#inputs = { ...inputs };
    this.#carried = carried;
    try {
      this.#program = steps.record(step, this.#inputs);
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  /** Writes `values` into their inputs, runs the step, carries the caches over and resolves to output 0's values (none unless `read`). */
  async run(values: Readonly<Record<string, TensorData>>, read: boolean): Promise<Float32Array | undefined> {
    const { backend } = this.#steps.parameters;
    for (const [name, data] of Object.entries(values)) backend.write(this.#inputs[name]!, data);
    const first = this.#step.outputs[0]!;
    if (this.#program) {
      const copies = this.#carried.map((name, i) => ({ program: 0, output: i + 1, into: this.#inputs[name]! }));
      const reads = read ? [{ program: 0, output: 0, words: shapeSize(first.shape) }] : [];
      const result = await (backend as OpBackend).programs!.run([this.#program], reads, copies);
      return read ? result : undefined;
    }
    const [out, ...next] = this.#steps.run(this.#step, this.#inputs);
    this.#carried.forEach((name, i) => {
      this.#inputs[name]!.dispose();
      this.#inputs[name] = next[i]!;
    });
    try {
      return read ? ((await out!.data()) as Float32Array) : undefined;
    } finally {
      out!.dispose();
    }
  }

  /** Frees the program and the carried tensors. */
  dispose(): void {
    this.#program?.dispose();
    for (const name of this.#carried) if (!this.#inputs[name]?.disposed) this.#inputs[name]?.dispose();
  }
}

/** The shape of a slotted decoding step: its rows, its cache slots, and per layer a key and a value cache [rows, heads, slots, headDim]. */
export interface SlotShape {
  readonly rows: number;
  readonly slots: number;
  readonly layers: number;
  readonly heads: number;
  readonly headDim: number;
}

/** What a slotted step writes before each run (the cache rows to gather are `SlotLoop.run`'s). */
export interface SlotValues {
  /** The newest token of each row [rows]. */
  ids: Int32Array;
  /** Its position id [rows]. */
  positions: Int32Array;
  /** [rows, slots]: 1 at the slots each row's newest token sees. */
  slotMask: Int32Array;
  /** Beam search: the row each row continues [rows] (its caches are that row's); by default itself. */
  reorder?: Int32Array;
}

/** The caches `past_0`, `past_1`, … (key, value per layer) of a slotted step, in the order its graph outputs them. */
function cacheNames(s: SlotShape): string[] {
  return Array.from({ length: 2 * s.layers }, (_, i) => `past_${i}`);
}

/**
 * Declares a slotted step's inputs on `g`: the newest ids and positions [rows, 1], the slot inputs
 * (`CacheSlots`) and every layer's caches.
 */
export function slotStepInputs(g: Graph, s: SlotShape): { ids: Var<'i32', 2>; positions: Var<'i32', 2>; slots: CacheSlots; past: AttentionCache[] } {
  const { rows, slots, heads, headDim } = s;
  const cache = (name: string) => g.input(name, [rows, heads, slots, headDim], 'f32') as Var<'f32', 4>;
  const names = cacheNames(s);
  return {
    ids: g.input('ids', [rows, 1], 'i32') as Var<'i32', 2>,
    positions: g.input('positions', [rows, 1], 'i32') as Var<'i32', 2>,
    slots: {
      rows: g.input('slot_rows', [rows * heads * slots], 'i32') as Var<'i32', 1>,
      keyMask: g.input('slot_mask', [rows, slots], 'i32') as Var<'i32', 2>,
    },
    past: Array.from({ length: s.layers }, (_, i) => ({ key: cache(names[2 * i]!), value: cache(names[2 * i + 1]!) })),
  };
}

/**
 * `CacheSlots.rows` for a step that writes slot `slot`: row (b, h, s) of the new cache takes the
 * newest row b·H + h (after the rows·H·S past ones) at the slot, else row (reorder[b], h, s) of the past.
 */
export function slotRows(shape: SlotShape, slot: number, reorder: Int32Array | undefined, out: Int32Array): Int32Array {
  const { rows, heads, slots } = shape;
  const newest = rows * heads * slots;
  for (let b = 0; b < rows; b++) {
    const from = reorder ? reorder[b]! : b;
    for (let h = 0; h < heads; h++) {
      const at = (b * heads + h) * slots;
      const past = (from * heads + h) * slots;
      for (let s = 0; s < slots; s++) out[at + s] = past + s;
      out[at + slot] = newest + b * heads + h;
    }
  }
  return out;
}

/**
 * A `StepLoop` over a slotted step (inputs as `slotStepInputs` declares them; outputs the logits,
 * then every layer's key and value caches): it makes the per-step inputs and the zeroed caches for
 * one batch, owns them, and writes the cache rows to gather (`slotRows`) itself.
 */
export class SlotLoop {
  readonly #loop: StepLoop;
  readonly #owned: Tensor[];
  readonly #shape: SlotShape;
  readonly #rows: Int32Array;

  constructor(steps: StepGraphs, step: StepGraph, shape: SlotShape, fixed: Readonly<Record<string, Tensor>>) {
    const { backend } = steps.parameters;
    const { rows, slots, heads, headDim } = shape;
    this.#shape = shape;
    this.#rows = new Int32Array(rows * heads * slots);
    const made: Record<string, Tensor> = {
      ids: backend.tensor(new Int32Array(rows), [rows, 1], 'i32'),
      positions: backend.tensor(new Int32Array(rows), [rows, 1], 'i32'),
      slot_rows: backend.tensor(slotRows(shape, 0, undefined, this.#rows), [this.#rows.length], 'i32'),
      slot_mask: backend.tensor(new Int32Array(rows * slots), [rows, slots], 'i32'),
    };
    this.#owned = Object.values(made);
    const carried = cacheNames(shape);
    const caches: Record<string, Tensor> = {};
    try {
      for (const name of carried) caches[name] = backend.zeros([rows, heads, slots, headDim], 'f32');
      this.#loop = new StepLoop(steps, step, { ...fixed, ...made, ...caches }, carried);
    } catch (error) {
      for (const t of [...this.#owned, ...Object.values(caches)]) if (!t.disposed) t.dispose();
      throw error;
    }
  }

  /** Feeds the newest tokens into slot `slot` (of the caches of `values.reorder`'s rows) and runs the step; resolves to the logits when `read`. */
  run(slot: number, values: SlotValues, read: boolean): Promise<Float32Array | undefined> {
    const { ids, positions, slotMask, reorder } = values;
    return this.#loop.run({ ids, positions, slot_rows: slotRows(this.#shape, slot, reorder, this.#rows), slot_mask: slotMask }, read);
  }

  /** Frees the program, the caches and the per-step inputs. */
  dispose(): void {
    this.#loop.dispose();
    for (const t of this.#owned) t.dispose();
  }
}
