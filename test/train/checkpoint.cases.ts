// Exact resume on WebGPU, compiled and eager (Chromium and Dawn): a run stopped after K steps and
// resumed by a NEW step and parameters built from scratch gives the uninterrupted run's losses and
// final parameters bit for bit; and a device lost mid-run is recovered on a new backend from the
// last checkpoint, losing only the steps after it.
import { DeviceLostError, type TrainStep, type WebGPUBackend, createWebGPUBackend, memoryCheckpointStore, train } from '../../src/index.js';
import { type CaseContext, type GpuCase, defineSuite } from '../harness/cases.js';
import { type BuildOptions, CONFIG, buildRun, differences, trainingBatches } from './checkpoint-fixture.js';

const N = 8;
const K = 4;
const LONG_STEPS = 1000;

/** The uninterrupted run's losses and final parameters on `backend`. */
async function uninterrupted(backend: WebGPUBackend, options: BuildOptions) {
  const { step, parameters } = buildRun(backend, options);
  const result = await train({ step, batches: trainingBatches(), steps: N });
  const params = await parameters.toRecord();
  step.dispose();
  parameters.dispose();
  return { losses: result.losses, params };
}

function report(ctx: CaseContext, label: string, problems: string[]): void {
  ctx.expectTrue(label, problems.length === 0, problems.slice(0, 5).join('; '));
}

function resumeCase(name: string, options: BuildOptions): GpuCase {
  return {
    name,
    async run(ctx) {
      const want = await uninterrupted(ctx.gpu, options);
      ctx.expectTrue('the uninterrupted losses are finite', want.losses.every(Number.isFinite), want.losses.join(', '));
      const store = memoryCheckpointStore();
      const every = K / (options.accumulationSteps ?? 1);
      const first = buildRun(ctx.gpu, options);
      const stopped = await train({ step: first.step, batches: trainingBatches(), steps: K, checkpoint: { store, every } });
      first.step.dispose();
      first.parameters.dispose();
      report(
        ctx,
        `the first ${K} losses`,
        want.losses.slice(0, K).flatMap((w, i) => (Object.is(stopped.losses[i], w) ? [] : [`loss ${i}: ${stopped.losses[i]} vs ${w}`])),
      );
      const second = buildRun(ctx.gpu, options);
      const resumed = await train({ step: second.step, batches: trainingBatches(), steps: N, checkpoint: { store, every }, resume: true });
      ctx.expectTrue('resumed from the checkpoint', resumed.resumedFrom?.step === K, JSON.stringify(resumed.resumedFrom));
      report(
        ctx,
        `losses after ${K} and final parameters, bit for bit`,
        await differences(resumed.losses, want.losses.slice(K), second.parameters, want.params),
      );
      second.step.dispose();
      second.parameters.dispose();
    },
  };
}

