import { ArgumentError, describeNumber, describeValue } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { addScaled } from '../ops/elementwise.js';
import { adamStepValues, adamwUpdateInStep, sgdUpdateInStep } from '../ops/optim.js';
import type { StepSource, StepValues } from '../backend/step-values.js';
import type { LearningRateSchedule } from './schedules.js';

/** What an optimizer knows about one parameter's update. */
export interface UpdateInfo {
  /** Whether weight decay applies to this parameter (false for biases and LayerNorm). */
  readonly decay: boolean;
  /**
   * Where the update's kernels read the learning rate and the update index: the values of
   * `stepValues(t)`, or a training step's step-values tensor holding them (rewritten every step,
   * so a recorded update replays with the new values).
   */
  readonly step: StepSource;
  /**
   * A training step's guard [loss, gradient norm] (f32 [2]): when set, the update writes neither the
   * parameter nor its state unless both are finite (read on the device, nothing is read back). A
   * custom optimizer must honour it (pass it to `adamwUpdate`-style guarded ops, or skip on its own),
   * or a non-finite step's NaN reaches its weights.
   */
  readonly guard?: Tensor | null;
}

/**
 * An optimizer over named parameters: it keeps `stateCount` zero-initialised tensors per parameter
 * (shaped like it) and updates each parameter in place from its gradient.
 */
export interface Optimizer {
  /** `'AdamW'`, `'Adam'`, `'SGD'`: for messages. */
  readonly name: string;
  /** State tensors per parameter (Adam: m and v). */
  readonly stateCount: number;
  /** The learning rate of update `step` (from 1). */
  learningRate(step: number): number;
  /** What update t (from 1) reads: its learning rate and the optimizer's per-step factors. */
  stepValues(update: number): StepValues;
  /** Updates `param` in place from `grad`, reading and writing its `state`. */
  update(param: Tensor, grad: Tensor, state: readonly Tensor[], info: UpdateInfo): void;
}

/** A learning rate: a constant or a schedule of the update index (from 1). */
export type LearningRate = number | LearningRateSchedule;

/** Options of `AdamW` and `Adam`, with PyTorch's defaults. */
export interface AdamOptions {
  /** Learning rate or schedule (default 1e-3). */
  lr?: LearningRate;
  /** [β1, β2] (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** ε (default 1e-8). */
  eps?: number;
  /** λ (AdamW default 0.01, decoupled; Adam default 0, added to the gradient as L2). */
  weightDecay?: number;
}

/** AdamW (Loshchilov & Hutter; torch.optim.AdamW): decoupled weight decay, skipped for parameters with `decay: false`. */
export class AdamW implements Optimizer {
  readonly name: string = 'AdamW';
  readonly stateCount = 2;
  protected readonly lr: LearningRate;
  protected readonly betas: readonly [number, number];
  protected readonly eps: number;
  protected readonly weightDecay: number;

  constructor(options: AdamOptions = {}) {
    checkOptionsObject(this.name, options);
    this.lr = checkLearningRate(this.name, options.lr ?? 1e-3);
    this.betas = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? this.defaultWeightDecay();
    if (!Array.isArray(this.betas) || this.betas.length !== 2 || !this.betas.every((b) => typeof b === 'number' && b >= 0 && b < 1)) {
      throw new ArgumentError(`${this.name}: betas must be two numbers in [0, 1), got ${describeBetas(options.betas)}`);
    }
    checkNonNegative(this.name, 'eps', this.eps);
    checkNonNegative(this.name, 'weightDecay', this.weightDecay);
  }

  protected defaultWeightDecay(): number {
    return 0.01;
  }

  learningRate(step: number): number {
    return resolveLearningRate(this.lr, step);
  }

  stepValues(update: number): StepValues {
    const [beta1, beta2] = this.betas;
    return adamStepValues(update, this.learningRate(update), beta1, beta2);
  }

  update(param: Tensor, grad: Tensor, state: readonly Tensor[], info: UpdateInfo): void {
    checkUpdate(this.name, state, this.stateCount, info);
    const [m, v] = state;
    const { decay, step } = info;
    const [beta1, beta2] = this.betas;
    adamwUpdateInStep(param, grad, m!, v!, { beta1, beta2, eps: this.eps, weightDecay: decay ? this.weightDecay : 0 }, step, info.guard ?? null);
  }
}

/** Adam (Kingma & Ba; torch.optim.Adam): weight decay, when set, is L2 added to the gradient (g + λθ). */
export class Adam extends AdamW {
  override readonly name: string = 'Adam';

  protected override defaultWeightDecay(): number {
    return 0;
  }

