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

/** What a `NonFiniteError` found not finite: the loss, or the global gradient norm. */
export type NonFiniteQuantity = 'loss' | 'gradient norm';

/**
 * A training step's loss or global gradient norm was NaN or ±∞: its optimizer update was skipped,
 * so the parameters and the optimizer state are exactly as before it (`onNonFinite: 'throw'`).
 */
export class NonFiniteError extends ShaderformerError {
  override name = 'NonFiniteError';
  constructor(
    /** Which value was not finite (the loss is checked first). */
    readonly quantity: NonFiniteQuantity,
    /** The optimizer update that was skipped, from 1 (the step's `updates` count). */
    readonly update: number,
    /** The loss the update would have used (with accumulation: the cycle's mean loss). */
    readonly loss: number,
    /** The global L2 norm of the gradients the update would have applied. */
    readonly gradNorm: number,
    /** The function that found it, e.g. `TrainStep.step`. */
    op = 'TrainStep.step',
  ) {
    const value = quantity === 'loss' ? loss : gradNorm;
    super(
      `${op}: the ${quantity} was ${value} at update ${update} (loss ${loss}, gradient norm ${gradNorm}); ` +
        'the update was skipped: parameters and optimizer state are unchanged',
    );
  }
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

/** A byte source (file, Blob, URL, stream) could not be read: an HTTP error, a stream that ended early, a read past its end; names the source. */
export class ByteSourceError extends ShaderformerError {
  override name = 'ByteSourceError';
}

/** Where in a safetensors file (or its index) a problem is: the file, and the tensor and header field when known. */
export interface SafetensorsErrorPlace {
  readonly file: string;
  readonly tensor?: string;
  readonly field?: string;
}

/** A safetensors file or `model.safetensors.index.json` is malformed or does not hold what was asked; the message names the file, the tensor and the field. */
export class SafetensorsError extends ShaderformerError {
  override name = 'SafetensorsError';
  readonly file: string;
  readonly tensor?: string;
  readonly field?: string;
  constructor(place: SafetensorsErrorPlace, detail: string) {
    const where = [
      `safetensors ${place.file}`,
      place.tensor !== undefined ? `tensor ${JSON.stringify(place.tensor.length > 100 ? `${place.tensor.slice(0, 100)}…` : place.tensor)}` : '',
      place.field !== undefined ? `field ${place.field}` : '',
    ].filter(Boolean);
    super(`${where.join(', ')}: ${detail}`);
    this.file = place.file;
    if (place.tensor !== undefined) this.tensor = place.tensor;
    if (place.field !== undefined) this.field = place.field;
  }
}

/** A training checkpoint could not be saved or loaded: a missing or corrupt file, names or shapes that do not match the model or the optimizer, an unknown format; names the checkpoint, the file and the field. */
export class CheckpointError extends ShaderformerError {
  override name = 'CheckpointError';
}

/** A Hugging Face model folder cannot be loaded or saved: a missing file, a malformed config.json, a tensor whose shape does not fit the model; names the folder, the file and the field or tensor. */
export class PretrainedError extends ShaderformerError {
  override name = 'PretrainedError';
}

/** A data file (a GLUE TSV, …) is malformed: a row with the wrong number of columns, a bad label; names the function and the line. */
export class DatasetError extends ShaderformerError {
  override name = 'DatasetError';
}
