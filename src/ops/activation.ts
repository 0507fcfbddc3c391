import { ShapeError, formatShape } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkDType, checkSameBackend, checkShapeEquals } from './shared.js';

/** The activation of a GEMM epilogue y = act(x·W + b): exact GELU, tanh GELU, ReLU, or none. */
export type ActivationKind = 'gelu' | 'gelu_tanh' | 'relu' | 'none';

/** GELU's form: `'none'` is the exact x·Φ(x) (BERT), `'tanh'` the tanh approximation (GPT-2). */
export type GeluApproximation = 'none' | 'tanh';

/** Options of `gelu` and `geluBackward`. */
export interface GeluOptions {
  /** Default `'none'`, the exact form. */
  approximate?: GeluApproximation;
}

/** What `biasActivationBackward` returns. */
export interface BiasActivationGradients {
  /** dL/dz = dy · act'(z), z's shape. */
  dz: Tensor;
  /** dL/db = Σ over all leading rows of dz, [N]. */
  dbias: Tensor;
}

/** GELU (erf and tanh forms) and ReLU, forward and backward; the bias+activation epilogue backward. Backends implement this interface (arguments already checked by the functions below). */
export interface ActivationOps {
  /** y = x·Φ(x), or the tanh form. */
  gelu(x: Tensor, approximate: GeluApproximation): Tensor;
  /** dx = dy · GELU'(x). */
  geluBackward(dy: Tensor, x: Tensor, approximate: GeluApproximation): Tensor;
  /** y = max(x, 0). */
  relu(x: Tensor): Tensor;
  /** dx = dy · [x > 0]. */
  reluBackward(dy: Tensor, x: Tensor): Tensor;
  /** dz = dy · act'(z); dbias = Σ_rows dz. */
  biasActivationBackward(dy: Tensor, z: Tensor, activation: ActivationKind): BiasActivationGradients;
}

/** y = GELU(x) = x·Φ(x) = 0.5·x·(1 + erf(x/√2)); with `approximate: 'tanh'`, 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))). f32. */
export function gelu(x: Tensor, options: GeluOptions = {}): Tensor {
  checkSameBackend('gelu', x);
  checkDType('gelu', 'x', x, ['f32']);
  return x.backend.ops.gelu(x, checkApproximation('gelu', options));
}

/** dx = dy · GELU'(x), GELU'(x) = Φ(x) + x·φ(x) (or the tanh form's derivative); dy and x f32 of one shape. */
export function geluBackward(dy: Tensor, x: Tensor, options: GeluOptions = {}): Tensor {
  checkPair('geluBackward', dy, x, 'x');
  return x.backend.ops.geluBackward(dy, x, checkApproximation('geluBackward', options));
}

/** y = max(x, 0), f32. */
export function relu(x: Tensor): Tensor {
  checkSameBackend('relu', x);
  checkDType('relu', 'x', x, ['f32']);
  return x.backend.ops.relu(x);
}

/** dx = dy · [x > 0] (ReLU'(0) = 0); dy and x f32 of one shape. */
export function reluBackward(dy: Tensor, x: Tensor): Tensor {
  checkPair('reluBackward', dy, x, 'x');
  return x.backend.ops.reluBackward(dy, x);
}

/**
 * Backward of the epilogue y = act(z), z = x·W + b: dz = dy · act'(z) ([..., N], z's shape) and
 * dbias[j] = Σ over all leading rows of dz[..., j] ([N]), summed in a fixed order.
 */
export function biasActivationBackward(dy: Tensor, z: Tensor, activation: ActivationKind): BiasActivationGradients {
  checkPair('biasActivationBackward', dy, z, 'z');
  if (z.rank < 1) throw new ShapeError(`biasActivationBackward: expected z [..., N] of rank ≥ 1, got ${formatShape(z.shape)}`);
  if (!ACTIVATIONS.includes(activation)) {
    throw new ShapeError(`biasActivationBackward: activation must be one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(activation)}`);
  }
  return z.backend.ops.biasActivationBackward(dy, z, activation);
}

const ACTIVATIONS: readonly ActivationKind[] = ['gelu', 'gelu_tanh', 'relu', 'none'];

function checkApproximation(op: string, options: GeluOptions): GeluApproximation {
  if (typeof options !== 'object' || options === null) throw new ShapeError(`${op}: options must be an object, got ${String(options)}`);
  const approximate = options.approximate ?? 'none';
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new ShapeError(`${op}: approximate must be 'none' or 'tanh', got ${JSON.stringify(approximate)}`);
  }
  return approximate;
}

/** dy and the saved input: one backend, f32, the same shape. */
function checkPair(op: string, dy: Tensor, x: Tensor, name: string): void {
  checkSameBackend(op, dy, x);
  checkDType(op, 'dy', dy, ['f32']);
  checkDType(op, name, x, ['f32']);
  checkShapeEquals(op, 'dy', dy, x.shape);
}
