import type { DropoutOps } from '../../../ops/dropout.js';
import type { WebGPUBackend } from '../backend.js';

/** The dropout ops on WebGPU. */
export function webgpuDropoutOps(_gpu: WebGPUBackend): DropoutOps {
  return {};
}
