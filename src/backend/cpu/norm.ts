import type { NormOps } from '../../ops/norm.js';
import type { CpuBackend } from './backend.js';

/** The norm ops on the CPU: the reference loops. */
export function cpuNormOps(_cpu: CpuBackend): NormOps {
  return {};
}
