// Running a model forward outside training: the graph is built once (the model in eval mode), each
// `run` uploads a batch, executes the graph on the parameters' backend, reads the outputs back as
// typed arrays and frees everything it made, so repeated runs hold no memory between calls.
import { ArgumentError, ShaderformerError, describeValue } from '../errors.js';
import { type ConstantCache, execute, materializeConstants, neededNodes } from '../graph/execute.js';
import { Graph, type InputSpec, type Node, Var } from '../graph/graph.js';
import { checkBatch } from '../graph/input-ranges.js';
import type { ParameterStore } from '../graph/parameters.js';
import type { Module } from '../nn/module.js';
import type { Backend, Tensor } from '../tensor/tensor.js';
import type { Batch, InputVars } from '../train/train-step.js';

/** What `outputs` returns: graph vars (f32) by name, alone or in lists (one per layer, say). */
export type InferenceOutputVars = Readonly<Record<string, Var | readonly Var[]>>;

/** One output read back: its values and shape. */
export interface InferenceOutput {
  data: Float32Array;
  shape: number[];
}

/** What `Inference.run` resolves to: for each output name, its values (a list where `outputs` gave a list). */
export type InferenceResult<O extends InferenceOutputVars> = { [K in keyof O]: O[K] extends readonly Var[] ? InferenceOutput[] : InferenceOutput };

/** Options of `createInference`. */
export interface InferenceOptions<I extends Readonly<Record<string, InputSpec>>, O extends InferenceOutputVars> {
  /** The model's parameters, on the backend to run on. */
  parameters: ParameterStore;
  /** The batch inputs by name, e.g. `{ input_ids: { shape: [2, 16], dtype: 'i32' } }`. */
  inputs: I;
  /** Builds the outputs from the input vars, e.g. `(x) => ({ logits: model.forward(x).logits })`. */
  outputs: (inputs: InputVars<I>) => O;
  /** The model (or models) `outputs` uses: switched to eval mode (no dropout) while the graph is built, then restored. */
  model?: Module | readonly Module[];
}

// The typed array a batch holds per input dtype (f16 inputs are given as f32, as backend.tensor takes them).
/**
 * A forward graph built once, run on typed-array batches. Each `run` uploads the batch, executes,
 * reads the outputs and frees every tensor it made; only the graph's constants stay on the
 * backend, from creation until `dispose()`.
 */
export class Inference<O extends InferenceOutputVars = InferenceOutputVars> {
  /** The forward graph. */
  readonly graph: Graph;
  readonly #parameters: ParameterStore;
  readonly #names: { name: string; list: boolean; vars: Var[] }[] = [];
  readonly #outputs: Var[];
  readonly #constants: ConstantCache = new Map();
  #disposed = false;

