import backwardSource from '../../shaders/loss/cross-entropy-backward.wgsl';
import forwardSource from '../../shaders/loss/cross-entropy-forward.wgsl';
import meanSource from '../../shaders/loss/cross-entropy-mean.wgsl';
import countSource from '../../shaders/loss/count-labels.wgsl';
import { crossEntropyBackwardReference, crossEntropyReference } from '../reference/loss.js';
import { workgroupReduceDefines } from './workgroup-reduce.js';
import { type Dispatcher, type GpuStorage, type Kernel, grid1D } from './kernel.js';
import { ROWS_PER_WORKGROUP, type RowLayout, rowWorkgroupCount } from './rows.js';

// The cross-entropy family: a row kernel and a mean kernel for the forward, a label count and a
// row kernel for the backward. The row kernels come in both row layouts (src/kernels/rows.ts);
// a workgroup per row has 256 lanes (the WebGPU default maximum, a power of two for the tree
// reductions) whatever C is, since vocabulary rows are long. The others have one variant: the mean
// and the count are one workgroup each, summing in a fixed order, and the count lets the backward
// divide by the number of labelled rows without a readback. At [1024, 260], ms, workgroup →
// invocation: SwiftShader forward 473 → 2.26, backward 8.87 → 2.36 (bench/results/rows.json);
// lavapipe forward 43.3 → 1.42, backward 4.78 → 0.811 (bench/results/rows-node.json). No GPU timing
// is recorded; on GPUs the backend takes the workgroup layout for C > 256 (`chooseRowLayout`).
const WORKGROUP = 256;
type NoVariant = Record<string, never>;

/** A variant of the cross-entropy row kernels: the row layout. */
export interface CrossEntropyVariant {
  readonly layout: RowLayout;
}

const ROW_LAYOUT_VARIANTS: readonly CrossEntropyVariant[] = [{ layout: 'workgroup' }, { layout: 'invocation' }];
const rowKernelWorkgroup = ({ layout }: CrossEntropyVariant): [number, number, number] => [layout === 'invocation' ? ROWS_PER_WORKGROUP : WORKGROUP, 1, 1];

/** Per row of logits [N, C]: the log-sum-exp and the (label-smoothed) negative log-likelihood. */
export const crossEntropyForwardKernel: Kernel<CrossEntropyVariant> = {
  name: 'loss/cross-entropy-forward',
  source: forwardSource,
  bindings: [
    { name: 'logits', kind: 'read-only-storage' },
    { name: 'labels', kind: 'read-only-storage' },
    { name: 'log_sum_exp', kind: 'storage' },
    { name: 'row_loss', kind: 'storage' },
    { name: 'params', kind: 'uniform' },
  ],
  workgroupSize: rowKernelWorkgroup,
  defines: ({ layout }) => workgroupReduceDefines('vec2f', layout),
  variants: ROW_LAYOUT_VARIANTS,
  references: { crossEntropy: crossEntropyReference },
};

/** loss = Σ row_loss / #(non-ignored rows), 0 when none: one workgroup, fixed order. */
export const crossEntropyMeanKernel: Kernel<NoVariant> = {
  name: 'loss/cross-entropy-mean',
  source: meanSource,
  bindings: [
    { name: 'labels', kind: 'read-only-storage' },
    { name: 'row_loss', kind: 'read-only-storage' },
    { name: 'loss', kind: 'storage' },
    { name: 'params', kind: 'uniform' },
  ],
  workgroupSize: () => [WORKGROUP, 1, 1],
  defines: () => ({}),
  variants: [{}],
  references: { crossEntropy: crossEntropyReference },
};

/** count[0] = #(labels ≠ ignoreIndex), the divisor the backward needs without a readback. */
export const countLabelsKernel: Kernel<NoVariant> = {
  name: 'loss/count-labels',
  source: countSource,
  bindings: [
    { name: 'labels', kind: 'read-only-storage' },
    { name: 'count', kind: 'storage' },
    { name: 'params', kind: 'uniform' },
  ],
  workgroupSize: () => [WORKGROUP, 1, 1],
  defines: () => ({}),
  variants: [{}],
  references: { crossEntropyBackward: crossEntropyBackwardReference },
};

