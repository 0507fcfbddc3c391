import type { LossOps } from '../../../ops/loss.js';
import type { WebGPUBackend } from '../backend.js';

/** The loss ops on WebGPU. */
export function webgpuLossOps(_gpu: WebGPUBackend): LossOps {
  return {};
}
