/** Base class of every error shaderformer throws on purpose. */
export class ShaderformerError extends Error {
  override name = 'ShaderformerError';
}

/** An op got arguments of the wrong shape, dtype or backend; the message names the op and both shapes. */
export class ShapeError extends ShaderformerError {
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
