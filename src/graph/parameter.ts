import { ArgumentError, describeValue } from '../errors.js';
import { checkShape, shapeSize } from '../tensor/tensor.js';

/** How a parameter's first values are drawn: called once per parameter, with a seed derived from the model's. */
export type Initializer = (shape: readonly number[], seed: number) => Float32Array;

/** Options of a `Parameter`. */
export interface ParameterOptions {
  /** Draws the first values (default: zeros). */
  init?: Initializer;
  /** Whether weight decay applies (AdamW, Adam, SGD); false for biases and LayerNorm, as BERT (default true). */
  decay?: boolean;
}

/**
 * A trainable tensor of a model, by name (`encoder.layer.0.attention.self.query.weight`), with its
 * shape and initialiser. Modules create parameters; a graph refers to them; a `ParameterStore`
 * holds their values on a backend.
 */
export class Parameter {
  readonly shape: readonly number[];
  readonly init: Initializer;
  readonly decay: boolean;

  constructor(
    /** Hugging Face style dotted name, unique within a model. */
    readonly name: string,
    shape: readonly number[],
    options: ParameterOptions = {},
  ) {
    if (typeof name !== 'string' || name.length === 0) throw new ArgumentError(`Parameter: name must be a non-empty string, got ${describeValue(name)}`);
    checkShape(`Parameter ${name}`, shape);
    if (typeof options !== 'object' || options === null) throw new ArgumentError(`Parameter ${name}: options must be an object, got ${describeValue(options)}`);
    if (options.init !== undefined && typeof options.init !== 'function') {
      throw new ArgumentError(`Parameter ${name}: init must be a function (shape, seed) => Float32Array, got ${describeValue(options.init)}`);
    }
    if (options.decay !== undefined && typeof options.decay !== 'boolean')
      throw new ArgumentError(`Parameter ${name}: decay must be a boolean, got ${describeValue(options.decay)}`);
    this.shape = Object.freeze([...shape]);
    this.init = options.init ?? ((s) => new Float32Array(shapeSize(s)));
    this.decay = options.decay ?? true;
  }

  /** Number of elements. */
  get size(): number {
    return shapeSize(this.shape);
  }
}
