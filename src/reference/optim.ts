// CPU reference for the optimizer kernels: PyTorch's documented AdamW algorithm as a plain loop,
// written without looking at the WGSL.
import type { FloatArray } from './types.js';

/** Hyper-parameters of one AdamW step; `step` counts from 1. */
export interface AdamWReferenceOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  step: number;
}

/**
 * One AdamW step, in place on `param`, `m` and `v` (torch.optim.AdamW, decoupled weight decay);
 * with a `guard` ([loss, gradient norm]) that is not finite, nothing is touched:
 *   θ ← θ − lr·λ·θ
 *   m ← β1·m + (1 − β1)·g          v ← β2·v + (1 − β2)·g²
 *   m̂ = m / (1 − β1^t)             v̂ = v / (1 − β2^t)
 *   θ ← θ − lr·m̂ / (√v̂ + ε)
 */
export function adamwReference(
  param: FloatArray,
  grad: ArrayLike<number>,
  m: FloatArray,
  v: FloatArray,
  { lr, beta1, beta2, eps, weightDecay, step }: AdamWReferenceOptions,
  guard?: ArrayLike<number>,
): void {
  if (guard && !guardAllowsUpdate(guard)) return;
  for (let i = 0; i < param.length; i++) {
    const g = grad[i]!;
    let theta = param[i]!;
    theta = theta - lr * weightDecay * theta;
    m[i] = beta1 * m[i]! + (1 - beta1) * g;
    v[i] = beta2 * v[i]! + (1 - beta2) * g * g;
    const mHat = m[i]! / (1 - beta1 ** step);
    const vHat = v[i]! / (1 - beta2 ** step);
    param[i] = theta - (lr * mHat) / (Math.sqrt(vHat) + eps);
  }
}

/**
 * The guard of a training step's update: [loss, gradient norm]. The update may run only when both
 * are finite; otherwise parameters and optimizer state stay exactly as they were.
 */
export function guardAllowsUpdate(guard: ArrayLike<number>): boolean {
  return Number.isFinite(guard[0]) && Number.isFinite(guard[1]);
}

/** The guard of an update from its loss and gradient norm (each one value): [loss, norm]. */
export function updateGuardReference(loss: ArrayLike<number>, norm: ArrayLike<number>, out: FloatArray): void {
  out[0] = loss[0]!;
  out[1] = norm[0]!;
}

/**
 * Clipping by global norm (torch.nn.utils.clip_grad_norm_): with N = √(Σ over every tensor of Σ x²),
 * every tensor is scaled in place by min(1, maxNorm / (N + 1e-6)). Returns N, before clipping.
 */
export function clipByGlobalNormReference(tensors: FloatArray[], maxNorm: number): number {
  let sumSquares = 0;
  for (const t of tensors) for (let i = 0; i < t.length; i++) sumSquares += t[i]! * t[i]!;
  const norm = Math.sqrt(sumSquares);
  const factor = Math.min(1, maxNorm / (norm + 1e-6));
  for (const t of tensors) for (let i = 0; i < t.length; i++) t[i] = t[i]! * factor;
  return norm;
}

/** Hyper-parameters of one SGD step, as `sgdUpdate` resolves them. */
export interface SgdReferenceOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  /** 1 on the first update: the momentum buffer starts as the gradient. */
  step: number;
}

/**
 * One SGD step in place (torch.optim.SGD): g ← g + λ·θ; b ← g on step 1, else μ·b + (1 − τ)·g;
 * d ← g + μ·b (Nesterov) or b; θ ← θ − lr·d. With μ = 0, d = g and `buf` is not touched. With a
 * `guard` ([loss, gradient norm]) that is not finite, neither `param` nor `buf` is touched.
 */
export function sgdReference(
  param: FloatArray,
  grad: ArrayLike<number>,
  buf: FloatArray,
  { lr, momentum, dampening, weightDecay, nesterov, step }: SgdReferenceOptions,
  guard?: ArrayLike<number>,
): void {
  if (guard && !guardAllowsUpdate(guard)) return;
  for (let i = 0; i < param.length; i++) {
    const g = grad[i]! + weightDecay * param[i]!;
    let d = g;
    if (momentum !== 0) {
      buf[i] = step === 1 ? g : momentum * buf[i]! + (1 - dampening) * g;
      d = nesterov ? g + momentum * buf[i]! : buf[i]!;
    }
    param[i] = param[i]! - lr * d;
  }
}
