import { ShaderformerError } from '../errors.js';

/** What a scope tracks: a tensor (kept structural so this file does not import tensor.ts, which imports it). */
interface Scoped {
  readonly backend: unknown;
  readonly shape: readonly number[];
  dispose(): void;
}

// Each open scope owns the tensors created while it is innermost.
const openScopes: Set<Scoped>[] = [];

/** @internal Called by the Tensor constructor. */
export function track(tensor: Scoped): void {
  openScopes[openScopes.length - 1]?.add(tensor);
}

/** @internal Called by `dispose()`. */
export function untrack(tensor: Scoped): void {
  openScopes[openScopes.length - 1]?.delete(tensor);
}

/**
 * Runs `fn` and disposes every tensor created inside it, except the tensors it returns
 * (alone, or inside arrays and plain objects), which move to the enclosing scope.
 * Synchronous only: read results (`await t.data()`) outside the scope.
 */
export function scope<T>(fn: () => T): T {
  const owned = new Set<Scoped>();
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
  const returned = new Set<Scoped>();
  collectTensors(result, returned, new Set());
  for (const t of owned) {
    if (returned.has(t)) openScopes[openScopes.length - 1]?.add(t);
    else t.dispose();
  }
  return result;
}

/** Exempts `tensor` from the innermost scope, so it lives until its own `dispose()`. */
export function keep<T extends Scoped>(tensor: T): T {
  for (const s of openScopes) s.delete(tensor);
  return tensor;
}

function collectTensors(value: unknown, into: Set<Scoped>, seen: Set<unknown>): void {
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

function isTensor(value: object): value is Scoped {
  return 'backend' in value && 'shape' in value && typeof (value as Scoped).dispose === 'function';
}
