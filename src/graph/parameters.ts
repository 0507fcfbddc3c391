import { ArgumentError, ShapeError, describeValue, formatShape } from '../errors.js';
import type { Backend, Tensor } from '../tensor/tensor.js';
import { Parameter } from './parameter.js';

/** Uploads of at least this many values (4 MiB) wait for the GPU before the next one (`ParameterStore.load`). */
const LARGE_UPLOAD_VALUES = 1 << 20;

/** Options of `ParameterStore.create`. */
export interface ParameterStoreOptions {
  /** Seed of the initialisers; each parameter draws from a stream derived from it and its name (default 0). */
  seed?: number;
  /**
   * Values to start from instead of the initialiser (e.g. loaded weights): a Float32Array of the
   * parameter's size, or undefined to run its initialiser. A parameter given values is never drawn.
   */
  values?: (parameter: Parameter) => Float32Array | undefined;
}

/** One parameter's loaded values, as `ParameterStore.load` takes them. */
export interface ParameterValues {
  /** The parameter's name. */
  readonly name: string;
  /** Its values (row-major, the parameter's size). */
  readonly data: Float32Array;
}

/** What `ParameterStore.load` did: which parameters came from the values and which from their initialisers. */
export interface ParameterLoadResult {
  readonly store: ParameterStore;
  /** Names given values (in creation order). */
  readonly loaded: string[];
  /** Names no value came for, whose initialisers ran (in creation order). */
  readonly initialized: string[];
}

/**
 * The values of a model's parameters on one backend, by name. Created from the initialisers
 * (drawn on the CPU, so every backend starts from the same numbers); `get` and `set` move values
 * in and out as typed arrays, for checkpoints.
 */
export class ParameterStore {
  readonly #byName = new Map<string, { parameter: Parameter; tensor: Tensor }>();
  readonly #byParameter = new Map<Parameter, Tensor>();

  private constructor(readonly backend: Backend) {}

  /** Initialises every parameter on `backend` (names must be unique); `options.values` gives some or all of them their values instead. */
  static create(backend: Backend, parameters: Iterable<Parameter>, options: ParameterStoreOptions = {}): ParameterStore {
    const op = 'ParameterStore.create';
    const { list, seed } = checkArguments(op, backend, parameters, options);
    const store = new ParameterStore(backend);
    try {
      for (const p of list) {
        const given = options.values?.(p);
        if (given !== undefined) checkValues(op, p, given, 'options.values');
        store.#add(p, backend.tensor(given ?? initialValues(op, p, seed), p.shape, 'f32'));
      }
    } catch (error) {
      store.dispose();
      throw error;
    }
    return store;
  }

  /**
   * A store whose parameters take their values from `values`, in any order (e.g. a safetensors
   * file's): each array is copied to the backend before the next is asked for, so the JS heap holds
   * about one at a time and a loader may hand out one reused buffer.
   * Only the parameters no value came for run their initialisers; loaded ones are never drawn.
   */
  static async load(
    backend: Backend,
    parameters: Iterable<Parameter>,
    values: AsyncIterable<ParameterValues> | Iterable<ParameterValues>,
    options: ParameterStoreOptions = {},
  ): Promise<ParameterLoadResult> {
    const op = 'ParameterStore.load';
    const { list, seed } = checkArguments(op, backend, parameters, options);
    const iterable = values as Partial<AsyncIterable<unknown> & Iterable<unknown>> | null;
    if (typeof iterable?.[Symbol.asyncIterator] !== 'function' && (typeof iterable?.[Symbol.iterator] !== 'function' || typeof values === 'string')) {
      throw new ArgumentError(`${op}: values must be an iterable or async iterable of { name, data }, got ${describeValue(values)}`);
    }
    const byName = new Map(list.map((p) => [p.name, p]));
    const tensors = new Map<string, Tensor>();
    try {
      for await (const item of values) {
        const name = (item as Partial<ParameterValues> | null)?.name;
        const p = typeof name === 'string' ? byName.get(name) : undefined;
        if (!p) throw new ArgumentError(`${op}: values hold ${describeValue(name)}, which is not one of the parameters`);
        if (tensors.has(p.name)) throw new ArgumentError(`${op}: values hold ${JSON.stringify(p.name)} twice`);
        checkValues(op, p, item.data, `values ${JSON.stringify(p.name)}`);
        tensors.set(p.name, backend.tensor(item.data, p.shape, 'f32'));
        // A GPU upload's staging copy is freed only once the queue has run it: waiting after each large
        // one keeps a single copy in flight, so a load peaks near the model's size, not twice it.
        if (p.size >= LARGE_UPLOAD_VALUES) await backend.sync();
      }
      const initialized: string[] = [];
      for (const p of list) {
        if (tensors.has(p.name)) continue;
        tensors.set(p.name, backend.tensor(initialValues(op, p, seed), p.shape, 'f32'));
        initialized.push(p.name);
      }
      const store = new ParameterStore(backend);
      for (const p of list) store.#add(p, tensors.get(p.name)!);
      const drawn = new Set(initialized);
      return { store, loaded: list.filter((p) => !drawn.has(p.name)).map((p) => p.name), initialized };
    } catch (error) {
      for (const t of tensors.values()) t.dispose();
      throw error;
    }
  }

