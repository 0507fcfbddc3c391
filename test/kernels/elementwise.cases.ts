import { type DType, add, mul } from '../../src/index.js';
import { fromHalfBits, toHalfBits } from '../../src/tensor/dtype.js';
import { addReference, mulReference, type NumericArray } from '../../src/reference/elementwise.js';
import { type CaseContext, type GpuCase, type Tolerance, defineSuite } from '../harness/cases.js';

// WGSL f32/i32/u32 add and multiply are exact or correctly rounded, as is the reference's store
// into a Float32Array, so those must match to the bit. f16: within one half ulp-ish, 1e-3 relative
// (the reference rounds the f32 result to half once; the GPU may compute in half directly).
const roundToHalf = (values: ArrayLike<number>) => fromHalfBits(toHalfBits(values));

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

function binaryCase(op: 'add' | 'mul', dtype: DType, shape: number[]): GpuCase {
  return {
    name: `${op} ${dtype} [${shape.join(', ')}]`,
    async run(ctx) {
      if (dtype === 'f16' && !ctx.gpu.device.features.has('shader-f16')) return ctx.skip('adapter lacks shader-f16');
      const n = shape.reduce((x, y) => x * y, 1);
      const x = randomValues(ctx, dtype, n);
      const y = randomValues(ctx, dtype, n);
      const a = ctx.gpu.tensor(x, shape, dtype);
      const b = ctx.gpu.tensor(y, shape, dtype);
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

const SHAPES = [[1], [7], [33], [257], [3, 5, 7], [70001]];

export default defineSuite('elementwise', [
  ...(['add', 'mul'] as const).flatMap((op) =>
    (['f32', 'f16', 'i32', 'u32'] as const).flatMap((dtype) => SHAPES.map((shape) => binaryCase(op, dtype, shape))),
  ),
  // More workgroups than one grid dimension allows (65535 × 256 elements): the 2-D dispatch path.
  binaryCase('add', 'f32', [65535 * 256 + 1025]),
]);
