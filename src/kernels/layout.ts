import concatSource from '../../shaders/layout/concat.wgsl';
import sliceSource from '../../shaders/layout/slice.wgsl';
import transposeSource from '../../shaders/layout/transpose.wgsl';
import { concatReference, sliceBackwardReference, sliceReference, transposeReference } from '../reference/layout.js';
import { type Dispatcher, type GpuStorage, type Kernel, grid1D } from './kernel.js';

/** A variant of the transpose kernel: the element type, whether whole vec4s of it move at once, and how many consecutive ones per invocation. */
export interface TransposeVariant {
  readonly dtype: 'f32' | 'i32' | 'u32';
  readonly vec4: boolean;
  /** Consecutive elements (vec4s) of the kept last dim copied per invocation: 1, or a power of two up to MAX_RUN. */
  readonly run: number;
}

const WORKGROUP = 256;
/** Longest run of vec4s one invocation copies: each invocation's index arithmetic (six div/mod) then serves up to 16 copies. */
const MAX_RUN = 16;
/** Dims the shader's uniform holds (the op refuses more). */
const KERNEL_RANK = 6;

/** out[i] = x[source(i)], one output element (or vec4) per invocation; see shaders/layout/transpose.wgsl. */
export const transposeKernel: Kernel<TransposeVariant> = {
  name: 'layout/transpose',
  source: transposeSource,
  bindings: [
    { name: 'x', kind: 'read-only-storage' },
    { name: 'out', kind: 'storage' },
    { name: 'params', kind: 'uniform' },
  ],
  workgroupSize: () => [WORKGROUP, 1, 1],
  defines: ({ dtype, vec4, run }) => ({ T: vec4 ? `vec4<${dtype}>` : dtype, RUN: run }),
  variants: (['f32', 'i32', 'u32'] as const).flatMap((dtype) => [
    { dtype, vec4: false, run: 1 },
    ...[1, 2, 4, 8, 16].map((run) => ({ dtype, vec4: true, run })),
  ]),
  references: { transpose: transposeReference },
};

/**
 * The same permutation with fewer dims: size-1 dims dropped, and out dims that are also adjacent
 * and in order in x merged into one ([0, 2, 1, 3] stays; [1, 0, 2, 3] becomes [1, 0, 2] over [B, T, H·Dh]).
 */
export function simplifyPermutation(shape: readonly number[], perm: readonly number[]): { shape: number[]; perm: number[] } {
  // Size-1 dims move nothing; renumber the others 0, 1, … in x's order.
  const renumber = new Map<number, number>();
  shape.forEach((d, p) => d !== 1 && renumber.set(p, renumber.size));
  const kept = perm.filter((p) => renumber.has(p)).map((p) => renumber.get(p)!);
  // Runs of consecutive x dims in out's order become one dim.
  const runs: number[][] = [];
  for (const p of kept) {
    const last = runs[runs.length - 1];
    if (last && last[last.length - 1] === p - 1) last.push(p);
    else runs.push([p]);
  }
  const keptShape = shape.filter((d) => d !== 1);
  // Number the runs by their place in x.
  const byFirst = [...runs].sort((a, b) => a[0]! - b[0]!);
  return {
    shape: byFirst.map((run) => run.reduce((size, p) => size * keptShape[p]!, 1)),
    perm: runs.map((run) => byFirst.indexOf(run)),
  };
}

