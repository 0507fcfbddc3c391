// The one training loop: batches in, a step per batch, progress out. Demos, tests, benchmarks and
// recipes all train through it, so what they measure is what users run.
import { ArgumentError, DeviceLostError } from '../errors.js';
import { type TrainerState, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import type { CheckpointStore } from './checkpoint-store.js';
import type { Batch, StepReport, TrainStep } from './train-step.js';

/** What the loop reports after every step. */
export interface StepProgress {
  /** Steps done, from 1. */
  step: number;
  /** Steps asked for (the loop may stop earlier: see `TrainResult.stopped`). */
  steps: number;
  /** The loss of this step's batch. */
  loss: number;
  /** The learning rate of the latest optimizer update as of this step (0 before the first update). */
  lr: number;
  /** The global gradient norm (before clipping) of the update this step ended with; undefined for a micro-step without one. */
  gradNorm: number | undefined;
  /** Whether this step's update was skipped because its loss or gradient norm was not finite (parameters unchanged). */
  skipped: boolean;
  /** Milliseconds from the previous step's loss to this one's (from the loop's start for the first step, compile included). */
  stepMs: number;
  /** Milliseconds the CPU spent in `step()` before the GPU work was queued (JavaScript overhead per step). */
  queueMs: number;
  /** Tokens per second over the steps after the first (the first includes compilation); 0 until the second step. */
  tokensPerSecond: number;
  /** Milliseconds since the loop started. */
  elapsedMs: number;
  /** Estimated milliseconds until `steps` at the recent pace; 0 until the second step. */
  etaMs: number;
  /** The checkpoint saved after this step (its number: the updates done), if one was. */
  checkpoint?: number;
}

/** Why the loop ended. */
export type StopReason = 'done' | 'aborted' | 'batches-ended' | 'non-finite-loss';

/** What `train` resolves to. */
export interface TrainResult {
  /** The loss of every step run, in order. */
  losses: number[];
  /** Steps run. */
  steps: number;
  /** `'done'` after `steps` steps; `'aborted'` by the signal; `'batches-ended'`; `'non-finite-loss'` (a NaN or ±∞ loss or gradient norm, with `stopOnNonFinite`). */
  stopped: StopReason;
  /** Milliseconds the loop took, compilation included. */
  elapsedMs: number;
  /** Milliseconds `warmUp` took compiling the step's pipelines. */
  compileMs: number;
  /** Every evaluation's result, with the step it followed. */
  evaluations: { step: number; metrics: Record<string, number> }[];
  /** With `resume`: the checkpoint the run continued from (its number, the micro-steps it held); undefined for a fresh start. */
  resumedFrom?: { checkpoint: number; step: number };
  /** The checkpoints saved, by number (updates done), in order. */
  checkpoints: number[];
  /** Device losses recovered from (`recover`), with the checkpoint each resumed from (undefined: from the start). */
  recoveries: { step: number; checkpoint: number | undefined }[];
  /** The training step at the end: the one passed in, or the last one `recover` built. */
  trainStep: TrainStep;
}

/** Saving checkpoints while training. */
export interface CheckpointOptions {
  /** Where the checkpoints go (`nodeCheckpointStore`, `opfsCheckpointStore`, `memoryCheckpointStore`). */
  store: CheckpointStore;
  /** Optimizer updates between checkpoints (default: only at the end of the run). */
  every?: number;
  /** Checkpoints kept (default: the store's `keep`); older ones are removed after each save. */
  keep?: number;
  /** Saved with every checkpoint (JSON). */
  metadata?: Record<string, unknown>;
}

/** Options of `train`. */
export interface TrainOptions {
  /** The training step (`createTrainStep`). */
  step: TrainStep;
  /** Where the batches come from: an array, a generator (`mlmBatches`), or an async iterable. */
  batches: Iterable<Batch> | AsyncIterable<Batch>;
  /** Steps to run (fewer if the batches end first). */
  steps: number;
  /** Stops the loop after the step in flight (e.g. a Stop button's `AbortController`). */
  signal?: AbortSignal;
  /** Called after every step; may return a promise, which the loop awaits. */
  onStep?: (progress: StepProgress) => void | Promise<void>;
  /** Called as each pipeline compiles before the first step: `done` of `total`. */
  onCompile?: (progress: { done: number; total: number; kernel: string }) => void;
  /** Evaluates the model (e.g. held-out loss) every `evaluateEvery` steps and after the last; its metrics go to `onEvaluate` and the result. */
  evaluate?: (step: number) => Promise<Record<string, number>>;
  /** Steps between evaluations (default: only after the last step). */
  evaluateEvery?: number;
  /** Called with each evaluation's metrics. */
  onEvaluate?: (step: number, metrics: Record<string, number>) => void | Promise<void>;
  /** Tokens in one batch, for tokens/s (default: the element count of the step's first input). */
  tokensPerBatch?: number;
  /**
   * Queue the next step before reading the previous loss back, so the GPU never waits for the
   * readback (default true on GPU backends, false on the CPU, where a step computes inside its
   * call). False runs one step at a time: each `stepMs` is then one whole step, as benchmarks want.
   */
  overlap?: boolean;
  /**
   * Stop (`stopped: 'non-finite-loss'`) after a step whose loss or gradient norm is NaN or ±∞. Default:
   * true for a step built with `onNonFinite: 'throw'` (the default), false for `'skip'`. The step has
   * skipped that update, so the parameters are still the last finite ones either way; the loop never
   * rejects with the step's `NonFiniteError`: it reports the step (`skipped: true`) and stops or goes on.
   */
  stopOnNonFinite?: boolean;
  /** Save checkpoints (parameters, optimizer state, counters, the batch iterator's state, the losses) to a store. */
  checkpoint?: CheckpointOptions;
  /**
   * Continue from the latest checkpoint in `checkpoint.store` (a fresh start when it has none): the step's
   * parameters, optimizer state and counters, and the batches' position, are restored before the first
   * step. Step numbers, and `steps`, then count from the start of the run, checkpointed steps included.
   * The batches must have `getState`/`setState` (`mlmBatches`) or be an array.
   */
  resume?: boolean;
  /** Called when the device is lost mid-run (before `recover`); the loop then recovers or rejects with the `DeviceLostError`. */
  onDeviceLost?: (error: DeviceLostError) => void | Promise<void>;
  /**
   * Builds a new training step after a device loss (a new backend, parameters and step, as at the
   * start); the loop loads the latest checkpoint into it and the batches' position, and goes on,
   * losing only the steps after that checkpoint. Without it, a device loss rejects the run. The lost
   * step and its parameters stay the caller's to dispose; `TrainResult.trainStep` is the one in use.
   */
  recover?: (error: DeviceLostError) => Promise<TrainStep>;
  /**
   * Where the batches' position is saved and restored when `batches` itself has no
   * `getState`/`setState`: e.g. the `mlmBatches` stream under a generator that renames its fields
   * (the generator must draw one batch from it per batch it yields).
   */
  batchState?: BatchState;
}

/** A batch source's position: `getState()` is JSON saved with each checkpoint, `setState` moves the source back to it. */
export interface BatchState {
  getState(): unknown;
  setState(state: unknown): void;
}

/**
 * Trains `step` on `batches` for `steps` steps: compiles the step's pipelines first (`onCompile`),
 * then runs a step per batch, reporting loss, learning rate, tokens/s, elapsed time and ETA
 * (`onStep`), evaluating every `evaluateEvery` steps, and stopping early on the signal, at the end
 * of the batches, or on a non-finite loss. With `checkpoint` it saves every `every` updates and at the
 * end; with `resume` it first continues from the latest checkpoint; on a device loss it reports it
 * (`onDeviceLost`) and, given `recover`, goes on from the last checkpoint on a new step.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const op = 'train';
  if (typeof options !== 'object' || options === null) throw new ArgumentError(`${op}: options { step, batches, steps } are required`);
  const { batches, steps, signal, onStep, onCompile, evaluate, onEvaluate, checkpoint, resume = false, onDeviceLost, recover } = options;
  let step = options.step;
  checkTrainStep(op, 'step', step);
  const { batchState } = options;
  if (batchState !== undefined && (typeof batchState?.getState !== 'function' || typeof batchState.setState !== 'function')) {
    throw new ArgumentError(`${op}: batchState must have getState() and setState(state) (e.g. an mlmBatches stream), got ${String(batchState)}`);
  }
  const data = dataOf(batches, batchState);
  if (!data) throw new ArgumentError(`${op}: batches must be an iterable or async iterable of batches, got ${String(batches)}`);
  if (!Number.isSafeInteger(steps) || steps < 0) throw new ArgumentError(`${op}: steps must be an integer ≥ 0, got ${String(steps)}`);
  const evaluateEvery = options.evaluateEvery ?? steps;
  if (evaluate !== undefined && typeof evaluate !== 'function') throw new ArgumentError(`${op}: evaluate must be a function returning metrics`);
  if (!Number.isSafeInteger(evaluateEvery) || evaluateEvery < 1) {
    if (evaluate && steps > 0) throw new ArgumentError(`${op}: evaluateEvery must be an integer ≥ 1, got ${String(options.evaluateEvery)}`);
  }
  const tokensPerBatch = options.tokensPerBatch ?? firstInputSize(step);
  if (!(tokensPerBatch > 0)) throw new ArgumentError(`${op}: tokensPerBatch must be > 0, got ${String(tokensPerBatch)}`);
  const every = checkCheckpointOptions(op, checkpoint);
  if (typeof resume !== 'boolean') throw new ArgumentError(`${op}: resume must be a boolean, got ${String(resume)}`);
  if (resume && !checkpoint) throw new ArgumentError(`${op}: resume needs checkpoint: { store } to resume from`);
  if (recover !== undefined && typeof recover !== 'function') throw new ArgumentError(`${op}: recover must be a function returning a new TrainStep`);
  if (onDeviceLost !== undefined && typeof onDeviceLost !== 'function') throw new ArgumentError(`${op}: onDeviceLost must be a function`);
  if ((resume || recover) && !data.restorable) {
    throw new ArgumentError(
      `${op}: ${resume ? 'resume' : 'recover'} needs batches whose position can be restored: an array, an iterable with getState/setState (mlmBatches), or batchState`,
    );
  }
  // On the CPU a step computes inside step(): overlapping gains nothing and only blurs the timings.
  const overlap = options.overlap ?? step.backend.name !== 'cpu';
  const stopOnNonFinite = options.stopOnNonFinite ?? step.onNonFinite !== 'skip';

  const started = performance.now();
  // Step numbers count from `origin`: this call's first step, or the run's start when resuming.
  const origin = resume ? 0 : step.microSteps;
  /** The loss of every step of the run so far (from `origin`); checkpoints save it. */
  const history: number[] = [];
  let callStart = 0;
  let resumedFrom: TrainResult['resumedFrom'];
  const saved: number[] = [];
  const recoveries: TrainResult['recoveries'] = [];
  const initialData = data.getState();
  let lastSaved = -1;

  /** Loads the latest checkpoint (or, without one, rewinds the batches to the start); the trainer state or undefined. */
  const restore = async (): Promise<TrainerState | undefined> => {
    const state = await loadCheckpoint(checkpoint!.store, step);
    data.setState(state ? state.data : initialData);
    history.length = 0;
    if (state) {
      // The run's losses up to the checkpoint (NaN for any it was saved without).
      const count = Math.max(0, step.microSteps - origin);
      const restored = count === 0 ? [] : state.losses.slice(-count).map((l) => l ?? Number.NaN);
      history.push(...Array.from({ length: count - restored.length }, () => Number.NaN), ...restored);
      lastSaved = step.microSteps;
    }
    return state;
  };

  const save = async (): Promise<number> => {
    const result = await saveCheckpoint(checkpoint!.store, step, { data: data.getState(), losses: history, metadata: checkpoint!.metadata ?? {} });
    lastSaved = step.microSteps;
    if (checkpoint!.keep !== undefined) {
      const list = await checkpoint!.store.list();
      for (const old of list.slice(0, Math.max(0, list.length - checkpoint!.keep))) await checkpoint!.store.remove(old);
    }
    saved.push(result.step);
    return result.step;
  };

  if (resume) {
    const state = await restore();
    if (state) resumedFrom = { checkpoint: state.updates, step: state.microSteps };
    callStart = history.length;
  }

  let compileMs = 0;
  const evaluations: TrainResult['evaluations'] = [];
  let stopped: StopReason = 'done';
  let lastDone = started;
  let secondDone = 0;
  let timedSteps = 0;

  /** Runs steps until `steps`, the signal, the end of the batches or a non-finite loss; throws what a step throws. */
  const run = async (): Promise<void> => {
    const compileStart = performance.now();
    await step.warmUp(onCompile ? { onProgress: onCompile } : {});
    compileMs += performance.now() - compileStart;
    const accumulation = step.checkpointParts().accumulationSteps;
    /** Whether a checkpoint is due after micro-step `micro` (global): at the end of every `every`-th update's cycle. */
    const due = (micro: number): boolean => checkpoint !== undefined && every > 0 && micro % accumulation === 0 && (micro / accumulation) % every === 0;
    // Up to two steps in flight: the one being read back and (with overlap) the next one queued behind it.
    const inFlight: { report: Promise<StepReport>; queueMs: number; lr: number }[] = [];
    let batchesEnded = false;
    const position = (): number => step.microSteps - origin;

    const queueNext = async (): Promise<void> => {
      if (position() >= steps || batchesEnded || signal?.aborted) return;
      // A checkpoint after the step last queued must see no later batch drawn nor step queued.
      if (due(step.microSteps) && lastSaved !== step.microSteps && inFlight.length > 0) return;
      const next = await data.iterator.next();
      if (next.done) {
        batchesEnded = true;
        return;
      }
      data.drawn++;
      const before = performance.now();
      // Read with 'skip': the loop decides itself whether a non-finite step stops it (stopOnNonFinite).
      const report = step.stepWithReport(next.value, { onNonFinite: 'skip' });
      const queueMs = performance.now() - before;
      // The rate of the latest update as of this step (read now: a step queued later moves it on).
      inFlight.push({ report, queueMs, lr: step.updates > 0 ? step.optimizer.learningRate(step.updates) : 0 });
    };

    try {
      await queueNext();
      while (inFlight.length > 0) {
        if (overlap) await queueNext();
        const { report: pending, queueMs, lr } = inFlight.shift()!;
        const { loss, gradNorm, skipped } = await pending;
        const now = performance.now();
        history.push(loss);
        const done = history.length;
        timedSteps++;
        if (timedSteps === 1) secondDone = now;
        const msPerStep = timedSteps > 1 ? (now - secondDone) / (timedSteps - 1) : 0;
        const progress: StepProgress = {
          step: done,
          steps,
          loss,
          lr,
          gradNorm,
          skipped,
          stepMs: now - lastDone,
          queueMs,
          tokensPerSecond: msPerStep > 0 ? (tokensPerBatch * 1000) / msPerStep : 0,
          elapsedMs: now - started,
          etaMs: msPerStep * (steps - done),
        };
        lastDone = now;
        const nonFinite = skipped || !Number.isFinite(loss);
        // Nothing later is queued when a checkpoint is due (queueNext held back), so the state read is this step's.
        if (inFlight.length === 0 && due(step.microSteps) && lastSaved !== step.microSteps && !nonFinite) progress.checkpoint = await save();
        await onStep?.(progress);
        if (stopOnNonFinite && nonFinite) {
          stopped = 'non-finite-loss';
          break;
        }
        if (evaluate && (done % evaluateEvery === 0 || done === steps)) {
          const metrics = await evaluate(done);
          evaluations.push({ step: done, metrics });
          await onEvaluate?.(done, metrics);
        }
        if (!overlap || inFlight.length === 0) await queueNext();
      }
      if (stopped === 'done') {
        if (signal?.aborted && history.length < steps) stopped = 'aborted';
        else if (batchesEnded && history.length < steps) stopped = 'batches-ended';
      }
      // The end of the run is saved too (when it ends a cycle and nothing failed).
      if (checkpoint && history.length > callStart && stopped !== 'non-finite-loss' && lastSaved !== step.microSteps && step.microSteps % accumulation === 0) {
        await save();
      }
    } finally {
      // A step queued behind one that failed or diverged: let it settle, so nothing runs after we return.
      await Promise.allSettled(inFlight.map((f) => f.report));
    }
  };

  for (;;) {
    try {
      await run();
      break;
    } catch (thrown) {
      const error = await deviceLoss(step, thrown);
      if (!error) throw thrown;
      await onDeviceLost?.(error);
      // A second loss before any step of the new device completed: give up rather than loop.
      if (!recover || (recoveries.length > 0 && history.length <= recoveries.at(-1)!.step)) throw error;
      const next = await recover(error);
      checkTrainStep(op, 'recover()', next);
      step = next;
      const state = checkpoint ? await restore() : undefined;
      if (!state) {
        data.setState(initialData);
        history.length = 0;
      }
      callStart = Math.min(callStart, history.length);
      recoveries.push({ step: history.length, checkpoint: state?.updates });
    }
  }
  const losses = history.slice(callStart);
  return {
    losses,
    steps: losses.length,
    stopped,
    elapsedMs: performance.now() - started,
    compileMs,
    evaluations,
    ...(resumedFrom ? { resumedFrom } : {}),
    checkpoints: saved,
    recoveries,
    trainStep: step,
  };
}

