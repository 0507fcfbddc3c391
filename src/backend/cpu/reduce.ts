import type { ReduceOps } from '../../ops/reduce.js';
import type { CpuBackend } from './backend.js';

/** The reduce ops on the CPU: the reference loops. */
export function cpuReduceOps(_cpu: CpuBackend): ReduceOps {
  return {};
}
