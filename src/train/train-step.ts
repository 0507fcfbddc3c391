// The training step: forward, loss, backward (autograd), clipping, accumulation and the optimizer
// update, built once from a model's loss. On a backend with recorded programs (WebGPU) it is
// compiled: every op runs once while the backend records, and each later step only writes the
// batch and the step values (learning rate, update index, dropout offset) and replays.
import type { KernelTime, OpBackend, ProgramRunner, RecordedProgram } from '../backend/contract.js';
import { type StepValues, packStepValues } from '../backend/step-values.js';
import { ShapeError, ShaderformerError, formatShape } from '../errors.js';
import { gradients } from '../graph/autograd.js';
import { type ConstantCache, execute, materializeConstants, neededNodes } from '../graph/execute.js';
import { Graph, type InputSpec, type Var, checkScalarLoss } from '../graph/graph.js';
import type { RunContext } from '../graph/op-table.js';
import type { Parameter } from '../graph/parameter.js';
import type { ParameterStore } from '../graph/parameters.js';
import { accumulate, zeroInPlace } from '../ops/elementwise.js';
import { clipByGlobalNorm } from '../ops/optim.js';
import type { Optimizer } from '../optim/optimizers.js';
import { type Backend, type Tensor, shapeSize } from '../tensor/tensor.js';

export type { KernelTime, RecordedProgram } from '../backend/contract.js';

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
  /** `compiled` (WebGPU only, the default there): a recorded program replayed each step; `eager`: op by op (the default on the CPU). */
  mode?: 'compiled' | 'eager';
}

/** Options of `TrainStep.warmUp`. */
export interface WarmUpOptions {
  /** Called as each pipeline is compiled: `done` of `total`, and the kernel's name. */
  onProgress?: (progress: { done: number; total: number; kernel: string }) => void;
}

/** The recorded programs of a compiled step and the tensors they read. */
interface Compiled {
  /** Forward, backward, and (without accumulation) the update; its output 0 is the loss. */
  readonly main: RecordedProgram;
  /** With accumulation: clip, optimizer, clear the accumulators (run on the micro-step that ends a cycle). */
  readonly update: RecordedProgram | undefined;
  /** The batch inputs the programs read, rewritten every step. */
  readonly inputs: Readonly<Record<string, Tensor>>;
  /** The step values the programs read (shaders/common/step.wgsl), rewritten every step. */
  readonly stepValues: Tensor;
}

/**
 * A training step built once from a model: forward, loss, backward (autograd), gradient clipping,
 * accumulation and the optimizer update. On WebGPU it is compiled: buffers planned by liveness and
 * every dispatch recorded once, parameters and optimizer state resident; `step` writes the batch
 * and the step values, replays, and reads back only the loss. After the first step it allocates
 * nothing and calls no op.
 */
export class TrainStep {
  /** The forward and backward graph. */
  readonly graph: Graph;
  readonly mode: 'compiled' | 'eager';
  readonly #options: Required<Omit<TrainStepOptions, 'maxGradNorm' | 'mode'>> & { maxGradNorm: number | undefined };
  readonly #backend: OpBackend;
  readonly #loss: Var;
  readonly #params: Parameter[];
  readonly #grads: Var[];
  readonly #states: Tensor[][];
  readonly #accumulators: Tensor[] | undefined;
  readonly #constants: ConstantCache = new Map();
  readonly #compiled: Compiled | undefined;
  #microSteps = 0;
  #updates = 0;
  #disposed = false;

  constructor(options: TrainStepOptions) {
    const op = 'createTrainStep';
    if (typeof options !== 'object' || options === null) throw new ShapeError(`${op}: options { parameters, inputs, loss, optimizer } are required`);
    const { parameters, inputs, loss, optimizer } = options;
    if (!parameters || typeof parameters.tensor !== 'function') throw new ShapeError(`${op}: parameters must be a ParameterStore`);
    if (typeof inputs !== 'object' || inputs === null) throw new ShapeError(`${op}: inputs must be an object of { shape, dtype } by input name`);
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
    this.#backend = parameters.backend as OpBackend;
    const runner = this.#backend.programs;
    this.mode = options.mode ?? (runner ? 'compiled' : 'eager');
    if (this.mode !== 'compiled' && this.mode !== 'eager')
      throw new ShapeError(`${op}: mode must be 'compiled' or 'eager', got ${JSON.stringify(options.mode)}`);
    if (this.mode === 'compiled' && !runner)
      throw new ShapeError(`${op}: mode 'compiled' needs the webgpu backend; the ${this.#backend.name} backend runs eager`);
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
    try {
      this.#compiled = this.mode === 'compiled' ? this.#compile() : undefined;
    } catch (error) {
      // Nothing the step made may outlive a failed build (the device lost while recording, say).
      this.dispose();
      throw error;
    }
  }

  /** Optimizer updates done so far. */
  get updates(): number {
    return this.#updates;
  }

