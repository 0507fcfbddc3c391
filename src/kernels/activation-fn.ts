import activationSource from '../../shaders/common/activation.wgsl';
import type { ActivationName, UnaryActivation } from '../reference/activation.js';
import { renderShader } from './kernel.js';

/** Activations a kernel can apply (the activation kernels and the fused GEMM epilogues). */
export type EpilogueActivation = ActivationName;

/**
 * The WGSL of `activate()`, `derivative()` and `activation4()` for `activation`
 * (shaders/common/activation.wgsl), for a kernel's ACTIVATION_FNS placeholder. The GEMM epilogues
 * take an `EpilogueActivation`; tanh is for the elementwise activation kernels only.
 */
export function activationFunctions(activation: UnaryActivation): string {
  return renderShader(
    activationSource,
    { GELU: activation === 'gelu', GELU_TANH: activation === 'gelu_tanh', RELU: activation === 'relu', TANH: activation === 'tanh' },
    `activation ${activation}`,
  );
}