/** Records the transpose of x (`shape`, ≤ 6 dims) by `perm` into out. */
export function encodeTranspose(
  gpu: Dispatcher,
  dtype: TransposeVariant['dtype'],
  x: GpuStorage,
  out: GpuStorage,
  shape: readonly number[],
  perm: readonly number[],
): void {
  const n = shape.reduce((size, d) => size * d, 1);
  if (n === 0) return;
  const simple = simplifyPermutation(shape, perm);
  const rank = simple.shape.length;
  // x's last dim stays last, and holds whole vec4s: move 16 bytes at a time.
  const vec4 = rank > 0 && simple.perm[rank - 1] === rank - 1 && simple.shape[rank - 1]! % 4 === 0;
  if (vec4) simple.shape[rank - 1]! /= 4;
  const inStride = new Array<number>(rank);
  for (let d = rank - 1, stride = 1; d >= 0; d--) {
    inStride[d] = stride;
    stride *= simple.shape[d]!;
  }
  // The kept last dim is contiguous in x and out: an invocation copies `run` consecutive vec4s of it,
  // so its coordinate counts runs (size / run) that lie `run` apart in x.
  let run = 1;
  while (vec4 && run < MAX_RUN && simple.shape[rank - 1]! % (2 * run) === 0) run *= 2;
  if (run > 1) {
    simple.shape[rank - 1]! /= run;
    inStride[rank - 1]! *= run;
  }
  // Padded at the front to the kernel's 6 dims: size 1, stride 0.
  const params = new Uint32Array(4 + 2 * 8);
  params[0] = (vec4 ? n / 4 : n) / run;
  for (let k = 0; k < rank; k++) {
    const slot = KERNEL_RANK - rank + k;
    params[4 + slot] = simple.shape[simple.perm[k]!]!;
    params[12 + slot] = inStride[simple.perm[k]!]!;
  }
  for (let slot = 0; slot < KERNEL_RANK - rank; slot++) params[4 + slot] = 1;
  const groups = grid1D(Math.ceil(params[0]! / WORKGROUP), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.dispatch(transposeKernel, { dtype, vec4, run }, [x, out, params], groups);
}

/** A variant of the slice kernel: forward (any of f32, i32, u32) or backward (f32), by elements or by vec4s. */
export interface SliceVariant {
  readonly dtype: 'f32' | 'i32' | 'u32';
  readonly backward: boolean;
  readonly vec4: boolean;
}

/** out[o, j, i] = x[o, start + j, i] (forward) or dx with dy placed at the offset and zeros elsewhere (backward); see shaders/layout/slice.wgsl. */
export const sliceKernel: Kernel<SliceVariant> = {
  name: 'layout/slice',
  source: sliceSource,
  bindings: [
    { name: 'src', kind: 'read-only-storage' },
    { name: 'dst', kind: 'storage' },
    { name: 'params', kind: 'uniform' },
  ],
  workgroupSize: () => [WORKGROUP, 1, 1],
  defines: ({ dtype, backward, vec4 }) => ({ T: vec4 ? `vec4<${dtype}>` : dtype, BACKWARD: backward }),
  variants: [
    ...(['f32', 'i32', 'u32'] as const).flatMap((dtype) => [false, true].map((vec4) => ({ dtype, backward: false, vec4 }))),
    { dtype: 'f32', backward: true, vec4: false },
    { dtype: 'f32', backward: true, vec4: true },
  ],
  references: { slice: sliceReference, sliceBackward: sliceBackwardReference },
};

/**
 * Records a slice along one axis of a tensor seen as [outer, dim, inner]: forward, `dst` [outer,
 * length, inner] from `src` [outer, dim, inner]; backward, `dst` [outer, dim, inner] from `src`
 * [outer, length, inner] with zeros outside [start, start + length).
 */
export function encodeSlice(
  gpu: Dispatcher,
  dtype: SliceVariant['dtype'],
  backward: boolean,
  src: GpuStorage,
  dst: GpuStorage,
  dims: { outer: number; dim: number; inner: number; start: number; length: number },
): void {
  const { outer, dim, start, length } = dims;
  const n = outer * (backward ? dim : length) * dims.inner;
  if (n === 0) return;
  // Rows of a multiple of 4 elements move as vec4s: every row offset is then a multiple of 4 too.
  const vec4 = dims.inner % 4 === 0;
  const inner = vec4 ? dims.inner / 4 : dims.inner;
  const count = vec4 ? n / 4 : n;
  const groups = grid1D(Math.ceil(count / WORKGROUP), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.dispatch(sliceKernel, { dtype, backward, vec4 }, [src, dst, new Uint32Array([count, inner, length, dim, start])], groups);
}

/** out[o, k, i] = a[o, k, i] for k < dimA, else b[o, k − dimA, i]; see shaders/layout/concat.wgsl. */
export const concatKernel: Kernel<{ readonly vec4: boolean }> = {
  name: 'layout/concat',
  source: concatSource,
  bindings: [
    { name: 'a', kind: 'read-only-storage' },
    { name: 'b', kind: 'read-only-storage' },
    { name: 'out', kind: 'storage' },
    { name: 'params', kind: 'uniform' },
  ],
  workgroupSize: () => [WORKGROUP, 1, 1],
  defines: ({ vec4 }) => ({ T: vec4 ? 'vec4<f32>' : 'f32' }),
  variants: [{ vec4: false }, { vec4: true }],
  references: { concat: concatReference },
};

/** Records out [outer, dimA + dimB, inner] = a [outer, dimA, inner] joined with b [outer, dimB, inner] along the middle axis (f32). */
export function encodeConcat(
  gpu: Dispatcher,
  a: GpuStorage,
  b: GpuStorage,
  out: GpuStorage,
  dims: { outer: number; dimA: number; dimB: number; inner: number },
): void {
  const { outer, dimA, dimB } = dims;
  const n = outer * (dimA + dimB) * dims.inner;
  if (n === 0) return;
  const vec4 = dims.inner % 4 === 0;
  const inner = vec4 ? dims.inner / 4 : dims.inner;
  const count = vec4 ? n / 4 : n;
  const groups = grid1D(Math.ceil(count / WORKGROUP), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.dispatch(concatKernel, { vec4 }, [a, b, out, new Uint32Array([count, inner, dimA, dimB])], groups);
}
