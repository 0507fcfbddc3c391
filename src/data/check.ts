// Argument checks shared by the data modules; every message starts with the function's name.
import { ShapeError } from '../errors.js';

/** A short description of a bad value for an error message. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'object') return value.constructor?.name ?? 'an object';
  return `${typeof value} ${String(value)}`;
}

/** Throws unless `value` is an integer in [min, max]. */
export function checkInteger(op: string, name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ShapeError(`${op}: ${name} must be an integer in [${min}, ${max}], got ${describe(value)}`);
  }
  return value;
}

/** Throws unless `ids` is an Int32Array of ids ≥ 0. */
export function checkTokenIds(op: string, name: string, ids: unknown): Int32Array {
  if (!(ids instanceof Int32Array)) throw new ShapeError(`${op}: ${name} must be an Int32Array, got ${describe(ids)}`);
  for (let i = 0; i < ids.length; i++) {
    if (ids[i]! < 0) throw new ShapeError(`${op}: ${name}[${i}] = ${ids[i]} is negative; token ids are ≥ 0`);
  }
  return ids;
}
