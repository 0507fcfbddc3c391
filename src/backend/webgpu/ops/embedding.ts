import type { EmbeddingOps } from '../../../ops/embedding.js';
import type { WebGPUBackend } from '../backend.js';

/** The embedding ops on WebGPU. */
export function webgpuEmbeddingOps(_gpu: WebGPUBackend): EmbeddingOps {
  return {};
}