  #add(parameter: Parameter, tensor: Tensor): void {
    this.#byName.set(parameter.name, { parameter, tensor });
    this.#byParameter.set(parameter, tensor);
  }

  /** The parameters, in creation order. */
  get parameters(): Parameter[] {
    return [...this.#byName.values()].map((e) => e.parameter);
  }

  /** Parameter names, in creation order. */
  names(): string[] {
    return [...this.#byName.keys()];
  }

  /** Total number of trainable values. */
  get size(): number {
    return this.parameters.reduce((n, p) => n + p.size, 0);
  }

  /** The tensor holding a parameter (by object or name). */
  tensor(parameter: Parameter | string): Tensor {
    if (typeof parameter !== 'string' && !(parameter instanceof Parameter)) {
      throw new ArgumentError(`ParameterStore.tensor: parameter must be a Parameter or a name, got ${describeValue(parameter)}`);
    }
    const t = typeof parameter === 'string' ? this.#byName.get(parameter)?.tensor : this.#byParameter.get(parameter);
    if (!t) throw new ShapeError(`ParameterStore: no parameter ${JSON.stringify(typeof parameter === 'string' ? parameter : parameter.name)}`);
    return t;
  }

  /** A parameter's values (a copy). */
  get(name: string): Promise<Float32Array> {
    checkName('ParameterStore.get', name);
    return this.tensor(name).data() as Promise<Float32Array>;
  }

  /** Overwrites a parameter's values in place (shape checked; a compiled step sees the new values). */
  set(name: string, values: Float32Array | readonly number[]): void {
    const op = 'ParameterStore.set';
    checkName(op, name);
    if (!(values instanceof Float32Array) && !Array.isArray(values)) {
      throw new ArgumentError(`${op}: values must be a Float32Array or a number[], got ${describeValue(values)}`);
    }
    if (Array.isArray(values)) {
      const at = values.findIndex((v) => typeof v !== 'number');
      if (at >= 0) throw new ArgumentError(`${op}: values[${at}] must be a number, got ${describeValue(values[at])}`);
    }
    const t = this.tensor(name);
    if (values.length !== t.size) throw new ShapeError(`ParameterStore.set: ${name} has ${t.size} values (${formatShape(t.shape)}), got ${values.length}`);
    this.backend.write(t, values instanceof Float32Array ? values : Float32Array.from(values));
  }

  /** Every parameter's values by name (copies), e.g. to save a checkpoint. */
  async toRecord(): Promise<Record<string, Float32Array>> {
    const record: Record<string, Float32Array> = {};
    for (const name of this.names()) record[name] = await this.get(name);
    return record;
  }

  /** Frees every parameter tensor. */
  dispose(): void {
    for (const { tensor } of this.#byName.values()) tensor.dispose();
  }
}

/** Checks the arguments `create` and `load` share; returns the parameters as a list (unique names) and the seed. */
function checkArguments(op: string, backend: Backend, parameters: Iterable<Parameter>, options: ParameterStoreOptions): { list: Parameter[]; seed: number } {
  if (typeof (backend as Partial<Backend> | null)?.tensor !== 'function')
    throw new ArgumentError(`${op}: backend must be a Backend, got ${describeValue(backend)}`);
  if (typeof (parameters as Partial<Iterable<Parameter>> | null)?.[Symbol.iterator] !== 'function' || typeof parameters === 'string') {
    throw new ArgumentError(`${op}: parameters must be an iterable of Parameters (e.g. model.parameters()), got ${describeValue(parameters)}`);
  }
  const list = [...parameters];
  list.forEach((p, i) => {
    if (!(p instanceof Parameter)) throw new ArgumentError(`${op}: parameters[${i}] must be a Parameter, got ${describeValue(p)}`);
  });
  if (typeof options !== 'object' || options === null) throw new ArgumentError(`${op}: options must be an object, got ${describeValue(options)}`);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new ShapeError(`${op}: seed must be a u32, got ${String(seed)}`);
  if (options.values !== undefined && typeof options.values !== 'function') {
    throw new ArgumentError(`${op}: options.values must be a function (parameter) => Float32Array | undefined, got ${describeValue(options.values)}`);
  }
  const seen = new Set<string>();
  for (const p of list) {
    if (seen.has(p.name)) throw new ShapeError(`${op}: two parameters are named ${JSON.stringify(p.name)}`);
    seen.add(p.name);
  }
  return { list, seed };
}

/** The initialiser's values for `p`, checked. */
function initialValues(op: string, p: Parameter, seed: number): Float32Array {
  const values = p.init(p.shape, parameterSeed(seed, p.name));
  if (!(values instanceof Float32Array) || values.length !== p.size) {
    throw new ShapeError(`${op}: the initialiser of ${p.name} returned ${values?.length} values for shape ${formatShape(p.shape)}`);
  }
  return values;
}

/** Throws unless `values` is a Float32Array of `p`'s size. */
function checkValues(op: string, p: Parameter, values: unknown, what: string): asserts values is Float32Array {
  if (!(values instanceof Float32Array)) throw new ArgumentError(`${op}: ${what} for ${p.name} must be a Float32Array, got ${describeValue(values)}`);
  if (values.length !== p.size)
    throw new ShapeError(`${op}: ${what} for ${p.name} has ${values.length} values, the parameter ${formatShape(p.shape)} has ${p.size}`);
}

function checkName(op: string, name: unknown): void {
  if (typeof name !== 'string') throw new ArgumentError(`${op}: name must be a parameter name (a string), got ${describeValue(name)}`);
}

/** A u32 seed for one parameter: FNV-1a of its name, mixed with the model seed. */
export function parameterSeed(seed: number, name: string): number {
  let hash = 0x811c9dc5 ^ seed;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
