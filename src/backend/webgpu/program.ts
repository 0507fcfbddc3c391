// Recorded programs: how a compiled training step runs on WebGPU. A step's ops run once with the
// backend capturing (not running) what they do; the capture becomes a static program: buffers
// planned by liveness, bind groups and uniform buffers made once, pipelines compiled ahead. A
// replay encodes the recorded commands into one command buffer and submits it: no op function,
// no argument check, no allocation. Values that change every step (learning rate, update index,
// dropout stream offset) are not in the recording: the kernels read them from a step-values
// uniform that the training step rewrites before each replay.
import type { CompileProgress, KernelTime, ProgramCopy, ProgramRead, ProgramRunner, RecordedProgram } from '../contract.js';
import type { GpuStorage, RenderedKernel } from '../../kernels/kernel.js';
import type { DeviceLostError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { type BufferPool, sizeClassOf } from './buffer-pool.js';
import { BufferUsage, MapMode, READBACK_USAGE, STORAGE_USAGE, UNIFORM_USAGE } from './gpu-constants.js';
import type { PipelineCache } from './pipeline-cache.js';

/** @internal Receives the allocations, releases and commands of ops while a program records them. */
export interface CaptureSink {
  allocate(byteLength: number, op: string): GpuStorage;
  release(storage: GpuStorage): void;
  dispatch(kernel: RenderedKernel, resources: readonly (GpuStorage | Uint8Array<ArrayBuffer>)[], workgroups: readonly [number, number, number]): void;
  clear(storage: GpuStorage): void;
}

/** What programs need of the WebGPU backend (which implements it). */
export interface ProgramHost {
  readonly device: GPUDevice;
  readonly pool: BufferPool;
  readonly pipelines: PipelineCache;
  readonly lost: DeviceLostError | undefined;
  /** Runs `fn` with every op's allocations, releases and commands sent to `sink`. */
  capture<T>(sink: CaptureSink, fn: () => T): T;
  /** Submits the work recorded eagerly so far. */
  flush(): void;
  /** Throws DeviceLostError once the device is gone. */
  assertUsable(op: string): void;
  /** What a failed readback should throw: the device loss behind `error` once it arrives, else `error`. */
  lossBehind(error: unknown): Promise<unknown>;
}

/** One recorded command: a dispatch of a kernel variant, or a buffer cleared to zero. */
type Command =
  | {
      readonly kind: 'dispatch';
      readonly kernel: RenderedKernel;
      readonly resources: readonly (GpuStorage | Uint8Array<ArrayBuffer>)[];
      readonly workgroups: readonly [number, number, number];
    }
  | { readonly kind: 'clear'; readonly storage: GpuStorage };

// A placeholder for a buffer that does not exist yet: recording runs every op against these, and
// the memory plan then maps each one to a real buffer.
interface VirtualBuffer {
  readonly virtualAllocation: number;
}

function virtualIndex(storage: GpuStorage): number | undefined {
  return (storage.buffer as unknown as Partial<VirtualBuffer>).virtualAllocation;
}

/** A program recorded from a piece of a training step; see `WebGPUPrograms.record`. */
export class Program implements RecordedProgram, CaptureSink {
  readonly #gpu: ProgramHost;
  readonly #allocations: number[] = []; // byte length of virtual allocation k
  readonly #events: number[] = []; // k ≥ 0: allocation k; ~k: its release
  readonly #commands: Command[] = [];
  readonly #outputs: GpuStorage[] = [];
  #physical: GPUBuffer[] = [];
  #ownedBuffers: GPUBuffer[] = [];
  #uniformBuffers: GPUBuffer[] = [];
  #bindGroups: (GPUBindGroup | undefined)[] = [];
  #pipelines: (GPUComputePipeline | undefined)[] = [];
  #finalized = false;
  #ready = false;
  #disposed = false;

  constructor(gpu: ProgramHost) {
    this.#gpu = gpu;
  }

  get dispatchCount(): number {
    return this.#commands.filter((c) => c.kind === 'dispatch').length;
  }

  get kernels(): string[] {
    return this.#commands.flatMap((c) => (c.kind === 'dispatch' ? [c.kernel.name] : []));
  }

  get plannedBytes(): number {
    return this.#ownedBuffers.reduce((total, b) => total + b.size, 0);
  }

  /** The distinct kernel variants the program dispatches. */
  get renderedKernels(): RenderedKernel[] {
    const byCode = new Map<string, RenderedKernel>();
    for (const c of this.#commands) if (c.kind === 'dispatch') byCode.set(c.kernel.code, c.kernel);
    return [...byCode.values()];
  }

  /** Captures `fn`; the tensors it returns are the outputs, readable after each replay. */
  capture(fn: () => readonly Tensor[]): void {
    this.#gpu.capture(this, () => {
      const outputs = fn();
      for (const t of outputs) this.#outputs.push(t.storage<GpuStorage>('record'));
      // Released last, so no buffer recorded before is planned into theirs.
      for (const t of outputs) t.dispose();
    });
    this.#finalize();
  }

  /** The real storage of output `i` (after the plan). */
  output(i: number): GpuStorage {
    const storage = this.#outputs[i];
    if (!storage) throw new RangeError(`Program.output: the program has ${this.#outputs.length} outputs, not ${i + 1}`);
    return this.#resolve(storage);
  }

  /** Looks up the compiled pipelines once they all exist (after `WebGPUPrograms.compile`). */
  bindPipelines(): void {
    if (this.#ready) return;
    this.#pipelines = this.#commands.map((c) => (c.kind === 'dispatch' ? this.#gpu.pipelines.get(c.kernel).pipeline : undefined));
    this.#ready = true;
  }

  /** True once every pipeline is compiled and looked up: a replay only encodes and submits. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Encodes every recorded command, in order: dispatches in compute passes, clears between them. */
  encode(encoder: GPUCommandEncoder): void {
    let pass: GPUComputePassEncoder | undefined;
    this.#commands.forEach((c, i) => {
      if (c.kind === 'clear') {
        pass?.end();
        pass = undefined;
        encoder.clearBuffer(this.#resolve(c.storage).buffer);
        return;
      }
      pass ??= encoder.beginComputePass();
      pass.setPipeline(this.#pipelines[i]!);
      pass.setBindGroup(0, this.#bindGroups[i]!);
      pass.dispatchWorkgroups(c.workgroups[0], c.workgroups[1], c.workgroups[2]);
    });
    pass?.end();
  }

  /** Encodes each dispatch in a pass of its own with timestamps at 2j + first and 2j + first + 1 (j counts dispatches). */
  encodeTimed(encoder: GPUCommandEncoder, querySet: GPUQuerySet, first: number): void {
    let j = 0;
    this.#commands.forEach((c, i) => {
      if (c.kind === 'clear') {
        encoder.clearBuffer(this.#resolve(c.storage).buffer);
        return;
      }
      const at = first + 2 * j++;
      const pass = encoder.beginComputePass({ timestampWrites: { querySet, beginningOfPassWriteIndex: at, endOfPassWriteIndex: at + 1 } });
      pass.setPipeline(this.#pipelines[i]!);
      pass.setBindGroup(0, this.#bindGroups[i]!);
      pass.dispatchWorkgroups(c.workgroups[0], c.workgroups[1], c.workgroups[2]);
      pass.end();
    });
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    if (this.#gpu.lost) return;
    for (const b of this.#ownedBuffers) this.#gpu.pool.release(b);
    for (const b of this.#uniformBuffers) this.#gpu.pool.release(b);
    this.#ownedBuffers = [];
    this.#uniformBuffers = [];
    this.#bindGroups = [];
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  // CaptureSink: while recording, allocations are placeholders and every command goes to a list.

  allocate(byteLength: number): GpuStorage {
    const index = this.#allocations.length;
    this.#allocations.push(byteLength);
    this.#events.push(index);
    const placeholder: VirtualBuffer = { virtualAllocation: index };
    return { buffer: placeholder as unknown as GPUBuffer, byteLength };
  }

  release(storage: GpuStorage): void {
    const index = virtualIndex(storage);
    // Real buffers (parameters, inputs, optimizer state) are not the program's.
    if (index !== undefined) this.#events.push(~index);
  }

  dispatch(kernel: RenderedKernel, resources: readonly (GpuStorage | Uint8Array<ArrayBuffer>)[], workgroups: readonly [number, number, number]): void {
    this.#commands.push({ kind: 'dispatch', kernel, resources, workgroups });
  }

  clear(storage: GpuStorage): void {
    this.#commands.push({ kind: 'clear', storage });
  }

  /** Plans memory by liveness (a buffer is reused once the value in it is dead), then makes every uniform and bind group. */
  #finalize(): void {
    const pool = this.#gpu.pool;
    const free = new Map<number, GPUBuffer[]>();
    for (const event of this.#events) {
      const index = event >= 0 ? event : ~event;
      const size = sizeClassOf(this.#allocations[index]!);
      if (event >= 0) {
        let buffer = free.get(size)?.pop();
        if (!buffer) {
          buffer = pool.acquire(size, STORAGE_USAGE, 'program');
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
    this.#bindGroups = this.#commands.map((c) => {
      if (c.kind !== 'dispatch') return undefined;
      const entries = c.resources.map((r, binding): GPUBindGroupEntry => {
        if (r instanceof Uint8Array) {
          const buffer = pool.acquire(r.byteLength, UNIFORM_USAGE, `${c.kernel.name} params`);
          this.#gpu.device.queue.writeBuffer(buffer, 0, r);
          this.#uniformBuffers.push(buffer);
          return { binding, resource: { buffer, offset: 0, size: r.byteLength } };
        }
        const real = this.#resolve(r);
        return { binding, resource: { buffer: real.buffer, offset: 0, size: real.byteLength } };
      });
      return this.#gpu.device.createBindGroup({ label: `program ${c.kernel.name}`, layout: this.#gpu.pipelines.layout(c.kernel), entries });
    });
  }

  /** The real storage behind a recorded one (itself when it was a real buffer all along). */
  #resolve(storage: GpuStorage): GpuStorage {
    const index = virtualIndex(storage);
    if (index === undefined) return storage;
    if (!this.#finalized) throw new Error('Program: a placeholder buffer was used before the memory plan');
    return { buffer: this.#physical[index]!, byteLength: storage.byteLength };
  }
}

/** Records, compiles and replays programs on a WebGPU backend (`backend.programs`). */
export class WebGPUPrograms implements ProgramRunner {
  readonly #gpu: ProgramHost;

  constructor(gpu: ProgramHost) {
    this.#gpu = gpu;
  }

  record(fn: () => readonly Tensor[]): Program {
    const program = new Program(this.#gpu);
    program.capture(fn);
    return program;
  }

  async compile(programs: readonly RecordedProgram[], onProgress?: (progress: CompileProgress) => void): Promise<void> {
    const kernels = new Map<string, RenderedKernel>();
    for (const p of programs) for (const k of asProgram(p).renderedKernels) kernels.set(k.code, k);
    const pending = [...kernels.values()].filter((k) => !this.#gpu.pipelines.isReady(k));
    const total = pending.length;
    let done = 0;
    // All requested at once: the browser compiles them in parallel where it can, off the main thread.
    await Promise.all(
      pending.map(async (kernel) => {
        await this.#gpu.pipelines.compileAsync(kernel);
        onProgress?.({ done: ++done, total, kernel: kernel.name });
      }),
    );
    for (const p of programs) asProgram(p).bindPipelines();
  }

  run(programs: readonly RecordedProgram[], reads: readonly ProgramRead[], copies: readonly ProgramCopy[] = []): Promise<Float32Array> {
    const list = programs.map(asProgram);
    if (!list.every((p) => p.ready)) return this.compile(list).then(() => this.#submit(list, reads, copies));
    return this.#submit(list, reads, copies);
  }

  async profile(programs: readonly RecordedProgram[]): Promise<KernelTime[]> {
    const list = programs.map(asProgram);
    await this.compile(list);
    const { device } = this.#gpu;
    this.#gpu.flush();
    const kernels = list.flatMap((p) => p.kernels);
    const count = 2 * kernels.length;
    const querySet = device.createQuerySet({ type: 'timestamp', count });
    const resolve = device.createBuffer({ size: 8 * count, usage: BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC });
    const readback = device.createBuffer({ size: 8 * count, usage: READBACK_USAGE });
    try {
      const encoder = device.createCommandEncoder({ label: 'program (profiled)' });
      let first = 0;
      for (const p of list) {
        p.encodeTimed(encoder, querySet, first);
        first += 2 * p.dispatchCount;
      }
      encoder.resolveQuerySet(querySet, 0, count, resolve, 0);
      encoder.copyBufferToBuffer(resolve, 0, readback, 0, 8 * count);
      device.queue.submit([encoder.finish()]);
      await readback.mapAsync(MapMode.READ);
      const stamps = new BigInt64Array(readback.getMappedRange().slice(0));
      readback.unmap();
      const byKernel = new Map<string, KernelTime>();
      kernels.forEach((kernel, i) => {
        const entry = byKernel.get(kernel) ?? { kernel, dispatches: 0, ms: 0 };
        entry.dispatches++;
        entry.ms += Number(stamps[2 * i + 1]! - stamps[2 * i]!) / 1e6;
        byKernel.set(kernel, entry);
      });
      return [...byKernel.values()].sort((a, b) => b.ms - a.ms);
    } finally {
      querySet.destroy();
      resolve.destroy();
      readback.destroy();
    }
  }

  /** Encodes the programs into one command buffer, then the copies, copies the outputs `reads` names into one readback buffer, submits, reads it. */
  async #submit(list: readonly Program[], reads: readonly ProgramRead[], copies: readonly ProgramCopy[]): Promise<Float32Array> {
    const { device } = this.#gpu;
    this.#gpu.assertUsable('run');
    if (list.some((p) => p.disposed)) throw new Error('run: a program was disposed');
    const bytes = 4 * reads.reduce((total, r) => total + r.words, 0);
    this.#gpu.flush(); // anything the backend recorded eagerly before must run first
    const encoder = device.createCommandEncoder({ label: 'program' });
    for (const p of list) p.encode(encoder);
    for (const { program, output, into } of copies) {
      const from = list[program]!.output(output);
      const to = into.storage<GpuStorage>('run');
      if (to.byteLength !== from.byteLength) throw new RangeError(`run: output ${output} is ${from.byteLength} bytes, its copy target ${to.byteLength}`);
      encoder.copyBufferToBuffer(from.buffer, 0, to.buffer, 0, from.byteLength);
    }
    if (bytes === 0) {
      device.queue.submit([encoder.finish()]);
      return new Float32Array(0);
    }
    // From the pool and back after the read: the next run of the same size reuses it, and nothing stays held between runs.
    const readback = this.#gpu.pool.acquire(Math.max(bytes, READBACK_BYTES), READBACK_USAGE, 'program readback');
    let offset = 0;
    for (const { program, output, words } of reads) {
      encoder.copyBufferToBuffer(list[program]!.output(output).buffer, 0, readback, offset, 4 * words);
      offset += 4 * words;
    }
    device.queue.submit([encoder.finish()]);
    try {
      await readback.mapAsync(MapMode.READ, 0, bytes);
      const values = new Float32Array(readback.getMappedRange(0, bytes).slice(0));
      readback.unmap();
      return values;
    } catch (error) {
      throw await this.#gpu.lossBehind(error);
    } finally {
      if (!this.#gpu.lost) this.#gpu.pool.release(readback);
    }
  }
}

/** The smallest readback buffer of a run (a training step's: room for the loss and a guard [loss, gradient norm], and one more word), so small reads share one size. */
const READBACK_BYTES = 16;

function asProgram(p: RecordedProgram): Program {
  if (!(p instanceof Program)) throw new Error('programs: not a program recorded on this backend');
  return p;
}
