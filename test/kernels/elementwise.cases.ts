import { type DType, add, mul } from '../../src/index.js';
// scale and addScaled are not in src/index.ts's explicit elementwise export list yet (a shared file).
import { accumulate, addScaled, scale } from '../../src/ops/elementwise.js';
import { fromHalfBits, toHalfBits } from '../../src/tensor/dtype.js';
import {
  accumulateReference,
  addBroadcastReference,
  addReference,
  addScaledReference,
  broadcastShape,
  mulBroadcastReference,
  mulReference,
  scaleReference,
  type NumericArray,
} from '../../src/reference/elementwise.js';
import { type CaseContext, type GpuCase, type Tolerance, defineSuite } from '../harness/cases.js';

// WGSL f32/i32/u32 add and multiply are exact or correctly rounded, as is the reference's store
// into a Float32Array, so those must match to the bit. f16: within one half ulp-ish, 1e-3 relative
// (the reference rounds the f32 result to half once; the GPU may compute in half directly).
const roundToHalf = (values: ArrayLike<number>) => fromHalfBits(toHalfBits(values));

// Broadcast cases (b a suffix of a's shape) use the same tolerances: b[i mod |b|] is only an index.
// scale: one f32 multiply, correctly rounded on both sides (s is rounded to f32 first): exact.
// addScaled f32: the GPU may round s·b before adding, an extra ≤ 2^-24·|s·b| ≤ 2^-24·|s| (|b| < 1),
// then the result rounds once: atol 2^-24·|s|, rtol 2^-23. f16: 2e-3 relative (f32 math, one
// rounding to half, but the inputs themselves are halves), plus atol 1e-3 for sums that cancel.
const TOLERANCE: Record<DType, Tolerance> = {
  f32: { atol: 0, rtol: 0 },
  i32: { atol: 0, rtol: 0 },
  u32: { atol: 0, rtol: 0 },
  f16: { atol: 0, rtol: 1e-3 },
};

function randomValues(ctx: CaseContext, dtype: DType, n: number): Float32Array | Int32Array | Uint32Array {
  // Integers span the whole range, so sums and products wrap.
  if (dtype === 'i32') return Int32Array.from(ctx.rng.nonZeroInts(n, -(2 ** 31), 2 ** 31 - 1));
  if (dtype === 'u32') return Uint32Array.from(ctx.rng.nonZeroInts(n, 1, 2 ** 32 - 1));
  return ctx.rng.nonZeroFloats(n);
}

function binaryCase(op: 'add' | 'mul', dtype: DType, shape: number[], bShape = shape): GpuCase {
  const broadcast = bShape.join() !== shape.join();
  return {
    name: `${op} ${dtype} [${shape.join(', ')}]${broadcast ? ` + b [${bShape.join(', ')}]` : ''}`,
    async run(ctx) {
      if (dtype === 'f16' && !ctx.gpu.device.features.has('shader-f16')) return ctx.skip('adapter lacks shader-f16');
      const n = shape.reduce((x, y) => x * y, 1);
      const x = randomValues(ctx, dtype, n);
      const y = randomValues(
        ctx,
        dtype,
        bShape.reduce((p, d) => p * d, 1),
      );
      const a = ctx.gpu.tensor(x, shape, dtype);
      const b = ctx.gpu.tensor(y, bShape, dtype);
      const out = op === 'add' ? add(a, b) : mul(a, b);
      const got = await out.data();
      [a, b, out].forEach((t) => t.dispose());
      // The reference sees what the GPU saw: f16 inputs rounded to half first, the result rounded after.
      const half = dtype === 'f16';
      const inputX = half ? roundToHalf(x) : x;
      const inputY = half ? roundToHalf(y) : y;
      const want = new (inputX.constructor as new (n: number) => NumericArray)(n);
      (op === 'add' ? addReference : mulReference)(inputX, inputY, want);
      ctx.expectClose(`${op} ${dtype}`, got, half ? roundToHalf(want) : want, TOLERANCE[dtype]);
    },
  };
}

/**
 * add or mul with NumPy broadcasting of both sides (the general kernel, or the plain one with the
 * operands swapped when a is a suffix of b), against the general references; tolerances as above.
 */