export default defineSuite('checkpoint', [
  resumeCase('exact resume, compiled: a new step from the checkpoint gives the same losses and parameters bit for bit', { mode: 'compiled' }),
  resumeCase('exact resume, eager', { mode: 'eager' }),
  resumeCase('exact resume, compiled, gradient accumulation 2', { mode: 'compiled', accumulationSteps: 2 }),
  {
    name: 'device lost after a checkpoint: the run resumes on a new backend and its later losses equal the uninterrupted run',
    async run(ctx) {
      const want = await uninterrupted(ctx.gpu, {});
      const store = memoryCheckpointStore();
      const backends: WebGPUBackend[] = [await createWebGPUBackend()];
      const lost: DeviceLostError[] = [];
      try {
        const { step } = buildRun(backends[0]!);
        const result = await train({
          step,
          batches: trainingBatches(),
          steps: N,
          checkpoint: { store, every: 2 },
          // Lost after step 5: checkpoint 4 is the last one, step 5 (and 6, queued) are redone.
          onStep: (p) => void (p.step === 5 && backends.length === 1 && backends[0]!.device.destroy()),
          onDeviceLost: (error) => void lost.push(error),
          recover: async () => {
            const backend = await createWebGPUBackend();
            backends.push(backend);
            return buildRun(backend).step;
          },
        });
        ctx.expectTrue('the loss was reported once, as a DeviceLostError', lost.length === 1 && lost[0] instanceof DeviceLostError, String(lost));
        ctx.expectTrue(
          'recovered from checkpoint 4',
          JSON.stringify(result.recoveries) === JSON.stringify([{ step: 4, checkpoint: 4 }]),
          JSON.stringify(result.recoveries),
        );
        ctx.expectTrue(
          'the run ended on the new backend',
          result.trainStep.backend === backends[1] && result.trainStep.microSteps === N,
          `${result.trainStep.microSteps} micro-steps`,
        );
        const parameters = (result.trainStep as TrainStep).checkpointParts().parameters;
        report(
          ctx,
          'every loss and the final parameters equal the uninterrupted run, bit for bit',
          await differences(result.losses, want.losses, parameters, want.params),
        );
        ctx.expectTrue(
          'checkpoints 2, 4, 6 and 8 were saved (4 not again after the loss)',
          JSON.stringify(result.checkpoints) === '[2,4,6,8]',
          JSON.stringify(result.checkpoints),
        );
        result.trainStep.dispose();
        parameters.dispose();
      } finally {
        for (const b of backends) b.destroy();
      }
    },
  },
  {
    name: 'device lost without recover: the run rejects with DeviceLostError and the last checkpoint stays whole',
    async run(ctx) {
      const store = memoryCheckpointStore();
      const doomed = await createWebGPUBackend();
      let error: unknown;
      try {
        const { step } = buildRun(doomed);
        error = await train({
          step,
          batches: trainingBatches(),
          steps: N,
          checkpoint: { store, every: 2 },
          onStep: (p) => void (p.step === 3 && doomed.device.destroy()),
        }).then(
          () => undefined,
          (e: unknown) => e,
        );
      } finally {
        doomed.destroy();
      }
      ctx.expectTrue('rejects with DeviceLostError', error instanceof DeviceLostError, String(error));
      ctx.expectTrue('checkpoint 2 is the latest', JSON.stringify(await store.list()) === '[2]', JSON.stringify(await store.list()));
      // It loads into a new step on a healthy backend.
      const fresh = buildRun(ctx.gpu);
      const resumed = await train({ step: fresh.step, batches: trainingBatches(), steps: 3, checkpoint: { store }, resume: true });
      ctx.expectTrue('resumes from it', resumed.resumedFrom?.step === 2 && resumed.losses.length === 1, JSON.stringify(resumed.resumedFrom));
      fresh.step.dispose();
      fresh.parameters.dispose();
    },
  },
  {
    name: 'a long compiled run (1,000 steps of a tiny BERT, a checkpoint every 100) keeps live bytes flat after the first step',
    async run(ctx) {
      const shape = [2, 8] as const;
      const tiny: BuildOptions = {
        shape,
        config: { ...CONFIG, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 8 },
      };
      const backend = await createWebGPUBackend();
      try {
        const { step, parameters } = buildRun(backend, tiny);
        // With overlap the next step may be in flight (holding its readback buffer, or not if it already
        // came back) at every step but those that save a checkpoint, where nothing is: those must be
        // equal, and the others never above what they were in the first 100 steps.
        const live = { queued: [] as number[], saved: [] as number[] };
        const started = performance.now();
        const result = await train({
          step,
          batches: trainingBatches(3, shape),
          steps: LONG_STEPS,
          checkpoint: { store: memoryCheckpointStore(), every: 100 },
          onStep: (p) => void (p.step > 1 && (p.checkpoint === undefined ? live.queued : live.saved).push(backend.stats().liveBytes)),
        });
        const seconds = (performance.now() - started) / 1000;
        const range = (values: number[]) => `${Math.min(...values)}..${Math.max(...values)} over ${values.length} steps`;
        const flat = (values: number[]) => values.length > 0 && values.every((v) => v === values[0]);
        ctx.expectTrue(
          `${LONG_STEPS} steps ran (${seconds.toFixed(1)} s)`,
          result.steps === LONG_STEPS && result.losses.every(Number.isFinite),
          `${result.steps} steps, stopped ${result.stopped}`,
        );
        ctx.expectTrue('10 checkpoints', result.checkpoints.length === LONG_STEPS / 100, JSON.stringify(result.checkpoints));
        const early = Math.max(...live.queued.slice(0, 99));
        ctx.expectTrue(
          'live bytes flat after the first step',
          flat(live.saved) && Math.max(...live.queued) <= early && live.saved[0]! <= early,
          `steps 2-100 ${range(live.queued.slice(0, 99))}; all ${range(live.queued)}; at checkpoints ${range(live.saved)}`,
        );
        step.dispose();
        parameters.dispose();
      } finally {
        backend.destroy();
      }
    },
  },
]);
