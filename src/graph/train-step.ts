import { ShapeError, ShaderformerError, formatShape } from '../errors.js';
import { type WebGPUBackend, READBACK_USAGE } from '../backend/webgpu/backend.js';
import { BufferUsage, MapMode } from '../backend/webgpu/gpu-constants.js';
import type { GpuStorage } from '../kernels/kernel.js';
import { accumulate } from '../ops/elementwise.js';
import { clipByGlobalNorm } from '../ops/optim.js';
import type { Optimizer } from '../optim/optimizers.js';
import { type Backend, type Tensor, shapeSize } from '../tensor/tensor.js';
import { gradients } from './autograd.js';
import { type ConstantCache, type ExecuteOptions, execute, materializeConstants, neededNodes } from './execute.js';
import { Graph, type InputSpec, type Parameter, type Var, checkScalarLoss } from './graph.js';
import { type ComputeOp, type RunContext, isStepDependent, runOp } from './op-table.js';
import type { ParameterStore } from './parameters.js';
import { Program } from './plan.js';

const QUERY_RESOLVE = BufferUsage.QUERY_RESOLVE;
const COPY_SRC = BufferUsage.COPY_SRC;

/** One training batch: a typed array per graph input, by name, each the input's size. */
export type Batch = Readonly<Record<string, Int32Array | Uint32Array | Float32Array>>;

/** The input vars `loss` receives: one per input spec, with its dtype and (for tuple shapes, e.g. `as const`) its rank. */
export type InputVars<I extends Readonly<Record<string, InputSpec>>> = { readonly [K in keyof I]: Var<I[K]['dtype'], I[K]['shape']['length']> };

/** Options of `createTrainStep`; `I` is the shape of `inputs`, so `loss` gets typed vars. */
export interface TrainStepOptions<I extends Readonly<Record<string, InputSpec>> = Readonly<Record<string, InputSpec>>> {
  /** The model's parameters on the backend to train on. */
  parameters: ParameterStore;
  /** The batch inputs by name, e.g. `{ input_ids: { shape: [16, 64], dtype: 'i32' } }`. */
  inputs: I;
  /** Builds the loss (an f32 scalar) from the input vars, e.g. with a model's forward. */
  loss: (inputs: InputVars<I>) => Var;
  /** Updates the parameters from their gradients. */
  optimizer: Optimizer;
  /** Clip gradients to this global L2 norm before each update (default: no clipping). */
  maxGradNorm?: number;
  /** Micro-batches per update: gradients are averaged over this many `step` calls (default 1). */
  accumulationSteps?: number;
  /** Philox key of the dropout masks (default 0); masks differ at every micro-step. */
  seed?: number;
  /** `compiled` (WebGPU only, the default there): a recorded plan replayed each step; `eager`: op by op (the default on the CPU). */
  mode?: 'compiled' | 'eager';
}

/**
 * A training step built once from a model: forward, loss, backward (autograd), gradient clipping,
 * accumulation and the optimizer update. On WebGPU it is compiled: buffers planned by liveness and
 * every dispatch recorded once, parameters and optimizer state resident; `step` writes the batch,
 * replays the plan and reads back only the loss. After the first step it allocates nothing.
 */
export class TrainStep {
  /** The forward and backward graph. */
  readonly graph: Graph;
  readonly mode: 'compiled' | 'eager';
  readonly #options: Required<Omit<TrainStepOptions, 'maxGradNorm' | 'mode'>> & { maxGradNorm: number | undefined };
  readonly #backend: Backend;
  readonly #loss: Var;
  readonly #params: Parameter[];
  readonly #grads: Var[];
  readonly #states: Tensor[][];
  readonly #accumulators: Tensor[] | undefined;
  readonly #constants: ConstantCache = new Map();
  readonly #compiled: CompiledPlan | undefined;
  #context: RunContext = { step: 0, seed: [0, 0], streamOffset: 0 };
  #microSteps = 0;
  #updates = 0;
  #disposed = false;

