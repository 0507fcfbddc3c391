import type { DropoutOps } from '../../ops/dropout.js';
import type { CpuBackend } from './backend.js';

/** The dropout ops on the CPU: the reference loops. */
export function cpuDropoutOps(_cpu: CpuBackend): DropoutOps {
  return {};
}
