// The training step: forward, loss, backward (autograd), clipping, accumulation and the optimizer
// update, built once from a model's loss. On a backend with recorded programs (WebGPU) it is
// compiled: every op runs once while the backend records, and each later step only writes the
// batch and the step values (learning rate, update index, dropout offset) and replays.
import type { KernelTime, OpBackend, ProgramRead, ProgramRunner, RecordedProgram } from '../backend/contract.js';
import { type StepValues, packStepValues } from '../backend/step-values.js';
import { NonFiniteError, ShapeError, ShaderformerError } from '../errors.js';
import { gradients } from '../graph/autograd.js';
import { type ConstantCache, execute, materializeConstants, neededNodes } from '../graph/execute.js';
import { Graph, type InputSpec, type Var, checkScalarLoss } from '../graph/graph.js';
import { checkBatch } from '../graph/input-ranges.js';
import type { RunContext } from '../graph/op-table.js';
import type { Parameter } from '../graph/parameter.js';
import type { ParameterStore } from '../graph/parameters.js';
import { accumulate, zeroInPlace } from '../ops/elementwise.js';
import { clipByGlobalNorm, updateGuard } from '../ops/optim.js';
import { globalNorm } from '../ops/reduce.js';
import type { Optimizer } from '../optim/optimizers.js';
import type { Backend, Tensor } from '../tensor/tensor.js';

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
  /**
   * What a non-finite loss or global gradient norm (NaN, ±∞) does (default `'throw'`). Either way the
   * update is skipped on the device: no parameter or optimizer state changes, so no weight receives a
   * NaN. `'throw'`: the step's promise rejects with a `NonFiniteError`; `'skip'`: it resolves as usual.
   * Both count it in `skippedUpdates`. A skipped update still advances the update index and the
   * learning-rate schedule (the next update is numbered as if it had run, as Adam's bias corrections
   * are), and with accumulation the accumulated gradients are cleared. With accumulation the loss
   * checked is the cycle's mean, so a non-finite micro-batch anywhere in the cycle skips its update.
   */
  onNonFinite?: 'throw' | 'skip';
}

/** What `TrainStep.stepWithReport` resolves to. */
export interface StepReport {
  /** The batch's loss. */
  loss: number;
  /** The global L2 norm of the gradients (before clipping) of the update this micro-step ended with; undefined without an update. */
  gradNorm: number | undefined;
  /** Whether the update this micro-step ended with was skipped (a non-finite loss or gradient norm). */
  skipped: boolean;
}

/** Options of `TrainStep.stepWithReport`. */
export interface StepCallOptions {
  /** Overrides the step's `onNonFinite` for this call (the training loop reads every step's report with `'skip'`). */
  onNonFinite?: 'throw' | 'skip';
}

/** @internal What a checkpoint saves and checks (src/train/checkpoint.ts). */
export interface CheckpointParts {
  /** Every parameter's values. */
  readonly parameters: ParameterStore;
  /** The trained parameters, in graph order, and each one's optimizer state tensors. */
  readonly trained: readonly Parameter[];
  readonly states: readonly (readonly Tensor[])[];
  /** The dropout key, and the stretch of its stream one micro-step reads. */
  readonly seed: number;
  readonly streamPerStep: number;
  readonly accumulationSteps: number;
  readonly skippedUpdates: number;
}

/** Options of `TrainStep.warmUp`. */
export interface WarmUpOptions {
  /** Called as each pipeline is compiled: `done` of `total`, and the kernel's name. */
  onProgress?: (progress: { done: number; total: number; kernel: string }) => void;
}

/** The recorded programs of a compiled step and the tensors they read. */
interface Compiled {
  /** Forward, backward, and (without accumulation) the update; its output 0 is the guard [loss, gradient norm], or the loss with accumulation. */
  readonly main: RecordedProgram;
  /** With accumulation: clip, optimizer, clear the accumulators (run on the micro-step that ends a cycle); output 0 is the guard. */
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
 * and the step values, replays, and reads back only the loss and the gradient norm. After the first
 * step it allocates nothing and calls no op. The batch's ids and labels are checked against the
 * ranges the graph's embeddings and losses allow before anything runs, and an update whose loss or
 * gradient norm is not finite is skipped on the device (see `onNonFinite`).
 */
export class TrainStep {
  /** The forward and backward graph. */
  readonly graph: Graph;
  readonly mode: 'compiled' | 'eager';
  readonly #options: Required<Omit<TrainStepOptions, 'maxGradNorm' | 'mode'>> & { maxGradNorm: number | undefined };
  /** With accumulation: the cycle's mean loss so far (f32 []), which the update's guard checks. */
  readonly #lossSum: Tensor | undefined;
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
  #skipped = 0;
  #lastGradNorm: number | undefined;
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
    const onNonFinite = options.onNonFinite ?? 'throw';
    if (onNonFinite !== 'throw' && onNonFinite !== 'skip')
      throw new ShapeError(`${op}: onNonFinite must be 'throw' or 'skip', got ${JSON.stringify(options.onNonFinite)}`);
    this.#options = { parameters, inputs, loss, optimizer, accumulationSteps, seed, maxGradNorm: options.maxGradNorm, onNonFinite };

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
    this.#lossSum = accumulationSteps > 1 ? this.#backend.zeros([]) : undefined;
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

