import type { SoftmaxOps } from '../../ops/softmax.js';
import type { CpuBackend } from './backend.js';

/** The softmax ops on the CPU: the reference loops. */
export function cpuSoftmaxOps(_cpu: CpuBackend): SoftmaxOps {
  return {};
}
