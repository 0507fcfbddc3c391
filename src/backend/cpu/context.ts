import type { NumericArray } from '../../reference/elementwise.js';
import type { FloatArray } from '../../reference/types.js';
import type { DType } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { OpBackend } from '../contract.js';
import type { StepSource, StepValues } from '../step-values.js';

/** A CPU tensor's storage: its values in the dtype's array (f16 as half bits; f32 in a Float64Array in f64 mode). */
export type CpuStorage = Float32Array | Float64Array | Int32Array | Uint32Array | Uint16Array;

/**
 * What the per-family op files need of the CPU backend. `CpuBackend` implements it; the family
 * files import this type rather than the class, so the backend can import them without a cycle.
 */
export interface CpuContext extends OpBackend {
  readonly name: 'cpu';
  /** What f32 tensors are stored and computed in. */
  readonly precision: 'f32' | 'f64';
  /** A tensor's values as f32 (f64 in f64 mode)/i32/u32 (f16 widened to f32); the storage itself, not a copy, except for f16. */
  values(t: Tensor, op?: string): NumericArray;
  /** A zeroed array for `n` float results: a Float64Array in f64 mode, else a Float32Array. */
  floats(n: number): FloatArray;
  /** A scalar argument as the op computes with it: rounded to f32 (the GPU's uniform) unless in f64 mode. */
  scalar(s: number): number;
  /** A tensor that owns `storage` (an op's fresh output array). */
  wrap(storage: CpuStorage, shape: readonly number[], dtype: DType): Tensor;
  /** The step values a call reads: the numbers given, or those held in a step-values tensor. */
  stepValues(source: StepSource): StepValues;
}
