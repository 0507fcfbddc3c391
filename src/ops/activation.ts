import { ShapeError, formatShape } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkDType, checkSameBackend, checkShapeEquals } from './shared.js';
import { type ActivationKind, type GeluApproximation, type BiasActivationGradients, opsOf } from '../backend/contract.js';
export type { ActivationKind, GeluApproximation, BiasActivationGradients } from '../backend/contract.js';

/** Options of `gelu` and `geluBackward`. */
export interface GeluOptions {
  /** Default `'none'`, the exact form. */
  approximate?: GeluApproximation;
}

/** y = GELU(x) = x·Φ(x) = 0.5·x·(1 + erf(x/√2)); with `approximate: 'tanh'`, 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))). f32. */
export function gelu(x: Tensor, options: GeluOptions = {}): Tensor {
  checkSameBackend('gelu', { x });
  checkDType('gelu', 'x', x, ['f32']);
  return opsOf(x).gelu(x, checkApproximation('gelu', options));
}

/** dx = dy · GELU'(x), GELU'(x) = Φ(x) + x·φ(x) (or the tanh form's derivative); dy and x f32 of one shape. */
export function geluBackward(dy: Tensor, x: Tensor, options: GeluOptions = {}): Tensor {
  checkPair('geluBackward', dy, x, 'x');
  return opsOf(x).geluBackward(dy, x, checkApproximation('geluBackward', options));
}

/** y = max(x, 0), f32. */
export function relu(x: Tensor): Tensor {
  checkSameBackend('relu', { x });
  checkDType('relu', 'x', x, ['f32']);
  return opsOf(x).relu(x);
}

/** dx = dy · [x > 0] (ReLU'(0) = 0); dy and x f32 of one shape. */
export function reluBackward(dy: Tensor, x: Tensor): Tensor {
  checkPair('reluBackward', dy, x, 'x');
  return opsOf(x).reluBackward(dy, x);
}

/** y = tanh(x), f32. */
export function tanh(x: Tensor): Tensor {
  checkSameBackend('tanh', { x });
  checkDType('tanh', 'x', x, ['f32']);
  return opsOf(x).tanh(x);
}

/** dx = dy · (1 − tanh²(x)); dy and x f32 of one shape. */
export function tanhBackward(dy: Tensor, x: Tensor): Tensor {
  checkPair('tanhBackward', dy, x, 'x');
  return opsOf(x).tanhBackward(dy, x);
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
  return opsOf(z).biasActivationBackward(dy, z, activation);
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
  checkSameBackend(op, { dy, [name]: x });
  checkDType(op, 'dy', dy, ['f32']);
  checkDType(op, name, x, ['f32']);
  checkShapeEquals(op, 'dy', dy, x.shape);
}
