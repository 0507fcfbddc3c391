import { ArgumentError, describeNumber, describeValue } from '../errors.js';
import { type Initializer, Parameter, type ParameterOptions } from '../graph/graph.js';
import { shapeSize } from '../tensor/tensor.js';
import { normalInit, xavierUniform } from './init.js';

/**
 * Base of the nn modules: a dotted name (`bert.encoder.layer.0`), the parameters it owns, its
 * child modules, and a training flag (dropout is on only while training). A module's `forward`
 * adds ops to the graph of its input vars.
 */
export abstract class Module {
  readonly #parameters: Parameter[] = [];
  readonly #children: Module[] = [];
  #training = true;

  constructor(
    /** The prefix of the module's parameter names ('' at the root). */
    readonly name: string,
  ) {
    // A missing name would otherwise become the parameter prefix "undefined.".
    if (typeof name !== 'string') throw new ArgumentError(`${new.target.name}: name must be a string ('' at the root), got ${describeValue(name)}`);
  }

  /** True while training (the default); `eval()` turns it off, with dropout. */
  get training(): boolean {
    return this.#training;
  }

  /** Sets the training flag on this module and every descendant. */
  train(on = true): this {
    this.#training = on;
    for (const c of this.#children) c.train(on);
    return this;
  }

  /** `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** Every parameter of this module and its descendants, in registration order. */
  parameters(): Parameter[] {
    return [...this.#parameters, ...this.#children.flatMap((c) => c.parameters())];
  }

  /** A child's full name: `prefix.local`. */
  protected childName(local: string): string {
    return this.name ? `${this.name}.${local}` : local;
  }

  /** Registers a parameter named `${this.name}.${local}`. */
  protected parameter(local: string, shape: readonly number[], options: ParameterOptions = {}): Parameter {
    const p = new Parameter(this.childName(local), shape, options);
    this.#parameters.push(p);
    return p;
  }

  /** Registers a child module (already named with its full prefix). */
  protected child<M extends Module>(module: M): M {
    this.#children.push(module);
    return module;
  }
}

/** normal(0, std) weights, BERT's initialiser (std = initializer_range, 0.02). */
export function normal(std = 0.02): Initializer {
  checkPositive('normal', 'std', std);
  return (shape, seed) => normalInit(shape, { std, seed });
}

/** Xavier/Glorot uniform for a [fanOut, fanIn] weight, the original Transformer's initialiser. */
export function xavier(gain = 1): Initializer {
  checkPositive('xavier', 'gain', gain);
  return (shape, seed) => xavierUniform(shape, { fanIn: shape[shape.length - 1]!, fanOut: shape[0]!, gain, seed });
}

/** Every element `value` (LayerNorm γ = 1). */
export function filled(value: number): Initializer {
  if (typeof value !== 'number') throw new ArgumentError(`filled: value must be a number, got ${describeValue(value)}`);
  return (shape) => new Float32Array(shapeSize(shape)).fill(value);
}

function checkPositive(op: string, name: string, value: unknown): void {
  // Checked here, not only when the initialiser runs, so the error points at the model definition.
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ArgumentError(`${op}: ${name} must be a finite number > 0, got ${describeNumber(value)}`);
  }
}
