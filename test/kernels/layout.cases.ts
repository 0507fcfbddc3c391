import { concat, slice, sliceBackward, transpose } from '../../src/index.js';
import { type LayoutArray, concatReference, sliceBackwardReference, sliceReference, transposeReference } from '../../src/reference/layout.js';
import { type CaseContext, type GpuCase, defineSuite } from '../harness/cases.js';

// A transpose only moves values: the GPU must match the reference bit for bit (atol 0, rtol 0),
// for every dtype.
const EXACT = { atol: 0, rtol: 0 };

type Dtype = 'f32' | 'i32' | 'u32';

function randomValues(ctx: CaseContext, dtype: Dtype, n: number): LayoutArray {
  if (dtype === 'i32') return Int32Array.from(ctx.rng.nonZeroInts(n, -(2 ** 31), 2 ** 31 - 1));
  if (dtype === 'u32') return Uint32Array.from(ctx.rng.nonZeroInts(n, 1, 2 ** 32 - 1));
  return ctx.rng.nonZeroFloats(n);
}

function transposeCase(dtype: Dtype, shape: number[], perm: number[], note = ''): GpuCase {
  return {
    name: `transpose ${dtype} [${shape.join(', ')}] by [${perm.join(', ')}]${note ? ` (${note})` : ''}`,
    async run(ctx) {
      const n = shape.reduce((a, b) => a * b, 1);
      const values = randomValues(ctx, dtype, n);
      const x = ctx.gpu.tensor(values, shape, dtype);
      const out = transpose(x, perm);
      const wantShape = perm.map((p) => shape[p]!);
      ctx.expectTrue('shape', out.shape.join() === wantShape.join(), `got [${out.shape.join(', ')}], want [${wantShape.join(', ')}]`);
      ctx.expectTrue('dtype', out.dtype === dtype, `got ${out.dtype}`);
      ctx.expectTrue('a new tensor', out !== x && out.storage() !== x.storage(), 'out aliases x');
      const want = new (values.constructor as new (n: number) => LayoutArray)(n);
      transposeReference(values, shape, perm, want);
      ctx.expectClose(`transpose ${dtype}`, await out.data(), want, EXACT);
      // x is only read.
      ctx.expectClose('x unchanged', await x.data(), values, EXACT);
      [x, out].forEach((t) => t.dispose());
    },
  };
}

const DTYPES = ['f32', 'i32', 'u32'] as const;

/** The tensor seen as [outer, dim, inner] around `axis`. */
function around(shape: readonly number[], axis: number): [number, number, number] {
  const size = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
  return [size(shape.slice(0, axis)), shape[axis]!, size(shape.slice(axis + 1))];
}

/** concat(a, b, axis) of random f32 tensors: bit-exact against the reference, into a NaN-poisoned output. */
function concatCase(aShape: number[], bShape: number[], axis: number, note = ''): GpuCase {
  return {
    name: `concat [${aShape.join(', ')}] and [${bShape.join(', ')}] along axis ${axis}${note ? ` (${note})` : ''}`,
    async run(ctx) {
      const size = (shape: readonly number[]) => shape.reduce((x, y) => x * y, 1);
      const [as, bs] = [ctx.rng.nonZeroFloats(size(aShape)), ctx.rng.nonZeroFloats(size(bShape))];
      const a = ctx.gpu.tensor(as, aShape, 'f32');
      const b = ctx.gpu.tensor(bs, bShape, 'f32');
      const out = concat(a, b, axis);
      const resolved = axis < 0 ? axis + aShape.length : axis;
      const [outer, dimA, inner] = around(aShape, resolved);
      const wantShape = aShape.map((d, k) => (k === resolved ? d + bShape[k]! : d));
      ctx.expectTrue('shape', out.shape.join() === wantShape.join(), `got [${out.shape.join(', ')}], want [${wantShape.join(', ')}]`);
      const want = new Float32Array(size(wantShape));
      concatReference(as, bs, outer, dimA, bShape[resolved]!, inner, want);
      ctx.expectClose('concat', await out.data(), want, EXACT);
      [a, b, out].forEach((t) => t.dispose());
    },
  };
}

/**
 * slice(x, axis, start, length) (any dtype) and, for f32, sliceBackward of a random dy: bit-exact,
 * a copy and zeros only. The backward's zeros must be written by the kernel (outputs are NaN-poisoned).
 */
function sliceCase(dtype: Dtype, shape: number[], axis: number, start: number, length: number, note = ''): GpuCase {
  return {
    name: `slice ${dtype} [${shape.join(', ')}] axis ${axis}, start ${start}, length ${length}${dtype === 'f32' ? ' and its backward' : ''}${note ? ` (${note})` : ''}`,
    async run(ctx) {
      const n = shape.reduce((a, b) => a * b, 1);
      const values = randomValues(ctx, dtype, n);
      const x = ctx.gpu.tensor(values, shape, dtype);
      const out = slice(x, axis, start, length);
      const resolved = axis < 0 ? axis + shape.length : axis;
      const [outer, dim, inner] = around(shape, resolved);
      const outShape = shape.map((d, k) => (k === resolved ? length : d));
      ctx.expectTrue('shape and dtype', out.shape.join() === outShape.join() && out.dtype === dtype, `got ${out.describe()}`);
      const want = new (values.constructor as new (n: number) => LayoutArray)(outer * length * inner);
      sliceReference(values, outer, dim, inner, start, length, want);
      ctx.expectClose(`slice ${dtype}`, await out.data(), want, EXACT);
      [x, out].forEach((t) => t.dispose());
      if (dtype !== 'f32') return;
      const dys = ctx.rng.nonZeroFloats(want.length);
      const dy = ctx.gpu.tensor(dys, outShape);
      const dx = sliceBackward(dy, axis, start, dim);
      ctx.expectTrue('dx shape', dx.shape.join() === shape.join(), `got [${dx.shape.join(', ')}]`);
      const wantDx = new Float32Array(n);
      sliceBackwardReference(dys, outer, dim, inner, start, length, wantDx);
      ctx.expectClose('sliceBackward', await dx.data(), wantDx, EXACT);
      [dy, dx].forEach((t) => t.dispose());
    },
  };
}

