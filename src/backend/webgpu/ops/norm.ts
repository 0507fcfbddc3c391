import type { NormOps } from '../../../ops/norm.js';
import type { WebGPUBackend } from '../backend.js';

/** The norm ops on WebGPU. */
export function webgpuNormOps(_gpu: WebGPUBackend): NormOps {
  return {};
}
