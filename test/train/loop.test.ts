// The training loop on the CPU backend (the real ops, a tiny BERT): step counts, progress fields,
// overlap on and off, evaluation, the stop signal, the end of the batches, a diverged loss.
import { describe, expect, test } from 'vitest';
import {
  AdamW,
  BertForMaskedLM,
  ParameterStore,
  SGD,
  type StepProgress,
  type TrainStep,
  createCpuBackend,
  createTrainStep,
  linearWarmupDecay,
  train,
} from '../../src/index.js';
import { Xoshiro128 } from '../../src/data/rng.js';

const B = 2;
const T = 8;
const VOCAB = 30;

/** A tiny BERT on the CPU and its training step: AdamW at `lr` (a number or a schedule), or SGD. */
function build(
  lr: number | ((update: number) => number) = 1e-2,
  optimizer: 'adamw' | 'sgd' = 'adamw',
  onNonFinite: 'throw' | 'skip' = 'throw',
): { step: TrainStep; parameters: ParameterStore } {
  const model = new BertForMaskedLM({
    vocab_size: VOCAB,
    hidden_size: 16,
    num_hidden_layers: 1,
    num_attention_heads: 2,
    intermediate_size: 32,
    max_position_embeddings: T,
    type_vocab_size: 0,
    hidden_dropout_prob: 0.1,
  });
  const parameters = ParameterStore.create(createCpuBackend(), model.parameters(), { seed: 3 });
  const spec = { shape: [B, T], dtype: 'i32' } as const;
  const step = createTrainStep({
    parameters,
    inputs: { input_ids: spec, labels: spec },
    loss: (x) => model.loss(x),
    optimizer: optimizer === 'adamw' ? new AdamW({ lr }) : new SGD({ lr: lr as number }),
    seed: 7,
    onNonFinite,
  });
  return { step, parameters };
}

function* batches(seed: number, count = Infinity): Generator<{ input_ids: Int32Array; labels: Int32Array }> {
  const rng = new Xoshiro128(seed);
  for (let i = 0; i < count; i++) {
    const input_ids = Int32Array.from({ length: B * T }, () => rng.nextInt(VOCAB));
    const labels = input_ids.map((id, j) => (j % 3 === 0 ? id : -100));
    yield { input_ids, labels };
  }
}

