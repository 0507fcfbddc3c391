// The train-step benchmark: every implementation starts from the same parameters and trains on the
// same fixed batch; 3 warm-up steps (compilation, allocation), then 20 steps timed one by one, each
// ending when its loss is on the CPU. The value is the median ms per step. The check: the first
// step's loss matches the float64 reference forward, and the loss has fallen by the last step.
import { type Benchmark, type Row, errorMessage, median, round3, seededUniform } from '../lib/bench.js';
import { type TrainBatch, type TrainStepCase, type TrainStepConfig, initialParameters, makeBatch, referenceLoss, trainStepCases } from './cases.js';

/** What a run of training steps measured: per step, the loss (before its update), the wall ms, and (ours) the JS ms before the GPU work was queued. */
export interface TrainRun {
  losses: number[];
  stepMs: number[];
  queueMs?: number[];
}

/** Training on an implementation's own copy of the parameters and optimiser state. */
export interface TrainStepRunner {
  /** `steps` steps on `batch`, one at a time: each ends when its loss is on the CPU, before the next starts. */
  train(batch: TrainBatch, steps: number): Promise<TrainRun>;
  /** One more step with a GPU timestamp per dispatch: time per kernel (ours, compiled, where the adapter has timestamp-query). */
  profile?(batch: TrainBatch): Promise<{ kernel: string; dispatches: number; ms: number }[]>;
  dispose(): void;
}

/** An implementation: ours (`shaderformer/<variant>`) or a peer library (its npm name). */
export interface TrainStepImpl {
  impl: string;
  /** Builds the model and optimiser from `params` (Hugging Face names, see `parameterShapes`). */
  create(config: TrainStepConfig, params: Record<string, Float32Array>): Promise<TrainStepRunner>;
}

export const WARMUP_STEPS = 3;

/** Trains one step at a time with `step` (a peer's step function), timing each until its loss is read back. */
export async function trainOneAtATime(step: (batch: TrainBatch) => Promise<number>, batch: TrainBatch, steps: number): Promise<TrainRun> {
  const run: TrainRun = { losses: [], stepMs: [] };
  for (let i = 0; i < steps; i++) {
    const start = performance.now();
    run.losses.push(await step(batch));
    run.stepMs.push(performance.now() - start);
  }
  return run;
}
export const TIMED_STEPS = 20;
/** |first loss − float64 reference|: f32 rounding through the model stays near 1e-5; a wrong op or gradient does not. */
export const LOSS_TOLERANCE = 1e-3;

const SEED = 20250517;

interface Prepared {
  config: TrainStepConfig;
  params: Record<string, Float32Array>;
  batch: TrainBatch;
  reference: number;
}

export function createTrainStepBenchmark(impls: TrainStepImpl[], cases: TrainStepCase[] = trainStepCases): Benchmark {
  const prepared = new Map<string, Prepared>();
  return {
    name: 'train-step',
    cases: cases.map((c) => ({ case: c.case, detail: c.detail })),
    impls: impls.map((i) => i.impl),

    async prepare(caseName) {
      const spec = cases.find((c) => c.case === caseName);
      if (!spec) throw new Error(`train-step: no case ${caseName}`);
      const params = initialParameters(spec.config, SEED);
      const batch = makeBatch(spec.config, seededUniform(SEED));
      prepared.set(caseName, { config: spec.config, params, batch, reference: referenceLoss(spec.config, params, batch) });
    },

    // Steps are a fixed count (the "median of 20 after warm-up"), so the budget is not used.
    async run(caseName, implName) {
      const p = prepared.get(caseName);
      if (!p) throw new Error(`train-step: case ${caseName} was not prepared`);
      const impl = impls.find((i) => i.impl === implName);
      if (!impl) throw new Error(`train-step: no implementation ${implName}`);
      const row: Row = {
        case: caseName,
        impl: implName,
        metric: 'ms',
        value: null,
        maxAbsErr: null,
        ok: false,
        referenceLoss: Number(p.reference.toPrecision(6)),
      };
      let runner: TrainStepRunner | undefined;
      try {
        runner = await impl.create(p.config, p.params);
        const run = await runner.train(p.batch, WARMUP_STEPS + TIMED_STEPS);
        const losses = run.losses;
        const ms = round3(median(run.stepMs.slice(WARMUP_STEPS)));
        Object.assign(row, { value: ms, ms, rounds: TIMED_STEPS, perRound: 1 });
        // The CPU time of one step() call before its GPU work is queued: the library's per-step JavaScript overhead.
        if (run.queueMs) row.jsMs = round3(median(run.queueMs.slice(WARMUP_STEPS)));
        const [first, last] = [losses[0]!, losses[losses.length - 1]!];
        if (runner.profile) row.kernels = (await runner.profile(p.batch)).map((k) => ({ ...k, ms: round3(k.ms) }));
        row.firstLoss = Number(first.toPrecision(6));
        row.lastLoss = Number(last.toPrecision(6));
        const err = Math.abs(first - p.reference);
        row.maxAbsErr = Number.isFinite(err) ? Number(err.toPrecision(2)) : null;
        const falls = last < first;
        row.ok = err <= LOSS_TOLERANCE && falls;
        if (!(err <= LOSS_TOLERANCE)) row.error = `first loss ${first} vs float64 reference ${p.reference}: |err| ${err.toPrecision(2)} > ${LOSS_TOLERANCE}`;
        else if (!falls) row.error = `loss did not fall over ${losses.length} steps on one batch (${first} → ${last})`;
      } catch (error) {
        row.error = errorMessage(error);
      } finally {
        runner?.dispose();
      }
      return row;
    },

    release(caseName) {
      prepared.delete(caseName);
    },
  };
}
