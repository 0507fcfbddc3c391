import { ShapeError, formatShape } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkDType, checkSameBackend, checkShapeEquals } from './shared.js';
import { type CrossEntropyOptions, type CrossEntropyBackwardOptions, type CrossEntropyResult, opsOf } from '../backend/contract.js';
export type { CrossEntropyOptions, CrossEntropyBackwardOptions, CrossEntropyResult } from '../backend/contract.js';

/**
 * loss = Σ_{i: y_i ≠ ignore} [(1 − ε)·(−log p[i, y_i]) + ε·mean_c(−log p[i, c])] / #{i: y_i ≠ ignore},
 * p = softmax(logits [N, C] f32) per row, labels [N] i32 (PyTorch's `cross_entropy` with mean reduction).
 * The loss is 0 when every row is ignored (PyTorch gives NaN). A label outside [0, C) that is not
 * `ignoreIndex` cannot be caught without a GPU readback; it makes the loss NaN on every backend.
 */
export function crossEntropy(logits: Tensor, labels: Tensor, options: CrossEntropyOptions = {}): CrossEntropyResult {
  const op = 'crossEntropy';
  checkSameBackend(op, { logits, labels });
  checkLogitsAndLabels(op, logits, labels);
  const resolved = { ignoreIndex: -100, labelSmoothing: 0, ...checkOptions(op, options, ['ignoreIndex', 'labelSmoothing']) };
  return opsOf(logits).crossEntropy(logits, labels, resolved);
}

/**
 * dlogits [N, C] = (softmax(logits) − target) · scale / #{i: y_i ≠ ignore}, target = (1 − ε)·onehot(y_i) + ε/C;
 * zero rows for ignored labels, NaN rows for labels outside [0, C). `logSumExp` is the forward's.
 */
export function crossEntropyBackward(logits: Tensor, labels: Tensor, logSumExp: Tensor, options: CrossEntropyBackwardOptions = {}): Tensor {
  const op = 'crossEntropyBackward';
  checkSameBackend(op, { logits, labels, logSumExp });
  checkLogitsAndLabels(op, logits, labels);
  checkDType(op, 'logSumExp', logSumExp, ['f32']);
  checkShapeEquals(op, 'logSumExp', logSumExp, [logits.shape[0]!]);
  const checked = checkOptions(op, options, ['ignoreIndex', 'labelSmoothing', 'scale']);
  const resolved = { ignoreIndex: -100, labelSmoothing: 0, scale: 1, ...checked };
  return opsOf(logits).crossEntropyBackward(logits, labels, logSumExp, resolved);
}

function checkLogitsAndLabels(op: string, logits: Tensor, labels: Tensor): void {
  checkDType(op, 'logits', logits, ['f32']);
  checkDType(op, 'labels', labels, ['i32']);
  if (logits.rank !== 2 || logits.shape[1] === 0) {
    throw new ShapeError(`${op}: logits must have shape [N, C] with C ≥ 1, got ${formatShape(logits.shape)}`);
  }
  checkShapeEquals(op, 'labels', labels, [logits.shape[0]!]);
}

/** Checks the option object's keys and values; returns only the options given. */
function checkOptions(op: string, options: CrossEntropyBackwardOptions, allowed: readonly string[]): CrossEntropyBackwardOptions {
  if (typeof options !== 'object' || options === null) throw new ShapeError(`${op}: options must be an object, got ${String(options)}`);
  const unknown = Object.keys(options).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) throw new ShapeError(`${op}: unknown option(s) ${unknown.join(', ')}; expected ${allowed.join(', ')}`);
  const given: CrossEntropyBackwardOptions = {};
  const { ignoreIndex, labelSmoothing, scale } = options;
  if (ignoreIndex !== undefined) {
    if (!Number.isInteger(ignoreIndex) || ignoreIndex < -(2 ** 31) || ignoreIndex >= 2 ** 31) {
      throw new ShapeError(`${op}: ignoreIndex must be a 32-bit integer, got ${ignoreIndex}`);
    }
    given.ignoreIndex = ignoreIndex;
  }
  if (labelSmoothing !== undefined) {
    if (typeof labelSmoothing !== 'number' || !(labelSmoothing >= 0 && labelSmoothing <= 1)) {
      throw new ShapeError(`${op}: labelSmoothing must be in [0, 1], got ${labelSmoothing}`);
    }
    given.labelSmoothing = labelSmoothing;
  }
  if (scale !== undefined) {
    if (typeof scale !== 'number' || !Number.isFinite(scale)) throw new ShapeError(`${op}: scale must be a finite number, got ${scale}`);
    given.scale = scale;
  }
  return given;
}
