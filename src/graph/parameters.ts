import { ArgumentError, ShapeError, describeValue, formatShape } from '../errors.js';
import type { Backend, Tensor } from '../tensor/tensor.js';
import { Parameter } from './parameter.js';

/** Options of `ParameterStore.create`. */
export interface ParameterStoreOptions {
  /** Seed of the initialisers; each parameter draws from a stream derived from it and its name (default 0). */
  seed?: number;
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

  /** Initialises every parameter on `backend` (names must be unique). */
  static create(backend: Backend, parameters: Iterable<Parameter>, options: ParameterStoreOptions = {}): ParameterStore {
    const op = 'ParameterStore.create';
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
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new ShapeError(`ParameterStore.create: seed must be a u32, got ${String(seed)}`);
    const store = new ParameterStore(backend);
    for (const p of list) {
      if (store.#byName.has(p.name)) throw new ShapeError(`ParameterStore.create: two parameters are named ${JSON.stringify(p.name)}`);
      const values = p.init(p.shape, parameterSeed(seed, p.name));
      if (!(values instanceof Float32Array) || values.length !== p.size) {
        throw new ShapeError(`ParameterStore.create: the initialiser of ${p.name} returned ${values?.length} values for shape ${formatShape(p.shape)}`);
      }
      const tensor = backend.tensor(values, p.shape, 'f32');
      store.#byName.set(p.name, { parameter: p, tensor });
      store.#byParameter.set(p, tensor);
    }
    return store;
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

function checkName(op: string, name: unknown): void {
  if (typeof name !== 'string') throw new ArgumentError(`${op}: name must be a parameter name (a string), got ${describeValue(name)}`);
}

/** A u32 seed for one parameter: FNV-1a of its name, mixed with the model seed. */
export function parameterSeed(seed: number, name: string): number {
  let hash = 0x811c9dc5 ^ seed;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
