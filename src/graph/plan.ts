import { ShaderformerError } from '../errors.js';
import type { GpuStorage } from '../kernels/kernel.js';
import { type CaptureSink, type CapturedDispatch, type WebGPUBackend, STORAGE_USAGE, UNIFORM_USAGE } from '../backend/webgpu/backend.js';
import { sizeClassOf } from '../backend/webgpu/buffer-pool.js';
import type { DType } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';

// A placeholder for a buffer that does not exist yet: recording runs every op once against these,
// and the memory plan later maps each one to a real buffer.
interface VirtualBuffer {
  readonly virtualAllocation: number;
}

interface Dynamic {
  readonly allocationStart: number;
  readonly dispatchStart: number;
  readonly inputs: readonly { storage: GpuStorage; shape: readonly number[]; dtype: DType }[];
  readonly body: (inputs: readonly Tensor[]) => Tensor[];
}

/**
 * A recorded program of GPU work: every dispatch of a piece of the training step, with buffers
 * assigned by liveness (a buffer is reused once the value in it is dead) and bind groups built
 * once. Replaying encodes the recorded dispatches into a compute pass. Parts whose uniforms change
 * from step to step (dropout masks, the optimizer's learning rate and step) are marked dynamic:
 * they are re-run against the same buffers on replay, and only the uniforms that changed are
 * rewritten, so a replay allocates and creates nothing.
 */
export class Program implements CaptureSink {
  readonly #gpu: WebGPUBackend;
  readonly #allocations: { byteLength: number; storage: GpuStorage }[] = [];
  readonly #events: number[] = []; // k ≥ 0: allocation k; ~k: its release
  readonly #dispatches: CapturedDispatch[] = [];
  readonly #dynamics: Dynamic[] = [];
  #physical: GPUBuffer[] = [];
  #ownedBuffers: GPUBuffer[] = [];
  #bindGroups: GPUBindGroup[] = [];
  #uniforms: (GPUBuffer | null)[][] = [];
  #uniformBytes: (Uint8Array<ArrayBuffer> | null)[][] = [];
  #cursor: { allocation: number; dispatch: number } | undefined;
  #finalized = false;

  constructor(gpu: WebGPUBackend) {
    this.#gpu = gpu;
  }

  /** Number of recorded dispatches. */
  get dispatchCount(): number {
    return this.#dispatches.length;
  }

  /** Bytes of the buffers the memory plan created for intermediates. */
  get plannedBytes(): number {
    return this.#ownedBuffers.reduce((total, b) => total + b.size, 0);
  }

  /** Records what `fn` dispatches (ops called inside run against placeholder buffers). */
  record<T>(fn: () => T): T {
    if (this.#finalized) throw new Error('Program.record: the program is finalized');
    return this.#gpu.capture(this, fn);
  }

