import type { ReduceOps } from '../../../ops/reduce.js';
import type { WebGPUBackend } from '../backend.js';

/** The reduce ops on WebGPU. */
export function webgpuReduceOps(_gpu: WebGPUBackend): ReduceOps {
  return {};
}
