// The workgroup size of the row-wise kernels (layernorm, softmax), which run one workgroup per row.

/** The sizes they compile: powers of two, as their workgroup-memory tree reductions need. */
export const ROW_WORKGROUPS = [32, 64, 128, 256] as const;

/** One of `ROW_WORKGROUPS`. */
export type RowWorkgroup = (typeof ROW_WORKGROUPS)[number];

/**
 * The smallest size that leaves each invocation at most 4 elements of a row of `length`, capped at
 * 256 (WebGPU's default invocation limit). Short rows (D = 2, attention rows of 33) then do not
 * keep 256 invocations waiting at every barrier, which on SwiftShader costs about 8× per row.
 */
export function rowWorkgroup(length: number): RowWorkgroup {
  return ROW_WORKGROUPS.find((size) => size * 4 >= length) ?? 256;
}
