// CPU references for the activation kernels: plain loops from the formulas, written without
// looking at the WGSL. They compute in float64 and round once on store into the caller's array.
import type { FloatArray } from './types.js';

/** The activations of the GEMM epilogue: exact GELU, tanh-approximated GELU, ReLU, identity. */
export type ActivationName = 'gelu' | 'gelu_tanh' | 'relu' | 'none';

/** The activations of the elementwise kernels: the epilogue's, and tanh (BERT's pooler). */
export type UnaryActivation = ActivationName | 'tanh';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_TANH_CUBIC = 0.044715;

/**
 * erf(x) in float64 from the series erf(x) = 2/√π · e^(−x²) · Σ_n 2^n x^(2n+1) / (1·3·5·…·(2n+1)),
 * whose terms are all positive, so nothing cancels (relative error ~1e-15). For |x| ≥ 6,
 * erfc(x) < 2.2e-17 and erf(x) is ±1 in float64.
 */
export function erf(x: number): number {
  if (x === 0 || Number.isNaN(x)) return x;
  const t = Math.abs(x);
  if (t >= 6) return Math.sign(x);
  let term = t;
  let sum = t;
  for (let n = 1; term > sum * 1e-17; n++) {
    term *= (2 * t * t) / (2 * n + 1);
    sum += term;
  }
  return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * Math.exp(-t * t) * sum;
}

/** act(x) for one value. */
export function activate(activation: UnaryActivation, x: number): number {
  switch (activation) {
    case 'tanh':
      return Math.tanh(x);
    case 'gelu':
      return 0.5 * x * (1 + erf(x / Math.SQRT2));
    case 'gelu_tanh':
      return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + GELU_TANH_CUBIC * x * x * x)));
    case 'relu':
      return Math.max(x, 0);
    case 'none':
      return x;
  }
}

/** act'(x) for one value; ReLU'(0) = 0. */
export function activationDerivative(activation: UnaryActivation, x: number): number {
  switch (activation) {
    case 'tanh': {
      // tanh' = 1 − tanh² = 1/cosh², which keeps its relative accuracy in the tails (cosh → ∞ gives 0).
      const c = Math.cosh(x);
      return 1 / (c * c);
    }
    case 'gelu': {
      // d/dx x·Φ(x) = Φ(x) + x·φ(x), φ the standard normal density.
      const cdf = 0.5 * (1 + erf(x / Math.SQRT2));
      const density = Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
      return cdf + x * density;
    }
    case 'gelu_tanh': {
      const th = Math.tanh(SQRT_2_OVER_PI * (x + GELU_TANH_CUBIC * x * x * x));
      const du = SQRT_2_OVER_PI * (1 + 3 * GELU_TANH_CUBIC * x * x);
      return 0.5 * (1 + th) + 0.5 * x * (1 - th * th) * du;
    }
    case 'relu':
      return x > 0 ? 1 : 0;
    case 'none':
      return 1;
  }
}

/** y[i] = act(x[i]). */
export function activationReference(activation: UnaryActivation, x: ArrayLike<number>, y: FloatArray): void {
  for (let i = 0; i < y.length; i++) y[i] = activate(activation, x[i]!);
}

/** dx[i] = dy[i] · act'(x[i]). */
export function activationBackwardReference(activation: UnaryActivation, dy: ArrayLike<number>, x: ArrayLike<number>, dx: FloatArray): void {
  for (let i = 0; i < dx.length; i++) dx[i] = dy[i]! * activationDerivative(activation, x[i]!);
}

/** y = GELU(x) = x·Φ(x) = 0.5·x·(1 + erf(x/√2)), or the tanh form 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))). */
export function geluReference(x: ArrayLike<number>, y: FloatArray, approximate: 'none' | 'tanh' = 'none'): void {
  activationReference(approximate === 'tanh' ? 'gelu_tanh' : 'gelu', x, y);
}

/** dx = dy · GELU'(x). */
export function geluBackwardReference(dy: ArrayLike<number>, x: ArrayLike<number>, dx: FloatArray, approximate: 'none' | 'tanh' = 'none'): void {
  activationBackwardReference(approximate === 'tanh' ? 'gelu_tanh' : 'gelu', dy, x, dx);
}

/** y = max(x, 0). */
export function reluReference(x: ArrayLike<number>, y: FloatArray): void {
  activationReference('relu', x, y);
}

/** dx = dy · [x > 0]. */
export function reluBackwardReference(dy: ArrayLike<number>, x: ArrayLike<number>, dx: FloatArray): void {
  activationBackwardReference('relu', dy, x, dx);
}

/** y = tanh(x). */
export function tanhReference(x: ArrayLike<number>, y: FloatArray): void {
  activationReference('tanh', x, y);
}

/** dx = dy · (1 − tanh²(x)). */
export function tanhBackwardReference(dy: ArrayLike<number>, x: ArrayLike<number>, dx: FloatArray): void {
  activationBackwardReference('tanh', dy, x, dx);
}

/**
 * The backward of the epilogue y = act(z), z = x·W + b, over rows of length n:
 * dz[r, j] = dy[r, j] · act'(z[r, j]) and dbias[j] = Σ_r dz[r, j].
 */
export function biasActivationBackwardReference(
  activation: ActivationName,
  dy: ArrayLike<number>,
  z: ArrayLike<number>,
  n: number,
  dz: FloatArray,
  dbias: FloatArray,
): void {
  const rows = n === 0 ? 0 : dy.length / n;
  for (let j = 0; j < n; j++) {
    let sum = 0;
    for (let r = 0; r < rows; r++) {
      const g = dy[r * n + j]! * activationDerivative(activation, z[r * n + j]!);
      dz[r * n + j] = g;
      sum += g;
    }
    dbias[j] = sum;
  }
}
