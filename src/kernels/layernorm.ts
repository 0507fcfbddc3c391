// LayerNorm over the last dimension: norm/layernorm (y, and the mean and rstd the backward reuses),
// norm/layernorm-backward (dx, and per-block partial sums of dγ and dβ), and
// norm/layernorm-param-grads (dγ and dβ as fixed-order sums of those partials, so they are the
// same every run: no atomics). The first two come in every row layout of ./rows.ts (a workgroup per
// row with 32–256 lanes, or a row per invocation; the backend picks by adapter and D); the third has
// one variant, an invocation per column. At [1024, 128], ms, workgroup → invocation: SwiftShader
// forward 25.7 → 3.11, backward 28.2 → 6.76 (bench/results/rows.json); lavapipe forward 5.71 → 1.06,
// backward 8.08 → 3.18 (bench/results/rows-node.json). No GPU timing is recorded.
import forwardSource from '../../shaders/norm/layernorm.wgsl';
import backwardSource from '../../shaders/norm/layernorm-backward.wgsl';
import paramGradsSource from '../../shaders/norm/layernorm-param-grads.wgsl';
import { layerNormBackwardReference, layerNormReference } from '../reference/norm.js';
import { workgroupReduceDefines } from './workgroup-reduce.js';
import { type Dispatcher, type GpuStorage, type Kernel, grid1D } from './kernel.js';
import { ROW_VARIANTS, type RowLayout, type RowVariant, rowVariant, rowWorkgroupCount } from './rows.js';

/** A variant of the row-wise layerNorm kernels: the layout, and the workgroup size picked from the row length. */
export type LayerNormVariant = RowVariant;

// The dγ/dβ kernel runs one invocation per column.
const COLUMN_WORKGROUP = 64;
// The backward writes one row of dγ/dβ partials per block of rows; capping the block count bounds
// the partials buffer (2·blocks·D floats) and the serial sum over blocks in the second kernel.
// A block is one workgroup's rows in the 'workgroup' layout and one invocation's in the
// 'invocation' layout (256 blocks: 4 workgroups of 64). On SwiftShader, [1024, 128] took the same
// time with 1024 blocks (16 workgroups, but a 4× longer serial sum in the dγ/dβ kernel, which has
// only ⌈D/64⌉ workgroups) and longer with 64.
const MAX_BLOCKS = 256;

/** LayerNorm forward: one workgroup or one invocation per row; writes y, mean and rstd. */
export const layerNormKernel: Kernel<LayerNormVariant> = {
  name: 'norm/layernorm',
  source: forwardSource,
  bindings: [
    { name: 'x', kind: 'read-only-storage' },
    { name: 'gamma', kind: 'read-only-storage' },
    { name: 'beta', kind: 'read-only-storage' },
    { name: 'y', kind: 'storage' },
    { name: 'mean', kind: 'storage' },
    { name: 'rstd', kind: 'storage' },
    { name: 'params', kind: 'uniform' },
  ],
  workgroupSize: ({ workgroup }) => [workgroup, 1, 1],
  defines: ({ layout }) => workgroupReduceDefines('f32', layout),
  variants: ROW_VARIANTS,
  references: { layerNorm: layerNormReference },
};

/** LayerNorm backward, first half: dx per row and per-block partial sums of dγ and dβ. */
export const layerNormBackwardKernel: Kernel<LayerNormVariant> = {
  name: 'norm/layernorm-backward',
  source: backwardSource,
  bindings: [
    { name: 'dy', kind: 'read-only-storage' },
    { name: 'x', kind: 'read-only-storage' },
    { name: 'gamma', kind: 'read-only-storage' },
    { name: 'mean', kind: 'read-only-storage' },
    { name: 'rstd', kind: 'read-only-storage' },
    { name: 'dx', kind: 'storage' },
    { name: 'partials', kind: 'storage' },
    { name: 'params', kind: 'uniform' },
  ],
  workgroupSize: ({ workgroup }) => [workgroup, 1, 1],
  defines: ({ layout }) => workgroupReduceDefines('vec2f', layout),
  variants: ROW_VARIANTS,
  references: { layerNormBackward: layerNormBackwardReference },
};

/** LayerNorm backward, second half: dγ and dβ as fixed-order sums of the block partials. */
export const layerNormParamGradsKernel: Kernel<Record<string, never>> = {
  name: 'norm/layernorm-param-grads',
  source: paramGradsSource,
  bindings: [
    { name: 'partials', kind: 'read-only-storage' },
    { name: 'dgamma', kind: 'storage' },
    { name: 'dbeta', kind: 'storage' },
    { name: 'params', kind: 'uniform' },
  ],
  workgroupSize: () => [COLUMN_WORKGROUP, 1, 1],
  defines: () => ({}),
  variants: [{}],
  references: { layerNormBackward: layerNormBackwardReference },
};

/** Records y = (x − mean)·rstd·γ + β over `rows` rows of length `dim`, saving mean and rstd. */
export function encodeLayerNorm(
  gpu: Dispatcher,
  layout: RowLayout,
  x: GpuStorage,
  gamma: GpuStorage,
  beta: GpuStorage,
  y: GpuStorage,
  mean: GpuStorage,
  rstd: GpuStorage,
  rows: number,
  dim: number,
  eps: number,
): void {
  if (rows === 0) return;
  const params = new ArrayBuffer(12);
  new Uint32Array(params, 0, 2).set([rows, dim]);
  new Float32Array(params, 8, 1)[0] = eps;
  const groups = grid1D(rowWorkgroupCount(layout, rows), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.dispatch(layerNormKernel, rowVariant(layout, dim), [x, gamma, beta, y, mean, rstd, new Uint8Array(params)], groups);
}

/** How the backward splits `rows` into blocks: at most MAX_BLOCKS blocks of equal row counts (the last may be short). */
export function layerNormBackwardBlocks(rows: number): { rowsPerBlock: number; blocks: number } {
  const rowsPerBlock = Math.max(1, Math.ceil(rows / MAX_BLOCKS));
  return { rowsPerBlock, blocks: Math.ceil(rows / rowsPerBlock) };
}

/**
 * Records the layerNorm backward: dx, and dγ, dβ through `partials`, a scratch buffer of at least
 * 2 · blocks · dim floats (`layerNormBackwardBlocks`). With no rows, dγ and dβ are zeros.
 */
export function encodeLayerNormBackward(
  gpu: Dispatcher,
  layout: RowLayout,
  dy: GpuStorage,
  x: GpuStorage,
  gamma: GpuStorage,
  mean: GpuStorage,
  rstd: GpuStorage,
  dx: GpuStorage,
  dgamma: GpuStorage,
  dbeta: GpuStorage,
  partials: GpuStorage,
  rows: number,
  dim: number,
): void {
  const limit = gpu.limits.maxComputeWorkgroupsPerDimension;
  const { rowsPerBlock, blocks } = layerNormBackwardBlocks(rows);
  if (blocks > 0) {
    gpu.dispatch(
      layerNormBackwardKernel,
      rowVariant(layout, dim),
      [dy, x, gamma, mean, rstd, dx, partials, new Uint32Array([rows, dim, rowsPerBlock])],
      grid1D(rowWorkgroupCount(layout, blocks), limit),
    );
  }
  gpu.dispatch(layerNormParamGradsKernel, {}, [partials, dgamma, dbeta, new Uint32Array([dim, blocks])], grid1D(Math.ceil(dim / COLUMN_WORKGROUP), limit));
}
