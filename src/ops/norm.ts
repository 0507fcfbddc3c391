import { ShapeError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkDType, checkSameBackend, checkShapeEquals } from './shared.js';
import { type LayerNormResult, type LayerNormGrads, opsOf } from '../backend/contract.js';
export type { LayerNormResult, LayerNormGrads } from '../backend/contract.js';

/**
 * y = (x − mean)·rstd·γ + β over the last dimension D of x [..., D], with rstd = 1/√(var + eps)
 * and the biased variance; returns y and the saved mean and rstd [...].
 */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps = 1e-5): LayerNormResult {
  const op = 'layerNorm';
  checkSameBackend(op, { x, gamma, beta });
  const dim = checkRows(op, x);
  checkDType(op, 'gamma', gamma, ['f32']);
  checkDType(op, 'beta', beta, ['f32']);
  checkShapeEquals(op, 'gamma', gamma, [dim]);
  checkShapeEquals(op, 'beta', beta, [dim]);
  if (typeof eps !== 'number' || !Number.isFinite(eps) || eps < 0) {
    throw new ShapeError(`${op}: eps must be a finite number ≥ 0, got ${String(eps)}`);
  }
  return opsOf(x).layerNorm(x, gamma, beta, eps);
}

/**
 * Backward of layerNorm: with x̂ = (x − mean)·rstd and g = dy·γ, dx = rstd·(g − mean(g) − x̂·mean(g·x̂)),
 * dγ = Σ_rows dy·x̂, dβ = Σ_rows dy (summed in a fixed order, so the result is deterministic).
 */
export function layerNormBackward(dy: Tensor, x: Tensor, gamma: Tensor, mean: Tensor, rstd: Tensor): LayerNormGrads {
  const op = 'layerNormBackward';
  checkSameBackend(op, { dy, x, gamma, mean, rstd });
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
  return opsOf(x).layerNormBackward(dy, x, gamma, mean, rstd);
}

/** Checks that x is f32 [..., D] with D ≥ 1 and returns D. */
function checkRows(op: string, x: Tensor): number {
  checkDType(op, 'x', x, ['f32']);
  const dim = x.shape[x.rank - 1];
  if (dim === undefined || dim < 1) throw new ShapeError(`${op}: x must have shape [..., D] with D ≥ 1, got ${x.describe()}`);
  return dim;
}