  /** Optimizer updates skipped so far because their loss or gradient norm was not finite (see `onNonFinite`). */
  get skippedUpdates(): number {
    return this.#skipped;
  }

  /** The global gradient norm (before clipping) of the latest update read back, skipped or not; undefined before the first. */
  get lastGradNorm(): number | undefined {
    return this.#lastGradNorm;
  }

  /** What a non-finite loss or gradient norm does: `'throw'` or `'skip'` (the update is skipped either way). */
  get onNonFinite(): 'throw' | 'skip' {
    return this.#options.onNonFinite;
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

  /** @internal The optimizer's state tensors (Adam: [m, v]) of each trained parameter, in `trainedParameters` order. */
  get optimizerState(): readonly (readonly Tensor[])[] {
    return this.#states;
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
    return this.#step('step', batch, this.#options.onNonFinite).then((report) => report.loss);
  }

  /**
   * As `step`, resolving to the loss together with the update's gradient norm and whether it was
   * skipped; the step's `onNonFinite` can be overridden for the call.
   */
  stepWithReport(batch: Batch, options: StepCallOptions = {}): Promise<StepReport> {
    const onNonFinite = options.onNonFinite ?? this.#options.onNonFinite;
    if (onNonFinite !== 'throw' && onNonFinite !== 'skip')
      throw new ShapeError(`TrainStep.stepWithReport: onNonFinite must be 'throw' or 'skip', got ${JSON.stringify(options.onNonFinite)}`);
    return this.#step('stepWithReport', batch, onNonFinite);
  }

  #step(op: string, batch: Batch, onNonFinite: 'throw' | 'skip'): Promise<StepReport> {
    const { isUpdate, values } = this.#begin(op, batch);
    const update = this.#updates;
    const finish = (loss: number, guard: ArrayLike<number> | undefined) => this.#report(`TrainStep.${op}`, update, loss, guard, onNonFinite);
    const compiled = this.#compiled;
    if (!compiled) return this.#stepEager(batch, isUpdate, values).then(({ loss, guard }) => finish(loss, guard));
    this.#write(compiled, batch, values);
    // One readback: the guard [loss, gradient norm]; with accumulation the batch's loss, then the guard when the cycle ends.
    const reads: ProgramRead[] = compiled.update ? [{ program: 0, output: 0, words: 1 }] : [{ program: 0, output: 0, words: 2 }];
    if (isUpdate && compiled.update) reads.push({ program: 1, output: 0, words: 2 });
    const programs = isUpdate && compiled.update ? [compiled.main, compiled.update] : [compiled.main];
    return this.#backend.programs!.run(programs, reads).then((r) => finish(r[0]!, isUpdate ? r.subarray(r.length - 2) : undefined));
  }

  /** Records what an update's guard [loss, gradient norm] says; throws `NonFiniteError` for a skipped update under `'throw'`. */
  #report(op: string, update: number, loss: number, guard: ArrayLike<number> | undefined, onNonFinite: 'throw' | 'skip'): StepReport {
    if (!guard) return { loss, gradNorm: undefined, skipped: false };
    const [guardLoss, gradNorm] = [guard[0]!, guard[1]!];
    this.#lastGradNorm = gradNorm;
    // The same test the kernels make on the device: both finite, or nothing was written.
    const skipped = !(Number.isFinite(guardLoss) && Number.isFinite(gradNorm));
    if (skipped) {
      this.#skipped++;
      if (onNonFinite === 'throw') throw new NonFiniteError(Number.isFinite(guardLoss) ? 'gradient norm' : 'loss', update, guardLoss, gradNorm, op);
    }
    return { loss, gradNorm, skipped };
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

  /** @internal The state a checkpoint saves (src/train/checkpoint.ts): optimizer state tensors are read one at a time from here. */
  checkpointParts(): CheckpointParts {
    this.#assertAlive('checkpointParts');
    const { parameters, seed, accumulationSteps } = this.#options;
    return {
      parameters,
      trained: this.#params,
      states: this.#states,
      seed,
      streamPerStep: this.graph.randomStreamSize,
      accumulationSteps,
      skippedUpdates: this.#skipped,
    };
  }

