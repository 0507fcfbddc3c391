import { ShapeError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkDType, checkRequired, checkSameBackend } from './shared.js';
import { type DropoutMask, opsOf } from '../backend/contract.js';
import { NO_STEP, type StepSource } from '../backend/step-values.js';

/**
 * Which dropout mask to use. The mask is a pure function of (p, seed, offset, element index):
 * element i reads position `offset + i` of the Philox4x32-10 stream keyed by `seed`, 4 words per
 * counter (position s is word s mod 4 of counter ⌊s/4⌋), and is dropped when that word is below
 * ⌊p·2^32⌋. To draw a fresh mask for the next call, advance `offset` by the tensor's size.
 */
export interface DropoutOptions {
  /** Drop probability, in [0, 1); 0 is the identity. */
  p: number;
  /** The Philox key: a u32, or a pair of u32 [low, high] (a u32 seed s is the pair [s, 0]). */
  seed: number | readonly [number, number];
  /** Stream position of element 0, an integer ≥ 0 with offset + size ≤ 2^53 (default 0). */
  offset?: number;
}

/** y = x · mask / (1 − p), mask[i] ∈ {0, 1} drawn by Philox4x32-10 from (seed, offset + i), P(mask[i] = 0) = p. */
export function dropout(x: Tensor, options: DropoutOptions): Tensor {
  return dropoutInStep(x, options, NO_STEP);
}

/** dx = dy · mask / (1 − p), with the mask `dropout` drew for the same (p, seed, offset). */
export function dropoutBackward(dy: Tensor, options: DropoutOptions): Tensor {
  return dropoutBackwardInStep(dy, options, NO_STEP);
}

/** @internal `dropout` whose stream positions also move by the training step's random offset (how graph runs draw fresh masks each step). */
export function dropoutInStep(x: Tensor, options: DropoutOptions, step: StepSource): Tensor {
  const mask = checkDropout('dropout', 'x', x, options, step);
  return opsOf(x).dropout(x, mask);
}

/** @internal `dropoutBackward` under the training step's random offset, as `dropoutInStep`. */
export function dropoutBackwardInStep(dy: Tensor, options: DropoutOptions, step: StepSource): Tensor {
  const mask = checkDropout('dropoutBackward', 'dy', dy, options, step);
  return opsOf(dy).dropoutBackward(dy, mask);
}

function checkDropout(op: string, name: string, t: Tensor, options: DropoutOptions, step: StepSource): DropoutMask {
  checkSameBackend(op, { [name]: t });
  checkDType(op, name, t, ['f32']);
  return checkDropoutOptions(op, t.size, options, '', step);
}

/** Checks dropout options for a tensor of `size` elements and resolves the key; errors read `${op}: ${label}p must …`. */
export function checkDropoutOptions(op: string, size: number, options: DropoutOptions, label = '', step: StepSource = NO_STEP): DropoutMask {
  if (typeof options !== 'object' || options === null) throw new ShapeError(`${op}: ${label || 'options '}{ p, seed } are required`);
  checkRequired(op, options, ['p', 'seed'], label);
  const { p, seed, offset = 0 } = options;
  if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw new ShapeError(`${op}: ${label}p must be in [0, 1), got ${String(p)}`);
  const key: [number, number] = typeof seed === 'number' ? [seed, 0] : Array.isArray(seed) && seed.length === 2 ? [seed[0], seed[1]] : [NaN, NaN];
  if (!key.every((k) => Number.isInteger(k) && k >= 0 && k < 2 ** 32)) {
    throw new ShapeError(`${op}: ${label}seed must be a u32 or a pair of u32, got ${JSON.stringify(seed)}`);
  }
  if (!Number.isInteger(offset) || offset < 0 || offset > 2 ** 53 - size) {
    throw new ShapeError(`${op}: ${label}offset must be an integer ≥ 0 with offset + size (${size}) ≤ 2^53, got ${String(offset)}`);
  }
  return { p, key, offset, step };
}
