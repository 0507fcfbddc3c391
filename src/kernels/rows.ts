// The layouts of the row-wise kernels (cross-entropy, layernorm, softmax), shared so the three
// families choose alike. `npm run shaders -- softmax` (or norm, loss) writes each rendered.
//
// Variants (ROW_VARIANTS)
//   workgroup, 32/64/128/256 lanes  one workgroup per row, tree reductions through workgroup memory;
//                                   the size follows the row length (`rowWorkgroup`). For rows longer
//                                   than INVOCATION_MAX_LENGTH_ON_GPU on real GPUs.
//   invocation, 64 rows a group     one row per invocation, a serial loop, no barrier. For CPU
//                                   adapters at any length, and short rows on GPUs.
// Measured by `npm run bench -- rows`, ms, workgroup → invocation; SwiftShader in Chromium from
// bench/results/rows.json, lavapipe in Node/Dawn from bench/results/rows-node.json:
//                                       SwiftShader    lavapipe
//   softmax forward [4096, 64]          153 → 7.71     44 → 2.34
//   softmax backward [4096, 64]         58.3 → 6.72    13.9 → 1.71
//   layerNorm forward [1024, 128]       25.7 → 3.11    5.71 → 1.06
//   layerNorm backward [1024, 128]      28.2 → 6.76    8.08 → 3.18
//   crossEntropy forward [1024, 260]    473 → 2.26     43.3 → 1.42
//   crossEntropy backward [1024, 260]   8.87 → 2.36    4.78 → 0.811
// No GPU timing is recorded: the GPU threshold below is reasoned from the layouts, not measured.

/** The sizes they compile: powers of two, as their workgroup-memory tree reductions need. */
export const ROW_WORKGROUPS = [32, 64, 128, 256] as const;

/** One of `ROW_WORKGROUPS`. */
export type RowWorkgroup = (typeof ROW_WORKGROUPS)[number];

/**
 * How a row kernel maps rows to invocations:
 * - 'workgroup': one workgroup per row, a strided loop per lane, then tree reductions through
 *   workgroup memory with a barrier per level (good for long rows on a GPU);
 * - 'invocation': one row per invocation, a serial loop over the row, no workgroup memory and no
 *   barriers (good on CPU adapters, where a barrier costs far more than the arithmetic, and for
 *   short rows, which leave most of a workgroup idle).
 */
export type RowLayout = 'workgroup' | 'invocation';

/** Rows (invocations) per workgroup in the 'invocation' layout. */
export const ROWS_PER_WORKGROUP = 64 satisfies RowWorkgroup;

/**
 * The longest row that the 'invocation' layout takes on a real GPU. Up to here one invocation's
 * serial loop is at most a few hundred loads while a workgroup per row would keep most of its
 * 32–256 lanes idle and wait at 5–8 barriers per reduction; past it the serial loop's latency
 * grows with the row and the rows no longer fill the GPU's lanes, so the workgroup tree wins.
 * (Attention's score rows, T ≤ 512, and BERT's hidden rows, 128–768, straddle it.)
 */
export const INVOCATION_MAX_LENGTH_ON_GPU = 256;

/**
 * The layout for rows of `length`: `forced` when set; else 'invocation' on a fallback (CPU)
 * adapter, whatever the length, and on a GPU for rows of at most `INVOCATION_MAX_LENGTH_ON_GPU`.
 */
export function chooseRowLayout(forced: RowLayout | undefined, isFallbackAdapter: boolean, length: number): RowLayout {
  if (forced) return forced;
  return isFallbackAdapter || length <= INVOCATION_MAX_LENGTH_ON_GPU ? 'invocation' : 'workgroup';
}

/**
 * The workgroup size for rows of `length` in the 'workgroup' layout: the smallest size that leaves
 * each invocation at most 4 elements of a row, capped at 256 (WebGPU's default invocation limit).
 * Short rows (D = 2, attention rows of 33) then do not keep 256 invocations waiting at every
 * barrier, which on SwiftShader costs about 8× per row. The 'invocation' layout always uses
 * `ROWS_PER_WORKGROUP`.
 */
export function rowWorkgroup(length: number): RowWorkgroup {
  return ROW_WORKGROUPS.find((size) => size * 4 >= length) ?? 256;
}

/** The layout and workgroup size of a row kernel's variant. */
export interface RowVariant {
  readonly layout: RowLayout;
  readonly workgroup: RowWorkgroup;
}

/** Every layout and size the row kernels compile: each tree size, and the one 'invocation' size. */
export const ROW_VARIANTS: readonly RowVariant[] = [
  ...ROW_WORKGROUPS.map((workgroup) => ({ layout: 'workgroup' as const, workgroup })),
  { layout: 'invocation', workgroup: ROWS_PER_WORKGROUP },
];

/** The variant for rows of `length` in `layout`. */
export function rowVariant(layout: RowLayout, length: number): RowVariant {
  return layout === 'invocation' ? { layout, workgroup: ROWS_PER_WORKGROUP } : { layout, workgroup: rowWorkgroup(length) };
}

/** Workgroups for `rows` rows (or row blocks) in `layout`: one per row, or one per ROWS_PER_WORKGROUP rows. */
export function rowWorkgroupCount(layout: RowLayout, rows: number): number {
  return layout === 'invocation' ? Math.ceil(rows / ROWS_PER_WORKGROUP) : rows;
}
