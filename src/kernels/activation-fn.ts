import activationSource from '../../shaders/common/activation.wgsl';
import type { ActivationName } from '../reference/activation.js';
import { renderShader } from './kernel.js';

/** Activations a kernel can apply (the activation kernels and the fused GEMM epilogues). */
export type EpilogueActivation = ActivationName;

/**
 * The WGSL of `activate()`, `derivative()` and `activation4()` for `activation`
 * (shaders/common/activation.wgsl), for a kernel's ACTIVATION_FNS placeholder.
 */
export function activationFunctions(activation: EpilogueActivation): string {
  return renderShader(
    activationSource,
    { GELU: activation === 'gelu', GELU_TANH: activation === 'gelu_tanh', RELU: activation === 'relu' },
    `activation ${activation}`,
  );
}