function broadcastCase(op: 'add' | 'mul', dtype: DType, aShape: number[], bShape: number[], note = ''): GpuCase {
  const outShape = broadcastShape(aShape, bShape)!;
  return {
    name: `${op} ${dtype} a [${aShape.join(', ')}] and b [${bShape.join(', ')}] → [${outShape.join(', ')}]${note ? ` (${note})` : ''}`,
    async run(ctx) {
      if (dtype === 'f16' && !ctx.gpu.device.features.has('shader-f16')) return ctx.skip('adapter lacks shader-f16');
      const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);
      const x = randomValues(ctx, dtype, size(aShape));
      const y = randomValues(ctx, dtype, size(bShape));
      const a = ctx.gpu.tensor(x, aShape, dtype);
      const b = ctx.gpu.tensor(y, bShape, dtype);
      const out = op === 'add' ? add(a, b) : mul(a, b);
      ctx.expectTrue('shape', out.shape.join() === outShape.join() && out.dtype === dtype, `got ${out.describe()}`);
      const got = await out.data();
      [a, b, out].forEach((t) => t.dispose());
      const half = dtype === 'f16';
      const inputX = half ? roundToHalf(x) : x;
      const inputY = half ? roundToHalf(y) : y;
      const want = new (inputX.constructor as new (n: number) => NumericArray)(size(outShape));
      (op === 'add' ? addBroadcastReference : mulBroadcastReference)(inputX, aShape, inputY, bShape, outShape, want);
      ctx.expectClose(`${op} ${dtype}`, got, half ? roundToHalf(want) : want, TOLERANCE[dtype]);
    },
  };
}

function scaledCase(op: 'scale' | 'addScaled', dtype: 'f32' | 'f16', shape: number[], bShape = shape): GpuCase {
  const broadcast = op === 'addScaled' && bShape.join() !== shape.join();
  return {
    name: `${op} ${dtype} [${shape.join(', ')}]${broadcast ? ` + s·b [${bShape.join(', ')}]` : ''}`,
    async run(ctx) {
      if (dtype === 'f16' && !ctx.gpu.device.features.has('shader-f16')) return ctx.skip('adapter lacks shader-f16');
      const n = shape.reduce((x, y) => x * y, 1);
      const half = dtype === 'f16';
      // The GPU sees halves: the reference starts from the same rounded inputs.
      const x = half ? roundToHalf(ctx.rng.nonZeroFloats(n)) : ctx.rng.nonZeroFloats(n);
      const y = half ? roundToHalf(ctx.rng.nonZeroFloats(bShape.reduce((p, d) => p * d, 1))) : ctx.rng.nonZeroFloats(bShape.reduce((p, d) => p * d, 1));
      // A factor that is not a power of two, so a lost multiply or a wrong s shows.
      const s = Math.fround((ctx.rng.next() < 0.5 ? -1 : 1) * ctx.rng.uniform(0.3, 3));
      const a = ctx.gpu.tensor(x, shape, dtype);
      const b = ctx.gpu.tensor(y, bShape, dtype);
      const out = op === 'scale' ? scale(a, s) : addScaled(a, b, s);
      // A second factor through the same pipeline: s is a uniform, not baked into the shader.
      const out2 = op === 'scale' ? scale(a, -2 * s) : addScaled(a, b, -2 * s);
      const pipelines = ctx.gpu.stats().pipelines;
      const out3 = op === 'scale' ? scale(a, 0.5 * s) : addScaled(a, b, 0.5 * s);
      ctx.expectTrue('no new pipeline for a new s', ctx.gpu.stats().pipelines === pipelines, `${ctx.gpu.stats().pipelines} pipelines, had ${pipelines}`);
      const got = [await out.data(), await out2.data(), await out3.data()];
      [a, b, out, out2, out3].forEach((t) => t.dispose());
      [s, -2 * s, 0.5 * s].forEach((factor, k) => {
        const want = new Float64Array(n);
        if (op === 'scale') scaleReference(x, factor, want);
        else addScaledReference(x, y, factor, want);
        const tolerance: Tolerance = half
          ? { atol: 1e-3, rtol: 2e-3 }
          : op === 'scale'
            ? { atol: 0, rtol: 2 ** -24 }
            : { atol: 2 ** -24 * Math.abs(factor), rtol: 2 ** -23 };
        ctx.expectClose(`${op} s = ${factor}`, got[k]!, half ? roundToHalf(want) : want, tolerance);
      });
    },
  };
}

