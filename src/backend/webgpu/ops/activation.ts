import type { ActivationOps } from '../../../ops/activation.js';
import type { WebGPUBackend } from '../backend.js';

/** The activation ops on WebGPU. */
export function webgpuActivationOps(_gpu: WebGPUBackend): ActivationOps {
  return {};
}