/**
 * The device loss behind `error`, if it is one: a `DeviceLostError`, or any error from a step whose
 * backend has lost its device (a readback aborted by the loss can fail before the device reports it,
 * so the loss is given a moment to arrive).
 */
async function deviceLoss(step: TrainStep, error: unknown): Promise<DeviceLostError | undefined> {
  if (error instanceof DeviceLostError) return error;
  const backend = step.backend as { lost?: DeviceLostError };
  if (!('lost' in backend)) return undefined;
  if (backend.lost) return backend.lost;
  // Only a failed GPU operation can be the loss arriving late; anything else is rethrown at once.
  const name = (error as { name?: unknown } | null)?.name;
  if (name !== 'AbortError' && name !== 'OperationError') return undefined;
  for (let waited = 0; waited < 1000 && !backend.lost; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  return backend.lost;
}

/** The batches as the loop draws them: the iterator, how many were drawn, and their position to save and restore. */
interface DataSource {
  iterator: Iterator<Batch> | AsyncIterator<Batch>;
  drawn: number;
  /** Whether `setState` can move the batches (an array, or getState/setState). */
  readonly restorable: boolean;
  getState(): unknown;
  setState(state: unknown): void;
}

function dataOf(batches: Iterable<Batch> | AsyncIterable<Batch>, batchState: BatchState | undefined): DataSource | undefined {
  const first = iteratorOf(batches);
  if (!first) return undefined;
  const positioned = batchState ?? (batches as unknown as Partial<BatchState>);
  if (typeof positioned.getState === 'function' && typeof positioned.setState === 'function') {
    const source: DataSource = {
      iterator: first,
      drawn: 0,
      restorable: true,
      getState: () => positioned.getState!(),
      setState: (state) => positioned.setState!(state),
    };
    return source;
  }
  if (Array.isArray(batches)) {
    // An array's position is an index: restoring starts a new iterator there.
    const source: DataSource = {
      iterator: first,
      drawn: 0,
      restorable: true,
      getState: () => ({ kind: 'array', index: source.drawn }),
      setState: (state) => {
        const index = (state as { index?: unknown } | null)?.index;
        if ((state as { kind?: unknown } | null)?.kind !== 'array' || !Number.isSafeInteger(index) || (index as number) < 0) {
          throw new ArgumentError(
            `train: the checkpoint's batch position ${JSON.stringify(state)} is not an array index; were the batches an array when it was saved?`,
          );
        }
        source.iterator = (batches as Batch[]).slice(index as number)[Symbol.iterator]();
        source.drawn = index as number;
      },
    };
    return source;
  }
  return { iterator: first, drawn: 0, restorable: false, getState: () => null, setState: () => {} };
}

function checkCheckpointOptions(op: string, checkpoint: CheckpointOptions | undefined): number {
  if (checkpoint === undefined) return 0;
  if (checkpoint === null || typeof checkpoint !== 'object')
    throw new ArgumentError(`${op}: checkpoint must be an object { store, every, keep }, got ${String(checkpoint)}`);
  const { store, every = 0, keep } = checkpoint;
  if (!store || typeof store.save !== 'function' || typeof store.load !== 'function') {
    throw new ArgumentError(`${op}: checkpoint.store must be a CheckpointStore (nodeCheckpointStore, opfsCheckpointStore, memoryCheckpointStore)`);
  }
  if (!Number.isSafeInteger(every) || every < 0) throw new ArgumentError(`${op}: checkpoint.every must be an integer ≥ 1 (updates), got ${String(every)}`);
  if (keep !== undefined && (!Number.isSafeInteger(keep) || keep < 1))
    throw new ArgumentError(`${op}: checkpoint.keep must be an integer ≥ 1, got ${String(keep)}`);
  return every;
}

function checkTrainStep(op: string, name: string, step: unknown): asserts step is TrainStep {
  if (!step || typeof (step as Partial<TrainStep>).step !== 'function') {
    throw new ArgumentError(`${op}: ${name} must be a TrainStep (createTrainStep), got ${String(step)}`);
  }
}

function iteratorOf(batches: Iterable<Batch> | AsyncIterable<Batch>): Iterator<Batch> | AsyncIterator<Batch> | undefined {
  if (batches && typeof (batches as AsyncIterable<Batch>)[Symbol.asyncIterator] === 'function')
    return (batches as AsyncIterable<Batch>)[Symbol.asyncIterator]();
  if (batches && typeof (batches as Iterable<Batch>)[Symbol.iterator] === 'function') return (batches as Iterable<Batch>)[Symbol.iterator]();
  return undefined;
}

function firstInputSize(step: TrainStep): number {
  const [first] = step.graph.inputs.values();
  return first ? first.shape.reduce((a, b) => a * b, 1) : 1;
}
