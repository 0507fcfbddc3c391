// The row-kernel benchmark: cross-entropy, layerNorm and softmax, forward and backward, at the
// small BERT's sizes, with the row layout forced to each of 'workgroup' and 'invocation'
// (src/kernels/rows.ts). One operation is one op call (one row dispatch, plus the cross-entropy
// mean or label count and the layerNorm dγ/dβ sum); its first output is checked against float64.
import {
  type Tensor,
  type WebGPUBackend,
  crossEntropy,
  crossEntropyBackward,
  layerNorm,
  layerNormBackward,
  softmax,
  softmaxBackward,
} from '../../src/index.js';
import type { RowLayout } from '../../src/kernels/rows.js';
import { crossEntropyBackwardReference, crossEntropyReference } from '../../src/reference/loss.js';
import { layerNormBackwardReference, layerNormReference } from '../../src/reference/norm.js';
import { softmaxBackwardReference, softmaxReference } from '../../src/reference/softmax.js';
import { type Benchmark, type Row, errorMessage, round3, seededUniform, timeOperations } from '../lib/bench.js';

const SEED = 20250301;
const LAYOUTS: readonly RowLayout[] = ['workgroup', 'invocation'];
// Every output checked here is within ~1e-5 of its float64 reference (see test/kernels/*.cases.ts).
const TOLERANCE = 1e-4;

/** A case: its inputs (uploaded once), the op run per operation, and the float64 reference of its output. */
interface RowCase {
  case: string;
  detail: string;
  setup(gpu: WebGPUBackend, random: () => number): { launch: () => Tensor; inputs: Tensor[]; want: Float64Array };
}

const uniform = (random: () => number, count: number, lo = -2, hi = 2) => Float32Array.from({ length: count }, () => lo + (hi - lo) * random());

function crossEntropyCase(rows: number, classes: number, backward: boolean): RowCase {
  return {
    case: `crossEntropy ${backward ? 'backward' : 'forward'} [${rows}, ${classes}]`,
    detail: backward ? 'dlogits from logits, labels and the saved log-sum-exp' : 'log-sum-exp per row and the mean loss',
    setup(gpu, random) {
      const logits = uniform(random, rows * classes);
      const labels = Int32Array.from({ length: rows }, () => Math.floor(random() * classes));
      const [loss, lse] = [new Float64Array(1), new Float64Array(rows)];
      crossEntropyReference(logits, labels, rows, classes, -100, 0, loss, lse);
      const tLogits = gpu.tensor(logits, [rows, classes]);
      const tLabels = gpu.tensor(labels, [rows]);
      if (!backward) {
        return {
          inputs: [tLogits, tLabels],
          launch: () => {
            const out = crossEntropy(tLogits, tLabels);
            out.loss.dispose();
            return out.logSumExp;
          },
          want: lse,
        };
      }
      const lse32 = Float32Array.from(lse);
      const tLse = gpu.tensor(lse32, [rows]);
      const want = new Float64Array(rows * classes);
      crossEntropyBackwardReference(logits, labels, lse32, rows, classes, -100, 0, 1, want);
      return { inputs: [tLogits, tLabels, tLse], launch: () => crossEntropyBackward(tLogits, tLabels, tLse), want };
    },
  };
}

function layerNormCase(rows: number, dim: number, backward: boolean): RowCase {
  return {
    case: `layerNorm ${backward ? 'backward' : 'forward'} [${rows}, ${dim}]`,
    detail: backward ? 'dx, dγ, dβ from the saved mean and rstd (dx checked)' : 'y, mean and rstd (y checked)',
    setup(gpu, random) {
      const [x, gamma, beta, dy] = [uniform(random, rows * dim), uniform(random, dim), uniform(random, dim), uniform(random, rows * dim)];
      const [y, mean, rstd] = [new Float64Array(rows * dim), new Float64Array(rows), new Float64Array(rows)];
      layerNormReference(x, gamma, beta, y, mean, rstd, rows, dim, 1e-5);
      const [tx, tGamma, tBeta] = [gpu.tensor(x, [rows, dim]), gpu.tensor(gamma, [dim]), gpu.tensor(beta, [dim])];
      if (!backward) {
        const launch = () => {
          const out = layerNorm(tx, tGamma, tBeta);
          [out.mean, out.rstd].forEach((t) => t.dispose());
          return out.y;
        };
        return { inputs: [tx, tGamma, tBeta], launch, want: y };
      }
      const [mean32, rstd32] = [Float32Array.from(mean), Float32Array.from(rstd)];
      const [tdy, tMean, tRstd] = [gpu.tensor(dy, [rows, dim]), gpu.tensor(mean32, [rows]), gpu.tensor(rstd32, [rows])];
      const [dx, dgamma, dbeta] = [new Float64Array(rows * dim), new Float64Array(dim), new Float64Array(dim)];
      layerNormBackwardReference(dy, x, gamma, mean32, rstd32, dx, dgamma, dbeta, rows, dim);
      const launch = () => {
        const grads = layerNormBackward(tdy, tx, tGamma, tMean, tRstd);
        [grads.dgamma, grads.dbeta].forEach((t) => t.dispose());
        return grads.dx;
      };
      return { inputs: [tx, tGamma, tBeta, tdy, tMean, tRstd], launch, want: dx };
    },
  };
}

