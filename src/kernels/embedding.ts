import gatherSource from '../../shaders/embedding/gather.wgsl';
import scatterAddSource from '../../shaders/embedding/scatter-add.wgsl';
import { embeddingBackwardReference, embeddingReference } from '../reference/embedding.js';
import { type Dispatcher, type GpuStorage, type Kernel, grid1D } from './kernel.js';

type NoVariant = Record<string, never>;

const GATHER_WORKGROUP = 256;
// Scatter-add blocks: 64 columns (one per lane, coalesced along D) × 256 vocabulary rows. More rows
// per block means fewer passes over the ids (each block reads all N) but fewer workgroups; at
// V = 30,522, D = 768 this gives 120 × 12 = 1,440 workgroups.
const SCATTER_COLUMNS = 64;
const SCATTER_ROWS = 256;

/** out[p, d] = table[ids[p], d] (zero row for an id outside [0, V)), one element (or vec4, when D % 4 = 0) per invocation. */
export const embeddingGatherKernel: Kernel<{ readonly vec4: boolean }> = {
  name: 'embedding/gather',
  source: gatherSource,
  bindings: [
    { name: 'table', kind: 'read-only-storage' },
    { name: 'ids', kind: 'read-only-storage' },
    { name: 'out', kind: 'storage' },
    { name: 'params', kind: 'uniform' },
  ],
  workgroupSize: () => [GATHER_WORKGROUP, 1, 1],
  defines: ({ vec4 }) => ({ T: vec4 ? 'vec4<f32>' : 'f32' }),
  variants: [{ vec4: false }, { vec4: true }],
  references: { embedding: embeddingReference },
};

/** dTable[v, d] = Σ_{p: ids[p] = v} dOut[p, d], deterministic: each lane owns its outputs and adds in order of p. */
export const embeddingScatterAddKernel: Kernel<NoVariant> = {
  name: 'embedding/scatter-add',
  source: scatterAddSource,
  bindings: [
    { name: 'd_out', kind: 'read-only-storage' },
    { name: 'ids', kind: 'read-only-storage' },
    { name: 'd_table', kind: 'storage' },
    { name: 'params', kind: 'uniform' },
  ],
  workgroupSize: () => [SCATTER_COLUMNS, 1, 1],
  defines: () => ({ ROWS: SCATTER_ROWS }),
  variants: [{}],
  references: { embeddingBackward: embeddingBackwardReference },
};

/** Records out [N, D] = table [V, D] gathered at ids [N]. */
export function encodeEmbedding(gpu: Dispatcher, table: GpuStorage, ids: GpuStorage, out: GpuStorage, positions: number, vocabSize: number, dim: number): void {
  const vec4 = dim % 4 === 0;
  const width = vec4 ? dim / 4 : dim;
  const n = positions * width;
  if (n === 0) return;
  const groups = grid1D(Math.ceil(n / GATHER_WORKGROUP), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.dispatch(embeddingGatherKernel, { vec4 }, [table, ids, out, new Uint32Array([positions, width, vocabSize])], groups);
}

/** Records dTable [V, D] = the scatter-add of dOut [N, D] at ids [N]; every element of dTable is written. */
export function encodeEmbeddingBackward(
  gpu: Dispatcher,
  dOut: GpuStorage,
  ids: GpuStorage,
  dTable: GpuStorage,
  positions: number,
  vocabSize: number,
  dim: number,
): void {
  if (vocabSize === 0 || dim === 0) return;
  const vocabBlocks = Math.ceil(vocabSize / SCATTER_ROWS);
  const blocks = vocabBlocks * Math.ceil(dim / SCATTER_COLUMNS);
  const groups = grid1D(blocks, gpu.limits.maxComputeWorkgroupsPerDimension);
  const params = new Uint32Array([positions, dim, vocabSize, vocabBlocks, blocks]);
  gpu.dispatch(embeddingScatterAddKernel, {}, [dOut, ids, dTable, params], groups);
}
