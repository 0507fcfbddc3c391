import type { ActivationOps } from '../../ops/activation.js';
import type { CpuBackend } from './backend.js';

/** The activation ops on the CPU: the reference loops. */
export function cpuActivationOps(_cpu: CpuBackend): ActivationOps {
  return {};
}
