// Softmax over the last dimension: softmax/softmax (y = softmax(x + mask), the mask optional and
// repeated over x's rows) and softmax/softmax-backward (dx = y ⊙ (dy − Σ dy·y)); also the middle
// step of the non-fused attention path. Variants: every row layout of ./rows.ts (a workgroup per row
// with 32–256 lanes, or a row per invocation), and for the forward with or without the mask (an
// unmasked forward reads no mask). The backend picks the layout per call (`chooseRowLayout`).
// At [4096, 64], ms, workgroup → invocation: SwiftShader forward 153 → 7.71, backward 58.3 → 6.72
// (bench/results/rows.json); lavapipe forward 44 → 2.34, backward 13.9 → 1.71
// (bench/results/rows-node.json). No GPU timing is recorded.
import forwardSource from '../../shaders/softmax/softmax.wgsl';
import backwardSource from '../../shaders/softmax/softmax-backward.wgsl';
import { softmaxBackwardReference, softmaxReference } from '../reference/softmax.js';
import { workgroupReduceDefines } from './workgroup-reduce.js';
import { type Dispatcher, type GpuStorage, type Kernel, grid1D } from './kernel.js';
import { ROW_VARIANTS, type RowLayout, type RowVariant, rowVariant, rowWorkgroupCount } from './rows.js';

/** A variant of the softmax backward: the layout, and the workgroup size picked from the row length. */
export type SoftmaxBackwardVariant = RowVariant;

/** A variant of the softmax forward: with or without an additive mask, the layout and the workgroup size. */
export interface SoftmaxVariant extends RowVariant {
  readonly masked: boolean;
}

/** Softmax forward over the last dimension: one workgroup or one invocation per row. */
export const softmaxKernel: Kernel<SoftmaxVariant> = {
  name: 'softmax/softmax',
  source: forwardSource,
  bindings: [
    { name: 'x', kind: 'read-only-storage' },
    { name: 'mask', kind: 'read-only-storage' },
    { name: 'y', kind: 'storage' },
    { name: 'params', kind: 'uniform' },
  ],
  workgroupSize: ({ workgroup }) => [workgroup, 1, 1],
  defines: ({ masked, layout }) => ({ MASKED: masked, ...workgroupReduceDefines('f32', layout) }),
  variants: [false, true].flatMap((masked) => ROW_VARIANTS.map((row) => ({ masked, ...row }))),
  references: { softmax: softmaxReference },
};

/** Softmax backward: dx = y ⊙ (dy − Σ dy·y), one workgroup or one invocation per row. */
export const softmaxBackwardKernel: Kernel<SoftmaxBackwardVariant> = {
  name: 'softmax/softmax-backward',
  source: backwardSource,
  bindings: [
    { name: 'dy', kind: 'read-only-storage' },
    { name: 'y', kind: 'read-only-storage' },
    { name: 'dx', kind: 'storage' },
    { name: 'params', kind: 'uniform' },
  ],
  workgroupSize: ({ workgroup }) => [workgroup, 1, 1],
  defines: ({ layout }) => workgroupReduceDefines('f32', layout),
  variants: ROW_VARIANTS,
  references: { softmaxBackward: softmaxBackwardReference },
};

/**
 * Records y = softmax(x + mask) over `rows` rows of length `n`. `mask` holds `maskRows` rows and
 * repeats over x's rows; null for no mask.
 */
export function encodeSoftmax(
  gpu: Dispatcher,
  layout: RowLayout,
  x: GpuStorage,
  mask: GpuStorage | null,
  y: GpuStorage,
  rows: number,
  n: number,
  maskRows: number,
): void {
  if (rows === 0 || n === 0) return;
  const groups = grid1D(rowWorkgroupCount(layout, rows), gpu.limits.maxComputeWorkgroupsPerDimension);
  // Without a mask the shader never reads binding 1; x fills it (two read-only bindings may alias).
  const params = new Uint32Array([rows, n, mask ? maskRows : 1]);
  gpu.dispatch(softmaxKernel, { masked: mask !== null, ...rowVariant(layout, n) }, [x, mask ?? x, y, params], groups);
}

/** Records dx = y ⊙ (dy − Σ dy·y) over `rows` rows of length `n`. */
export function encodeSoftmaxBackward(gpu: Dispatcher, layout: RowLayout, dy: GpuStorage, y: GpuStorage, dx: GpuStorage, rows: number, n: number): void {
  if (rows === 0 || n === 0) return;
  const groups = grid1D(rowWorkgroupCount(layout, rows), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.dispatch(softmaxBackwardKernel, rowVariant(layout, n), [dy, y, dx, new Uint32Array([rows, n])], groups);
}