// accumulate: into + s·x in f32; the GPU may round s·x before adding (≤ 2^-24·|s·x| ≤ 2^-24·|s|, as
// |x| < 1) and rounds the sum once (2^-24 relative): atol 2^-24·|s|, rtol 2^-24, against the float64
// value of the same inputs. Each step is checked from the values the previous step left on the GPU.
function accumulateCase(shape: number[], steps = 3): GpuCase {
  return {
    name: `accumulate f32 [${shape.join(', ')}]`,
    async run(ctx) {
      const n = shape.reduce((x, y) => x * y, 1);
      const start = ctx.rng.nonZeroFloats(n);
      const x = ctx.rng.nonZeroFloats(n);
      const into = ctx.gpu.tensor(start, shape);
      const xt = ctx.gpu.tensor(x, shape);
      const storage = into.storage('accumulate');
      let before: ArrayLike<number> = start;
      const s1 = Math.fround((ctx.rng.next() < 0.5 ? -1 : 1) * ctx.rng.uniform(0.3, 3));
      const factors = [s1, Math.fround(-2 * s1), Math.fround(0.5 * s1)].slice(0, steps);
      let pipelines = 0;
      for (const [k, factor] of factors.entries()) {
        accumulate(into, xt, factor);
        if (k === 0) pipelines = ctx.gpu.stats().pipelines;
        const got = await into.data();
        const want = Float64Array.from(before);
        accumulateReference(want, x, factor);
        ctx.expectClose(`accumulate step ${k + 1}, s = ${factor}`, got, want, { atol: 2 ** -24 * Math.abs(factor), rtol: 2 ** -24 });
        before = got;
      }
      if (steps > 1)
        ctx.expectTrue('no new pipeline for a new s', ctx.gpu.stats().pipelines === pipelines, `${ctx.gpu.stats().pipelines} pipelines, had ${pipelines}`);
      ctx.expectTrue('in place: into keeps its storage', into.storage('accumulate') === storage, 'into got new storage');
      ctx.expectClose('x unchanged', await xt.data(), x, { atol: 0, rtol: 0 });
      [into, xt].forEach((t) => t.dispose());
    },
  };
}

const SHAPES = [[1], [7], [33], [257], [3, 5, 7], [70001]];

export default defineSuite('elementwise', [
  ...(['add', 'mul'] as const).flatMap((op) => (['f32', 'f16', 'i32', 'u32'] as const).flatMap((dtype) => SHAPES.map((shape) => binaryCase(op, dtype, shape)))),
  // More workgroups than one grid dimension allows (65535 × 256 elements): the 2-D dispatch path.
  binaryCase('add', 'f32', [65535 * 256 + 1025]),
  // Broadcasting: a bias [N] onto [M, N], a position table [T, D] onto [B, T, D], a scalar-shaped b.
  ...(['add', 'mul'] as const).flatMap((op) =>
    (['f32', 'f16', 'i32', 'u32'] as const).flatMap((dtype) => [
      binaryCase(op, dtype, [7, 33], [33]),
      binaryCase(op, dtype, [3, 17, 129], [17, 129]),
      binaryCase(op, dtype, [2, 3, 5, 7], [7]),
      binaryCase(op, dtype, [257], []),
    ]),
  ),
  binaryCase('add', 'f32', [512, 3072], [3072]),
  // NumPy broadcasting of both sides: an outer sum, [B, 1, D] with [1, T, D], a smaller-rank a, a
  // rank-6 pattern no merge shortens, size-1 dims of both, and a 2-D dispatch grid.
  ...(['add', 'mul'] as const).flatMap((op) =>
    (['f32', 'f16', 'i32', 'u32'] as const).flatMap((dtype) => [
      broadcastCase(op, dtype, [7, 1], [1, 33]),
      broadcastCase(op, dtype, [3, 1, 129], [1, 17, 129]),
      broadcastCase(op, dtype, [33], [5, 7, 33], 'a a suffix of b'),
      broadcastCase(op, dtype, [3, 1, 5, 1, 2, 1], [1, 4, 1, 3, 1, 5], 'rank 6, nothing merges'),
    ]),
  ),
  broadcastCase('add', 'f32', [2, 1, 1, 257], [5, 3, 1]),
  broadcastCase('mul', 'f32', [1, 1, 7], [1, 1]),
  broadcastCase('add', 'f32', [4, 1, 64], [4, 128, 1], 'attention-mask-like'),
  broadcastCase('add', 'f32', [0, 1], [1, 5], 'empty'),
  broadcastCase('add', 'f32', [4100, 1], [1, 4100], '2-D grid'),
  ...(['f32', 'f16'] as const).flatMap((dtype) => [
    ...SHAPES.map((shape) => scaledCase('scale', dtype, shape)),
    ...SHAPES.map((shape) => scaledCase('addScaled', dtype, shape)),
    scaledCase('addScaled', dtype, [7, 33], [33]),
    scaledCase('addScaled', dtype, [2, 9, 129], [9, 129]),
  ]),
  scaledCase('scale', 'f32', [512, 3072]),
  scaledCase('addScaled', 'f32', [512, 3072]),
  scaledCase('addScaled', 'f32', [512, 3072], [3072]),
  ...SHAPES.map((shape) => accumulateCase(shape)),
  accumulateCase([512, 3072]),
  // More workgroups than one grid dimension allows: the 2-D dispatch path (one step: 67 MB a readback).
  accumulateCase([65535 * 256 + 1025], 1),
]);
