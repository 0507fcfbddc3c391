// What the decoders (seq2seq.ts, generate.ts) share: their step graphs depend on the batch shape and
// the position, so each is built once per key and kept, and all of them run on one parameter store
// with one cache of materialised constants (position rows, masks), which lives until `dispose`.
import { ShaderformerError } from '../errors.js';
import { type ConstantCache, execute } from '../graph/execute.js';
import { Graph, type Var } from '../graph/graph.js';
import type { ParameterStore } from '../graph/parameters.js';
import type { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';

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
