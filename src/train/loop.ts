// The one training loop: batches in, a step per batch, progress out. Demos, tests, benchmarks and
// recipes all train through it, so what they measure is what users run.
import { ArgumentError } from '../errors.js';
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
}

/**
 * Trains `step` on `batches` for `steps` steps: compiles the step's pipelines first (`onCompile`),
 * then runs a step per batch, reporting loss, learning rate, tokens/s, elapsed time and ETA
 * (`onStep`), evaluating every `evaluateEvery` steps, and stopping early on the signal, at the end
 * of the batches, or on a non-finite loss.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const op = 'train';
  if (typeof options !== 'object' || options === null) throw new ArgumentError(`${op}: options { step, batches, steps } are required`);
  const { step, batches, steps, signal, onStep, onCompile, evaluate, onEvaluate } = options;
  if (!step || typeof step.step !== 'function') throw new ArgumentError(`${op}: step must be a TrainStep (createTrainStep), got ${String(step)}`);
  const iterator = iteratorOf(batches);
  if (!iterator) throw new ArgumentError(`${op}: batches must be an iterable or async iterable of batches, got ${String(batches)}`);
  if (!Number.isSafeInteger(steps) || steps < 0) throw new ArgumentError(`${op}: steps must be an integer ≥ 0, got ${String(steps)}`);
  const evaluateEvery = options.evaluateEvery ?? steps;
  if (evaluate !== undefined && typeof evaluate !== 'function') throw new ArgumentError(`${op}: evaluate must be a function returning metrics`);
  if (!Number.isSafeInteger(evaluateEvery) || evaluateEvery < 1) {
    if (evaluate && steps > 0) throw new ArgumentError(`${op}: evaluateEvery must be an integer ≥ 1, got ${String(options.evaluateEvery)}`);
  }
  const tokensPerBatch = options.tokensPerBatch ?? firstInputSize(step);
  if (!(tokensPerBatch > 0)) throw new ArgumentError(`${op}: tokensPerBatch must be > 0, got ${String(tokensPerBatch)}`);
  // On the CPU a step computes inside step(): overlapping gains nothing and only blurs the timings.
  const overlap = options.overlap ?? step.backend.name !== 'cpu';
  const stopOnNonFinite = options.stopOnNonFinite ?? step.onNonFinite !== 'skip';

  const started = performance.now();
  await step.warmUp(onCompile ? { onProgress: onCompile } : {});
  const compileMs = performance.now() - started;

  const losses: number[] = [];
  const evaluations: TrainResult['evaluations'] = [];
  let stopped: StopReason = 'done';
  let lastDone = started;
  let secondDone = 0;
  // Up to two steps in flight: the one being read back and (with overlap) the next one queued behind it.
  const inFlight: { report: Promise<StepReport>; queueMs: number; lr: number }[] = [];
  let queued = 0;
  let batchesEnded = false;

  const queueNext = async (): Promise<void> => {
    if (queued >= steps || batchesEnded || signal?.aborted) return;
    const next = await iterator.next();
    if (next.done) {
      batchesEnded = true;
      return;
    }
    const before = performance.now();
    // Read with 'skip': the loop decides itself whether a non-finite step stops it (stopOnNonFinite).
    const report = step.stepWithReport(next.value, { onNonFinite: 'skip' });
    const queueMs = performance.now() - before;
    // The rate of the latest update as of this step (read now: a step queued later moves it on).
    inFlight.push({ report, queueMs, lr: step.updates > 0 ? step.optimizer.learningRate(step.updates) : 0 });
    queued++;
  };

  try {
    await queueNext();
    while (inFlight.length > 0) {
      if (overlap) await queueNext();
      const { report: pending, queueMs, lr } = inFlight.shift()!;
      const { loss, gradNorm, skipped } = await pending;
      const now = performance.now();
      losses.push(loss);
      const done = losses.length;
      if (done === 1) secondDone = now;
      const msPerStep = done > 1 ? (now - secondDone) / (done - 1) : 0;
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
      await onStep?.(progress);
      if (stopOnNonFinite && (skipped || !Number.isFinite(loss))) {
        stopped = 'non-finite-loss';
        break;
      }
      if (evaluate && (done % evaluateEvery === 0 || done === steps)) {
        const metrics = await evaluate(done);
        evaluations.push({ step: done, metrics });
        await onEvaluate?.(done, metrics);
      }
      if (!overlap) await queueNext();
    }
    if (stopped === 'done') {
      if (signal?.aborted && losses.length < steps) stopped = 'aborted';
      else if (batchesEnded && losses.length < steps) stopped = 'batches-ended';
    }
  } finally {
    // A step queued behind one that failed or diverged: let it settle, so nothing runs after we return.
    await Promise.allSettled(inFlight.map((f) => f.report));
  }
  return { losses, steps: losses.length, stopped, elapsedMs: performance.now() - started, compileMs, evaluations };
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