/** dlogits = (softmax − target) · scale / count, one workgroup or one invocation per row. */
export const crossEntropyBackwardKernel: Kernel<CrossEntropyVariant> = {
  name: 'loss/cross-entropy-backward',
  source: backwardSource,
  bindings: [
    { name: 'logits', kind: 'read-only-storage' },
    { name: 'labels', kind: 'read-only-storage' },
    { name: 'log_sum_exp', kind: 'read-only-storage' },
    { name: 'count', kind: 'read-only-storage' },
    { name: 'd_logits', kind: 'storage' },
    { name: 'params', kind: 'uniform' },
  ],
  workgroupSize: rowKernelWorkgroup,
  defines: ({ layout }) => ({ ROW_PER_INVOCATION: layout === 'invocation' }),
  variants: ROW_LAYOUT_VARIANTS,
  references: { crossEntropyBackward: crossEntropyBackwardReference },
};

/** Scalar options of the cross-entropy kernels, as the shaders' uniform blocks take them. */
export interface CrossEntropyParams {
  readonly rows: number;
  readonly classes: number;
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;
}

/** A uniform block of 32-bit fields: u32 and i32 values as integers, the named float fields as f32. */
function uniforms(values: readonly number[], floatFields: readonly number[]): Uint32Array {
  const words = new Uint32Array(values.length);
  const asInt = new Int32Array(words.buffer);
  const asFloat = new Float32Array(words.buffer);
  values.forEach((v, i) => {
    if (floatFields.includes(i)) asFloat[i] = v;
    else asInt[i] = v; // same bits as u32 for non-negative values
  });
  return words;
}

/**
 * Records the cross-entropy forward: `logSumExp` [N] and the mean `loss` [1]. `rowLoss` is
 * scratch of N floats (the caller releases it after recording). Needs C ≥ 1.
 */
export function encodeCrossEntropy(
  gpu: Dispatcher,
  layout: RowLayout,
  logits: GpuStorage,
  labels: GpuStorage,
  logSumExp: GpuStorage,
  rowLoss: GpuStorage,
  loss: GpuStorage,
  { rows, classes, ignoreIndex, labelSmoothing }: CrossEntropyParams,
): void {
  if (rows > 0) {
    const groups = grid1D(rowWorkgroupCount(layout, rows), gpu.limits.maxComputeWorkgroupsPerDimension);
    const params = uniforms([rows, classes, ignoreIndex, labelSmoothing], [3]);
    gpu.dispatch(crossEntropyForwardKernel, { layout }, [logits, labels, logSumExp, rowLoss, params], groups);
  }
  // Runs for N = 0 too: it writes the loss 0.
  gpu.dispatch(crossEntropyMeanKernel, {}, [labels, rowLoss, loss, uniforms([rows, ignoreIndex], [])], [1, 1, 1]);
}

/**
 * Records the cross-entropy backward into `dLogits` [N, C]; `count` is scratch of one u32 (the
 * caller releases it after recording).
 */
export function encodeCrossEntropyBackward(
  gpu: Dispatcher,
  layout: RowLayout,
  logits: GpuStorage,
  labels: GpuStorage,
  logSumExp: GpuStorage,
  count: GpuStorage,
  dLogits: GpuStorage,
  { rows, classes, ignoreIndex, labelSmoothing, scale }: CrossEntropyParams & { readonly scale: number },
): void {
  if (rows === 0 || classes === 0) return;
  gpu.dispatch(countLabelsKernel, {}, [labels, count, uniforms([rows, ignoreIndex], [])], [1, 1, 1]);
  const groups = grid1D(rowWorkgroupCount(layout, rows), gpu.limits.maxComputeWorkgroupsPerDimension);
  const params = uniforms([rows, classes, ignoreIndex, labelSmoothing, scale], [3, 4]);
  gpu.dispatch(crossEntropyBackwardKernel, { layout }, [logits, labels, logSumExp, count, dLogits, params], groups);
}
