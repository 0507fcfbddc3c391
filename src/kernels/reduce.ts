// Reductions. reduce/sum sums one axis of a strided [outer, rows, cols] view (`sum`, and the bias
// gradients), in passes of partial sums when the axis is long. reduce/sum_squares and
// reduce/sqrt_sum are the two passes of globalNorm (gradient clipping), one variant each.
// reduce/sum variants: `rows` lanes per output, 1, 2, 4 … 32. With 1 there is no tree and no
// barrier: for strided axes, where neighbouring lanes then read neighbouring outputs, and for short
// ones. More lanes where the axis is contiguous and long enough to give each lane 64 elements, so
// the lanes' loads coalesce; at most 32, so a tree is at most 5 barriers deep (barriers are slow on
// CPU drivers). The variants are not timed one against another; in a BERT MLM training step on
// SwiftShader (L2-H128-B16-T64) 29 reduce/sum dispatches took 11.7 of 601 ms
// (bench/results/train-step.json).
import sqrtSumSource from '../../shaders/reduce/sqrt_sum.wgsl';
import sumSource from '../../shaders/reduce/sum.wgsl';
import sumSquaresSource from '../../shaders/reduce/sum_squares.wgsl';
import { globalNormReference, sumReference } from '../reference/reduce.js';
import { type Dispatcher, type GpuStorage, type Kernel, grid1D } from './kernel.js';

const WORKGROUP = 256;

/** A variant of the sum kernel: lanes per output (a power of two ≤ 32; 1 means no tree, no barrier). */
export interface SumVariant {
  readonly rows: number;
}

/** Partial or final sums over the rows of a strided [outer, rows, cols] view; see shaders/reduce/sum.wgsl. */
export const sumKernel: Kernel<SumVariant> = {
  name: 'reduce/sum',
  source: sumSource,
  bindings: [
    { name: 'x', kind: 'read-only-storage' },
    { name: 'out', kind: 'storage' },
    { name: 'params', kind: 'uniform' },
  ],
  workgroupSize: () => [WORKGROUP, 1, 1],
  defines: ({ rows }) => ({ ROWS: rows, TREE: rows > 1 }),
  variants: [1, 2, 4, 8, 16, 32].map((rows) => ({ rows })),
  references: { sum: sumReference },
};

/** How many tensors one sum-of-squares dispatch reads (7 inputs + 1 output = the WebGPU default of 8 storage buffers per stage). */
export const SUM_SQUARES_SLOTS = 7;
const SUM_SQUARES_PER_LANE = 64;
const SUM_SQUARES_CHUNK = WORKGROUP * SUM_SQUARES_PER_LANE;

/** Per-lane sums of squares over chunks of up to 7 tensors: the first pass of globalNorm. */
export const sumSquaresKernel: Kernel<Record<string, never>> = {
  name: 'reduce/sum_squares',
  source: sumSquaresSource,
  bindings: [
    ...Array.from({ length: SUM_SQUARES_SLOTS }, (_, k) => ({ name: `t${k}`, kind: 'read-only-storage' as const })),
    { name: 'partials', kind: 'storage' },
    { name: 'params', kind: 'uniform' },
  ],
  workgroupSize: () => [WORKGROUP, 1, 1],
  defines: () => ({ PER_LANE: SUM_SQUARES_PER_LANE }),
  variants: [{}],
  references: { globalNorm: globalNormReference },
};

/** out[0] = sqrt(Σ partials), one workgroup: the last pass of globalNorm. */
export const sqrtSumKernel: Kernel<Record<string, never>> = {
  name: 'reduce/sqrt_sum',
  source: sqrtSumSource,
  bindings: [
    { name: 'partials', kind: 'read-only-storage' },
    { name: 'out', kind: 'storage' },
    { name: 'params', kind: 'uniform' },
  ],
  workgroupSize: () => [WORKGROUP, 1, 1],
  defines: () => ({}),
  variants: [{}],
  references: { globalNorm: globalNormReference },
};

/** What sum.wgsl reads: an [outer, rows, cols] view of a buffer, with strides in elements. */
interface SumLayout {
  outer: number;
  outerStride: number;
  rows: number;
  rowStride: number;
  cols: number;
  colStride: number;
}

/** Serial additions per lane in one split; longer reductions are split and summed again. */
const ROWS_PER_LANE = 64;
/** Most lanes per output: trees stay at most 5 barriers deep (barriers are slow on CPU drivers). */
const MAX_LANES_PER_OUTPUT = 32;

