import { layerNorm, layerNormBackward } from '../../src/index.js';
import { layerNormBackwardReference, layerNormReference } from '../../src/reference/norm.js';
import { type CaseContext, type GpuCase, type Tolerance, defineSuite } from '../harness/cases.js';
import { inBothRowLayouts } from './row-layouts.js';

// Tolerances (f32 on the GPU; the reference sums in float64 and rounds once):
// - y, mean, rstd, dx: a few f32 operations on row statistics that the GPU sums in f32 (short strided
//   sums per invocation, then a tree; or one serial sum per row, whose rounding grows as ~√D ulps,
//   which the mean keeps small by summing x − x[0]), so the error is a few ulps of (|x| + |mean|)·rstd·|γ|. The inputs
//   below keep rstd·|mean| ≲ 10 (offset ≤ 3, scale ≥ 0.5, rows of D ≥ 3 random values, or D = 1);
//   measured ≤ 1e-6 up to D = 3072. atol 1e-5, rtol 1e-5. (A row whose spread is tiny against its
//   mean is ill-conditioned in f32 whatever the kernel does: D = 2 rows of nearly equal values miss by 1e-5.)
// - dγ, dβ: sums over R rows of terms below ~3 in f32 (rows of a block in order, then blocks in order);
//   measured 3e-5 at R = 512 and 1.5e-4 at R = 65537. atol R·2^-21 (≈ 8·R·ulp(1)), rtol 1e-5, which a
//   single lost row (|dy| ≥ 0.1) still exceeds.
const Y_TOL: Tolerance = { atol: 1e-5, rtol: 1e-5 };
const DX_TOL: Tolerance = { atol: 1e-5, rtol: 1e-5 };
const paramTolerance = (rows: number): Tolerance => ({ atol: Math.max(1, rows) * 2 ** -21, rtol: 1e-5 });

/** Random rows with a per-tensor offset and scale, so the mean and variance are not trivially 0 and 1. */
function inputs(ctx: CaseContext, rows: number, dim: number, offset = ctx.rng.uniform(-3, 3)) {
  const scale = ctx.rng.uniform(0.5, 2);
  const x = ctx.rng.nonZeroFloats(rows * dim).map((v) => offset + scale * v);
  return { x, gamma: ctx.rng.nonZeroFloats(dim), beta: ctx.rng.nonZeroFloats(dim), dy: ctx.rng.nonZeroFloats(rows * dim) };
}

interface CaseOptions {
  eps?: number;
  /** A fixed offset of every x (default: random in ±3), with the y and dx tolerance it needs. */
  offset?: number;
  tolerance?: Tolerance;
}

/** Forward and backward on the GPU against the references, for x of `shape` [..., D]. */
function layerNormCase(shape: number[], { eps = 1e-5, offset, tolerance }: CaseOptions = {}): GpuCase {
  return {
    name: `layerNorm [${shape.join(', ')}]${eps !== 1e-5 ? ` eps ${eps}` : ''}${offset !== undefined ? ` offset ${offset}` : ''}`,
    async run(ctx) {
      const dim = shape[shape.length - 1]!;
      const rows = shape.reduce((a, b) => a * b, 1) / dim;
      const { x, gamma, beta, dy } = inputs(ctx, rows, dim, offset);
      const tx = ctx.gpu.tensor(x, shape);
      const tg = ctx.gpu.tensor(gamma, [dim]);
      const tb = ctx.gpu.tensor(beta, [dim]);
      const tdy = ctx.gpu.tensor(dy, shape);
      const forward = layerNorm(tx, tg, tb, eps);
      const grads = layerNormBackward(tdy, tx, tg, forward.mean, forward.rstd);
      const [y, mean, rstd, dx, dgamma, dbeta] = await Promise.all(
        [forward.y, forward.mean, forward.rstd, grads.dx, grads.dgamma, grads.dbeta].map((t) => t.data()),
      );
      [tx, tg, tb, tdy, forward.y, forward.mean, forward.rstd, grads.dx, grads.dgamma, grads.dbeta].forEach((t) => t.dispose());

      const want = { y: new Float32Array(rows * dim), mean: new Float32Array(rows), rstd: new Float32Array(rows) };
      layerNormReference(x, gamma, beta, want.y, want.mean, want.rstd, rows, dim, eps);
      ctx.expectClose('y', y!, want.y, tolerance ?? Y_TOL);
      ctx.expectClose('mean', mean!, want.mean, Y_TOL);
      ctx.expectClose('rstd', rstd!, want.rstd, Y_TOL);
      // The backward reference gets the GPU's own saved statistics, as the GPU backward did.
      const wantGrads = { dx: new Float32Array(rows * dim), dgamma: new Float32Array(dim), dbeta: new Float32Array(dim) };
      layerNormBackwardReference(dy, x, gamma, mean!, rstd!, wantGrads.dx, wantGrads.dgamma, wantGrads.dbeta, rows, dim);
      ctx.expectClose('dx', dx!, wantGrads.dx, tolerance ?? DX_TOL);
      ctx.expectClose('dgamma', dgamma!, wantGrads.dgamma, paramTolerance(rows));
      ctx.expectClose('dbeta', dbeta!, wantGrads.dbeta, paramTolerance(rows));
    },
  };
}

