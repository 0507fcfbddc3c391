import type { EmbeddingOps } from '../contract.js';
import { embeddingBackwardReference, embeddingReference } from '../../reference/embedding.js';

import type { CpuContext } from './context.js';

/** The embedding ops on the CPU: the reference loops. */
export function cpuEmbeddingOps(cpu: CpuContext): EmbeddingOps {
  return {
    embedding: (table, ids) => {
      const [vocabSize, dim] = table.shape as [number, number];
      const out = cpu.floats(ids.size * dim);
      embeddingReference(cpu.values(table), cpu.values(ids), vocabSize, dim, out);
      return cpu.wrap(out, [...ids.shape, dim], 'f32');
    },
    embeddingBackward: (dOut, ids, vocabSize) => {
      const dim = dOut.shape[dOut.rank - 1]!;
      const dTable = cpu.floats(vocabSize * dim);
      embeddingBackwardReference(cpu.values(dOut), cpu.values(ids), vocabSize, dim, dTable);
      return cpu.wrap(dTable, [vocabSize, dim], 'f32');
    },
  };
}