  /**
   * Inside `record`: runs `body` on `inputs` now, and again on every `refresh()` against the same
   * buffers, so that uniforms that depend on the step are rewritten. `body` must allocate and
   * dispatch the same things every time.
   */
  dynamic(inputs: readonly Tensor[], body: (inputs: readonly Tensor[]) => Tensor[]): Tensor[] {
    this.#dynamics.push({
      allocationStart: this.#allocations.length,
      dispatchStart: this.#dispatches.length,
      inputs: inputs.map((t) => ({ storage: t.storage<GpuStorage>('plan'), shape: t.shape, dtype: t.dtype })),
      body,
    });
    return body(inputs);
  }

  /** The real storage behind a recorded one (itself when it was a real buffer all along). */
  resolve(storage: GpuStorage): GpuStorage {
    const virtual = (storage.buffer as unknown as Partial<VirtualBuffer>).virtualAllocation;
    if (virtual === undefined) return storage;
    if (!this.#finalized) throw new Error('Program.resolve: not finalized');
    return { buffer: this.#physical[virtual]!, byteLength: storage.byteLength };
  }

  /** Plans memory by liveness and builds every bind group and uniform buffer. */
  finalize(): void {
    const pool = this.#gpu.pool;
    const free = new Map<number, GPUBuffer[]>();
    for (const event of this.#events) {
      const index = event >= 0 ? event : ~event;
      const size = sizeClassOf(this.#allocations[index]!.byteLength);
      if (event >= 0) {
        let buffer = free.get(size)?.pop();
        if (!buffer) {
          buffer = pool.acquire(size, STORAGE_USAGE, 'plan');
          this.#ownedBuffers.push(buffer);
        }
        this.#physical[index] = buffer;
      } else {
        const list = free.get(size);
        if (list) list.push(this.#physical[index]!);
        else free.set(size, [this.#physical[index]!]);
      }
    }
    this.#finalized = true;
    this.#dispatches.forEach((d, i) => {
      const uniforms: (GPUBuffer | null)[] = [];
      const bytes: (Uint8Array<ArrayBuffer> | null)[] = [];
      const entries = d.resources.map((r, binding): GPUBindGroupEntry => {
        if (r instanceof Uint8Array) {
          const buffer = pool.acquire(r.byteLength, UNIFORM_USAGE, `${d.kernel} params`);
          this.#gpu.device.queue.writeBuffer(buffer, 0, r);
          uniforms.push(buffer);
          bytes.push(r);
          return { binding, resource: { buffer, offset: 0, size: r.byteLength } };
        }
        uniforms.push(null);
        bytes.push(null);
        const real = this.resolve(r);
        return { binding, resource: { buffer: real.buffer, offset: 0, size: real.byteLength } };
      });
      this.#uniforms[i] = uniforms;
      this.#uniformBytes[i] = bytes;
      this.#bindGroups[i] = this.#gpu.device.createBindGroup({ label: `plan ${d.kernel}`, layout: d.layout, entries });
    });
  }

  /** Re-runs the dynamic parts against the planned buffers and rewrites the uniforms that changed. */
  refresh(): void {
    for (const dynamic of this.#dynamics) {
      this.#cursor = { allocation: dynamic.allocationStart, dispatch: dynamic.dispatchStart };
      try {
        this.#gpu.capture(this, () => {
          const inputs = dynamic.inputs.map((d) => new Tensor(this.#gpu, this.resolve(d.storage), d.shape, d.dtype));
          for (const t of dynamic.body(inputs)) t.dispose();
          for (const t of inputs) t.dispose();
        });
      } finally {
        this.#cursor = undefined;
      }
    }
  }

  /** Encodes every recorded dispatch, in order, into `pass`. */
  encode(pass: GPUComputePassEncoder): void {
    this.#dispatches.forEach((d, i) => {
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, this.#bindGroups[i]!);
      pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1], d.workgroups[2]);
    });
  }

  /** Encodes each dispatch in a pass of its own with timestamps at `2i + first` and `2i + first + 1` (for profiling). */
  encodeTimed(encoder: GPUCommandEncoder, querySet: GPUQuerySet, first: number): void {
    this.#dispatches.forEach((d, i) => {
      const pass = encoder.beginComputePass({
        timestampWrites: { querySet, beginningOfPassWriteIndex: first + 2 * i, endOfPassWriteIndex: first + 2 * i + 1 },
      });
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, this.#bindGroups[i]!);
      pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1], d.workgroups[2]);
      pass.end();
    });
  }

  /** The kernel name of each recorded dispatch, in order. */
  get kernels(): string[] {
    return this.#dispatches.map((d) => d.kernel);
  }

  /** Returns every buffer the program holds to the pool. */
  dispose(): void {
    const pool = this.#gpu.pool;
    for (const b of this.#ownedBuffers) pool.release(b);
    for (const list of this.#uniforms) for (const b of list) if (b) pool.release(b);
    this.#ownedBuffers = [];
    this.#uniforms = [];
    this.#bindGroups = [];
  }

  // CaptureSink: while recording, placeholders and a list; while refreshing, the recorded ones.

  allocate(byteLength: number, op: string): GpuStorage {
    if (this.#cursor) {
      const index = this.#cursor.allocation++;
      const recorded = this.#allocations[index];
      if (!recorded || recorded.byteLength !== byteLength) throw diverged(`${op} allocated ${byteLength} bytes`);
      return this.resolve(recorded.storage);
    }
    const index = this.#allocations.length;
    const placeholder: VirtualBuffer = { virtualAllocation: index };
    const storage: GpuStorage = { buffer: placeholder as unknown as GPUBuffer, byteLength };
    this.#allocations.push({ byteLength, storage });
    this.#events.push(index);
    return storage;
  }

  release(storage: GpuStorage): void {
    if (this.#cursor) return;
    const virtual = (storage.buffer as unknown as Partial<VirtualBuffer>).virtualAllocation;
    // Real buffers (parameters, inputs) are not the plan's; tensors built on them are never released here.
    if (virtual !== undefined) this.#events.push(~virtual);
  }

  dispatch(dispatch: CapturedDispatch): void {
    if (!this.#cursor) {
      this.#dispatches.push(dispatch);
      return;
    }
    const index = this.#cursor.dispatch++;
    const recorded = this.#dispatches[index];
    if (!recorded || recorded.pipeline !== dispatch.pipeline) throw diverged(`${dispatch.kernel} is not the recorded dispatch`);
    dispatch.resources.forEach((r, binding) => {
      if (r instanceof Uint8Array) {
        const previous = this.#uniformBytes[index]![binding]!;
        if (!sameBytes(previous, r)) {
          this.#gpu.device.queue.writeBuffer(this.#uniforms[index]![binding]!, 0, r);
          this.#uniformBytes[index]![binding] = r;
        }
      } else if (r.buffer !== this.resolve(recorded.resources[binding] as GpuStorage).buffer) {
        throw diverged(`${dispatch.kernel} binding ${binding} moved to another buffer`);
      }
    });
  }
}

function diverged(what: string): ShaderformerError {
  return new ShaderformerError(`compiled step: replay diverged from the recording (${what}); this is a bug in shaderformer`);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