/** No rows: y, mean and rstd are empty, and dγ = dβ = 0 (written, not left as the poisoned NaN). */
const emptyCase: GpuCase = {
  name: 'layerNorm [0, 5]: no rows, zero dγ and dβ',
  async run(ctx) {
    const x = ctx.gpu.tensor([], [0, 5]);
    const gamma = ctx.gpu.tensor(ctx.rng.nonZeroFloats(5), [5]);
    const forward = layerNorm(x, gamma, gamma);
    const grads = layerNormBackward(x, x, gamma, forward.mean, forward.rstd);
    ctx.expectClose('y', await forward.y.data(), [], Y_TOL);
    ctx.expectClose('dgamma', await grads.dgamma.data(), [0, 0, 0, 0, 0], { atol: 0, rtol: 0 });
    ctx.expectClose('dbeta', await grads.dbeta.data(), [0, 0, 0, 0, 0], { atol: 0, rtol: 0 });
    [x, gamma, forward.y, forward.mean, forward.rstd, grads.dx, grads.dgamma, grads.dbeta].forEach((t) => t.dispose());
  },
};

/** Two runs on the same inputs give the same bits (fixed reduction order, no atomics). */
const deterministicCase: GpuCase = {
  name: 'layerNorm [1000, 33]: two runs agree to the bit',
  async run(ctx) {
    const [rows, dim] = [1000, 33];
    const { x, gamma, beta, dy } = inputs(ctx, rows, dim);
    const tx = ctx.gpu.tensor(x, [rows, dim]);
    const tg = ctx.gpu.tensor(gamma, [dim]);
    const tb = ctx.gpu.tensor(beta, [dim]);
    const tdy = ctx.gpu.tensor(dy, [rows, dim]);
    const runOnce = async () => {
      const forward = layerNorm(tx, tg, tb);
      const grads = layerNormBackward(tdy, tx, tg, forward.mean, forward.rstd);
      const outputs = [forward.y, forward.mean, forward.rstd, grads.dx, grads.dgamma, grads.dbeta];
      const values = await Promise.all(outputs.map((t) => t.data()));
      outputs.forEach((t) => t.dispose());
      return values;
    };
    const first = await runOnce();
    const second = await runOnce();
    [tx, tg, tb, tdy].forEach((t) => t.dispose());
    ['y', 'mean', 'rstd', 'dx', 'dgamma', 'dbeta'].forEach((label, i) => ctx.expectClose(label, second[i]!, first[i]!, { atol: 0, rtol: 0 }));
  },
};

export default defineSuite(
  'norm',
  inBothRowLayouts([
    layerNormCase([1, 1]), // D = 1: y = β, dx = 0
    layerNormCase([7]),
    layerNormCase([3, 7]),
    layerNormCase([2, 3, 33]),
    layerNormCase([5, 129]),
    layerNormCase([257, 7]), // 129 blocks of 2 rows, the last one short
    layerNormCase([4, 1000]), // rows longer than the workgroup
    layerNormCase([3, 3072]),
    layerNormCase([1000, 33], { eps: 1e-3 }), // 250 blocks of 4 rows
    layerNormCase([512, 768]), // BERT-base: 512 tokens of hidden size 768
    // Rows far from 0: the f32 mean alone is off by ~ulp(1000) = 6e-5, so y and dx may miss by ~rstd·1e-4
    // (tolerance 2e-3); a one-pass E[x²] − E[x]² variance would lose about 0.1 of the variance here.
    layerNormCase([16, 768], { offset: 1000, tolerance: { atol: 2e-3, rtol: 1e-5 } }),
    layerNormCase([65537, 8]), // more rows than one grid dimension allows: the 2-D dispatch path
    // Row counts that are not multiples of the 64 rows of an 'invocation' workgroup, rows of 1, 3, 257.
    layerNormCase([100, 1]),
    layerNormCase([65, 3]),
    layerNormCase([130, 257]),
    layerNormCase([1027, 16]), // 206 blocks of 5 rows, the last one short: 4 'invocation' workgroups, the last one short
    layerNormCase([8, 128, 128]), // the small BERT's hidden rows
    emptyCase,
    deterministicCase,
  ]),
);
