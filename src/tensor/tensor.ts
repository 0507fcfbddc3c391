import { DisposedTensorError, ShapeError, formatShape } from '../errors.js';
import type { ArrayOf, DType, TensorData } from './dtype.js';
import { track, untrack } from './scope.js';

/** Memory counters every backend keeps. */
export interface BackendStats {
  /** Bytes held by live tensors (on WebGPU: by the buffers handed out, rounded up to size classes). */
  liveBytes: number;
  /** The highest `liveBytes` since the backend was made or `resetPeakStats()` was called. */
  peakLiveBytes: number;
}

/**
 * Where tensors live and ops run: `createCpuBackend()` (the reference loops) or
 * `createWebGPUBackend()`. Ops take tensors and run on the backend those live on.
 */
export interface Backend {
  /** `'cpu'`, `'webgpu'`, or `'meta'` (shapes without values, used while a graph is built). */
  readonly name: 'cpu' | 'webgpu' | 'meta';
  /** A tensor holding a copy of `data` (`number[]` or a typed array; dtype inferred from the array type unless given). */
  tensor(data: TensorData, shape: readonly number[], dtype?: DType): Tensor;
  /** A tensor of zeros. */
  zeros(shape: readonly number[], dtype?: DType): Tensor;
  /** Overwrites a tensor's values in place (same element count; dtype as the tensor's). */
  write(tensor: Tensor, data: TensorData): void;
  /** Memory counters: bytes held by live tensors now and at the peak. */
  stats(): BackendStats;
  /** Starts a new `peakLiveBytes` from the bytes live now. */
  resetPeakStats(): void;
  /** Resolves when the work queued so far has run (on WebGPU: submitted and done on the GPU; at once on the CPU). */
  sync(): Promise<void>;
  /** Frees everything the backend holds; it is unusable afterwards. */
  destroy(): void;
  /** @internal Reads a tensor's values; use `tensor.data()`. */
  read(tensor: Tensor): Promise<Float32Array | Int32Array | Uint32Array>;
  /** @internal Frees a tensor's storage; use `tensor.dispose()`. */
  release(storage: unknown): void;
}

/**
 * An n-dimensional array living on one backend. Its storage is released by `dispose()` or by
 * the `scope()` it was created in; after that every use throws `DisposedTensorError`.
 */
export class Tensor<D extends DType = DType> {
  /** Number of elements: the product of `shape`. */
  readonly size: number;
  #storage: unknown;
  #disposed = false;
  // A view (from `reshape`) borrows its base's storage: it releases nothing and dies with the base.
  #base: Tensor | undefined;

  /** @internal Backends create tensors; users call `backend.tensor()` or an op. */
  constructor(
    /** The backend that owns the storage. */
    readonly backend: Backend,
    storage: unknown,
    /** Dimensions, outermost first. */
    readonly shape: readonly number[],
    /** Element type. */
    readonly dtype: D,
  ) {
    this.size = shapeSize(shape);
    this.#storage = storage;
    this.shape = Object.freeze([...shape]);
    track(this);
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** True once the tensor's storage has been released (for a view: once it or its base has been). */
  get disposed(): boolean {
    return this.#disposed || (this.#base?.disposed ?? false);
  }

  /** @internal The backend's storage; throws when disposed. `op` names the caller for the error. */
  storage<S>(op = 'use'): S {
    if (this.disposed) throw new DisposedTensorError(`${op}: tensor ${this.describe()} was disposed`);
    return this.#storage as S;
  }

  /**
   * A view of the same elements, in the same order, with another shape of the same size (no copy).
   * The view lives as long as this tensor: its `dispose()` releases nothing, and it is unusable once
   * this tensor is disposed.
   */
  reshape(shape: readonly number[]): Tensor<D> {
    checkShape('reshape', shape);
    if (shapeSize(shape) !== this.size) {
      throw new ShapeError(`reshape: ${this.describe()} has ${this.size} elements; shape ${formatShape(shape)} holds ${shapeSize(shape)}`);
    }
    const view = new Tensor(this.backend, this.storage('reshape'), shape, this.dtype);
    view.#base = this.#base ?? this;
    return view;
  }

  /**
   * @internal Makes a view the owner of its storage: the base is marked disposed without releasing,
   * and this tensor's `dispose()` now releases. The graph executor uses it to return a reshaped
   * intermediate without a copy.
   */
  adoptStorage(): void {
    const base = this.#base;
    if (!base) return;
    if (base.#base || base.#disposed) throw new DisposedTensorError(`adoptStorage: the base of ${this.describe()} is not a live owner`);
    base.#disposed = true;
    base.#storage = undefined;
    untrack(base);
    this.#base = undefined;
  }

  /** Copies the values to the CPU (a GPU readback: flushes queued work, then maps a staging buffer). */
  data(): Promise<ArrayOf<D>> {
    return this.backend.read(this) as Promise<ArrayOf<D>>;
  }

  /** Releases the storage now (back to the buffer pool on WebGPU). Calling it twice is harmless. */
  dispose(): void {
    if (this.#disposed) return;
    if (!this.#base) this.backend.release(this.#storage);
    this.#disposed = true;
    this.#storage = undefined;
    untrack(this);
  }

  /** `f32[2, 3] on webgpu`: for messages. */
  describe(): string {
    return `${this.dtype}${formatShape(this.shape)} on ${this.backend.name}`;
  }

  toString(): string {
    return `Tensor(${this.describe()}${this.#disposed ? ', disposed' : ''})`;
  }
}

/** Product of the dimensions (1 for a scalar shape `[]`). */
export function shapeSize(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/** Throws unless `shape` is a list of non-negative integers; `op` names the caller. */
export function checkShape(op: string, shape: readonly number[]): void {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ShapeError(`${op}: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
}
