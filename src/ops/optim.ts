import { ArgumentError, ShapeError, describeValue, formatShape } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkDType, checkRequired, checkSameBackend, checkShapeEquals, checkTensor } from './shared.js';
import { globalNorm } from './reduce.js';
import { opsOf } from '../backend/contract.js';
import { STEP_VALUES_WORDS, type StepSource, type StepValues, isStepValues } from '../backend/step-values.js';

/** Hyper-parameters of one AdamW step, with torch.optim.AdamW's defaults. */
export interface AdamWOptions {
  /** Learning rate, ≥ 0. */
  lr: number;
  /** Decay of the first-moment average, in [0, 1) (default 0.9). */
  beta1?: number;
  /** Decay of the second-moment average, in [0, 1) (default 0.999). */
  beta2?: number;
  /** Added to √v̂ in the denominator, ≥ 0 (default 1e-8). */
  eps?: number;
  /** Decoupled weight decay λ, ≥ 0 (default 0.01). */
  weightDecay?: number;
  /** Index of this step, an integer ≥ 1 (1 on the first update): drives the bias corrections. */
  step: number;
}

/**
 * One AdamW step in place (torch.optim.AdamW): m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
 * p ← p·(1 − lr·λ) − lr·(m/(1−β1^t)) / (√(v/(1−β2^t)) + ε).
 */
export function adamwUpdate(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, options: AdamWOptions): void {
  const op = 'adamwUpdate';
  if (typeof options !== 'object' || options === null) throw new ShapeError(`${op}: options { lr, step, … } are required`);
  checkRequired(op, options, ['lr', 'step']);
  const { lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0.01, step } = options;
  checkRange(op, 'lr', lr, 0, Infinity, false);
  checkUpdateIndex(op, step);
  adamwUpdateInStep(param, grad, m, v, { beta1, beta2, eps, weightDecay }, adamStepValues(step, lr, beta1, beta2));
}

/** AdamW's fixed hyper-parameters (the learning rate and t change every step). */
export interface AdamHyperParameters {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/** The step values of Adam/AdamW update t (from 1) at learning rate `lr`: the bias corrections 1 − β^t in double precision. */
export function adamStepValues(update: number, lr: number, beta1: number, beta2: number): StepValues {
  return { randomOffset: 0, update, lr, biasCorrection1: 1 - beta1 ** update, biasCorrection2: 1 - beta2 ** update };
}

/**
 * @internal An AdamW step that reads lr and t from `step` (a training step's step-values tensor, or
 * numbers); with a `guard` (from `updateGuard`), it writes nothing unless the guard is finite.
 */
export function adamwUpdateInStep(
  param: Tensor,
  grad: Tensor,
  m: Tensor,
  v: Tensor,
  hyper: AdamHyperParameters,
  step: StepSource,
  guard: Tensor | null = null,
): void {
  const op = 'adamwUpdate';
  checkSameBackend(op, { param, grad, m, v });
  const named: [string, Tensor][] = [
    ['param', param],
    ['grad', grad],
    ['m', m],
    ['v', v],
  ];
  for (const [name, t] of named) {
    checkDType(op, name, t, ['f32']);
    checkShapeEquals(op, name, t, param.shape);
  }
  // The kernel reads and writes all four buffers in one dispatch: one tensor in two roles would race.
  for (let i = 0; i < named.length; i++) {
    for (let j = i + 1; j < named.length; j++) {
      if (named[i]![1] === named[j]![1]) throw new ShapeError(`${op}: ${named[i]![0]} and ${named[j]![0]} must be different tensors`);
    }
  }
  const { beta1, beta2, eps, weightDecay } = hyper;
  checkRange(op, 'beta1', beta1, 0, 1, true);
  checkRange(op, 'beta2', beta2, 0, 1, true);
  checkRange(op, 'eps', eps, 0, Infinity, false);
  checkRange(op, 'weightDecay', weightDecay, 0, Infinity, false);
  opsOf(param).adamwUpdate(param, grad, m, v, { beta1, beta2, eps, weightDecay, step: checkStepSource(op, param, step), guard: checkGuard(op, param, guard) });
}

/** Hyper-parameters of one SGD step, with torch.optim.SGD's defaults. */
export interface SgdOptions {
  /** Learning rate, ≥ 0. */
  lr: number;
  /** Momentum μ in [0, 1) (default 0: plain SGD, `buf` untouched). */
  momentum?: number;
  /** Dampening τ in [0, 1] of the gradient added to the momentum buffer (default 0). */
  dampening?: number;
  /** L2 weight decay λ ≥ 0 added to the gradient, coupled as in torch.optim.SGD (default 0). */
  weightDecay?: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0, as in torch). */
  nesterov?: boolean;
  /** Index of this step, an integer ≥ 1: on step 1 the momentum buffer starts as the gradient. */
  step: number;
}

/**
 * One SGD step in place (torch.optim.SGD): g ← g + λ·θ; b ← g on step 1, else μ·b + (1 − τ)·g;
 * θ ← θ − lr·(g + μ·b) with Nesterov, else θ − lr·b. `buf` is the momentum buffer, shaped like `param`.
 */
export function sgdUpdate(param: Tensor, grad: Tensor, buf: Tensor, options: SgdOptions): void {
  const op = 'sgdUpdate';
  if (typeof options !== 'object' || options === null) throw new ShapeError(`${op}: options { lr, step, … } are required`);
  checkRequired(op, options, ['lr', 'step']);
  const { lr, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false, step } = options;
  checkRange(op, 'lr', lr, 0, Infinity, false);
  checkUpdateIndex(op, step);
  const values: StepValues = { randomOffset: 0, update: step, lr, biasCorrection1: 1, biasCorrection2: 1 };
  sgdUpdateInStep(param, grad, buf, { momentum, dampening, weightDecay, nesterov: nesterov === true }, values);
}