  /**
   * @internal Sets the counters of a loaded checkpoint (src/train/checkpoint.ts), so the schedule, Adam's
   * bias corrections and the dropout stream (micro-step × stream per step) continue from there. Only
   * between accumulation cycles: the accumulators are then zero.
   */
  restoreCounters(counters: { microSteps: number; updates: number; skippedUpdates: number }): void {
    this.#assertAlive('restoreCounters');
    const n = this.#options.accumulationSteps;
    const { microSteps, updates, skippedUpdates } = counters;
    if (this.#microSteps % n !== 0)
      throw new ShaderformerError(`TrainStep.restoreCounters: the step is inside an accumulation cycle (micro-step ${this.#microSteps} of cycles of ${n})`);
    if (microSteps !== updates * n || skippedUpdates > updates) {
      throw new ShapeError(`TrainStep.restoreCounters: ${microSteps} micro-steps, ${updates} updates and ${skippedUpdates} skipped do not fit cycles of ${n}`);
    }
    this.#microSteps = microSteps;
    this.#updates = updates;
    this.#skipped = skippedUpdates;
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
    this.#lossSum?.dispose();
    for (const list of this.#states) for (const t of list) t.dispose();
    for (const t of this.#accumulators ?? []) t.dispose();
    for (const t of this.#constants.values()) t.dispose();
  }

  /** Checks the batch and moves to the next micro-step; its step values, and whether it ends with an update. */
  #begin(op: string, batch: Batch): { isUpdate: boolean; values: StepValues } {
    this.#assertAlive(op);
    checkBatch(`TrainStep.${op}`, this.graph, batch);
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

  /**
   * Clips (optionally) and applies the optimizer to `grads`, which read lr and t from `step`, guarded:
   * the updates write nothing unless `loss` and the gradients' global norm are finite. Returns the
   * guard [loss, gradient norm] (the caller owns it).
   */
  #update(grads: readonly Tensor[], step: StepValues | Tensor, loss: Tensor): Tensor {
    const { maxGradNorm, optimizer, parameters } = this.#options;
    // The clip path's norm when clipping; computed anyway without, for the guard.
    const norm = maxGradNorm !== undefined ? clipByGlobalNorm(grads, maxGradNorm) : globalNorm(grads);
    const guard = updateGuard(loss, norm);
    norm.dispose();
    this.#params.forEach((p, i) => {
      optimizer.update(parameters.tensor(p), grads[i]!, this.#states[i]!, { decay: p.decay, step, guard });
    });
    return guard;
  }

  /** Adds the micro-batch's gradients and loss into the accumulators, scaled by 1/n. */
  #accumulate(grads: readonly Tensor[], loss: Tensor): void {
    const accumulators = this.#accumulators!;
    const scale = 1 / this.#options.accumulationSteps;
    grads.forEach((g, i) => accumulate(accumulators[i]!, g, scale));
    accumulate(this.#lossSum!, loss, scale);
  }

  /** The update at the end of an accumulation cycle, from the accumulators; clears them and the loss sum. Returns the guard. */
  #updateFromAccumulators(step: StepValues | Tensor): Tensor {
    const accumulators = this.#accumulators!;
    const guard = this.#update(accumulators, step, this.#lossSum!);
    for (const t of accumulators) zeroInPlace(t);
    zeroInPlace(this.#lossSum!);
    return guard;
  }

  /** One eager micro-step: resolves to the batch's loss and, when it ended with an update, that update's guard [loss, gradient norm]. */
  async #stepEager(batch: Batch, isUpdate: boolean, values: StepValues): Promise<{ loss: number; guard: Float32Array | Float64Array | undefined }> {
    const backend = this.#backend;
    const inputs: Record<string, Tensor> = {};
    for (const [name, v] of this.graph.inputs) inputs[name] = backend.tensor(batch[name]!, v.shape, v.dtype);
    let outputs: Tensor[] = [];
    let guard: Tensor | undefined;
    try {
      outputs = this.#run(inputs, { seed: [this.#options.seed, 0], step: values });
      const [loss, ...grads] = outputs;
      if (this.#accumulators) {
        this.#accumulate(grads, loss!);
        if (isUpdate) guard = this.#updateFromAccumulators(values);
      } else if (isUpdate) {
        guard = this.#update(grads, values, loss!);
      }
      for (const t of grads) if (this.#ownsOutput(t)) t.dispose();
      const [lossValue, guardValues] = await Promise.all([loss!.data(), guard?.data()]);
      return { loss: lossValue[0]!, guard: guardValues as Float32Array | Float64Array | undefined };
    } finally {
      if (outputs[0]) outputs[0].dispose();
      guard?.dispose();
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
      if (this.#accumulators) programs.push(this.#recordUpdate(runner, stepValues));
    } catch (error) {
      for (const p of programs) p.dispose();
      for (const t of [...Object.values(inputs), stepValues]) t.dispose();
      throw error;
    }
    return { main: programs[0]!, update: programs[1], inputs, stepValues };
  }

  /** Records forward, backward, and the update or the accumulation; output 0 is the guard [loss, gradient norm], or the loss with accumulation. */
  #record(runner: ProgramRunner, inputs: Readonly<Record<string, Tensor>>, stepValues: Tensor, context: RunContext): RecordedProgram {
    return runner.record(() => {
      const [loss, ...grads] = this.#run(inputs, context);
      let output = loss!;
      if (this.#accumulators) this.#accumulate(grads, loss!);
      else {
        output = this.#update(grads, stepValues, loss!);
        loss!.dispose();
      }
      for (const t of grads) if (this.#ownsOutput(t)) t.dispose();
      return [output];
    });
  }

  /** With accumulation: records clipping, the guarded optimizer update from the accumulators, and their clearing; output 0 is the guard. */
  #recordUpdate(runner: ProgramRunner, stepValues: Tensor): RecordedProgram {
    return runner.record(() => [this.#updateFromAccumulators(stepValues)]);
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
