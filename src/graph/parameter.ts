import { ShapeError } from '../errors.js';
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
    if (typeof name !== 'string' || name.length === 0) throw new ShapeError(`Parameter: name must be a non-empty string, got ${JSON.stringify(name)}`);
    checkShape(`Parameter ${name}`, shape);
    this.shape = Object.freeze([...shape]);
    this.init = options.init ?? ((s) => new Float32Array(shapeSize(s)));
    this.decay = options.decay ?? true;
  }

  /** Number of elements. */
  get size(): number {
    return shapeSize(this.shape);
  }
}