export default defineSuite('layout', [
  // Attention heads: [B, T, H, Dh] ↔ [B, H, T, Dh]. Dh a multiple of 4 takes the vec4 path.
  ...DTYPES.flatMap((dtype) => [
    transposeCase(dtype, [2, 7, 3, 5], [0, 2, 1, 3]),
    transposeCase(dtype, [3, 17, 5, 12], [0, 2, 1, 3], 'vec4'),
    transposeCase(dtype, [7, 33], [1, 0]),
    transposeCase(dtype, [2, 5, 3, 4, 3, 2], [5, 3, 1, 0, 2, 4], 'rank 6'),
  ]),
  transposeCase('f32', [2, 33, 8, 64], [0, 2, 1, 3], 'BERT-base heads, vec4'),
  transposeCase('f32', [2, 8, 33, 64], [0, 2, 1, 3], 'and back'),
  transposeCase('f32', [1, 129, 3, 7], [0, 2, 1, 3]),
  // Runs of vec4s per invocation: Dh 32 (8 vec4s), 24 (a run of 2), 4 (none), 128 (the 16 cap, twice).
  transposeCase('f32', [3, 13, 4, 32], [0, 2, 1, 3], 'runs of 8'),
  transposeCase('i32', [2, 5, 7, 24], [0, 2, 1, 3], 'runs of 2'),
  transposeCase('f32', [2, 9, 3, 4], [0, 2, 1, 3], 'run of 1'),
  transposeCase('f32', [2, 3, 5, 128], [0, 2, 1, 3], 'runs of 16, two per row'),
  // 2-D, sizes that are not multiples of the workgroup.
  transposeCase('f32', [1, 1], [1, 0]),
  transposeCase('f32', [1, 257], [1, 0]),
  transposeCase('f32', [129, 257], [1, 0]),
  transposeCase('f32', [512, 768], [1, 0]),
  // Rank 1, 3 and 5, other permutations, size-1 dims, the identity (still a copy).
  transposeCase('f32', [7], [0]),
  transposeCase('i32', [70001], [0]),
  transposeCase('f32', [5, 7, 9], [2, 0, 1]),
  transposeCase('i32', [5, 7, 9], [1, 2, 0]),
  transposeCase('f32', [3, 5, 8], [1, 0, 2], 'vec4 after merging'),
  transposeCase('f32', [1, 7, 1, 9], [3, 2, 1, 0]),
  transposeCase('u32', [2, 3, 1, 4, 5], [4, 2, 0, 3, 1], 'rank 5'),
  transposeCase('f32', [3, 5, 7], [0, 1, 2], 'identity'),
  transposeCase('f32', [2, 3, 4, 5, 6, 7], [0, 1, 2, 3, 4, 5], 'identity, rank 6'),
  transposeCase('f32', [0, 3], [1, 0], 'empty'),
  // More workgroups than one grid dimension allows (65535 × 256 elements): the 2-D dispatch path.
  transposeCase('f32', [4099, 4097], [1, 0], '2-D grid'),

  // The [CLS] row of [B, T, D] hidden states (D a multiple of 4: vec4s), a middle stretch, the last
  // axis (inner 1), the first axis, odd sizes, negative axes, a whole axis, an empty slice.
  ...DTYPES.flatMap((dtype) => [sliceCase(dtype, [3, 7, 5], 1, 2, 4), sliceCase(dtype, [2, 9, 12], 1, 3, 5, 'vec4')]),
  sliceCase('f32', [4, 33, 64], 1, 0, 1, '[CLS] rows'),
  sliceCase('f32', [7, 33], -1, 1, 31, 'inner 1'),
  sliceCase('f32', [129, 3, 4], 0, 128, 1),
  sliceCase('i32', [2, 257], 1, 0, 128),
  sliceCase('f32', [2, 3, 5, 7], -2, 4, 1),
  sliceCase('f32', [5, 8], 1, 0, 8, 'whole axis'),
  sliceCase('f32', [3, 6], 1, 2, 0, 'empty'),
  sliceCase('f32', [2, 300, 1000], 1, 13, 280, 'over a million elements'),

  // Joins: a decoding cache's rows and the newest rows (first axis, vec4), the growing cache's time
  // axis of [B, H, T, Dh], the last axis (inner 1), odd sizes, a negative axis, an empty operand.
  concatCase([8 * 72, 32], [8, 32], 0, 'cache rows and newest rows'),
  concatCase([2, 3, 5, 8], [2, 3, 1, 8], 2, 'time axis'),
  concatCase([3, 7], [3, 5], 1, 'inner 1'),
  concatCase([5, 3, 9], [5, 4, 9], -2),
  concatCase([2, 0, 6], [2, 3, 6], 1, 'empty a'),
  concatCase([4, 3], [0, 3], 0, 'empty b'),
]);
