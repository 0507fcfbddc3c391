// The per-step values (shaders/common/step.wgsl `Step`): what the optimizer and dropout kernels
// read that changes from step to step. A compiled training step keeps them in one uniform buffer
// (a u32 [8] tensor) and rewrites it once per step; eager calls pass the numbers.
import { ShaderformerError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';

/** The values a training step changes every step, read by the kernels that depend on them. */
export interface StepValues {
  /** Philox stream position where this step's dropout draws start; an integer multiple of 4, < 2^53. */
  readonly randomOffset: number;
  /** The optimizer update t, from 1 (0 when the step makes no update). */
  readonly update: number;
  /** The learning rate of update t. */
  readonly lr: number;
  /** Adam/AdamW: 1 − β1^t (1 otherwise). */
  readonly biasCorrection1: number;
  /** Adam/AdamW: 1 − β2^t (1 otherwise). */
  readonly biasCorrection2: number;
}

/** Where a kernel reads its step values: given now (an eager call), or a u32 [8] tensor that a compiled step rewrites each step. */
export type StepSource = StepValues | Tensor;

/** Words of the `Step` uniform. */
export const STEP_VALUES_WORDS = 8;

/** Values for a call outside a training step: no random offset, no update. */
export const NO_STEP: StepValues = { randomOffset: 0, update: 0, lr: 0, biasCorrection1: 1, biasCorrection2: 1 };

/** True when `source` holds numbers rather than a tensor. */
export function isStepValues(source: StepSource): source is StepValues {
  return typeof (source as StepValues).randomOffset === 'number';
}

/** The `Step` uniform's bytes (shaders/common/step.wgsl) for `values`. */
export function packStepValues(values: StepValues): Uint32Array {
  const { randomOffset } = values;
  if (!Number.isSafeInteger(randomOffset) || randomOffset < 0 || randomOffset % 4 !== 0) {
    throw new ShaderformerError(`step values: randomOffset must be an integer multiple of 4 in [0, 2^53), got ${randomOffset}`);
  }
  const words = new Uint32Array(STEP_VALUES_WORDS);
  const floats = new Float32Array(words.buffer);
  words[0] = randomOffset % 2 ** 32;
  words[1] = Math.floor(randomOffset / 2 ** 32);
  words[2] = values.update;
  floats[3] = values.lr;
  floats[4] = values.biasCorrection1;
  floats[5] = values.biasCorrection2;
  return words;
}

/** The step values held in `words` (a `Step` uniform's contents); floats come back rounded to f32. */
export function unpackStepValues(words: ArrayLike<number>): StepValues {
  const u32 = Uint32Array.from(words);
  const floats = new Float32Array(u32.buffer);
  return { randomOffset: u32[0]! + u32[1]! * 2 ** 32, update: u32[2]!, lr: floats[3]!, biasCorrection1: floats[4]!, biasCorrection2: floats[5]! };
}