  /** `step` calls so far (micro-batches). */
  get microSteps(): number {
    return this.#microSteps;
  }

  /** The backend the step trains on (its parameters'). */
  get backend(): Backend {
    return this.#backend;
  }

  /** The optimizer the step updates with. */
  get optimizer(): Optimizer {
    return this.#options.optimizer;
  }

  /** The parameters the loss depends on (the ones trained), in graph order. */
  get trainedParameters(): readonly Parameter[] {
    return this.#params;
  }

  /** The recorded programs of a compiled step (dispatch counts, kernels, planned bytes); empty in eager mode. */
  get programs(): readonly RecordedProgram[] {
    const c = this.#compiled;
    return c ? (c.update ? [c.main, c.update] : [c.main]) : [];
  }

  /**
   * Compiles every pipeline the step uses, reporting each as it is ready (`done` of `total`), so the
   * first `step` does not stall on shader compilation. Optional: the first `step` compiles what is
   * missing. Resolves at once in eager mode (ops compile as they first run).
   */
  async warmUp(options: WarmUpOptions = {}): Promise<void> {
    this.#assertAlive('warmUp');
    const compiled = this.#compiled;
    if (!compiled) return;
    await this.#backend.programs!.compile(this.programs, options.onProgress);
  }

  /**
   * Runs one micro-step on `batch` (and the optimizer update when it completes an accumulation
   * cycle). Resolves to the batch's loss. Once compiled (after `warmUp` or the first step) the work
   * is queued before the promise is returned, so the next step can be started without waiting.
   */
  step(batch: Batch): Promise<number> {
    const { isUpdate, values } = this.#begin('step', batch);
    const compiled = this.#compiled;
    if (!compiled) return this.#stepEager(batch, isUpdate, values);
    this.#write(compiled, batch, values);
    return this.#backend.programs!.run(isUpdate && compiled.update ? [compiled.main, compiled.update] : [compiled.main], 0);
  }

  /**
   * Runs one step on `batch` with a GPU timestamp around every dispatch (compiled mode on an adapter
   * with `timestamp-query`) and returns the time per kernel, largest first. The step counts as a
   * training step. Each dispatch gets its own pass, so the total is a little above a normal step's.
   */
  async profile(batch: Batch): Promise<KernelTime[]> {
    const compiled = this.#compiled;
    if (!compiled) throw new ShaderformerError('TrainStep.profile: needs the compiled mode');
    const { isUpdate, values } = this.#begin('profile', batch);
    this.#write(compiled, batch, values);
    return this.#backend.programs!.profile(isUpdate && compiled.update ? [compiled.main, compiled.update] : [compiled.main]);
  }

  /** Frees the programs, the optimizer state and the accumulators (not the parameters). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    const compiled = this.#compiled;
    if (compiled) {
      compiled.main.dispose();
      compiled.update?.dispose();
      for (const t of Object.values(compiled.inputs)) t.dispose();
      compiled.stepValues.dispose();
    }
    for (const list of this.#states) for (const t of list) t.dispose();
    for (const t of this.#accumulators ?? []) t.dispose();
    for (const t of this.#constants.values()) t.dispose();
  }

  /** Checks the batch and moves to the next micro-step; its step values, and whether it ends with an update. */
  #begin(op: string, batch: Batch): { isUpdate: boolean; values: StepValues } {
    this.#assertAlive(op);
    this.#checkBatch(op, batch);
    const micro = this.#microSteps++;
    const isUpdate = (micro + 1) % this.#options.accumulationSteps === 0;
    if (isUpdate) this.#updates++;
    // A micro-step without an update still writes the next update's values; no kernel reads them.
    const values = { ...this.#options.optimizer.stepValues(isUpdate ? this.#updates : this.#updates + 1), randomOffset: micro * this.graph.randomStreamSize };
    return { isUpdate, values };
  }

  #assertAlive(op: string): void {
    if (this.#disposed) throw new ShaderformerError(`TrainStep.${op}: the step was disposed`);
  }

