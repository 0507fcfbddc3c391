import { ShapeError, ShaderformerError, formatShape } from '../errors.js';
import { type Backend, Tensor, shapeSize } from '../tensor/tensor.js';
import type { Graph, Node, Parameter, Var } from './graph.js';
import { type ComputeOp, type RunContext, isLeafOp, runOp } from './op-table.js';
import { NO_STEP } from '../backend/step-values.js';

/** Constant leaves already materialised on a backend, kept across runs by their owner. */
export type ConstantCache = Map<Node, Tensor>;

/** What `execute` needs besides the graph. */
export interface ExecuteOptions {
  /** Where to run. */
  readonly backend: Backend;
  /** A tensor for every graph input the outputs depend on, by name (shape and dtype as declared). */
  readonly inputs: Readonly<Record<string, Tensor>>;
  /** The tensor holding a parameter's values. */
  readonly parameter: (p: Parameter) => Tensor;
  /** Materialised constants to reuse (and fill); without it, constants are made and freed per run. */
  readonly constants?: ConstantCache;
  /** Dropout seed and step values of this run (default seed 0, no step offset). */
  readonly context?: RunContext;
  /** @internal Wraps each compute op's run (the compiled plan records and replays through it). */
  readonly onNode?: (node: Node, inputs: readonly Tensor[], run: () => Tensor[]) => Tensor[];
}

/**
 * Runs the part of a graph that `outputs` depend on and returns their tensors, which the caller
 * owns (outputs that are inputs, parameters or cached constants are returned as they are).
 * Every intermediate is disposed right after its last use, so memory holds only live values.
 */
export function execute(graph: Graph, outputs: readonly Var[], options: ExecuteOptions): Tensor[] {
  const order = neededNodes(graph, outputs);
  const { lastUse, root } = liveness(order, outputs);
  const context = options.context ?? { seed: [0, 0] as const, step: NO_STEP };
  const values = new Map<Var, Tensor>();
  const owned = new Set<Var>(); // roots whose tensor this run created (compute outputs, and constants made for this run only)
  // The roots to free after each step (outputs' roots never: their last use is Infinity).
  const dying = order.map((): Var[] => []);
  for (const [r, step] of lastUse) if (step !== Infinity) dying[step]!.push(r);
  try {
    order.forEach((node, step) => {
      if (isLeafOp(node.op)) {
        const [v] = node.outputs;
        values.set(v!, leafTensor(node, options));
        if (node.op === 'constant' && !options.constants) owned.add(v!);
      } else {
        const results = runNode(node, values, context, options);
        node.outputs.forEach((v, i) => {
          values.set(v, results[i]!);
          if (node.op !== 'reshape') owned.add(v);
        });
      }
      for (const r of dying[step]!) {
        if (owned.delete(r)) values.get(r)!.dispose();
      }
    });
  } catch (error) {
    for (const r of owned) values.get(r)!.dispose();
    throw error;
  }
  return claimOutputs(outputs, values, root, owned);
}

/** Uploads the constants among `nodes` into `cache` (those not there yet), e.g. before a plan is recorded. */
export function materializeConstants(nodes: readonly Node[], backend: Backend, cache: ConstantCache): void {
  for (const node of nodes) if (node.op === 'constant' && !cache.has(node)) cache.set(node, constantTensor(node as Node<'constant'>, backend));
}

/** The nodes `outputs` depend on, in graph (topological) order. */
export function neededNodes(graph: Graph, outputs: readonly Var[]): Node[] {
  const needed = new Set<Node>();
  const stack = outputs.map((v) => {
    if (v.graph !== graph) throw new ShapeError(`execute: ${v.describe()} belongs to another graph`);
    return v.node;
  });
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (needed.has(node)) continue;
    needed.add(node);
    for (const v of node.inputs) stack.push(v.node);
  }
  return graph.nodes.filter((n) => needed.has(n));
}

