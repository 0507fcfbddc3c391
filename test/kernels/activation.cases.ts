import { biasActivationBackward, gelu, geluBackward, relu, reluBackward, tanh, tanhBackward, type ActivationKind, type Tensor } from '../../src/index.js';
import { activationBackwardReference, activationReference, biasActivationBackwardReference } from '../../src/reference/activation.js';
import { sumReference } from '../../src/reference/reduce.js';
import { type CaseContext, type GpuCase, type Tolerance, defineSuite } from '../harness/cases.js';

// Tolerances, against float64 references (outputs compared with |gpu − ref| ≤ atol + rtol·|ref|):
// - ReLU, forward and backward, and the identity: exact (select and one f32 multiply).
// - GELU: the shader's erf is a polynomial fit with |error| ≤ 7.4e-8 (f32 evaluation), so Φ has
//   ≤ 4e-8 absolute error, times |x| in x·Φ(x); the rest is a few f32 roundings and exp's error
//   (WGSL allows 3 + 2|x| ulp). atol 2e-7, rtol 5e-7 (4 ulp), for both forms and the derivatives.
//   Measured on SwiftShader and lavapipe: y ≤ 5.2e-7 at |y| ≈ 4.7 (1 ulp), dx ≤ 2.4e-7 at ≈ 1.1.
// - dbias: a sum over R rows of dz values, each within the GELU tolerance: atol 1e-5·sqrt(R) as for
//   sum (see reduce.cases.ts), rtol 5e-7; the 'none' cases on small integers are exact.
// - tanh: a Taylor polynomial below |x| = 0.5 (truncation < 1e-7 relative) and (1 − e)/(1 + e),
//   e = e^(−2|x|), above, where nothing cancels; its derivative 4e/(1 + e)² keeps relative accuracy
//   in the tails. A few roundings and exp's error: atol 1e-7, rtol 1e-6 (8 ulp) for y and dx.
//   Measured on SwiftShader and lavapipe: y ≤ 1.6e-7 at |y| ≈ 0.59, dx ≤ 2.2e-7 at ≈ 0.89 (≤ 4 ulp),
//   largest just above the switch at 0.5, where e^(−2|x|) is largest.
const EXACT: Tolerance = { atol: 0, rtol: 0 };
const GELU: Tolerance = { atol: 2e-7, rtol: 5e-7 };
const TANH: Tolerance = { atol: 1e-7, rtol: 1e-6 };

const tolerance = (activation: ActivationKind): Tolerance => (activation === 'gelu' || activation === 'gelu_tanh' ? GELU : EXACT);

// Zero, tiny values, the erf branch point x = ±√2, the far tails where Φ underflows, and
// values where tanh and exp saturate; the rest are random in ±[0.6, 6).
const SPECIAL = [0, -1e-4, 1e-4, -1.4142135, 1.4142135, -0.7, -3, -5.5, -8, -12.5, -20, 9, 15, 30, -1e6];

function inputs(ctx: CaseContext, n: number): Float32Array {
  const x = ctx.rng.nonZeroFloats(n).map((v) => 6 * v);
  x.set(SPECIAL.slice(0, n));
  return x;
}

const ACT_NAME: Record<ActivationKind | 'tanh', string> = { gelu: 'gelu', gelu_tanh: 'gelu tanh', relu: 'relu', tanh: 'tanh', none: 'none' };

function forwardOp(activation: ActivationKind | 'tanh', x: Tensor): Tensor {
  if (activation === 'relu') return relu(x);
  if (activation === 'tanh') return tanh(x);
  return gelu(x, { approximate: activation === 'gelu_tanh' ? 'tanh' : 'none' });
}

function backwardOp(activation: ActivationKind | 'tanh', dy: Tensor, x: Tensor): Tensor {
  if (activation === 'relu') return reluBackward(dy, x);
  if (activation === 'tanh') return tanhBackward(dy, x);
  return geluBackward(dy, x, { approximate: activation === 'gelu_tanh' ? 'tanh' : 'none' });
}