  #checkBatch(op: string, batch: Batch): void {
    if (typeof batch !== 'object' || batch === null) throw new ShapeError(`TrainStep.${op}: batch must be an object of typed arrays by input name`);
    for (const [name, v] of this.graph.inputs) {
      const data = batch[name];
      const size = shapeSize(v.shape);
      const ArrayType = v.dtype === 'i32' ? Int32Array : v.dtype === 'u32' ? Uint32Array : Float32Array;
      if (!(data instanceof ArrayType) || data.length !== size) {
        throw new ShapeError(
          `TrainStep.${op}: batch.${name} must be a ${ArrayType.name} of ${size} values (${v.dtype}${formatShape(v.shape)}), got ${describeArray(data)}`,
        );
      }
    }
  }

  /** Runs forward and backward; returns [loss, ...grads] (the caller owns them). */
  #run(inputs: Readonly<Record<string, Tensor>>, context: RunContext): Tensor[] {
    const { parameters } = this.#options;
    return execute(this.graph, [this.#loss, ...this.#grads], {
      backend: this.#backend,
      inputs,
      parameter: (p) => parameters.tensor(p),
      constants: this.#constants,
      context,
    });
  }

  /** Clips (optionally) and applies the optimizer to `grads`, which read lr and t from `step`. */
  #update(grads: readonly Tensor[], step: StepValues | Tensor): void {
    const { maxGradNorm, optimizer, parameters } = this.#options;
    if (maxGradNorm !== undefined) clipByGlobalNorm(grads, maxGradNorm).dispose();
    this.#params.forEach((p, i) => {
      optimizer.update(parameters.tensor(p), grads[i]!, this.#states[i]!, { decay: p.decay, step });
    });
  }

  /** Adds the micro-batch's gradients into the accumulators, scaled by 1/n. */
  #accumulate(grads: readonly Tensor[]): void {
    const accumulators = this.#accumulators!;
    grads.forEach((g, i) => accumulate(accumulators[i]!, g, 1 / this.#options.accumulationSteps));
  }

  async #stepEager(batch: Batch, isUpdate: boolean, values: StepValues): Promise<number> {
    const backend = this.#backend;
    const inputs: Record<string, Tensor> = {};
    for (const [name, v] of this.graph.inputs) inputs[name] = backend.tensor(batch[name]!, v.shape, v.dtype);
    let outputs: Tensor[] = [];
    try {
      outputs = this.#run(inputs, { seed: [this.#options.seed, 0], step: values });
      const grads = outputs.slice(1);
      const accumulators = this.#accumulators;
      if (accumulators) {
        this.#accumulate(grads);
        if (isUpdate) {
          this.#update(accumulators, values);
          for (const t of accumulators) zeroInPlace(t);
        }
      } else if (isUpdate) {
        this.#update(grads, values);
      }
      for (const t of grads) if (this.#ownsOutput(t)) t.dispose();
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

  /** Records the step once: every op runs against placeholder buffers, reading the batch and step values from tensors rewritten each step. */
  #compile(): Compiled {
    const backend = this.#backend;
    const runner = backend.programs!;
    // Tensors with data cannot be created while recording: constants, inputs and step values first.
    materializeConstants(neededNodes(this.graph, [this.#loss, ...this.#grads]), backend, this.#constants);
    const inputs: Record<string, Tensor> = {};
    for (const [name, v] of this.graph.inputs) inputs[name] = backend.zeros(v.shape, v.dtype);
    const stepValues = backend.stepValuesTensor();
    const context: RunContext = { seed: [this.#options.seed, 0], step: stepValues };
    const programs: RecordedProgram[] = [];
    try {
      programs.push(this.#record(runner, inputs, stepValues, context));
      if (this.#accumulators) programs.push(this.#recordUpdate(runner, this.#accumulators, stepValues));
    } catch (error) {
      for (const p of programs) p.dispose();
      for (const t of [...Object.values(inputs), stepValues]) t.dispose();
      throw error;
    }
    return { main: programs[0]!, update: programs[1], inputs, stepValues };
  }

  /** Records forward, backward, and the update or the accumulation; output 0 is the loss. */
  #record(runner: ProgramRunner, inputs: Readonly<Record<string, Tensor>>, stepValues: Tensor, context: RunContext): RecordedProgram {
    return runner.record(() => {
      const [loss, ...grads] = this.#run(inputs, context);
      if (this.#accumulators) this.#accumulate(grads);
      else this.#update(grads, stepValues);
      for (const t of grads) if (this.#ownsOutput(t)) t.dispose();
      return [loss!];
    });
  }

  /** With accumulation: records clipping, the optimizer update from the accumulators, and their clearing. */
  #recordUpdate(runner: ProgramRunner, accumulators: readonly Tensor[], stepValues: Tensor): RecordedProgram {
    return runner.record(() => {
      this.#update(accumulators, stepValues);
      for (const t of accumulators) zeroInPlace(t);
      return [];
    });
  }

  /** Writes the batch and this micro-step's step values into the tensors the programs read. */
  #write(compiled: Compiled, batch: Batch, values: StepValues): void {
    for (const [name, t] of Object.entries(compiled.inputs)) this.#backend.write(t, batch[name]!);
    this.#backend.write(compiled.stepValues, packStepValues(values));
  }
}

/** Builds a training step (see `TrainStep`): on WebGPU the program is recorded here, once; call `warmUp` to compile it with progress. */
export function createTrainStep<const I extends Readonly<Record<string, InputSpec>>>(options: TrainStepOptions<I>): TrainStep {
  return new TrainStep(options as unknown as TrainStepOptions);
}

function describeArray(data: unknown): string {
  if (data === undefined) return 'nothing';
  if (ArrayBuffer.isView(data)) return `a ${data.constructor.name} of ${(data as Int32Array).length}`;
  return typeof data;
}