  override update(param: Tensor, grad: Tensor, state: readonly Tensor[], info: UpdateInfo): void {
    checkUpdate(this.name, state, this.stateCount, info);
    const [m, v] = state;
    const { decay, step } = info;
    const [beta1, beta2] = this.betas;
    const coupled = decay && this.weightDecay > 0 ? addScaled(grad, param, this.weightDecay) : grad;
    adamwUpdateInStep(param, coupled, m!, v!, { beta1, beta2, eps: this.eps, weightDecay: 0 }, step, info.guard ?? null);
    if (coupled !== grad) coupled.dispose();
  }
}

/** Options of `SGD`, with PyTorch's defaults. */
export interface SgdOptimizerOptions {
  /** Learning rate or schedule. */
  lr: LearningRate;
  /** μ (default 0). */
  momentum?: number;
  /** τ (default 0). */
  dampening?: number;
  /** L2 λ added to the gradient (default 0). */
  weightDecay?: number;
  /** Nesterov momentum (default false). */
  nesterov?: boolean;
}

/** SGD with momentum (torch.optim.SGD); weight decay skipped for parameters with `decay: false`. */
export class SGD implements Optimizer {
  readonly name = 'SGD';
  readonly stateCount = 1;
  readonly #options: SgdOptimizerOptions;
  readonly #lr: LearningRate;

  constructor(options: SgdOptimizerOptions) {
    if (typeof options !== 'object' || options === null) throw new ArgumentError(`SGD: options { lr, … } are required, got ${describeValue(options)}`);
    if (options.lr === undefined) throw new ArgumentError('SGD: lr is required (a number or a schedule)');
    this.#lr = checkLearningRate(this.name, options.lr);
    const { momentum = 0, dampening = 0, weightDecay = 0, nesterov = false } = options;
    // Checked here so a bad value fails at construction, not at the first update inside a training step.
    if (typeof momentum !== 'number' || !(momentum >= 0 && momentum < 1))
      throw new ArgumentError(`SGD: momentum must be in [0, 1), got ${describeNumber(momentum)}`);
    if (typeof dampening !== 'number' || !(dampening >= 0 && dampening <= 1))
      throw new ArgumentError(`SGD: dampening must be in [0, 1], got ${describeNumber(dampening)}`);
    checkNonNegative(this.name, 'weightDecay', weightDecay);
    if (typeof nesterov !== 'boolean') throw new ArgumentError(`SGD: nesterov must be a boolean, got ${describeValue(nesterov)}`);
    if (nesterov && (momentum === 0 || dampening !== 0)) {
      throw new ArgumentError(`SGD: nesterov needs momentum > 0 and dampening 0, got momentum ${momentum}, dampening ${dampening}`);
    }
    this.#options = options;
  }

  learningRate(step: number): number {
    return resolveLearningRate(this.#lr, step);
  }

  stepValues(update: number): StepValues {
    return { randomOffset: 0, update, lr: this.learningRate(update), biasCorrection1: 1, biasCorrection2: 1 };
  }

  update(param: Tensor, grad: Tensor, state: readonly Tensor[], info: UpdateInfo): void {
    checkUpdate(this.name, state, this.stateCount, info);
    const [buf] = state;
    const { decay, step } = info;
    const { momentum = 0, dampening = 0, weightDecay = 0, nesterov = false } = this.#options;
    sgdUpdateInStep(param, grad, buf!, { momentum, dampening, weightDecay: decay ? weightDecay : 0, nesterov }, step, info.guard ?? null);
  }
}

function checkLearningRate(op: string, lr: LearningRate): LearningRate {
  if (typeof lr === 'function') return lr;
  if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
    throw new ArgumentError(`${op}: lr must be a finite number ≥ 0 or a schedule, got ${describeNumber(lr)}`);
  }
  return lr;
}

/** Checks `update`'s state list and info before they are unpacked (the tensors are checked by the update op). */
function checkUpdate(name: string, state: unknown, count: number, info: unknown): void {
  if (!Array.isArray(state) || state.length !== count) {
    throw new ArgumentError(`${name}.update: state must be an array of ${count} tensors shaped like the parameter, got ${describeValue(state)}`);
  }
  if (typeof info !== 'object' || info === null) throw new ArgumentError(`${name}.update: info { decay, step } is required, got ${describeValue(info)}`);
  const { step } = info as Partial<UpdateInfo>;
  if (typeof step !== 'object' || step === null)
    throw new ArgumentError(`${name}.update: info.step must be step values or a step-values tensor, got ${describeValue(step)}`);
}

function checkOptionsObject(op: string, options: unknown): void {
  if (typeof options !== 'object' || options === null) throw new ArgumentError(`${op}: options must be an object, got ${describeValue(options)}`);
}

function checkNonNegative(op: string, name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ArgumentError(`${op}: ${name} must be a finite number ≥ 0, got ${describeNumber(value)}`);
  }
}

function describeBetas(betas: unknown): string {
  return Array.isArray(betas) ? JSON.stringify(betas) : describeValue(betas);
}

function resolveLearningRate(lr: LearningRate, step: number): number {
  return typeof lr === 'number' ? lr : lr(step);
}
