import type { EmbeddingOps } from '../../ops/embedding.js';
import type { CpuBackend } from './backend.js';

/** The embedding ops on the CPU: the reference loops. */
export function cpuEmbeddingOps(_cpu: CpuBackend): EmbeddingOps {
  return {};
}
