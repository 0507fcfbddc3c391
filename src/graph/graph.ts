import { ArgumentError, ShapeError, ShaderformerError, describeValue, formatShape } from '../errors.js';
import { type DType, DTYPES } from '../tensor/dtype.js';
import { type Tensor, checkShape, shapeSize } from '../tensor/tensor.js';
import { type ComputeOp, type OpAttrs, type OpName, runOp, randomStreamSize } from './op-table.js';
import { Parameter } from './parameter.js';

export { Parameter, type Initializer, type ParameterOptions } from './parameter.js';
import { metaBackend } from './meta-backend.js';
import { NO_STEP } from '../backend/step-values.js';

/**
 * A value in a graph: the output `index` of `node`, with a shape and dtype known when the graph is
 * built. `D` is the dtype and `R` the rank where the builder functions can tell them statically.
 */
export class Var<D extends DType = DType, R extends number = number> {
  constructor(
    readonly graph: Graph,
    readonly node: Node,
    /** Which output of the node this is. */
    readonly index: number,
    /** Dimensions, outermost first. */
    readonly shape: readonly number[],
    readonly dtype: D,
    /** Unique within the graph, in creation order. */
    readonly id: number,
  ) {}

  /** Number of dimensions. */
  get rank(): R {
    return this.shape.length as R;
  }

  /** `f32[16, 64, 128] (encoder.layer.0.output.dense)`: for messages. */
  describe(): string {
    return `${this.dtype}${formatShape(this.shape)} (${this.node.label})`;
  }

  toString(): string {
    return `Var(${this.describe()})`;
  }
}

/** One op application in a graph. Nodes are stored in creation order, which is a topological order. */
export interface Node<K extends OpName = OpName> {
  readonly id: number;
  readonly op: K;
  readonly inputs: readonly Var[];
  readonly attrs: OpAttrs[K];
  readonly outputs: readonly Var[];
  /** The op and the module scope it was built in, for messages: `matmul in encoder.layer.0.attention`. */
  readonly label: string;
}

/** An input fed at every run: a batch of ids, labels, masks. */
export interface InputSpec {
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/**
 * A computation graph under construction. Build it with `graph.input`, `graph.param` and the ops
 * of `F` (`F.matmul`, `F.layerNorm`, …, or the nn modules); every op checks its arguments and infers
 * its output shapes as it is added, so a mismatch throws here, at build time, naming the op and the
 * shapes. `gradients()` extends it with the backward pass; `execute()` and `createTrainStep()` run it.
 */
export class Graph {
  readonly #nodes: Node[] = [];
  readonly #inputs = new Map<string, Var>();
  readonly #params = new Map<Parameter, Var>();
  readonly #paramNames = new Map<string, Parameter>();
  readonly #scopes: string[] = [];
  #vars = 0;
  #randomStream = 0;

  /** The nodes in creation (topological) order. */
  get nodes(): readonly Node[] {
    return this.#nodes;
  }

  /** The graph's inputs by name. */
  get inputs(): ReadonlyMap<string, Var> {
    return this.#inputs;
  }

  /** The parameters the graph uses, with their vars. */
  get parameters(): ReadonlyMap<Parameter, Var> {
    return this.#params;
  }

