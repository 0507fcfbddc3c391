import { softmax, softmaxBackward } from '../../src/index.js';
import { softmaxBackwardReference, softmaxReference } from '../../src/reference/softmax.js';
import { type CaseContext, type GpuCase, type Tolerance, defineSuite } from '../harness/cases.js';
import { inBothRowLayouts } from './row-layouts.js';

// Tolerances (f32 on the GPU; the reference computes in float64 and rounds once):
// - y: exp in WGSL is accurate to (3 + 2·|v − max|) ulp, and |v − max| ≤ 8 here (logits in ±4);
//   the f32 row sum adds a few ulps. So ~30 ulp relative at worst: rtol 4e-6, plus atol 1e-7 for the
//   smallest probabilities of long rows. Measured: ≤ 1.2e-7 absolute (2 ulp of y ≈ 0.9).
// - dx = y·(dy − Σ dy·y): Σ dy·y is an f32 sum of N terms of size ≤ 1 (error ≲ 1e-7 here) and dy − Σ
//   cancels, so the error is absolute: atol 1e-6, rtol 1e-5. Measured ≤ 9e-8.
const Y_TOL: Tolerance = { atol: 1e-7, rtol: 4e-6 };
const DX_TOL: Tolerance = { atol: 1e-6, rtol: 1e-5 };

/** The mask shapes the cases use. */
type MaskKind =
  | 'none'
  | 'full' // same shape as x: −∞ at random, and the first row fully masked
  | 'causal' // [T, T] over x [..., T, T]: 0 on and below the diagonal, −∞ above
  | 'row'; // [N]: finite −1e9 at random, which must act like −∞ without making a row of zeros

function makeMask(ctx: CaseContext, kind: MaskKind, shape: number[]): { values: Float32Array; shape: number[] } | null {
  const n = shape[shape.length - 1]!;
  if (kind === 'none') return null;
  if (kind === 'causal') {
    const values = Float32Array.from({ length: n * n }, (_, i) => (i % n > Math.floor(i / n) ? -Infinity : 0));
    return { values, shape: [n, n] };
  }
  if (kind === 'row') {
    const values = Float32Array.from({ length: n }, (_, i) => (i > 0 && ctx.rng.next() < 0.3 ? -1e9 : 0));
    return { values, shape: [n] };
  }
  const size = shape.reduce((a, b) => a * b, 1);
  const values = Float32Array.from({ length: size }, (_, i) => (i < n || ctx.rng.next() < 0.3 ? -Infinity : 0));
  return { values, shape };
}

/** Forward and backward on the GPU against the references, for x of `shape` [..., N]. */
function softmaxCase(shape: number[], kind: MaskKind = 'none'): GpuCase {
  return {
    name: `softmax [${shape.join(', ')}]${kind === 'none' ? '' : ` ${kind} mask`}`,
    async run(ctx) {
      const n = shape[shape.length - 1]!;
      const size = shape.reduce((a, b) => a * b, 1);
      // Logits in ±[0.4, 4): probabilities spread over about e^8, not all alike.
      const x = ctx.rng.nonZeroFloats(size).map((v) => 4 * v);
      const dy = ctx.rng.nonZeroFloats(size);
      const mask = makeMask(ctx, kind, shape);
      const tx = ctx.gpu.tensor(x, shape);
      const tmask = mask ? ctx.gpu.tensor(mask.values, mask.shape) : undefined;
      const tdy = ctx.gpu.tensor(dy, shape);
      const ty = softmax(tx, tmask);
      const tdx = softmaxBackward(tdy, ty);
      const [y, dx] = await Promise.all([ty.data(), tdx.data()]);
      [tx, tdy, ty, tdx, ...(tmask ? [tmask] : [])].forEach((t) => t.dispose());

      const rows = size / n;
      const want = new Float32Array(size);
      softmaxReference(x, mask?.values ?? null, want, rows, n);
      ctx.expectClose('y', y, want, Y_TOL);
      // The backward reference gets the GPU's own y, as the GPU backward did.
      const wantDx = new Float32Array(size);
      softmaxBackwardReference(dy, y, wantDx, rows, n);
      ctx.expectClose('dx', dx, wantDx, DX_TOL);
      if (kind === 'full')
        ctx.expectTrue(
          'masked row',
          y.subarray(0, n).every((v) => v === 0),
          'a fully masked row must be zeros',
        );
    },
  };
}

/** Two runs on the same inputs give the same bits (fixed reduction order, no atomics). */
const deterministicCase: GpuCase = {
  name: 'softmax [64, 1000]: two runs agree to the bit',
  async run(ctx) {
    const shape = [64, 1000];
    const x = ctx.gpu.tensor(
      ctx.rng.nonZeroFloats(64_000).map((v) => 4 * v),
      shape,
    );
    const dy = ctx.gpu.tensor(ctx.rng.nonZeroFloats(64_000), shape);
    const runOnce = async () => {
      const y = softmax(x);
      const dx = softmaxBackward(dy, y);
      const values = await Promise.all([y.data(), dx.data()]);
      [y, dx].forEach((t) => t.dispose());
      return values;
    };
    const first = await runOnce();
    const second = await runOnce();
    [x, dy].forEach((t) => t.dispose());
    ctx.expectClose('y', second[0], first[0], { atol: 0, rtol: 0 });
    ctx.expectClose('dx', second[1], first[1], { atol: 0, rtol: 0 });
  },
};

export default defineSuite(
  'softmax',
  inBothRowLayouts([
    softmaxCase([1]), // N = 1: y = 1, dx = 0
    softmaxCase([7]),
    softmaxCase([3, 33]),
    softmaxCase([5, 129]),
    softmaxCase([2, 257]),
    softmaxCase([4, 1000]), // rows longer than the workgroup
    softmaxCase([2, 3072]),
    softmaxCase([512, 768]), // BERT-base sized
    softmaxCase([7, 33], 'full'),
    softmaxCase([2, 3, 33, 33], 'causal'), // attention scores [B, H, T, T] with a causal [T, T] mask
    softmaxCase([5, 1000], 'row'),
    softmaxCase([3, 1], 'full'), // N = 1 with the first row masked
    softmaxCase([65537, 3]), // more rows than one grid dimension allows: the 2-D dispatch path
    // Row counts that are not multiples of the 64 rows of an 'invocation' workgroup, rows of 1, 3, 257.
    softmaxCase([100, 1]),
    softmaxCase([65, 3], 'full'),
    softmaxCase([130, 257], 'row'),
    softmaxCase([16, 4, 64, 64], 'causal'), // attention scores of the small BERT
    deterministicCase,
  ]),
);
