import stepSource from '../../shaders/common/step.wgsl';
import { type StepSource, isStepValues, packStepValues } from '../backend/step-values.js';
import type { GpuStorage } from './kernel.js';

/**
 * The `Step` struct (shaders/common/step.wgsl) as WGSL text, for a kernel's STEP placeholder:
 * kernels whose values change every training step (optimizers, dropout) read them from one
 * uniform binding of this type.
 */
export const stepStruct: string = stepSource;

/** The resource for a kernel's `step` binding: this call's values as uniform bytes, or a compiled step's step-values buffer. */
export function stepResource(source: StepSource): GpuStorage | Uint32Array {
  return isStepValues(source) ? packStepValues(source) : source.storage<GpuStorage>('step values');
}