  constructor(options: InferenceOptions<Readonly<Record<string, InputSpec>>, O>) {
    const op = 'createInference';
    if (typeof options !== 'object' || options === null)
      throw new ArgumentError(`${op}: options { parameters, inputs, outputs } are required, got ${describeValue(options)}`);
    const { parameters, inputs, outputs, model } = options;
    if (typeof parameters?.tensor !== 'function') throw new ArgumentError(`${op}: parameters must be a ParameterStore, got ${describeValue(parameters)}`);
    if (typeof inputs !== 'object' || inputs === null)
      throw new ArgumentError(`${op}: inputs must be an object of { shape, dtype } by input name, got ${describeValue(inputs)}`);
    if (typeof outputs !== 'function')
      throw new ArgumentError(`${op}: outputs must be a function building the outputs from the input vars, got ${describeValue(outputs)}`);
    const models = model === undefined ? [] : Array.isArray(model) ? model : [model as Module];
    models.forEach((m, i) => {
      if (typeof m?.train !== 'function')
        throw new ArgumentError(`${op}: model${Array.isArray(model) ? `[${i}]` : ''} must be a Module, got ${describeValue(m)}`);
    });
    this.#parameters = parameters;
    this.graph = new Graph();
    const vars: Record<string, Var> = {};
    for (const [name, spec] of Object.entries(inputs)) vars[name] = this.graph.input(name, spec?.shape, spec?.dtype);
    const training = models.map((m) => m.training);
    models.forEach((m) => m.eval());
    let built: O;
    try {
      built = outputs(vars as InputVars<Readonly<Record<string, InputSpec>>>);
    } finally {
      models.forEach((m, i) => m.train(training[i]));
    }
    if (typeof built !== 'object' || built === null)
      throw new ArgumentError(`${op}: outputs must return an object of graph vars by name, got ${describeValue(built)}`);
    for (const [name, value] of Object.entries(built)) {
      const list = Array.isArray(value);
      const entries: unknown[] = list ? value : [value];
      entries.forEach((v, i) => {
        const label = list ? `${name}[${i}]` : name;
        if (!(v instanceof Var) || v.graph !== this.graph)
          throw new ArgumentError(`${op}: output ${label} must be a var of the inference graph, got ${describeValue(v)}`);
        if (v.dtype !== 'f32') throw new ArgumentError(`${op}: output ${label} must be f32, got ${v.describe()}`);
      });
      this.#names.push({ name, list, vars: entries as Var[] });
    }
    this.#outputs = this.#names.flatMap((n) => n.vars);
    const needed = neededNodes(this.graph, this.#outputs);
    // Dropout would make inference random; eval mode turns it off, so one left means a model was not passed.
    const random = needed.find((n) => n.op === 'dropout' || (n.op === 'attention' && (n.attrs as { dropout: number }).dropout > 0));
    if (random) throw new ArgumentError(`${op}: the outputs use dropout (${random.label}); pass the model as options.model, or call model.eval() first`);
    for (const node of needed) {
      if (node.op !== 'param') continue;
      const { parameter } = (node as Node<'param'>).attrs;
      try {
        parameters.tensor(parameter);
      } catch {
        // The store maps Parameter objects: a store made from another instance of the model has the names but not these.
        throw new ArgumentError(`${op}: the outputs read parameter ${parameter.name}, which options.parameters does not hold (made from another model?)`);
      }
    }
    // Constants are uploaded now, once, so every run starts and ends with the same memory.
    materializeConstants(needed, parameters.backend, this.#constants);
  }

  /** The backend it runs on (its parameters'). */
  get backend(): Backend {
    return this.#parameters.backend;
  }

  /** Runs the graph on `batch` (a typed array per input, each the input's size) and reads the outputs back. */
  async run(batch: Batch): Promise<InferenceResult<O>> {
    const op = 'Inference.run';
    if (this.#disposed) throw new ShaderformerError(`${op}: the inference was disposed`);
    checkBatch(op, this.graph, batch); // types, sizes, and ids and labels in range: a named error, not zero rows or NaN
    const backend = this.backend;
    const inputs: Record<string, Tensor> = {};
    const kept = new Set<Tensor>(this.#constants.values());
    let results: Tensor[] = [];
    try {
      for (const [name, v] of this.graph.inputs) inputs[name] = backend.tensor(batch[name]!, v.shape, v.dtype);
      for (const t of Object.values(inputs)) kept.add(t);
      results = execute(this.graph, this.#outputs, {
        backend,
        inputs,
        parameter: (p) => {
          const t = this.#parameters.tensor(p);
          kept.add(t);
          return t;
        },
        constants: this.#constants,
      });
      const data = await Promise.all(results.map((t) => t.data() as Promise<Float32Array>));
      let at = 0;
      const out: Record<string, InferenceOutput | InferenceOutput[]> = {};
      for (const { name, list, vars } of this.#names) {
        const read = vars.map((v) => ({ data: data[at++]!, shape: [...v.shape] }));
        out[name] = list ? read : read[0]!;
      }
      return out as InferenceResult<O>;
    } finally {
      // Outputs that are parameters, inputs or constants come back as they are; the rest are this run's.
      for (const t of new Set(results)) if (!kept.has(t)) t.dispose();
      for (const t of Object.values(inputs)) t.dispose();
    }
  }

  /** Frees the graph's constants; the parameters stay (`ParameterStore.dispose()` frees them). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const t of this.#constants.values()) t.dispose();
    this.#constants.clear();
  }
}

/** Builds an inference runner (see `Inference`): the forward graph once, in eval mode, run per batch with `run`. */
export function createInference<const I extends Readonly<Record<string, InputSpec>>, O extends InferenceOutputVars>(
  options: InferenceOptions<I, O>,
): Inference<O> {
  return new Inference<O>(options as unknown as InferenceOptions<Readonly<Record<string, InputSpec>>, O>);
}
