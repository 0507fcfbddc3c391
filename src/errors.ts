/** Base class of every error shaderformer throws on purpose. */
export class ShaderformerError extends Error {
  override name = 'ShaderformerError';
}

/** A public function got an argument of the wrong kind: not a tensor, missing, out of range, non-integer for an integer dtype; the message names the function and the argument. */
export class ArgumentError extends ShaderformerError {
  override name = 'ArgumentError';
}

/** An op got arguments of the wrong shape, dtype or backend (a kind of `ArgumentError`); the message names the op and both shapes. */
export class ShapeError extends ArgumentError {
  override name = 'ShapeError';
}

/** A tensor was used after `dispose()` (directly or by the scope that owned it). */
export class DisposedTensorError extends ShaderformerError {
  override name = 'DisposedTensorError';
}

/** The GPU device was lost (driver reset, `destroy()`, tab backgrounded too long); work in flight is abandoned. */
export class DeviceLostError extends ShaderformerError {
  override name = 'DeviceLostError';
  constructor(
    /** `'destroyed'` when the app called destroy, `'unknown'` otherwise (the WebGPU `GPUDeviceLostReason`). */
    readonly reason: string,
    /** The driver's message, if any. */
    readonly detail: string,
  ) {
    super(`WebGPU device lost (${reason})${detail ? `: ${detail}` : ''}`);
  }
}

/** WebGPU is not available here (no `navigator.gpu`, no adapter, or the `webgpu` package is missing in Node). */
export class WebGPUUnavailableError extends ShaderformerError {
  override name = 'WebGPUUnavailableError';
}

/** Formats a shape for error messages: `[2, 3]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * A short description of a value that was not what an argument needed, for error messages:
 * `undefined`, `Float32Array(6)`, `Array(3)`, `number 3`, `string "a"`, `Var(f32[2] (input))`, `object`.
 */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `Array(${value.length})`;
  if (ArrayBuffer.isView(value)) {
    const length = (value as { length?: unknown }).length;
    return typeof length === 'number' ? `${value.constructor.name}(${length})` : value.constructor.name;
  }
  switch (typeof value) {
    case 'string':
      return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'function':
      return value.name ? `function ${value.name}` : 'function';
    case 'object': {
      const ctor = (value as { constructor?: { name?: unknown } }).constructor;
      const className = typeof ctor?.name === 'string' && ctor.name !== 'Object' ? ctor.name : '';
      // A class with its own toString (Tensor, Var) says more than its name: `Var(f32[2] (input))`.
      const own = (value as { toString?: unknown }).toString;
      if (className && typeof own === 'function' && own !== Object.prototype.toString) {
        try {
          return String(value);
        } catch {
          return className;
        }
      }
      return className || 'object';
    }
    default:
      return `${typeof value} ${String(value)}`;
  }
}

/** `describeValue` for an argument that should be a number: a number as itself (`-1`, `NaN`), anything else described (`string "1"`). */
export function describeNumber(value: unknown): string {
  return typeof value === 'number' ? String(value) : describeValue(value);
}
