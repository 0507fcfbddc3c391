import type { OptimOps } from '../../../ops/optim.js';
import type { WebGPUBackend } from '../backend.js';

/** The optim ops on WebGPU. */
export function webgpuOptimOps(_gpu: WebGPUBackend): OptimOps {
  return {};
}
