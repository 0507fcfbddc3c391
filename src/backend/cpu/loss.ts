import type { LossOps } from '../../ops/loss.js';
import type { CpuBackend } from './backend.js';

/** The loss ops on the CPU: the reference loops. */
export function cpuLossOps(_cpu: CpuBackend): LossOps {
  return {};
}
