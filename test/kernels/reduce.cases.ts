import { globalNorm, sum } from '../../src/index.js';
import { globalNormReference, sumReference } from '../../src/reference/reduce.js';
import { type CaseContext, type GpuCase, type Tolerance, defineSuite } from '../harness/cases.js';

// Tolerances, against float64 references:
// - sum of random floats in ±[0.1, 1): f32 accumulation (each lane at most 64 serial additions,
//   then trees and further passes). Rounding errors of random-sign terms grow like sqrt(R):
//   atol 1e-5·sqrt(R), rtol 1e-6. Measured: at most 4.9e-7·sqrt(R) (R = 8192: 4.4e-5; R = 1e6:
//   4.1e-5), so the margin is 20× or more, while a lost or doubled element (≥ 0.1) still fails
//   for any R below 1e8.
// - sum of small integers: every partial sum is an integer below 2^24, so f32 is exact: atol 0.
// - globalNorm of floats: positive terms only, so the error is relative: rtol 1e-6 (measured
//   ≤ 5e-8).
// - globalNorm of integers ±1, ±2: the sum of squares is exact in f32, and sqrt is within a few
//   ulp, so round(norm²) must equal the exact integer sum (any lost element changes it by ≥ 1).
const floatSum = (rows: number): Tolerance => ({ atol: 1e-5 * Math.sqrt(Math.max(rows, 1)), rtol: 1e-6 });
const EXACT: Tolerance = { atol: 0, rtol: 0 };

function values(ctx: CaseContext, n: number, integers: boolean): Float32Array {
  return integers ? Float32Array.from(ctx.rng.nonZeroInts(n, -4, 4)) : ctx.rng.nonZeroFloats(n);
}

function sumCase(shape: number[], axis: number, integers = false): GpuCase {
  return {
    name: `sum [${shape.join(', ')}] axis ${axis}${integers ? ' integers' : ''}`,
    async run(ctx) {
      const size = shape.reduce((a, b) => a * b, 1);
      const xs = values(ctx, size, integers);
      const x = ctx.gpu.tensor(xs, shape);
      const out = sum(x, axis);
      const first = await out.data();
      // Deterministic: a second run gives the same bits.
      const again = sum(x, axis);
      const second = await again.data();
      [x, out, again].forEach((t) => t.dispose());
      const a = axis < 0 ? axis + shape.length : axis;
      const wantShape = shape.filter((_, i) => i !== a);
      ctx.expectTrue('shape', out.shape.join() === wantShape.join(), `got [${out.shape}], want [${wantShape}]`);
      const outer = shape.slice(0, a).reduce((p, d) => p * d, 1);
      const inner = shape.slice(a + 1).reduce((p, d) => p * d, 1);
      const want = new Float64Array(outer * inner);
      sumReference(xs, want, outer, shape[a]!, inner);
      ctx.expectClose('sum', first, want, integers ? EXACT : floatSum(shape[a]!));
      ctx.expectClose('same bits on a second run', second, first, EXACT);
    },
  };
}

function globalNormCase(name: string, sizes: number[], integers: boolean): GpuCase {
  return {
    name: `globalNorm ${name}${integers ? ' integers' : ''}`,
    async run(ctx) {
      const arrays = sizes.map((n) => (integers ? Float32Array.from(ctx.rng.nonZeroInts(n, -2, 2)) : ctx.rng.nonZeroFloats(n)));
      // Shapes of every rank, as parameters come.
      const tensors = arrays.map((a, i) => ctx.gpu.tensor(a, i % 3 === 0 ? [a.length] : i % 3 === 1 ? [1, a.length] : [a.length, 1, 1]));
      const norm = globalNorm(tensors);
      const got = await norm.data();
      const again = globalNorm(tensors);
      const second = await again.data();
      [...tensors, norm, again].forEach((t) => t.dispose());
      ctx.expectTrue('scalar', norm.shape.length === 0, `shape [${norm.shape}]`);
      const want = new Float64Array(1);
      globalNormReference(arrays, want);
      ctx.expectClose('norm', got, want, { atol: 0, rtol: 1e-6 });
      ctx.expectClose('same bits on a second run', second, got, EXACT);
      if (integers) {
        const exact = Math.round(want[0]! ** 2);
        const fromGpu = Math.round(got[0]! ** 2);
        ctx.expectTrue('Σx² exact', fromGpu === exact, `round(norm²) = ${fromGpu}, want ${exact}`);
      }
    },
  };
}

// 1 … 100,000 elements, around the 4096-element chunk of one workgroup, plus an empty tensor;
// 14 tensors = two dispatches of 7.
const MIXED = [1, 100000, 2, 3, 0, 7, 33, 4095, 4096, 4097, 257, 10000, 1000, 100];

export default defineSuite('reduce', [
  // rank 1
  sumCase([1], 0),
  sumCase([7], 0),
  sumCase([1000003], 0),
  sumCase([1000003], -1, true),
  // rank 2: first and last axis, short and long rows and columns
  sumCase([33, 129], 0),
  sumCase([33, 129], 1),
  sumCase([5, 63], -1),
  sumCase([5, 64], 1),
  sumCase([100000, 3], 1),
  sumCase([3, 100000], 1),
  sumCase([70000, 2], 0),
  sumCase([70000, 2], 0, true),
  sumCase([512, 3072], 0),
  sumCase([512, 3072], 1),
  // last-axis rows of 300, 768, 1500: 4, 8 and 16 lanes per row
  sumCase([40, 300], 1),
  sumCase([64, 768], -1),
  sumCase([9, 1500], 1, true),
  // the bias gradient: 8192 rows of 768 columns takes three passes
  sumCase([8192, 768], 0),
  sumCase([8192, 768], 0, true),
  // rank 3 and 4: first, middle, last
  sumCase([3, 257, 5], 0),
  sumCase([3, 257, 5], 1),
  sumCase([3, 257, 5], 2),
  sumCase([2, 3, 70, 5], 0),
  sumCase([2, 3, 70, 5], 2),
  sumCase([2, 3, 70, 5], -1),
  sumCase([4, 9000, 3, 2], 1, true),
  // an empty axis sums to zeros
  sumCase([3, 0, 4], 1),
  globalNormCase('one element', [1], false),
  globalNormCase('1 … 100,000 elements', MIXED, false),
  globalNormCase('1 … 100,000 elements', MIXED, true),
  globalNormCase(
    '30 tiny tensors',
    Array.from({ length: 30 }, (_, i) => 1 + (i % 5)),
    true,
  ),
]);
