import type { SoftmaxOps } from '../../../ops/softmax.js';
import type { WebGPUBackend } from '../backend.js';

/** The softmax ops on WebGPU. */
export function webgpuSoftmaxOps(_gpu: WebGPUBackend): SoftmaxOps {
  return {};
}