describe('train', () => {
  test('runs the steps asked for and reports progress; overlap does not change the losses', async () => {
    const progress: StepProgress[] = [];
    const a = build();
    const overlapped = await train({ step: a.step, batches: batches(1), steps: 6, overlap: true, onStep: (p) => void progress.push(p) });
    const b = build();
    const serial = await train({ step: b.step, batches: batches(1), steps: 6, overlap: false });
    expect(overlapped.stopped).toBe('done');
    expect(overlapped.losses).toHaveLength(6);
    expect(serial.losses).toEqual(overlapped.losses);
    expect(progress.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(progress.map((p) => p.loss)).toEqual(overlapped.losses);
    // AdamW at a constant 1e-2: the lr after the first update is the one reported.
    expect(progress.every((p) => p.lr === 1e-2)).toBe(true);
    const last = progress.at(-1)!;
    expect(last.tokensPerSecond).toBeGreaterThan(0);
    expect(last.etaMs).toBe(0);
    expect(progress[1]!.etaMs).toBeGreaterThan(0);
    expect(last.elapsedMs).toBeGreaterThanOrEqual(progress[0]!.elapsedMs);
    // Every step ends with an update here: each reports its gradient norm, none skipped.
    expect(progress.every((p) => p.gradNorm! > 0 && Number.isFinite(p.gradNorm) && !p.skipped)).toBe(true);
    expect(a.step.updates).toBe(6);
    for (const run of [a, b]) {
      run.step.dispose();
      run.parameters.dispose();
    }
  });

  test('each step reports the learning rate of its own update, also with the next step queued', async () => {
    const schedule = linearWarmupDecay({ peakLr: 1e-2, warmupSteps: 2, totalSteps: 6 });
    const { step, parameters } = build(schedule);
    const lrs: number[] = [];
    await train({ step, batches: batches(6), steps: 5, overlap: true, onStep: (p) => void lrs.push(p.lr) });
    expect(lrs).toEqual([1, 2, 3, 4, 5].map((t) => schedule(t)));
    expect(lrs[0]).toBe(0); // Hugging Face's warm-up starts at 0
    step.dispose();
    parameters.dispose();
  });

  test('evaluates every n steps and after the last', async () => {
    const { step, parameters } = build();
    const seen: number[] = [];
    const result = await train({
      step,
      batches: batches(2),
      steps: 5,
      evaluateEvery: 2,
      evaluate: async (at) => ({ at }),
      onEvaluate: (at) => void seen.push(at),
    });
    expect(seen).toEqual([2, 4, 5]);
    expect(result.evaluations.map((e) => e.metrics.at)).toEqual([2, 4, 5]);
    step.dispose();
    parameters.dispose();
  });

  test('stops on the signal after the step in flight, and when the batches end', async () => {
    const first = build();
    const controller = new AbortController();
    const aborted = await train({
      step: first.step,
      batches: batches(3),
      steps: 50,
      signal: controller.signal,
      onStep: (p) => void (p.step === 3 && controller.abort()),
    });
    expect(aborted.stopped).toBe('aborted');
    // Overlap keeps one step queued behind the one read back: it finishes too.
    expect(aborted.steps).toBeGreaterThanOrEqual(3);
    expect(aborted.steps).toBeLessThanOrEqual(4);
    const second = build();
    const ended = await train({ step: second.step, batches: batches(4, 2), steps: 5 });
    expect(ended).toMatchObject({ stopped: 'batches-ended', steps: 2 });
    for (const run of [first, second]) {
      run.step.dispose();
      run.parameters.dispose();
    }
  });

  test('stops at the first non-finite loss or gradient norm (onNonFinite throw); that update was skipped, the weights stay finite', async () => {
    // SGD at lr 1e6 blows the weights up within a few steps.
    const { step, parameters } = build(1e6, 'sgd');
    const progress: StepProgress[] = [];
    const result = await train({ step, batches: batches(5), steps: 40, onStep: (p) => void progress.push(p) });
    expect(result.stopped).toBe('non-finite-loss');
    const last = progress.at(-1)!;
    expect(last.skipped).toBe(true);
    expect(Number.isFinite(last.loss) && Number.isFinite(last.gradNorm)).toBe(false);
    expect(progress.slice(0, -1).every((p) => !p.skipped)).toBe(true);
    expect(result.steps).toBeLessThan(40);
    expect(step.skippedUpdates).toBeGreaterThanOrEqual(1);
    const record = await parameters.toRecord();
    expect(Object.values(record).every((v) => v.every(Number.isFinite))).toBe(true);
    step.dispose();
    parameters.dispose();
  });

  test('goes on past skipped updates with onNonFinite skip, reporting each; stopOnNonFinite overrides either way', async () => {
    const { step, parameters } = build(1e6, 'sgd', 'skip');
    const progress: StepProgress[] = [];
    const result = await train({ step, batches: batches(5), steps: 12, onStep: (p) => void progress.push(p) });
    expect(result.stopped).toBe('done');
    const skipped = progress.filter((p) => p.skipped).length;
    expect(skipped).toBeGreaterThan(0);
    expect(step.skippedUpdates).toBe(skipped);
    const record = await parameters.toRecord();
    expect(Object.values(record).every((v) => v.every(Number.isFinite))).toBe(true);
    const stopping = await train({ step, batches: batches(6), steps: 12, stopOnNonFinite: true });
    expect(stopping.stopped).toBe('non-finite-loss');
    step.dispose();
    parameters.dispose();
  });

  test('arguments are checked', async () => {
    const { step, parameters } = build();
    await expect(train({ step, batches: batches(1), steps: -1 })).rejects.toThrow(/^train: steps must be an integer ≥ 0/);
    await expect(train({ step, batches: 3 as never, steps: 1 })).rejects.toThrow(/^train: batches must be an iterable/);
    await expect(train({ step: {} as never, batches: batches(1), steps: 1 })).rejects.toThrow(/^train: step must be a TrainStep/);
    step.dispose();
    parameters.dispose();
  });
});
