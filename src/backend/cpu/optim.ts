import type { OptimOps } from '../../ops/optim.js';
import type { CpuBackend } from './backend.js';

/** The optim ops on the CPU: the reference loops. */
export function cpuOptimOps(_cpu: CpuBackend): OptimOps {
  return {};
}
