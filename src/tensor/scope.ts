import { ShaderformerError } from '../errors.js';
import type { Tensor } from './tensor.js';

// Each open scope owns the tensors created while it is innermost.
const openScopes: Set<Tensor>[] = [];

/** @internal Called by the Tensor constructor. */
export function track(tensor: Tensor): void {
  openScopes[openScopes.length - 1]?.add(tensor);
}

/** @internal Called by `dispose()`. */
export function untrack(tensor: Tensor): void {
  openScopes[openScopes.length - 1]?.delete(tensor);
}

/**
 * Runs `fn` and disposes every tensor created inside it, except the tensors it returns
 * (alone, or inside arrays and plain objects), which move to the enclosing scope.
 * Synchronous only: read results (`await t.data()`) outside the scope.
 */
export function scope<T>(fn: () => T): T {
  const owned = new Set<Tensor>();
  openScopes.push(owned);
  let result: T;
  try {
    result = fn();
  } catch (error) {
    openScopes.pop();
    for (const t of owned) t.dispose();
    throw error;
  }
  openScopes.pop();
  if (result instanceof Promise) {
    for (const t of owned) t.dispose();
    throw new ShaderformerError('scope: the function returned a Promise; scopes are synchronous, so await outside the scope');
  }
  const returned = new Set<Tensor>();
  collectTensors(result, returned, new Set());
  for (const t of owned) {
    if (returned.has(t)) openScopes[openScopes.length - 1]?.add(t);
    else t.dispose();
  }
  return result;
}

/** Exempts `tensor` from the innermost scope, so it lives until its own `dispose()`. */
export function keep<T extends Tensor>(tensor: T): T {
  for (const s of openScopes) s.delete(tensor);
  return tensor;
}

function collectTensors(value: unknown, into: Set<Tensor>, seen: Set<unknown>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (isTensor(value)) {
    into.add(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collectTensors(v, into, seen);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, into, seen);
  }
}

function isTensor(value: object): value is Tensor {
  return 'backend' in value && 'shape' in value && typeof (value as Tensor).dispose === 'function';
}
