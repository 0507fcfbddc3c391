import { DeviceLostError, ShapeError, formatShape } from '../../errors.js';
import { type GpuStorage, type Kernel, renderKernel } from '../../kernels/kernel.js';
import { type DType, type TensorData, bytesPerElement, fromHalfBits } from '../../tensor/dtype.js';
import { type Backend, Tensor, checkShape, shapeSize } from '../../tensor/tensor.js';
import type { BackendOps } from '../contract.js';
import { checkWriteTarget, prepareTensorData } from '../tensor-data.js';
import { STEP_VALUES_WORDS } from '../step-values.js';
import { BufferPool, type PoolStats } from './buffer-pool.js';
import { type AdapterReport, type DeviceOptions, openDevice } from './device.js';
import { BufferUsage, MapMode, READBACK_USAGE, STORAGE_USAGE, UNIFORM_USAGE } from './gpu-constants.js';
import { type CaptureSink, WebGPUPrograms } from './program.js';
import { webgpuElementwiseOps } from './ops/elementwise.js';
import { type GemmTuning, tuneGemm, webgpuGemmOps } from './ops/gemm.js';
import type { GemmVariant } from '../contract.js';
import { webgpuNormOps } from './ops/norm.js';
import { webgpuSoftmaxOps } from './ops/softmax.js';
import { webgpuLossOps } from './ops/loss.js';
import { webgpuEmbeddingOps } from './ops/embedding.js';
import { webgpuActivationOps } from './ops/activation.js';
import { webgpuReduceOps } from './ops/reduce.js';
import { webgpuOptimOps } from './ops/optim.js';
import { webgpuDropoutOps } from './ops/dropout.js';
import { webgpuAttentionOps } from './ops/attention.js';
import { webgpuLayoutOps } from './ops/layout.js';
import type { AttentionTiling } from '../../kernels/attention.js';
import type { RowLayout } from '../../kernels/rows.js';
import { PipelineCache } from './pipeline-cache.js';

/** Options for `createWebGPUBackend`. */
export interface WebGPUBackendOptions extends DeviceOptions {
  /**
   * Fill every op's output buffer with NaN bits (0xFF bytes) before its kernel runs, so a kernel
   * that leaves an element unwritten shows up as NaN. Meant for tests; costs one write per output.
   */
  poisonOutputs?: boolean;
  /** Dispatches recorded before the backend submits on its own (default 128). `flush()` submits at any time. */
  maxDispatchesPerSubmit?: number;
}

/** Events the backend emits: `lost` once when the device is lost, `error` for each WebGPU validation or compile error. */
export interface WebGPUBackendEvents {
  lost: DeviceLostError;
  error: string;
}

/** Counters of the backend: the buffer pool's, plus pipelines, dispatches and submits. */
export interface WebGPUStats extends PoolStats {
  pipelines: number;
  dispatches: number;
  submits: number;
}

/**
 * The WebGPU backend: a device, a buffer pool, a pipeline cache and a command recorder.
 * Ops record dispatches into one open compute pass; work is submitted in batches (on `flush()`,
 * on a readback, or every `maxDispatchesPerSubmit` dispatches), and only tensors whose
 * `data()` is asked for are read back.
 */