/** SGD's fixed hyper-parameters (the learning rate and t change every step). */
export interface SgdHyperParameters {
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

/**
 * @internal An SGD step that reads lr and t from `step` (a training step's step-values tensor, or
 * numbers); with a `guard` (from `updateGuard`), it writes nothing unless the guard is finite.
 */
export function sgdUpdateInStep(param: Tensor, grad: Tensor, buf: Tensor, hyper: SgdHyperParameters, step: StepSource, guard: Tensor | null = null): void {
  const op = 'sgdUpdate';
  checkSameBackend(op, { param, grad, buf });
  const named: [string, Tensor][] = [
    ['param', param],
    ['grad', grad],
    ['buf', buf],
  ];
  for (const [name, t] of named) {
    checkDType(op, name, t, ['f32']);
    checkShapeEquals(op, name, t, param.shape);
  }
  if (new Set([param, grad, buf]).size !== 3) throw new ShapeError(`${op}: param, grad and buf must be different tensors`);
  const { momentum, dampening, weightDecay, nesterov } = hyper;
  checkRange(op, 'momentum', momentum, 0, 1, true);
  checkRange(op, 'dampening', dampening, 0, 1, false);
  checkRange(op, 'weightDecay', weightDecay, 0, Infinity, false);
  if (nesterov && (momentum === 0 || dampening !== 0))
    throw new ShapeError(`${op}: nesterov needs momentum > 0 and dampening 0, got momentum ${momentum}, dampening ${dampening}`);
  opsOf(param).sgdUpdate(param, grad, buf, {
    momentum,
    dampening,
    weightDecay,
    nesterov,
    step: checkStepSource(op, param, step),
    guard: checkGuard(op, param, guard),
  });
}

function checkUpdateIndex(op: string, step: unknown): void {
  if (!Number.isSafeInteger(step) || (step as number) < 1) throw new ShapeError(`${op}: step must be an integer ≥ 1, got ${String(step)}`);
}

/** A step-values tensor must be the backend's u32 [8]; numbers are taken as given. */
function checkStepSource(op: string, param: Tensor, step: StepSource): StepSource {
  if (isStepValues(step)) return step;
  checkSameBackend(op, { param, 'step values': step });
  checkDType(op, 'step values', step, ['u32']);
  checkShapeEquals(op, 'step values', step, [STEP_VALUES_WORDS]);
  return step;
}

/** A guard must be null or the backend's f32 [2] [loss, gradient norm] from `updateGuard`. */
function checkGuard(op: string, param: Tensor, guard: Tensor | null): Tensor | null {
  if (guard === null) return null;
  checkTensor(op, 'guard', guard);
  checkSameBackend(op, { param, guard });
  checkDType(op, 'guard', guard, ['f32']);
  checkShapeEquals(op, 'guard', guard, [2]);
  return guard;
}

/**
 * @internal The guard of a training step's update: f32 [2] = [loss, gradient norm], from two
 * one-element f32 tensors (the loss and `globalNorm`'s result). The guarded optimizer updates read it
 * on the device and write nothing unless both are finite; the step reads it back to report them.
 */
export function updateGuard(loss: Tensor, gradNorm: Tensor): Tensor {
  const op = 'updateGuard';
  checkTensor(op, 'loss', loss);
  checkTensor(op, 'gradNorm', gradNorm);
  checkSameBackend(op, { loss, gradNorm });
  for (const [name, t] of [
    ['loss', loss],
    ['gradNorm', gradNorm],
  ] as const) {
    checkDType(op, name, t, ['f32']);
    if (t.size !== 1) throw new ShapeError(`${op}: ${name} must have one element, got shape ${formatShape(t.shape)}`);
  }
  return opsOf(loss).updateGuard(loss, gradNorm);
}

/**
 * Clips gradients by their global norm in place, as torch.nn.utils.clip_grad_norm_: N = √(Σ over all
 * tensors of Σ g²), then every g ← g · min(1, maxNorm / (N + 1e-6)). Returns N (before clipping) as a
 * one-element tensor; nothing is read back, so a training step can clip without waiting for the GPU.
 */
export function clipByGlobalNorm(grads: readonly Tensor[], maxNorm: number): Tensor {
  const op = 'clipByGlobalNorm';
  if (!Array.isArray(grads)) throw new ArgumentError(`${op}: grads must be an array of Tensors, got ${describeValue(grads)}`);
  grads.forEach((g, i) => checkTensor(op, `grads[${i}]`, g));
  checkRange(op, 'maxNorm', maxNorm, 0, Infinity, false);
  if (!(maxNorm > 0)) throw new ShapeError(`${op}: maxNorm must be > 0, got ${maxNorm}`);
  if (new Set(grads).size !== grads.length) throw new ShapeError(`${op}: a tensor appears twice in grads; it would be clipped twice`);
  const norm = globalNorm(grads); // checks: non-empty, one backend, f32
  for (const g of grads) opsOf(g).clipByNorm(g, norm, maxNorm);
  return norm;
}

/** Throws unless `value` is a finite number in [lo, hi) (`openHigh`) or [lo, hi]. */
function checkRange(op: string, name: string, value: unknown, lo: number, hi: number, openHigh: boolean): void {
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= lo && (openHigh ? value < hi : value <= hi);
  if (!ok) {
    const range = hi === Infinity ? `a finite number ≥ ${lo}` : `in [${lo}, ${hi}${openHigh ? ')' : ']'}`;
    throw new ShapeError(`${op}: ${name} must be ${range}, got ${String(value)}`);
  }
}