function softmaxCase(rows: number, n: number, backward: boolean): RowCase {
  return {
    case: `softmax ${backward ? 'backward' : 'forward'} [${rows}, ${n}]`,
    detail: backward ? 'dx from dy and the saved y' : 'y, no mask',
    setup(gpu, random) {
      const [x, dy] = [uniform(random, rows * n, -4, 4), uniform(random, rows * n)];
      const y = new Float64Array(rows * n);
      softmaxReference(x, null, y, rows, n);
      if (!backward) {
        const tx = gpu.tensor(x, [rows, n]);
        return { inputs: [tx], launch: () => softmax(tx), want: y };
      }
      const y32 = Float32Array.from(y);
      const [tdy, ty] = [gpu.tensor(dy, [rows, n]), gpu.tensor(y32, [rows, n])];
      const dx = new Float64Array(rows * n);
      softmaxBackwardReference(dy, y32, dx, rows, n);
      return { inputs: [tdy, ty], launch: () => softmaxBackward(tdy, ty), want: dx };
    },
  };
}

// The small BERT of the training-step profile: MLM logits [1024, 260], hidden rows [1024, 128],
// attention probabilities [B·H·T, T] = [16·4·64, 64].
export const rowCases: RowCase[] = [
  crossEntropyCase(1024, 260, false),
  crossEntropyCase(1024, 260, true),
  layerNormCase(1024, 128, false),
  layerNormCase(1024, 128, true),
  softmaxCase(16 * 4 * 64, 64, false),
  softmaxCase(16 * 4 * 64, 64, true),
];

/** Ours only: `shaderformer/workgroup` and `shaderformer/invocation`, the backend's rowLayout forced to each. */
export function createRowsBenchmark(gpu: WebGPUBackend, cases: RowCase[] = rowCases): Benchmark {
  const prepared = new Map<string, ReturnType<RowCase['setup']>>();
  const impls = LAYOUTS.map((layout) => `shaderformer/${layout}`);
  return {
    name: 'rows',
    cases: cases.map((c) => ({ case: c.case, detail: c.detail })),
    impls,

    async prepare(caseName) {
      const spec = cases.find((c) => c.case === caseName);
      if (!spec) throw new Error(`rows: no case ${caseName}`);
      prepared.set(caseName, spec.setup(gpu, seededUniform(SEED)));
    },

    async run(caseName, implName, budgetMs) {
      const p = prepared.get(caseName);
      if (!p) throw new Error(`rows: case ${caseName} was not prepared`);
      const layout = LAYOUTS[impls.indexOf(implName)];
      if (!layout) throw new Error(`rows: no implementation ${implName}`);
      const row: Row = { case: caseName, impl: implName, metric: 'ms', value: null, maxAbsErr: null, ok: false };
      const chosen = gpu.rowLayout;
      try {
        gpu.rowLayout = layout;
        const timing = await timeOperations<Tensor>(
          { launch: p.launch, wait: () => gpu.sync(), dispose: (results) => results.forEach((t) => t.dispose()) },
          budgetMs,
        );
        Object.assign(row, { value: round3(timing.ms), ms: round3(timing.ms), rounds: timing.rounds, perRound: timing.perRound });
        const got = await timing.last.data();
        timing.last.dispose();
        const errors = gpu.takeErrors();
        if (errors.length > 0) throw new Error(`WebGPU errors: ${errors.join('\n')}`);
        const err = p.want.reduce((worst, want, i) => Math.max(worst, Math.abs(got[i]! - want)), 0);
        row.maxAbsErr = Number(err.toPrecision(2));
        row.ok = err <= TOLERANCE;
        if (!row.ok) row.error = `result check failed: max |err| ${err.toPrecision(2)} > tolerance ${TOLERANCE}`;
      } catch (error) {
        row.error = errorMessage(error);
      } finally {
        gpu.rowLayout = chosen;
      }
      return row;
    },

    release(caseName) {
      prepared.get(caseName)?.inputs.forEach((t) => t.dispose());
      prepared.delete(caseName);
    },
  };
}