// No `implements WebGPUContext`: that would publish the private contract in the package types; passing
// `this` to the per-family op builders and to WebGPUPrograms checks the class against it all the same.
export class WebGPUBackend implements Backend {
  readonly name = 'webgpu' as const;
  /** The WebGPU device (shared with the caller; do not destroy it while the backend is in use). */
  readonly device: GPUDevice;
  /** What the adapter is and what the device was granted. */
  readonly report: AdapterReport;
  /** @internal The buffer pool. */
  readonly pool: BufferPool;
  /** @internal The pipeline cache. */
  readonly pipelines: PipelineCache;
  readonly #options: WebGPUBackendOptions;
  readonly #listeners: { [E in keyof WebGPUBackendEvents]: Set<(event: WebGPUBackendEvents[E]) => void> } = {
    lost: new Set(),
    error: new Set(),
  };
  readonly #errors: string[] = [];
  readonly #lostSignal: Promise<never>;
  #lost: DeviceLostError | undefined;
  #encoder: GPUCommandEncoder | undefined;
  #pass: GPUComputePassEncoder | undefined;
  #recorded = 0;
  #sink: CaptureSink | undefined;
  /** The GEMM variant `tuneGemm()` (or you) chose for every product (undefined: chosen by adapter and product size, `chooseGemmVariant`). */
  gemmVariant: GemmVariant | undefined;
  /** The fused attention kernels' layout (undefined: chosen by adapter kind). */
  attentionTiling: AttentionTiling | undefined;
  /** The row kernels' layout: cross-entropy, layerNorm, softmax (undefined: chosen by adapter kind and row length, `chooseRowLayout`). */
  rowLayout: RowLayout | undefined;
  #dispatches = 0;
  #submits = 0;
  // Keeps Dawn's GPU object reachable for as long as the device is used.
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: held only so that it is not garbage-collected
  readonly #gpu: GPU;

  /** @internal The op table (the backend contract); call the checked functions (`add`, `matmul`, …) instead. */
  readonly ops: BackendOps = {
    ...webgpuElementwiseOps(this),
    ...webgpuGemmOps(this),
    ...webgpuNormOps(this),
    ...webgpuSoftmaxOps(this),
    ...webgpuLossOps(this),
    ...webgpuEmbeddingOps(this),
    ...webgpuActivationOps(this),
    ...webgpuReduceOps(this),
    ...webgpuOptimOps(this),
    ...webgpuDropoutOps(this),
    ...webgpuAttentionOps(this),
    ...webgpuLayoutOps(this),
  };

  /** @internal Records and replays the programs of compiled training steps. */
  readonly programs: WebGPUPrograms = new WebGPUPrograms(this);

  /** @internal Use `createWebGPUBackend()`. */
  constructor(gpu: GPU, device: GPUDevice, report: AdapterReport, options: WebGPUBackendOptions) {
    this.#gpu = gpu;
    this.device = device;
    this.report = report;
    this.#options = options;
    this.pool = new BufferPool(device);
    this.pipelines = new PipelineCache(device, (kernel, message) => this.#reportError(`${kernel}: shader compilation failed:\n${message}`));
    this.#lostSignal = device.lost.then((info) => {
      this.#lost = new DeviceLostError(info.reason, info.message);
      for (const listener of this.#listeners.lost) listener(this.#lost);
      throw this.#lost;
    });
    this.#lostSignal.catch(() => {}); // observed by readbacks; never an unhandled rejection
    const onError = (event: GPUUncapturedErrorEvent) => this.#reportError(event.error.message);
    if (typeof device.addEventListener === 'function') device.addEventListener('uncapturederror', onError);
    else (device as { onuncapturederror: unknown }).onuncapturederror = onError;
  }

  /** The device limits in force. */
  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  /** The loss, once the device is lost; `undefined` while it is healthy. */
  get lost(): DeviceLostError | undefined {
    return this.#lost;
  }

  /** Subscribes to an event; returns the function that unsubscribes. */
  on<E extends keyof WebGPUBackendEvents>(event: E, listener: (event: WebGPUBackendEvents[E]) => void): () => void {
    const set = this.#listeners[event] as Set<typeof listener>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Returns and clears the validation and compile errors seen since the last call. */
  takeErrors(): string[] {
    return this.#errors.splice(0);
  }

  tensor(data: TensorData, shape: readonly number[], dtype?: DType): Tensor {
    const prepared = prepareTensorData(data, shape, dtype, 'f32', 'tensor', false);
    const storage = this.#allocateStorage(shape, prepared.dtype, 'tensor', false);
    this.#upload(storage.buffer, prepared.values);
    return new Tensor(this, storage, shape, prepared.dtype);
  }

  /** @internal A u32 [8] step-values tensor in a uniform buffer (a training step rewrites it every step; kernels bind it as `step`). */
  stepValuesTensor(): Tensor {
    this.#assertAlive('stepValuesTensor');
    if (this.#sink) throw new Error('stepValuesTensor: cannot be created while a plan is being recorded');
    const byteLength = STEP_VALUES_WORDS * 4;
    const buffer = this.pool.acquire(byteLength, UNIFORM_USAGE | BufferUsage.COPY_SRC, 'step values');
    this.device.queue.writeBuffer(buffer, 0, new Uint32Array(STEP_VALUES_WORDS));
    return new Tensor(this, { buffer, byteLength }, [STEP_VALUES_WORDS], 'u32');
  }

  zeros(shape: readonly number[], dtype: DType = 'f32'): Tensor {
    checkShape('zeros', shape);
    const storage = this.#allocateStorage(shape, dtype, 'zeros', false);
    this.#commandEncoder().clearBuffer(storage.buffer, 0, storage.byteLength);
    return new Tensor(this, storage, shape, dtype);
  }

  /** @internal Allocates an op's output storage from the pool (NaN-poisoned when `poisonOutputs` is set). */
  allocate(shape: readonly number[], dtype: DType, op: string): GpuStorage {
    const storage = this.#allocateStorage(shape, dtype, op);
    if (this.#options.poisonOutputs && !this.#sink) {
      this.device.queue.writeBuffer(storage.buffer, 0, new Uint8Array(storage.byteLength).fill(0xff));
    }
    return storage;
  }

  async read(tensor: Tensor): Promise<Float32Array | Int32Array | Uint32Array> {
    const { buffer, byteLength } = tensor.storage<GpuStorage>('data');
    this.#assertAlive('data');
    const staging = this.pool.acquire(byteLength, READBACK_USAGE, 'readback');
    this.#commandEncoder().copyBufferToBuffer(buffer, 0, staging, 0, byteLength);
    this.flush();
    try {
      await Promise.race([staging.mapAsync(MapMode.READ, 0, byteLength), this.#lostSignal]);
      const bytes = staging.getMappedRange(0, byteLength).slice(0);
      staging.unmap();
      if (tensor.dtype === 'i32') return new Int32Array(bytes, 0, tensor.size);
      if (tensor.dtype === 'u32') return new Uint32Array(bytes, 0, tensor.size);
      if (tensor.dtype === 'f16') return fromHalfBits(new Uint16Array(bytes, 0, tensor.size));
      return new Float32Array(bytes, 0, tensor.size);
    } catch (error) {
      throw await this.lossBehind(error);
    } finally {
      if (!this.#lost) this.pool.release(staging);
    }
  }

  /**
   * @internal What a failed readback should throw: a mapAsync aborted by device loss can reject
   * before device.lost resolves, so the loss is given a moment to arrive and the caller sees
   * DeviceLostError rather than a bare AbortError; `error` itself when the device is fine.
   */
  async lossBehind(error: unknown): Promise<unknown> {
    if (!this.#lost) await Promise.race([this.#lostSignal, new Promise((resolve) => setTimeout(resolve, 250))]).catch(() => {});
    return this.#lost ?? error;
  }

  /** @internal Frees a tensor's storage; use `tensor.dispose()`. */
  release(storage: unknown): void {
    this.releaseStorage(storage as GpuStorage);
  }

  /** @internal Returns an op's scratch storage to the pool. */
  releaseStorage(storage: GpuStorage): void {
    if (this.#sink) this.#sink.release(storage);
    else if (!this.#lost) this.pool.release(storage.buffer);
  }

  /**
   * @internal Runs `fn` with every op allocation, release and command sent to `sink` instead of the
   * pool and the command encoder: how a program records a training step once.
   */
  capture<T>(sink: CaptureSink, fn: () => T): T {
    if (this.#sink) throw new Error('capture: a plan is already being recorded');
    this.#sink = sink;
    try {
      return fn();
    } finally {
      this.#sink = undefined;
    }
  }

  /** Overwrites a tensor's values in place (after the work recorded so far, which is submitted first). */
  write(tensor: Tensor, data: TensorData): void {
    checkWriteTarget(tensor);
    const prepared = prepareTensorData(data, tensor.shape, tensor.dtype, 'f32', 'write', false);
    const { buffer } = tensor.storage<GpuStorage>('write');
    this.#assertAlive('write');
    // queue.writeBuffer lands before the next submit: commands already recorded must go first.
    this.flush();
    this.#upload(buffer, prepared.values);
  }

  /** Writes `values` at the start of `buffer` (queued before the next submit). */
  #upload(buffer: GPUBuffer, values: ArrayBufferView): void {
    if (values.byteLength % 4 === 0) {
      this.device.queue.writeBuffer(buffer, 0, values.buffer, values.byteOffset, values.byteLength);
    } else {
      // writeBuffer wants 4-byte multiples: an odd count of f16 values gets one padding half.
      const padded = new Uint16Array(values.byteLength / 2 + 1);
      padded.set(values as Uint16Array);
      this.device.queue.writeBuffer(buffer, 0, padded);
    }
  }

  /** @internal Records one dispatch of a kernel variant (see `Dispatcher`). */
  dispatch<V>(kernel: Kernel<V>, variant: V, resources: readonly (GpuStorage | ArrayBufferView)[], workgroups: readonly [number, number, number]): void {
    this.#assertAlive(kernel.name);
    if (resources.length !== kernel.bindings.length) {
      throw new Error(`${kernel.name}: ${resources.length} resources given for ${kernel.bindings.length} bindings`);
    }
    const rendered = renderKernel(kernel, variant);
    if (this.#sink) {
      // Recorded, not run: uniform bytes are copied (callers reuse their arrays); nothing is compiled yet.
      const copied = resources.map((r) => {
        if (!ArrayBuffer.isView(r)) return r;
        const bytes = new Uint8Array(r.byteLength);
        bytes.set(new Uint8Array(r.buffer, r.byteOffset, r.byteLength));
        return bytes;
      });
      this.#sink.dispatch(rendered, copied, [workgroups[0], workgroups[1], workgroups[2]]);
      return;
    }
    const { pipeline, layout } = this.pipelines.get(rendered);
    const uniforms: GPUBuffer[] = [];
    const entries = resources.map((resource, binding): GPUBindGroupEntry => {
      if (!ArrayBuffer.isView(resource)) {
        return { binding, resource: { buffer: resource.buffer, offset: 0, size: resource.byteLength } };
      }
      const uniform = this.pool.acquire(resource.byteLength, UNIFORM_USAGE, `${kernel.name} params`);
      this.device.queue.writeBuffer(uniform, 0, resource.buffer, resource.byteOffset, resource.byteLength);
      uniforms.push(uniform);
      return { binding, resource: { buffer: uniform, offset: 0, size: resource.byteLength } };
    });
    const bindGroup = this.device.createBindGroup({ label: kernel.name, layout, entries });
    const pass = this.#computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(workgroups[0], workgroups[1], workgroups[2]);
    for (const uniform of uniforms) this.pool.release(uniform);
    this.#dispatches++;
    if (++this.#recorded >= (this.#options.maxDispatchesPerSubmit ?? 128)) this.flush();
  }

  /** @internal Records x ← 0 over a whole storage, in order with the dispatches. */
  clear(storage: GpuStorage): void {
    this.#assertAlive('zero');
    if (this.#sink) this.#sink.clear(storage);
    else this.#commandEncoder().clearBuffer(storage.buffer, 0, storage.byteLength);
  }

  /** Submits everything recorded so far (no-op when nothing is). */
  flush(): void {
    if (!this.#encoder) {
      // Nothing is being recorded, so buffers released since the last submit are referenced by nothing pending.
      this.pool.commandsSubmitted();
      return;
    }
    this.#pass?.end();
    this.#pass = undefined;
    const commands = this.#encoder.finish();
    this.#encoder = undefined;
    this.#recorded = 0;
    if (this.#lost) return;
    this.device.queue.submit([commands]);
    this.#submits++;
    this.pool.commandsSubmitted();
  }

  /** Submits pending work and resolves when the GPU has finished it (rejects with `DeviceLostError` on loss). */
  async sync(): Promise<void> {
    this.flush();
    this.#assertAlive('sync');
    await Promise.race([this.device.queue.onSubmittedWorkDone(), this.#lostSignal]);
  }

  /**
   * Times the GEMM kernel variants suited to this adapter and makes the fastest the default for
   * later matmuls (remembered per adapter in localStorage where available). Call once after
   * creating the backend; until then the choice goes by adapter and product size.
   */
  tuneGemm(options?: { candidates?: GemmVariant[]; force?: boolean }): Promise<GemmTuning> {
    return tuneGemm(this, options);
  }

  /** Starts a new `peakLiveBytes` from the bytes live now, to measure what a piece of work holds at once. */
  resetPeakStats(): void {
    this.pool.resetPeak();
  }

  /** Buffer pool and command counters. */
  stats(): WebGPUStats {
    return { ...this.pool.stats(), pipelines: this.pipelines.size, dispatches: this.#dispatches, submits: this.#submits };
  }

  /** Frees every buffer and destroys the device; the backend is unusable afterwards. */
  destroy(): void {
    this.#encoder = undefined;
    this.#pass = undefined;
    this.pool.destroy();
    this.device.destroy();
  }

  #allocateStorage(shape: readonly number[], dtype: DType, op: string, fromOp = true): GpuStorage {
    this.#assertAlive(op);
    if (this.#sink && !fromOp) throw new Error(`${op}: tensors with data cannot be created while a plan is being recorded`);
    if (dtype === 'f16' && !this.device.features.has('shader-f16')) {
      throw new ShapeError(
        `${op}: dtype f16 needs the WebGPU feature shader-f16, which this adapter (${this.report.description || this.report.architecture}) lacks`,
      );
    }
    // Bindings cannot be empty and must be 4-byte multiples.
    const byteLength = Math.max(4, Math.ceil((shapeSize(shape) * bytesPerElement(dtype)) / 4) * 4);
    if (byteLength > this.limits.maxStorageBufferBindingSize) {
      throw new ShapeError(
        `${op}: ${dtype}${formatShape(shape)} needs ${byteLength} bytes; this device binds at most ${this.limits.maxStorageBufferBindingSize}`,
      );
    }
    if (this.#sink) return this.#sink.allocate(byteLength, op);
    return { buffer: this.pool.acquire(byteLength, STORAGE_USAGE, op), byteLength };
  }

  #commandEncoder(): GPUCommandEncoder {
    this.#pass?.end();
    this.#pass = undefined;
    return (this.#encoder ??= this.device.createCommandEncoder());
  }

  #computePass(): GPUComputePassEncoder {
    if (!this.#pass) this.#pass = this.#commandEncoder().beginComputePass();
    return this.#pass;
  }

  /** @internal Throws `DeviceLostError` (naming `op`) once the device is lost. */
  assertUsable(op: string): void {
    this.#assertAlive(op);
  }

  #assertAlive(op: string): void {
    if (this.#lost) throw new DeviceLostError(this.#lost.reason, `${op}: ${this.#lost.detail || 'device is gone'}`);
  }

  #reportError(message: string): void {
    this.#errors.push(message);
    for (const listener of this.#listeners.error) listener(message);
  }
}

/**
 * Opens a WebGPU device (browser: `navigator.gpu`; Node: Dawn from the `webgpu` package) with the
 * adapter's maximum limits and the optional features it has, and returns a ready backend.
 */
export async function createWebGPUBackend(options: WebGPUBackendOptions = {}): Promise<WebGPUBackend> {
  const { gpu, device, report } = await openDevice(options);
  return new WebGPUBackend(gpu, device, report, options);
}