/**
 * Storage roots (a reshape shares its input's storage) and, per root, the index in `order` of the
 * last node that reads it or any of its views.
 */
export function liveness(order: readonly Node[], outputs: readonly Var[]): { lastUse: Map<Var, number>; root: Map<Var, Var> } {
  const root = new Map<Var, Var>();
  const lastUse = new Map<Var, number>();
  order.forEach((node, step) => {
    for (const v of node.inputs) lastUse.set(root.get(v)!, step);
    node.outputs.forEach((v) => {
      const r = node.op === 'reshape' ? root.get(node.inputs[0]!)! : v;
      root.set(v, r);
      if (!lastUse.has(r)) lastUse.set(r, step);
    });
  });
  for (const v of outputs) lastUse.set(root.get(v)!, Infinity);
  return { lastUse, root };
}

function runNode(node: Node, values: Map<Var, Tensor>, context: RunContext, options: ExecuteOptions): Tensor[] {
  const inputs = node.inputs.map((v) => values.get(v)!);
  const run = () => runOp(node.op as ComputeOp, inputs, node.attrs as never, context);
  const results = options.onNode ? options.onNode(node, inputs, run) : run();
  if (results.length !== node.outputs.length || results.some((t, i) => !sameShape(t.shape, node.outputs[i]!.shape))) {
    throw new ShaderformerError(
      `execute: ${node.label} produced ${results.map((t) => formatShape(t.shape)).join(', ')}, expected ${node.outputs.map((v) => formatShape(v.shape)).join(', ')}`,
    );
  }
  return results;
}

function leafTensor(node: Node, options: ExecuteOptions): Tensor {
  const v = node.outputs[0]!;
  if (node.op === 'input') {
    const name = (node as Node<'input'>).attrs.name;
    const t = options.inputs[name];
    if (!(t instanceof Tensor)) throw new ShapeError(`execute: no tensor given for input ${JSON.stringify(name)} (${v.describe()})`);
    if (t.dtype !== v.dtype || !sameShape(t.shape, v.shape))
      throw new ShapeError(`execute: input ${JSON.stringify(name)} must be ${v.dtype}${formatShape(v.shape)}, got ${t.describe()}`);
    if (t.backend !== options.backend)
      throw new ShapeError(`execute: input ${JSON.stringify(name)} lives on ${t.backend.name}, the graph runs on ${options.backend.name}`);
    return t;
  }
  if (node.op === 'param') {
    const p = (node as Node<'param'>).attrs.parameter;
    const t = options.parameter(p);
    if (!sameShape(t.shape, p.shape)) throw new ShapeError(`execute: parameter ${p.name} must be ${formatShape(p.shape)}, got ${t.describe()}`);
    return t;
  }
  const { constants } = options;
  if (!constants) return constantTensor(node as Node<'constant'>, options.backend);
  materializeConstants([node], options.backend, constants);
  return constants.get(node)!;
}

function constantTensor(node: Node<'constant'>, backend: Backend): Tensor {
  const v = node.outputs[0]!;
  const { value } = node.attrs;
  const data = typeof value === 'number' ? new Float32Array(shapeSize(v.shape)).fill(value) : value;
  return backend.tensor(data, v.shape, v.dtype);
}

/** Hands the outputs to the caller: a reshaped intermediate takes over its storage. */
function claimOutputs(outputs: readonly Var[], values: Map<Var, Tensor>, root: Map<Var, Var>, owned: Set<Var>): Tensor[] {
  const claimed = new Map<Var, Var>();
  return outputs.map((v) => {
    const t = values.get(v)!;
    const r = root.get(v)!;
    if (r === v || !owned.has(r)) return t;
    const other = claimed.get(r);
    if (other && other !== v) throw new ShaderformerError(`execute: outputs ${other.describe()} and ${v.describe()} share storage; ask for one of them`);
    if (!outputs.includes(r)) t.adoptStorage();
    claimed.set(r, v);
    return t;
  });
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
