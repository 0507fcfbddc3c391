import activationSource from '../../shaders/common/activation.wgsl';
import { renderShader } from './kernel.js';

/** Activations a fused epilogue can apply. */
export type EpilogueActivation = 'none' | 'relu';

/** The WGSL text of `activation4()` for `activation`, to paste into a kernel's ${ACTIVATION_FN}. */
export function activationFunction(activation: EpilogueActivation): string {
  return renderShader(activationSource, { ACT_RELU: activation === 'relu' }, `activation ${activation}`);
}