function activationCase(activation: 'gelu' | 'gelu_tanh' | 'relu' | 'tanh', shape: number[]): GpuCase {
  return {
    name: `${ACT_NAME[activation]} forward and backward [${shape.join(', ')}]`,
    async run(ctx) {
      const n = shape.reduce((a, b) => a * b, 1);
      const xs = inputs(ctx, n);
      // tanh switches formulas at |x| = 0.5: every other random input is brought into ±[0.06, 0.6), and both sides of the switch are tried.
      if (activation === 'tanh') xs.forEach((v, i) => i >= SPECIAL.length && i % 2 === 1 && (xs[i] = v / 10));
      if (activation === 'tanh') xs.set([0.49999997, -0.5, 0.5000001, 0.25].slice(0, Math.max(0, n - SPECIAL.length)), Math.min(n, SPECIAL.length));
      const dys = ctx.rng.nonZeroFloats(n);
      const x = ctx.gpu.tensor(xs, shape);
      const dy = ctx.gpu.tensor(dys, shape);
      const y = forwardOp(activation, x);
      const dx = backwardOp(activation, dy, x);
      const [gotY, gotDx] = [await y.data(), await dx.data()];
      [x, dy, y, dx].forEach((t) => t.dispose());
      const wantY = new Float64Array(n);
      activationReference(activation, xs, wantY);
      const wantDx = new Float64Array(n);
      activationBackwardReference(activation, dys, xs, wantDx);
      const tol = activation === 'tanh' ? TANH : tolerance(activation);
      ctx.expectClose('y', gotY, wantY, tol);
      ctx.expectClose('dx', gotDx, wantDx, tol);
    },
  };
}

function biasCase(activation: ActivationKind, shape: number[], integers = false): GpuCase {
  return {
    name: `biasActivationBackward ${ACT_NAME[activation]} [${shape.join(', ')}]${integers ? ' integers' : ''}`,
    async run(ctx) {
      const size = shape.reduce((a, b) => a * b, 1);
      const n = shape[shape.length - 1]!;
      const rows = size / n;
      // Small integers: every partial sum is exact in f32, so any lost or repeated element shows.
      const zs = integers ? Float32Array.from(ctx.rng.nonZeroInts(size, -3, 3)) : inputs(ctx, size);
      const dys = integers ? Float32Array.from(ctx.rng.nonZeroInts(size, -3, 3)) : ctx.rng.nonZeroFloats(size);
      const z = ctx.gpu.tensor(zs, shape);
      const dy = ctx.gpu.tensor(dys, shape);
      const { dz, dbias } = biasActivationBackward(dy, z, activation);
      ctx.expectTrue('shapes', dz.shape.join() === shape.join() && dbias.shape.join() === `${n}`, `dz ${dz.shape}, dbias ${dbias.shape}`);
      const [gotDz, gotDbias] = [await dz.data(), await dbias.data()];
      [z, dy, dz, dbias].forEach((t) => t.dispose());
      const wantDz = new Float64Array(size);
      const wantDbias = new Float64Array(n);
      biasActivationBackwardReference(activation, dys, zs, n, wantDz, wantDbias);
      ctx.expectClose('dz', gotDz, wantDz, tolerance(activation));
      ctx.expectClose('dbias', gotDbias, wantDbias, integers ? EXACT : { atol: 1e-5 * Math.sqrt(rows), rtol: 5e-7 });
      if (activation !== 'none') return;
      // The column sums of the GPU's own dz, in float64: dbias must be them up to f32 rounding.
      const sums = new Float64Array(n);
      sumReference(gotDz, sums, 1, rows, n);
      ctx.expectClose('dbias = Σ rows of dz', gotDbias, sums, integers ? EXACT : { atol: 1e-5 * Math.sqrt(rows), rtol: 5e-7 });
    },
  };
}

const SHAPES = [[1], [7], [33], [257], [3, 5, 7], [2, 3, 4, 129], [512, 3072]];

export default defineSuite('activation', [
  ...(['gelu', 'gelu_tanh', 'relu', 'tanh'] as const).flatMap((activation) => SHAPES.map((shape) => activationCase(activation, shape))),
  ...(['gelu', 'gelu_tanh', 'relu', 'none'] as const).flatMap((activation) =>
    [
      [1, 1],
      [7, 33],
      [129, 257],
      [3, 5, 7],
    ].map((shape) => biasCase(activation, shape)),
  ),
  biasCase('none', [1000, 33], true),
  biasCase('none', [8192, 768], true),
  biasCase('gelu', [512, 3072]),
  biasCase('relu', [8192, 768]),
]);
