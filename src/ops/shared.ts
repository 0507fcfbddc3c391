import { ArgumentError, ShapeError, describeValue, formatShape } from '../errors.js';
import type { DType } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';

/** Throws `ArgumentError` unless `value` is a Tensor, naming the op and the argument (`add: a must be a Tensor, got Float32Array(6)`). */
export function checkTensor(op: string, name: string, value: unknown): asserts value is Tensor {
  if (!(value instanceof Tensor)) throw new ArgumentError(`${op}: ${name} must be a Tensor, got ${describeValue(value)}`);
}

/**
 * Throws unless every named argument is a live Tensor and all live on one backend; `op` names the
 * caller. Each is checked to be a Tensor before any is touched, so plain-JavaScript misuse reads
 * `layerNorm: beta must be a Tensor, got undefined` rather than an engine message.
 */
export function checkSameBackend(op: string, tensors: Readonly<Record<string, unknown>>): void {
  const entries = Object.entries(tensors);
  for (const [name, t] of entries) checkTensor(op, name, t);
  // storage() throws DisposedTensorError, naming the op, for a disposed argument.
  for (const [, t] of entries) (t as Tensor).storage(op);
  const first = entries[0]![1] as Tensor;
  const other = entries.find(([, t]) => (t as Tensor).backend !== first.backend)?.[1] as Tensor | undefined;
  if (other) throw new ShapeError(`${op}: arguments live on different backends (${first.describe()} and ${other.describe()})`);
}

/** `{ [name]: value }` when an optional tensor argument was given, `{}` when it is undefined: for `checkSameBackend`. */
export function ifGiven(name: string, value: unknown): Record<string, unknown> {
  return value === undefined ? {} : { [name]: value };
}

/** Throws `ArgumentError` unless `options` is an object (`op: options must be an object, got …`). */
export function checkOptionsObject(op: string, options: unknown): void {
  if (typeof options !== 'object' || options === null) throw new ArgumentError(`${op}: options must be an object, got ${describeValue(options)}`);
}

/** Throws `ArgumentError` naming the first of `names` that `options` lacks (`adamwUpdate: lr is required`). */
export function checkRequired(op: string, options: object, names: readonly string[], label = ''): void {
  for (const name of names) {
    if ((options as Record<string, unknown>)[name] === undefined) throw new ArgumentError(`${op}: ${label}${name} is required`);
  }
}

/** Throws unless `t` has one of the `allowed` dtypes. */
export function checkDType(op: string, name: string, t: Tensor, allowed: readonly DType[]): void {
  if (!allowed.includes(t.dtype)) {
    throw new ShapeError(`${op}: ${name} must be ${allowed.join(' or ')}, got ${t.describe()}`);
  }
}

/** Throws unless `t.shape` equals `expected` exactly. */
export function checkShapeEquals(op: string, name: string, t: Tensor, expected: readonly number[]): void {
  if (t.rank !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
    throw new ShapeError(`${op}: ${name} must have shape ${formatShape(expected)}, got ${formatShape(t.shape)}`);
  }
}
