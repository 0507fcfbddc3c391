import type { EmbeddingOps } from '../../ops/embedding.js';
import { embeddingBackwardReference, embeddingReference } from '../../reference/embedding.js';
import { Tensor } from '../../tensor/tensor.js';
import type { CpuBackend } from './backend.js';

/** The embedding ops on the CPU: the reference loops. */
export function cpuEmbeddingOps(cpu: CpuBackend): EmbeddingOps {
  return {
    embedding: (table, ids) => {
      const [vocabSize, dim] = table.shape as [number, number];
      const out = cpu.floats(ids.size * dim);
      embeddingReference(cpu.values(table), cpu.values(ids), vocabSize, dim, out);
      return new Tensor(cpu, out, [...ids.shape, dim], 'f32');
    },
    embeddingBackward: (dOut, ids, vocabSize) => {
      const dim = dOut.shape[dOut.rank - 1]!;
      const dTable = cpu.floats(vocabSize * dim);
      embeddingBackwardReference(cpu.values(dOut), cpu.values(ids), vocabSize, dim, dTable);
      return new Tensor(cpu, dTable, [vocabSize, dim], 'f32');
    },
  };
}
