import { type Tensor, crossEntropy, crossEntropyBackward } from '../../src/index.js';
import { crossEntropyBackwardReference, crossEntropyReference } from '../../src/reference/loss.js';
import { type CaseContext, type GpuCase, type Tolerance, defineSuite } from '../harness/cases.js';
import { inBothRowLayouts } from './row-layouts.js';

// Tolerances (f32 GPU against the float64 reference), measured on SwiftShader and lavapipe:
// - logSumExp and loss: each row sums C terms in f32 (a strided loop per lane, then a 256-lane tree),
//   relative error ≤ (C/256 + 8)·2^-24, and exp/log add a few ulp; the loss then sums N row losses the
//   same way. atol = (C/256 + 16)·2^-24, rtol = (N/256 + 16)·2^-24. Measured: ≤ 1.2e-6 at C = 30,522,
//   ≤ 4e-6 on logSumExp ≈ 106 (logits + 100), ≤ 2.1e-6 on a loss ≈ 36 (logits × 30).
//   With a row per invocation the row is one serial sum: its worst case is C·2^-24, but its rounding
//   errors have random signs and grow as ~√(C/3)·2^-24, below C/256 from C ≈ 22,000 on. Kept: over 8
//   seeds on lavapipe the worst error was 0.5 of the tolerance at C = 30,522 (workgroup: 0.07),
//   0.36 at 52,000, 0.17 at 257.
// - dlogits = (p − target)·k with k = scale / count: p = exp(x − lse) is within a few ulp (WGSL's exp
//   allows 3 + 2|x| ulp), so rtol = 2e-5; atol = 2^-22·|k|, two ulp of the largest |p − target| (1)
//   for the entries where p − target cancels. Measured: ≤ 1 ulp of the value.
const forwardTolerance = (rows: number, classes: number): Tolerance => ({
  atol: (classes / 256 + 16) * 2 ** -24,
  rtol: (rows / 256 + 16) * 2 ** -24,
});
const gradTolerance = (scale: number, count: number): Tolerance => ({ atol: (2 ** -22 * Math.abs(scale)) / Math.max(count, 1), rtol: 2e-5 });

/** How a case picks labels: in [0, C), a fraction ignored, or some outside [0, C). */
interface LabelSpec {
  ignoredFraction?: number;
  /** Replace these rows' labels with values outside [0, C). */
  outOfRange?: number[];
  ignoreIndex?: number;
}

interface LossSpec {
  rows: number;
  classes: number;
  labelSmoothing?: number;
  scale?: number;
  labels?: LabelSpec;
  /** Added to every logit (tests the max-subtracted log-sum-exp). */
  offset?: number;
  /** Multiplies the logits (sharper softmax). */
  spread?: number;
  /** Run forward and backward twice and require the same bits. */
  twice?: boolean;
  /** Skip on SwiftShader with a workgroup per row (too slow there; lavapipe in Node still runs it). */
  notOnSwiftShader?: boolean;
}

function makeLabels(ctx: CaseContext, rows: number, classes: number, spec: LabelSpec): Int32Array {
  const ignoreIndex = spec.ignoreIndex ?? -100;
  const labels = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    labels[i] = ctx.rng.next() < (spec.ignoredFraction ?? 0) ? ignoreIndex : Math.floor(ctx.rng.uniform(0, classes));
  }
  for (const [k, row] of (spec.outOfRange ?? []).entries()) labels[row] = k % 2 === 0 ? classes + k : -1 - k;
  return labels;
}

function describeSpec(s: LossSpec): string {
  const parts = [`crossEntropy [${s.rows}, ${s.classes}]`];
  if (s.labelSmoothing) parts.push(`ε ${s.labelSmoothing}`);
  if (s.scale !== undefined) parts.push(`scale ${s.scale}`);
  if (s.labels?.ignoredFraction) parts.push(s.labels.ignoredFraction === 1 ? 'all ignored' : `${s.labels.ignoredFraction * 100}% ignored`);
  if (s.labels?.ignoreIndex !== undefined) parts.push(`ignoreIndex ${s.labels.ignoreIndex}`);
  if (s.labels?.outOfRange) parts.push(`${s.labels.outOfRange.length} labels out of range`);
  if (s.offset) parts.push(`logits + ${s.offset}`);
  if (s.spread) parts.push(`logits × ${s.spread}`);
  if (s.twice) parts.push('two runs agree to the bit');
  return parts.join(', ');
}