  constructor(options: TrainStepOptions) {
    const { parameters, inputs, loss, optimizer } = options;
    const op = 'createTrainStep';
    if (typeof loss !== 'function') throw new ShapeError(`${op}: loss must be a function building the loss from the inputs`);
    if (!optimizer || typeof optimizer.update !== 'function') throw new ShapeError(`${op}: optimizer is required (AdamW, Adam, SGD)`);
    const accumulationSteps = options.accumulationSteps ?? 1;
    if (!Number.isSafeInteger(accumulationSteps) || accumulationSteps < 1)
      throw new ShapeError(`${op}: accumulationSteps must be an integer ≥ 1, got ${String(accumulationSteps)}`);
    const seed = options.seed ?? 0;
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new ShapeError(`${op}: seed must be a u32, got ${String(seed)}`);
    if (options.maxGradNorm !== undefined && !(options.maxGradNorm > 0 && Number.isFinite(options.maxGradNorm))) {
      throw new ShapeError(`${op}: maxGradNorm must be a finite number > 0, got ${String(options.maxGradNorm)}`);
    }
    this.#backend = parameters.backend;
    this.mode = options.mode ?? (this.#backend.name === 'webgpu' ? 'compiled' : 'eager');
    if (this.mode === 'compiled' && this.#backend.name !== 'webgpu')
      throw new ShapeError(`${op}: mode 'compiled' needs the webgpu backend; the CPU runs eager`);
    this.#options = { parameters, inputs, loss, optimizer, accumulationSteps, seed, maxGradNorm: options.maxGradNorm };

    this.graph = new Graph();
    const inputVars: Record<string, Var> = {};
    for (const [name, spec] of Object.entries(inputs)) inputVars[name] = this.graph.input(name, spec.shape, spec.dtype);
    this.#loss = (loss as (inputs: Readonly<Record<string, Var>>) => Var)(inputVars);
    checkScalarLoss(op, this.#loss);
    this.#params = [...this.graph.parameters.keys()];
    if (this.#params.length === 0) throw new ShapeError(`${op}: the loss depends on no parameter`);
    this.#grads = gradients(
      this.#loss,
      this.#params.map((p) => this.graph.param(p)),
    );
    this.#states = this.#params.map((p) => Array.from({ length: optimizer.stateCount }, () => this.#backend.zeros(parameters.tensor(p).shape)));
    this.#accumulators = accumulationSteps > 1 ? this.#params.map((p) => this.#backend.zeros(p.shape)) : undefined;
    this.#compiled = this.mode === 'compiled' ? this.#compile(this.#backend as WebGPUBackend) : undefined;
  }

  /** Optimizer updates done so far. */
  get updates(): number {
    return this.#updates;
  }

  /** `step` calls so far (micro-batches). */
  get microSteps(): number {
    return this.#microSteps;
  }

  /** The parameters the loss depends on (the ones trained), in graph order. */
  get trainedParameters(): readonly Parameter[] {
    return this.#params;
  }

  /**
   * Runs one micro-step on `batch` (and the optimizer update when it completes an accumulation
   * cycle). Resolves to the batch's loss; the work is queued before the promise is returned, so the
   * next step can be started without waiting.
   */
  step(batch: Batch): Promise<number> {
    const isUpdate = this.#begin('step', batch);
    if (!this.#compiled) return this.#stepEager(batch, isUpdate);
    this.#prepareCompiled(this.#compiled, batch, isUpdate);
    return this.#compiled.submit(isUpdate);
  }

  /**
   * Runs one step on `batch` with a GPU timestamp around every dispatch (compiled mode on an adapter
   * with `timestamp-query`) and returns the time per kernel, largest first. The step counts as a
   * training step. Each dispatch gets its own pass, so the total is a little above a normal step's.
   */
  async profile(batch: Batch): Promise<KernelTime[]> {
    const plan = this.#compiled;
    if (!plan) throw new ShaderformerError('TrainStep.profile: needs the compiled mode');
    if (!plan.gpu.device.features.has('timestamp-query')) throw new ShaderformerError('TrainStep.profile: this adapter has no timestamp-query feature');
    const isUpdate = this.#begin('profile', batch);
    this.#prepareCompiled(plan, batch, isUpdate);
    return plan.profile(isUpdate);
  }

  /** Checks the batch and moves to the next micro-step (its dropout stream, and the update count); true when it ends with an update. */
  #begin(op: string, batch: Batch): boolean {
    if (this.#disposed) throw new ShaderformerError(`TrainStep.${op}: the step was disposed`);
    this.#checkBatch(batch);
    const micro = this.#microSteps++;
    const isUpdate = (micro + 1) % this.#options.accumulationSteps === 0;
    if (isUpdate) this.#updates++;
    this.#context = { step: micro, seed: [this.#options.seed, 0], streamOffset: micro * this.graph.randomStreamSize };
    return isUpdate;
  }

  /** Frees the plan, the optimizer state and the accumulators (not the parameters). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#compiled?.dispose();
    for (const list of this.#states) for (const t of list) t.dispose();
    for (const t of this.#accumulators ?? []) t.dispose();
    for (const t of this.#constants.values()) t.dispose();
  }

  #checkBatch(batch: Batch): void {
    if (typeof batch !== 'object' || batch === null) throw new ShapeError('TrainStep.step: batch must be an object of typed arrays by input name');
    for (const [name, v] of this.graph.inputs) {
      const data = batch[name];
      const size = shapeSize(v.shape);
      const ArrayType = v.dtype === 'i32' ? Int32Array : v.dtype === 'u32' ? Uint32Array : Float32Array;
      if (!(data instanceof ArrayType) || data.length !== size) {
        throw new ShapeError(
          `TrainStep.step: batch.${name} must be a ${ArrayType.name} of ${size} values (${v.dtype}${formatShape(v.shape)}), got ${describeArray(data)}`,
        );
      }
    }
  }

  #run(inputs: Record<string, Tensor>, onNode?: ExecuteOptions['onNode']): Tensor[] {
    const { parameters } = this.#options;
    return execute(this.graph, [this.#loss, ...this.#grads], {
      backend: this.#backend,
      inputs,
      parameter: (p) => parameters.tensor(p),
      constants: this.#constants,
      context: this.#context,
      ...(onNode ? { onNode } : {}),
    });
  }

  /** Clips (optionally) and applies the optimizer to `grads`; `dynamic` re-runs the update each step in a plan. */
  #update(grads: readonly Tensor[], program?: Program): void {
    const { maxGradNorm, optimizer, parameters } = this.#options;
    if (maxGradNorm !== undefined) clipByGlobalNorm(grads, maxGradNorm).dispose();
    const params = this.#params.map((p) => parameters.tensor(p));
    const body = (ts: readonly Tensor[]): Tensor[] => {
      const n = params.length;
      const step = Math.max(1, this.#updates); // 0 only while recording; refresh() runs before every submit
      const lr = optimizer.learningRate(step);
      for (let i = 0; i < n; i++) {
        const state = ts.slice(2 * n + i * optimizer.stateCount, 2 * n + (i + 1) * optimizer.stateCount);
        optimizer.update(ts[i]!, ts[n + i]!, state, { step, lr, decay: this.#params[i]!.decay });
      }
      return [];
    };
    const all = [...params, ...grads, ...this.#states.flat()];
    if (program) program.dynamic(all, body);
    else body(all);
  }

  async #stepEager(batch: Batch, isUpdate: boolean): Promise<number> {
    const backend = this.#backend;
    const inputs: Record<string, Tensor> = {};
    for (const [name, v] of this.graph.inputs) inputs[name] = backend.tensor(batch[name]!, v.shape, v.dtype);
    let outputs: Tensor[] = [];
    try {
      outputs = this.#run(inputs);
      const grads = outputs.slice(1);
      const accumulators = this.#accumulators;
      if (accumulators) {
        grads.forEach((g, i) => accumulate(accumulators[i]!, g, 1 / this.#options.accumulationSteps));
        if (isUpdate) {
          this.#update(accumulators);
          accumulators.forEach((t, i) => {
            accumulators[i] = backend.zeros(t.shape);
            t.dispose();
          });
        }
      } else if (isUpdate) {
        this.#update(grads);
      }
      for (const t of outputs.slice(1)) if (this.#ownsOutput(t)) t.dispose();
      const loss = await outputs[0]!.data();
      return loss[0]!;
    } finally {
      if (outputs[0]) outputs[0].dispose();
      for (const t of Object.values(inputs)) t.dispose();
    }
  }

  /** Outputs that are constants (the zero gradient of an unused parameter) belong to the cache. */
  #ownsOutput(t: Tensor): boolean {
    return ![...this.#constants.values()].includes(t);
  }

  #compile(gpu: WebGPUBackend): CompiledPlan {
    // Constants are uploaded before recording: nothing with data can be created while recording.
    materializeConstants(neededNodes(this.graph, [this.#loss, ...this.#grads]), gpu, this.#constants);
    const inputs: Record<string, Tensor> = {};
    for (const [name, v] of this.graph.inputs) inputs[name] = gpu.zeros(v.shape, v.dtype);
    const main = new Program(gpu);
    let lossStorage!: GpuStorage;
    main.record(() => {
      const outputs = this.#run(inputs, (node, nodeInputs, run) =>
        isStepDependent(node.op, node.attrs) ? main.dynamic(nodeInputs, (ts) => runOp(node.op as ComputeOp, ts, node.attrs as never, this.#context)) : run(),
      );
      const [loss, ...grads] = outputs;
      if (this.#accumulators) grads.forEach((g, i) => accumulate(this.#accumulators![i]!, g, 1 / this.#options.accumulationSteps));
      else this.#update(grads, main);
      for (const t of grads) if (this.#ownsOutput(t)) t.dispose();
      lossStorage = loss!.storage<GpuStorage>('plan');
      loss!.dispose(); // released last, so nothing recorded after it can reuse its buffer
    });
    main.finalize();
    let update: Program | undefined;
    if (this.#accumulators) {
      update = new Program(gpu);
      update.record(() => this.#update(this.#accumulators!, update));
      update.finalize();
    }
    return new CompiledPlan(gpu, inputs, main, update, main.resolve(lossStorage), this.#accumulators ?? []);
  }

  /** Writes the batch and refreshes the step-dependent uniforms (dropout offsets, learning rate, step). */
  #prepareCompiled(plan: CompiledPlan, batch: Batch, isUpdate: boolean): void {
    for (const [name, t] of Object.entries(plan.inputs)) this.#backend.write(t, batch[name]!);
    plan.main.refresh();
    if (isUpdate) plan.update?.refresh();
  }
}

/** The recorded programs of a compiled step and the buffers they own. */
class CompiledPlan {
  readonly #readbacks: GPUBuffer[] = [];

  constructor(
    readonly gpu: WebGPUBackend,
    readonly inputs: Record<string, Tensor>,
    readonly main: Program,
    readonly update: Program | undefined,
    readonly loss: GpuStorage,
    readonly accumulators: readonly Tensor[],
  ) {}

  /** Encodes the programs in one compute pass, copies the loss out, submits, and resolves to the loss. */
  async submit(isUpdate: boolean): Promise<number> {
    const { device } = this.gpu;
    this.gpu.flush(); // anything the backend recorded before must run first
    const encoder = device.createCommandEncoder({ label: 'train step' });
    const pass = encoder.beginComputePass();
    this.main.encode(pass);
    if (isUpdate && this.update) this.update.encode(pass);
    pass.end();
    if (isUpdate) for (const t of this.accumulators) encoder.clearBuffer(t.storage<GpuStorage>('accumulate').buffer);
    const readback = this.#readbacks.pop() ?? this.gpu.pool.acquire(4, READBACK_USAGE, 'loss readback');
    encoder.copyBufferToBuffer(this.loss.buffer, 0, readback, 0, 4);
    device.queue.submit([encoder.finish()]);
    try {
      await readback.mapAsync(MapMode.READ, 0, 4);
      const value = new Float32Array(readback.getMappedRange(0, 4).slice(0))[0]!;
      readback.unmap();
      return value;
    } catch (error) {
      throw this.gpu.lost ?? error;
    } finally {
      if (!this.gpu.lost) this.#readbacks.push(readback);
    }
  }

  /** Like `submit`, with a timestamp pair around every dispatch; returns the time per kernel name. */
  async profile(isUpdate: boolean): Promise<KernelTime[]> {
    const { device } = this.gpu;
    this.gpu.flush();
    const programs = isUpdate && this.update ? [this.main, this.update] : [this.main];
    const kernels = programs.flatMap((p) => p.kernels);
    const count = 2 * kernels.length;
    const querySet = device.createQuerySet({ type: 'timestamp', count });
    const resolve = device.createBuffer({ size: 8 * count, usage: QUERY_RESOLVE | COPY_SRC });
    const readback = device.createBuffer({ size: 8 * count, usage: READBACK_USAGE });
    try {
      const encoder = device.createCommandEncoder({ label: 'train step (profiled)' });
      let first = 0;
      for (const p of programs) {
        p.encodeTimed(encoder, querySet, first);
        first += 2 * p.dispatchCount;
      }
      if (isUpdate) for (const t of this.accumulators) encoder.clearBuffer(t.storage<GpuStorage>('accumulate').buffer);
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

  dispose(): void {
    this.main.dispose();
    this.update?.dispose();
    for (const t of Object.values(this.inputs)) t.dispose();
    for (const b of this.#readbacks) this.gpu.pool.release(b);
    this.#readbacks.length = 0;
  }
}

/** GPU time of one kernel over a profiled step: how many dispatches and their summed milliseconds. */
export interface KernelTime {
  kernel: string;
  dispatches: number;
  ms: number;
}

/** Builds a training step (see `TrainStep`): on WebGPU the plan is recorded here, once. */
export function createTrainStep<const I extends Readonly<Record<string, InputSpec>>>(options: TrainStepOptions<I>): TrainStep {
  return new TrainStep(options as unknown as TrainStepOptions);
}

function describeArray(data: unknown): string {
  if (data === undefined) return 'nothing';
  if (ArrayBuffer.isView(data)) return `a ${data.constructor.name} of ${(data as Int32Array).length}`;
  return typeof data;
}