  /**
   * Positions of the Philox stream one run of the graph draws (dropout), rounded up to a multiple
   * of 4 (one Philox block); run s uses [s·size, (s + 1)·size).
   */
  get randomStreamSize(): number {
    return Math.ceil(this.#randomStream / 4) * 4;
  }

  /** An input fed at every run, by name: e.g. `graph.input('input_ids', [16, 64], 'i32')`. */
  input<D extends DType, const S extends readonly number[]>(name: string, shape: S, dtype: D): Var<D, S['length']> {
    if (typeof name !== 'string' || name.length === 0) throw new ShapeError(`graph.input: name must be a non-empty string, got ${JSON.stringify(name)}`);
    if (this.#inputs.has(name)) throw new ShapeError(`graph.input: an input named ${JSON.stringify(name)} exists already`);
    checkShape(`graph.input ${name}`, shape);
    if (!DTYPES.includes(dtype)) throw new ArgumentError(`graph.input: dtype must be one of ${DTYPES.join(', ')}, got ${describeValue(dtype)}`);
    const [v] = this.#addNode('input', [], { name }, [{ shape, dtype }]);
    this.#inputs.set(name, v!);
    return v as Var<D, S['length']>;
  }

  /** The var of a parameter (the same var each time it is asked for). */
  param(parameter: Parameter): Var<'f32'> {
    if (!(parameter instanceof Parameter)) throw new ArgumentError(`graph.param: parameter must be a Parameter, got ${describeValue(parameter)}`);
    const existing = this.#params.get(parameter);
    if (existing) return existing as Var<'f32'>;
    const clash = this.#paramNames.get(parameter.name);
    if (clash) throw new ShapeError(`graph.param: two different parameters are named ${JSON.stringify(parameter.name)}`);
    const [v] = this.#addNode('param', [], { parameter }, [{ shape: parameter.shape, dtype: 'f32' }]);
    this.#params.set(parameter, v!);
    this.#paramNames.set(parameter.name, parameter);
    return v as Var<'f32'>;
  }

  /**
   * A constant tensor: every element `value` (f32), or the given values (an f32 table such as the
   * sinusoidal positions, or i32 ids such as position ids). Uploaded once, never trained.
   */
  constant<const S extends readonly number[]>(value: Int32Array, shape: S): Var<'i32', S['length']>;
  constant<const S extends readonly number[]>(value: number | Float32Array, shape: S): Var<'f32', S['length']>;
  constant(value: number | Float32Array | Int32Array, shape: readonly number[]): Var {
    checkShape('graph.constant', shape);
    const isArray = value instanceof Float32Array || value instanceof Int32Array;
    if (typeof value === 'number' ? !Number.isFinite(value) : !isArray || value.length !== shapeSize(shape)) {
      throw new ShapeError(
        `graph.constant: value must be a finite number, or a Float32Array or Int32Array of ${shapeSize(shape)} elements for shape ${formatShape(shape)}`,
      );
    }
    const [v] = this.#addNode('constant', [], { value }, [{ shape, dtype: value instanceof Int32Array ? 'i32' : 'f32' }]);
    return v!;
  }

  /**
   * Runs `fn` with `name` as the scope that labels new nodes and errors: a full dotted name, as
   * modules pass theirs (`bert.encoder.layer.0.attention`); the innermost scope wins, so nested
   * modules do not repeat their parents' prefix.
   */
  scoped<T>(name: string, fn: () => T): T {
    this.#scopes.push(name);
    try {
      return fn();
    } finally {
      this.#scopes.pop();
    }
  }

  /**
   * @internal Adds a compute op: checks its arguments and infers its outputs by running it on meta
   * tensors, so the checks and shapes are those of the op itself. Used by `F` and autograd.
   */
  apply<K extends ComputeOp>(op: K, inputs: readonly Var[], attrs: OpAttrs[K]): Var[] {
    if (!Array.isArray(inputs)) throw new ArgumentError(`${op}: inputs must be an array of graph values (Var), got ${describeValue(inputs)}`);
    for (const [i, v] of inputs.entries()) {
      checkVar(op, `inputs[${i}]`, v);
      if (v.graph !== this) throw new ShapeError(`${op}: ${v.describe()} belongs to another graph`);
    }
    const metaInputs = inputs.map((v) => metaBackend.make(v.shape, v.dtype));
    let outputs: Tensor[];
    try {
      outputs = runOp(op, metaInputs, attrs, { seed: [0, 0], step: NO_STEP });
    } catch (error) {
      const scope = this.#scope;
      if (error instanceof ShaderformerError && scope) error.message += ` (in ${scope})`;
      throw error;
    }
    // An op that draws takes the next stretch of the stream; a backward op keeps its forward's
    // `stream` (given in attrs), so it regenerates the same mask.
    const draws = randomStreamSize(op, metaInputs, attrs);
    const placed = draws > 0 ? ({ ...attrs, stream: this.#randomStream } as OpAttrs[K]) : attrs;
    this.#randomStream += draws;
    return this.#addNode(
      op,
      inputs,
      placed,
      outputs.map((t) => ({ shape: t.shape, dtype: t.dtype })),
    );
  }

  get #scope(): string {
    return this.#scopes[this.#scopes.length - 1] ?? '';
  }

  #addNode<K extends OpName>(op: K, inputs: readonly Var[], attrs: OpAttrs[K], outputs: readonly InputSpec[]): Var[] {
    const scope = this.#scope;
    const node: { -readonly [P in keyof Node<K>]: Node<K>[P] } = {
      id: this.#nodes.length,
      op,
      inputs: [...inputs],
      attrs,
      outputs: [],
      label: scope ? `${op} in ${scope}` : op,
    };
    node.outputs = outputs.map((o, index) => new Var(this, node as Node, index, Object.freeze([...o.shape]), o.dtype, this.#vars++));
    this.#nodes.push(node as Node);
    return [...node.outputs];
  }
}

/**
 * Throws `ArgumentError` unless `value` is a graph value, naming the function and the argument:
 * `F.layerNorm: gamma must be a graph value (Var), got undefined` (a Tensor is not one: eager tensors do not enter graphs).
 */
export function checkVar(op: string, name: string, value: unknown): asserts value is Var {
  if (!(value instanceof Var)) throw new ArgumentError(`${op}: ${name} must be a graph value (Var), got ${describeValue(value)}`);
}

/** Throws unless `v` is a scalar f32 var (a loss); `op` names the caller. */
export function checkScalarLoss(op: string, v: Var): void {
  checkVar(op, 'loss', v);
  if (v.rank !== 0 || v.dtype !== 'f32') throw new ShapeError(`${op}: the loss must be an f32 scalar (shape []), got ${v.describe()}`);
}