/** Forward and backward on the GPU against the references. */
function lossCase(spec: LossSpec): GpuCase {
  return {
    name: describeSpec(spec),
    async run(ctx) {
      if (spec.notOnSwiftShader && ctx.gpu.report.architecture === 'swiftshader' && ctx.gpu.rowLayout !== 'invocation') {
        return ctx.skip('65,537 workgroups of 256 lanes take minutes on SwiftShader; run on lavapipe (Node/Dawn)');
      }
      const { rows, classes, labelSmoothing = 0, scale = 1, offset = 0, spread = 1 } = spec;
      const ignoreIndex = spec.labels?.ignoreIndex ?? -100;
      const x = ctx.rng.nonZeroFloats(rows * classes).map((v) => offset + spread * v);
      const labels = makeLabels(ctx, rows, classes, spec.labels ?? {});
      const tLogits = ctx.gpu.tensor(x, [rows, classes]);
      const tLabels = ctx.gpu.tensor(labels, [rows]);
      const runOnce = async () => {
        const { loss, logSumExp } = crossEntropy(tLogits, tLabels, { ignoreIndex, labelSmoothing });
        const dLogits = crossEntropyBackward(tLogits, tLabels, logSumExp, { ignoreIndex, labelSmoothing, scale });
        const out = await Promise.all([loss, logSumExp, dLogits].map((t: Tensor) => t.data()));
        [loss, logSumExp, dLogits].forEach((t) => t.dispose());
        return out as [Float32Array, Float32Array, Float32Array];
      };
      const [loss, lse, dLogits] = await runOnce();
      if (spec.twice) {
        const again = await runOnce();
        const exact = { atol: 0, rtol: 0 };
        ctx.expectClose('loss, second run', again[0], loss, exact);
        ctx.expectClose('logSumExp, second run', again[1], lse, exact);
        ctx.expectClose('dlogits, second run', again[2], dLogits, exact);
      }
      [tLogits, tLabels].forEach((t) => t.dispose());

      const wantLoss = new Float64Array(1);
      const wantLse = new Float64Array(rows);
      crossEntropyReference(x, labels, rows, classes, ignoreIndex, labelSmoothing, wantLoss, wantLse);
      ctx.expectClose('loss', loss, wantLoss, forwardTolerance(rows, classes));
      ctx.expectClose('logSumExp', lse, wantLse, forwardTolerance(rows, classes));
      // The backward reference gets the GPU's own log-sum-exp, as the GPU backward did.
      const wantGrad = new Float64Array(rows * classes);
      crossEntropyBackwardReference(x, labels, lse, rows, classes, ignoreIndex, labelSmoothing, scale, wantGrad);
      const count = labels.filter((l) => l !== ignoreIndex).length;
      ctx.expectClose('dlogits', dLogits, wantGrad, gradTolerance(scale, count));
      // compare() lets any value pass where the reference is NaN, so the NaN outputs are checked here.
      if (spec.labels?.outOfRange) {
        ctx.expectTrue('loss is NaN', Number.isNaN(loss[0]), `loss ${loss[0]}, expected NaN for a label outside [0, C)`);
        for (const row of spec.labels.outOfRange) {
          const values = dLogits.subarray(row * classes, (row + 1) * classes);
          ctx.expectTrue(`dlogits row ${row} is NaN`, values.every(Number.isNaN), `label ${labels[row]} is outside [0, C): expected a NaN row`);
        }
      }
      if (spec.labels?.ignoredFraction === 1) ctx.expectTrue('loss is 0', loss[0] === 0, `loss ${loss[0]}, expected 0 when every row is ignored`);
    },
  };
}

export default defineSuite(
  'loss',
  inBothRowLayouts([
    lossCase({ rows: 1, classes: 1 }),
    lossCase({ rows: 1, classes: 7 }),
    lossCase({ rows: 7, classes: 33, labelSmoothing: 0.1 }),
    lossCase({ rows: 33, classes: 129, labels: { ignoredFraction: 0.3 } }),
    lossCase({ rows: 257, classes: 50, labelSmoothing: 0.1, scale: 2.5, labels: { ignoredFraction: 0.3 } }),
    lossCase({ rows: 129, classes: 1000, labels: { ignoreIndex: 0 } }),
    lossCase({ rows: 9, classes: 17, labelSmoothing: 0.1, labels: { ignoredFraction: 1 } }),
    lossCase({ rows: 6, classes: 10, labelSmoothing: 0.1, labels: { outOfRange: [1, 4] } }),
    lossCase({ rows: 17, classes: 300, offset: 100, labelSmoothing: 0.1 }),
    lossCase({ rows: 31, classes: 257, spread: 30, scale: -0.5 }),
    // Vocabulary-sized rows, far longer than a workgroup: BERT's 30,522 and KantaiBERT's 52,000.
    lossCase({ rows: 5, classes: 30522 }),
    lossCase({ rows: 3, classes: 52000, labelSmoothing: 0.1 }),
    lossCase({ rows: 64, classes: 30522, labelSmoothing: 0.1, labels: { ignoredFraction: 0.85 }, twice: true }),
    // More rows than one grid dimension allows (65,535 workgroups): the rows spread over x and y.
    lossCase({ rows: 65537, classes: 3, labels: { ignoredFraction: 0.5 }, notOnSwiftShader: true }),
    lossCase({ rows: 0, classes: 5 }),
    // Row counts that are not multiples of the 64 rows of an 'invocation' workgroup, rows of 1, 3, 257.
    lossCase({ rows: 100, classes: 1 }),
    lossCase({ rows: 65, classes: 3, labels: { ignoredFraction: 0.3 } }),
    lossCase({ rows: 130, classes: 257, labelSmoothing: 0.1, twice: true }),
    lossCase({ rows: 1024, classes: 260, labelSmoothing: 0.1, labels: { ignoredFraction: 0.85 } }), // the small BERT's MLM head
  ]),
);
