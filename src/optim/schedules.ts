// Learning-rate schedules: pure functions of the optimizer step, so a training loop (and a resumed
// one) computes the rate for any step without state.
import { ArgumentError, ShapeError, describeValue } from '../errors.js';

/** The learning rate for optimizer step `step` (1 on the first update). */
export type LearningRateSchedule = (step: number) => number;

/** Options of `noamSchedule` (Vaswani et al. 2017, §5.3). */
export interface NoamOptions {
  /** The model width d_model (512 in the paper). */
  dModel: number;
  /** Steps of linear warm-up (4000 in the paper). */
  warmupSteps: number;
  /** Multiplies the rate (1 in the paper; the Annotated Transformer uses 1–2). */
  factor?: number;
}

/**
 * The original Transformer's schedule: lr(step) = factor · d_model^−0.5 · min(step^−0.5, step · warmup^−1.5),
 * rising linearly for `warmupSteps` steps, then decaying as 1/√step. Peak: factor / √(d_model · warmup).
 */
export function noamSchedule(options: NoamOptions): LearningRateSchedule {
  const op = 'noamSchedule';
  checkOptions(op, options, ['dModel', 'warmupSteps']);
  const { dModel, warmupSteps, factor = 1 } = options;
  checkPositive(op, 'dModel', dModel);
  checkPositiveInteger(op, 'warmupSteps', warmupSteps);
  checkPositive(op, 'factor', factor);
  return (step) => {
    checkStep(op, step);
    return factor * dModel ** -0.5 * Math.min(step ** -0.5, step * warmupSteps ** -1.5);
  };
}

/** Options of `linearWarmupDecay` (BERT's schedule). */
export interface LinearWarmupDecayOptions {
  /** The rate reached at the end of warm-up (1e-4 for BERT pretraining). */
  peakLr: number;
  /** Steps of linear warm-up from 0 (10,000 for BERT; 0 starts at the peak). */
  warmupSteps: number;
  /** Total optimizer steps: the rate reaches 0 at this step and stays there. */
  totalSteps: number;
}

/**
 * BERT's schedule (Hugging Face `get_linear_schedule_with_warmup`): lr = peak · step / warmup during
 * warm-up, then linear decay to 0 at `totalSteps`. Step s here is update number s (from 1), which
 * Hugging Face counts from 0, so lr(s) equals its lr_lambda(s − 1)·peak.
 */
export function linearWarmupDecay(options: LinearWarmupDecayOptions): LearningRateSchedule {
  const op = 'linearWarmupDecay';
  checkOptions(op, options, ['peakLr', 'warmupSteps', 'totalSteps']);
  const { peakLr, warmupSteps, totalSteps } = options;
  checkPositive(op, 'peakLr', peakLr);
  if (!Number.isSafeInteger(warmupSteps) || warmupSteps < 0) throw new ShapeError(`${op}: warmupSteps must be an integer ≥ 0, got ${String(warmupSteps)}`);
  checkPositiveInteger(op, 'totalSteps', totalSteps);
  if (warmupSteps > totalSteps) throw new ShapeError(`${op}: warmupSteps (${warmupSteps}) must not exceed totalSteps (${totalSteps})`);
  return (step) => {
    checkStep(op, step);
    const s = step - 1;
    if (s < warmupSteps) return (peakLr * s) / Math.max(1, warmupSteps);
    return peakLr * Math.max(0, (totalSteps - s) / Math.max(1, totalSteps - warmupSteps));
  };
}

/** A constant rate, for loops that take a schedule. */
export function constantSchedule(lr: number): LearningRateSchedule {
  checkPositive('constantSchedule', 'lr', lr);
  return (step) => {
    checkStep('constantSchedule', step);
    return lr;
  };
}

/** Throws `ArgumentError` unless `options` is an object holding every `required` field, naming the first missing one. */
function checkOptions(op: string, options: unknown, required: readonly string[]): void {
  if (typeof options !== 'object' || options === null) {
    throw new ArgumentError(`${op}: options { ${required.join(', ')} } are required, got ${describeValue(options)}`);
  }
  for (const name of required) {
    if ((options as Record<string, unknown>)[name] === undefined) throw new ArgumentError(`${op}: ${name} is required`);
  }
}

function checkPositive(op: string, name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new ShapeError(`${op}: ${name} must be a finite number > 0, got ${String(value)}`);
}

function checkPositiveInteger(op: string, name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new ShapeError(`${op}: ${name} must be an integer ≥ 1, got ${String(value)}`);
}

function checkStep(op: string, step: number): void {
  if (!Number.isSafeInteger(step) || step < 1) throw new ShapeError(`${op}: step must be an integer ≥ 1 (the first update is step 1), got ${String(step)}`);
}
