import { encodeEmbedding, encodeEmbeddingBackward } from '../../../kernels/embedding.js';
import type { EmbeddingOps } from '../../contract.js';
import { Tensor } from '../../../tensor/tensor.js';
import type { WebGPUContext } from '../context.js';

/** The embedding ops on WebGPU. */
export function webgpuEmbeddingOps(gpu: WebGPUContext): EmbeddingOps {
  return {
    embedding: (table, ids) => {
      const op = 'embedding';
      const [vocabSize, dim] = table.shape as [number, number];
      const shape = [...ids.shape, dim];
      const out = gpu.allocate(shape, 'f32', op);
      encodeEmbedding(gpu, table.storage(op), ids.storage(op), out, ids.size, vocabSize, dim);
      return new Tensor(gpu, out, shape, 'f32');
    },
    embeddingBackward: (dOut, ids, vocabSize) => {
      const op = 'embeddingBackward';
      const dim = dOut.shape[dOut.rank - 1]!;
      const dTable = gpu.allocate([vocabSize, dim], 'f32', op);
      encodeEmbeddingBackward(gpu, dOut.storage(op), ids.storage(op), dTable, ids.size, vocabSize, dim);
      return new Tensor(gpu, dTable, [vocabSize, dim], 'f32');
    },
  };
}