/** Storage for a temporary buffer of `n` f32 values. */
export type AllocateTemporary = (n: number) => GpuStorage;

/**
 * Records out[o, j] = Σ_r x[o, r, j] for x seen as [outer, length, inner] (out is [outer, inner]).
 * Long reductions are cut into splits of partial sums, reduced again by the same kernel until one
 * split is left; `temporary` allocates the partials and `release` frees them after recording.
 */
export function encodeSum(
  gpu: Dispatcher,
  x: GpuStorage,
  out: GpuStorage,
  outer: number,
  length: number,
  inner: number,
  temporary: AllocateTemporary,
  release: (storage: GpuStorage) => void,
): void {
  if (outer * inner === 0) return;
  const layout = { outer, outerStride: length * inner, rows: length, rowStride: inner, cols: inner, colStride: 1 };
  encodeSumPasses(gpu, x, out, layout, temporary, release);
}

function encodeSumPasses(
  gpu: Dispatcher,
  x: GpuStorage,
  out: GpuStorage,
  layout: SumLayout,
  temporary: AllocateTemporary,
  release: (storage: GpuStorage) => void,
): void {
  const outputs = layout.outer * layout.cols;
  // Several lanes per output only where rows are contiguous (so they coalesce) and long enough
  // to give each lane ROWS_PER_LANE of them; elsewhere neighbouring lanes take neighbouring outputs.
  const lanes = layout.rowStride === 1 ? Math.min(MAX_LANES_PER_OUTPUT, 2 ** Math.max(0, Math.floor(Math.log2(layout.rows / ROWS_PER_LANE)))) : 1;
  const splitRows = lanes * ROWS_PER_LANE;
  const splits = Math.max(1, Math.ceil(layout.rows / splitRows));
  const slots = splits * outputs;
  const groups = Math.ceil(slots / (WORKGROUP / lanes));
  const target = splits === 1 ? out : temporary(slots);
  const params = new Uint32Array([outputs, layout.cols, layout.colStride, layout.outerStride, layout.rows, layout.rowStride, splitRows, slots, groups]);
  gpu.dispatch(sumKernel, { rows: lanes }, [x, target, params], grid1D(groups, gpu.limits.maxComputeWorkgroupsPerDimension));
  if (splits === 1) return;
  // The partials are [splits, Q]: sum their first axis, Q outputs side by side.
  const next = { outer: 1, outerStride: 0, rows: splits, rowStride: outputs, cols: outputs, colStride: 1 };
  encodeSumPasses(gpu, target, out, next, temporary, release);
  release(target);
}

/**
 * Records out[0] = sqrt(Σ_t Σ_i t[i]²): sum-of-squares partials (one per lane, 256 per chunk of
 * 16,384 elements) for up to 7 tensors per dispatch, then one workgroup adds the partials and
 * takes the root.
 */
export function encodeGlobalNorm(
  gpu: Dispatcher,
  tensors: readonly { storage: GpuStorage; size: number }[],
  out: GpuStorage,
  temporary: AllocateTemporary,
  release: (storage: GpuStorage) => void,
): void {
  const chunks = tensors.map((t) => Math.ceil(t.size / SUM_SQUARES_CHUNK));
  const count = chunks.reduce((a, b) => a + b, 0) * WORKGROUP;
  const partials = temporary(count);
  const limit = gpu.limits.maxComputeWorkgroupsPerDimension;
  let offset = 0;
  for (let first = 0; first < tensors.length; first += SUM_SQUARES_SLOTS) {
    const batch = tensors.slice(first, first + SUM_SQUARES_SLOTS);
    // The WGSL Params struct: first_group vec4u×2, length vec4u×2, partial_offset, padded to 16 bytes.
    const params = new Uint32Array(20);
    let groups = 0;
    for (let k = 0; k < SUM_SQUARES_SLOTS; k++) {
      params[k] = groups; // first_group(k)
      params[8 + k] = batch[k]?.size ?? 0; // length(k)
      groups += batch[k] ? chunks[first + k]! : 0;
    }
    params[7] = groups;
    params[16] = offset;
    if (groups > 0) {
      // Spare slots bind the first tensor again; they own no workgroups.
      const inputs = Array.from({ length: SUM_SQUARES_SLOTS }, (_, k) => (batch[k] ?? batch[0]!).storage);
      gpu.dispatch(sumSquaresKernel, {}, [...inputs, partials, params], grid1D(groups, limit));
    }
    offset += groups;
  }
  gpu.dispatch(sqrtSumKernel, {}, [partials, out, new Uint32Array([count])], [1, 1, 1]);
  release(partials);
}
