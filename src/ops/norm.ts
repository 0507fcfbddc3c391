import { ShapeError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkDType, checkSameBackend, checkShapeEquals } from './shared.js';

/** What `layerNorm` returns: the output and the per-row statistics the backward needs. */
export interface LayerNormResult {
  /** (x − mean)·rstd·γ + β, shape of x. */
  y: Tensor;
  /** Row means, shape x.shape without its last dimension. */
  mean: Tensor;
  /** Row 1/√(var + eps), shape x.shape without its last dimension. */
  rstd: Tensor;
}

/** The gradients of `layerNorm`. */
export interface LayerNormGrads {
  /** ∂L/∂x, shape of x. */
  dx: Tensor;
  /** ∂L/∂γ = Σ_rows dy·x̂, shape [D]. */
  dgamma: Tensor;
  /** ∂L/∂β = Σ_rows dy, shape [D]. */
  dbeta: Tensor;
}

/** LayerNorm forward (saving mean and rstd) and backward (dx, dγ, dβ). Backends implement this interface (arguments already checked by the functions below). */
export interface NormOps {
  /** y = (x − mean)·rstd·γ + β over the last dimension; also returns mean and rstd. */
  layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps: number): LayerNormResult;
  /** dx, dγ, dβ of layerNorm from the saved mean and rstd. */
  layerNormBackward(dy: Tensor, x: Tensor, gamma: Tensor, mean: Tensor, rstd: Tensor): LayerNormGrads;
}

/**
 * y = (x − mean)·rstd·γ + β over the last dimension D of x [..., D], with rstd = 1/√(var + eps)
 * and the biased variance; returns y and the saved mean and rstd [...].
 */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps = 1e-5): LayerNormResult {
  const op = 'layerNorm';
  checkSameBackend(op, x, gamma, beta);
  const dim = checkRows(op, x);
  checkDType(op, 'gamma', gamma, ['f32']);
  checkDType(op, 'beta', beta, ['f32']);
  checkShapeEquals(op, 'gamma', gamma, [dim]);
  checkShapeEquals(op, 'beta', beta, [dim]);
  if (typeof eps !== 'number' || !Number.isFinite(eps) || eps < 0) {
    throw new ShapeError(`${op}: eps must be a finite number ≥ 0, got ${String(eps)}`);
  }
  return x.backend.ops.layerNorm(x, gamma, beta, eps);
}

/**
 * Backward of layerNorm: with x̂ = (x − mean)·rstd and g = dy·γ, dx = rstd·(g − mean(g) − x̂·mean(g·x̂)),
 * dγ = Σ_rows dy·x̂, dβ = Σ_rows dy (summed in a fixed order, so the result is deterministic).
 */
export function layerNormBackward(dy: Tensor, x: Tensor, gamma: Tensor, mean: Tensor, rstd: Tensor): LayerNormGrads {
  const op = 'layerNormBackward';
  checkSameBackend(op, dy, x, gamma, mean, rstd);
  const dim = checkRows(op, x);
  for (const [name, t] of [
    ['dy', dy],
    ['gamma', gamma],
    ['mean', mean],
    ['rstd', rstd],
  ] as const)
    checkDType(op, name, t, ['f32']);
  checkShapeEquals(op, 'dy', dy, x.shape);
  checkShapeEquals(op, 'gamma', gamma, [dim]);
  checkShapeEquals(op, 'mean', mean, x.shape.slice(0, -1));
  checkShapeEquals(op, 'rstd', rstd, x.shape.slice(0, -1));
  return x.backend.ops.layerNormBackward(dy, x, gamma, mean, rstd);
}

/** Checks that x is f32 [..., D] with D ≥ 1 and returns D. */
function checkRows(op: string, x: Tensor): number {
  checkDType(op, 'x', x, ['f32']);
  const dim = x.shape[x.rank - 1];
  if (dim === undefined || dim < 1) throw new ShapeError(`${op}: x must have shape [..., D] with D ≥ 1, got ${x.describe()}`);
  return dim;
}
