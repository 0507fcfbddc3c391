// Training checkpoints on the CPU backend with real files: exact resume through train() (a NEW
// step and parameters built from scratch, resumed from the checkpoint: losses after k and the final
// parameters equal bit for bit), with gradient accumulation too; saveCheckpoint/loadCheckpoint
// directly; every kind of broken checkpoint refused with a clear error before anything is written.
import { readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  CheckpointError,
  type CheckpointStore,
  SafetensorsFile,
  checkpointFolderName,
  createCpuBackend,
  loadCheckpoint,
  memoryCheckpointStore,
  nodeCheckpointStore,
  saveCheckpoint,
  train,
} from '../../src/index.js';
import { LIBRARY_VERSION } from '../../src/train/checkpoint.js';
import { type BuildOptions, buildRun, differences, trainingBatches } from './checkpoint-fixture.js';

const root = await mkdtemp(join(tmpdir(), 'shaderformer-resume-'));
afterAll(() => rm(root, { recursive: true, force: true }));
const N = 8;
const K = 4;

/** The uninterrupted run: N micro-steps; its losses and final parameters. */
async function uninterrupted(options: BuildOptions) {
  const { step, parameters } = buildRun(createCpuBackend(), options);
  const result = await train({ step, batches: trainingBatches(), steps: N });
  const params = await parameters.toRecord();
  step.dispose();
  parameters.dispose();
  return { losses: result.losses, params };
}

describe('exact resume on the CPU backend', () => {
  for (const accumulationSteps of [1, 2]) {
    test(`stopped at ${K} and resumed by a new step from the checkpoint: the same losses after ${K} and parameters, bit for bit (accumulation ${accumulationSteps})`, async () => {
      const options = { accumulationSteps };
      const want = await uninterrupted(options);
      expect(want.losses.every(Number.isFinite)).toBe(true);
      const store = await nodeCheckpointStore(join(root, `acc-${accumulationSteps}`));
      const every = K / accumulationSteps;

      const first = buildRun(createCpuBackend(), options);
      const stopped = await train({ step: first.step, batches: trainingBatches(), steps: K, checkpoint: { store, every } });
      expect(stopped.checkpoints).toEqual([K / accumulationSteps]);
      expect(stopped.losses).toEqual(want.losses.slice(0, K));
      first.step.dispose();
      first.parameters.dispose();

      // A new process, in effect: new backend, model, parameters (randomly initialised again), step, batches.
      const second = buildRun(createCpuBackend(), options);
      const seen: number[] = [];
      const resumed = await train({
        step: second.step,
        batches: trainingBatches(),
        steps: N,
        checkpoint: { store, every },
        resume: true,
        onStep: (p) => void seen.push(p.step),
      });
      expect(resumed.resumedFrom).toEqual({ checkpoint: K / accumulationSteps, step: K });
      expect(seen).toEqual([5, 6, 7, 8]);
      expect(second.step.microSteps).toBe(N);
      expect(await differences(resumed.losses, want.losses.slice(K), second.parameters, want.params)).toEqual([]);
      expect(resumed.checkpoints).toEqual([N / accumulationSteps]);
      // The final checkpoint holds the whole run's losses.
      const state = JSON.parse(
        await readFile(join(root, `acc-${accumulationSteps}`, checkpointFolderName(N / accumulationSteps), 'trainer_state.json'), 'utf8'),
      );
      expect(state.losses).toEqual(want.losses);
      second.step.dispose();
      second.parameters.dispose();
    });
  }

  test('resume with an empty store starts from scratch; progress reports each checkpoint saved', async () => {
    const want = await uninterrupted({});
    const { step, parameters } = buildRun(createCpuBackend());
    const store = memoryCheckpointStore();
    const marks: (number | undefined)[] = [];
    const result = await train({
      step,
      batches: trainingBatches(),
      steps: N,
      checkpoint: { store, every: 3, keep: 2 },
      resume: true,
      onStep: (p) => void marks.push(p.checkpoint),
    });
    expect(result.resumedFrom).toBeUndefined();
    expect(result.losses).toEqual(want.losses);
    expect(marks).toEqual([undefined, undefined, 3, undefined, undefined, 6, undefined, undefined]);
    expect(result.checkpoints).toEqual([3, 6, 8]);
    expect(await store.list()).toEqual([6, 8]);
    step.dispose();
    parameters.dispose();
  });

  test('a run stopped by its signal is saved at the end and resumes from there; array batches resume by index', async () => {
    const want = await uninterrupted({});
    const batches = Array.from(
      { length: N },
      (
        (it) => () =>
          it.next().value
      )(trainingBatches()[Symbol.iterator]()),
    );
    const store = memoryCheckpointStore();
    const controller = new AbortController();
    const first = buildRun(createCpuBackend());
    const stopped = await train({
      step: first.step,
      batches,
      steps: N,
      signal: controller.signal,
      checkpoint: { store },
      onStep: (p) => void (p.step === 3 && controller.abort()),
    });
    expect(stopped).toMatchObject({ stopped: 'aborted', steps: 3, checkpoints: [3] });
    first.step.dispose();
    first.parameters.dispose();
    const second = buildRun(createCpuBackend());
    const resumed = await train({ step: second.step, batches, steps: N, checkpoint: { store }, resume: true });
    expect(resumed.resumedFrom).toEqual({ checkpoint: 3, step: 3 });
    expect(await differences(resumed.losses, want.losses.slice(3), second.parameters, want.params)).toEqual([]);
    second.step.dispose();
    second.parameters.dispose();
  });

  test('batches from a generator resume through batchState (the stream under it)', async () => {
    const want = await uninterrupted({});
    const store = memoryCheckpointStore();
    const run = async (steps: number, resume: boolean) => {
      const source = trainingBatches();
      const renamed = (function* () {
        for (const batch of source) yield { ...batch };
      })();
      const { step, parameters } = buildRun(createCpuBackend());
      const result = await train({ step, batches: renamed, batchState: source, steps, checkpoint: { store }, resume });
      return { result, step, parameters };
    };
    const first = await run(K, false);
    first.step.dispose();
    first.parameters.dispose();
    const second = await run(N, true);
    expect(second.result.resumedFrom).toEqual({ checkpoint: K, step: K });
    expect(await differences(second.result.losses, want.losses.slice(K), second.parameters, want.params)).toEqual([]);
    second.step.dispose();
    second.parameters.dispose();
  });

  test('train() checks its checkpoint options', async () => {
    const { step, parameters } = buildRun(createCpuBackend());
    const store = memoryCheckpointStore();
    await expect(train({ step, batches: trainingBatches(), steps: 1, resume: true })).rejects.toThrow(/^train: resume needs checkpoint: \{ store \}/);
    await expect(train({ step, batches: trainingBatches(), steps: 1, checkpoint: { store: {} as never } })).rejects.toThrow(
      /checkpoint\.store must be a CheckpointStore/,
    );
    await expect(train({ step, batches: trainingBatches(), steps: 1, checkpoint: { store, every: -1 } })).rejects.toThrow(
      /checkpoint\.every must be an integer/,
    );
    const plain = (function* () {
      yield* trainingBatches();
    })();
    await expect(train({ step, batches: plain, steps: 1, checkpoint: { store }, resume: true })).rejects.toThrow(
      /resume needs batches whose position can be restored/,
    );
    await expect(train({ step, batches: plain, steps: 1, batchState: {} as never })).rejects.toThrow(
      /^train: batchState must have getState\(\) and setState\(state\)/,
    );
    step.dispose();
    parameters.dispose();
  });
});

describe('saveCheckpoint and loadCheckpoint', () => {
  /** A store holding one checkpoint after 2 updates of the fixture's run, and the run's state then. */
  async function savedRun(store: CheckpointStore) {
    const { step, parameters } = buildRun(createCpuBackend());
    const batches = trainingBatches();
    const it = batches[Symbol.iterator]();
    const losses = [await step.step(it.next().value), await step.step(it.next().value)];
    const saved = await saveCheckpoint(store, step, { data: batches.getState(), losses, metadata: { note: 'two steps' } });
    const params = await parameters.toRecord();
    step.dispose();
    parameters.dispose();
    return { saved, params, losses };
  }

  test('the files: model.safetensors by parameter name, optimizer.safetensors with torch state names, trainer_state.json', async () => {
    const dir = join(root, 'files');
    const store = await nodeCheckpointStore(dir);
    const { saved, params, losses } = await savedRun(store);
    expect(saved.step).toBe(2);
    const folder = join(dir, checkpointFolderName(2));
    const model = await SafetensorsFile.open(join(folder, 'model.safetensors'));
    expect([...model.entries.keys()].sort()).toEqual(Object.keys(params).sort());
    expect([...model.entries.values()].every((e) => e.dtype === 'F32')).toBe(true);
    expect(await model.read('bert.embeddings.word_embeddings.weight')).toEqual(params['bert.embeddings.word_embeddings.weight']);
    await model.close();
    const optimizer = await SafetensorsFile.open(join(folder, 'optimizer.safetensors'));
    expect(optimizer.entries.has('bert.embeddings.word_embeddings.weight.exp_avg')).toBe(true);
    expect(optimizer.entries.has('bert.embeddings.word_embeddings.weight.exp_avg_sq')).toBe(true);
    // Adam's second moment of a gradient that was not zero is positive.
    const v = await optimizer.read('cls.predictions.bias.exp_avg_sq');
    expect(v.some((x) => x > 0)).toBe(true);
    await optimizer.close();
    const state = JSON.parse(await readFile(join(folder, 'trainer_state.json'), 'utf8'));
    expect(state).toMatchObject({
      format: 'shaderformer-checkpoint',
      formatVersion: 1,
      libraryVersion: LIBRARY_VERSION,
      microSteps: 2,
      updates: 2,
      skippedUpdates: 0,
      accumulationSteps: 1,
      optimizer: { name: 'AdamW', state: ['exp_avg', 'exp_avg_sq'] },
      dropout: { seed: 11 },
      losses,
      metadata: { note: 'two steps' },
      data: { kind: 'mlmBatches', batches: 2 },
    });
    expect(state.dropout.position).toBe(2 * state.dropout.streamPerStep);
    expect(state.dropout.streamPerStep).toBeGreaterThan(0);
  });

  test('the library version written matches package.json', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(LIBRARY_VERSION).toBe(pkg.version);
  });

  test('a save inside an accumulation cycle is refused', async () => {
    const { step, parameters } = buildRun(createCpuBackend(), { accumulationSteps: 2 });
    await step.step(trainingBatches()[Symbol.iterator]().next().value);
    await expect(saveCheckpoint(memoryCheckpointStore(), step)).rejects.toThrow(/^saveCheckpoint: micro-step 1 is inside an accumulation cycle of 2/);
    step.dispose();
    parameters.dispose();
  });

  /** Saves the fixture's checkpoint into a fresh folder, breaks it with `damage`, and returns loadCheckpoint's error and whether the new step's parameters were left as initialised. */
  async function brokenLoad(
    name: string,
    damage: (folder: string) => Promise<void>,
    options: BuildOptions = {},
  ): Promise<{ error: unknown; untouched: boolean }> {
    const dir = join(root, `broken-${name}`);
    const store = await nodeCheckpointStore(dir);
    await savedRun(store);
    await damage(join(dir, checkpointFolderName(2)));
    const { step, parameters } = buildRun(createCpuBackend(), options);
    const before = await parameters.toRecord();
    const error = await loadCheckpoint(store, step).then(
      () => undefined,
      (e: unknown) => e,
    );
    const after = await parameters.toRecord();
    const untouched = Object.keys(before).every((k) => before[k]!.every((v, i) => Object.is(v, after[k]![i])));
    expect(step.microSteps).toBe(0);
    step.dispose();
    parameters.dispose();
    return { error, untouched };
  }

  const editState = (edit: (state: Record<string, unknown>) => void) => async (folder: string) => {
    const path = join(folder, 'trainer_state.json');
    const state = JSON.parse(await readFile(path, 'utf8'));
    edit(state);
    await writeFile(path, JSON.stringify(state));
  };

  const cases: [string, (folder: string) => Promise<void>, RegExp, BuildOptions?][] = [
    ['missing model', (f) => rm(join(f, 'model.safetensors')), /has no file "model\.safetensors"/],
    ['missing state', (f) => rm(join(f, 'trainer_state.json')), /has no file "trainer_state\.json"/],
    ['truncated model', (f) => truncate(join(f, 'model.safetensors'), 5000), /model\.safetensors is unreadable: .*safetensors/],
    ['garbage optimizer', (f) => writeFile(join(f, 'optimizer.safetensors'), 'not a safetensors file at all'), /optimizer\.safetensors is unreadable/],
    ['state not JSON', (f) => writeFile(join(f, 'trainer_state.json'), '{"format": '), /trainer_state\.json: not readable JSON/],
    ['unknown version', editState((s) => void (s.formatVersion = 2)), /formatVersion 2 is not one this version reads \(1\)/],
    ['another format', editState((s) => void (s.format = 'other')), /format must be "shaderformer-checkpoint", got string "other"/],
    ['negative counter', editState((s) => void (s.updates = -1)), /updates must be an integer ≥ 0, got -1/],
    ['fractional counter', editState((s) => void (s.microSteps = 2.5)), /microSteps must be an integer ≥ 0, got 2\.5/],
    ['inconsistent counters', editState((s) => void (s.microSteps = 3)), /microSteps 3 is not updates 2 × accumulationSteps 1/],
    ['bad losses', editState((s) => void (s.losses = 'x')), /losses must be an array of numbers/],
    [
      'wrong dropout position',
      editState((s) => void ((s.dropout as { position: number }).position = 1)),
      /dropout\.position must be microSteps × streamPerStep/,
    ],
    ['other seed', editState((s) => void ((s.dropout as { seed: number }).seed = 12)), /dropout\.seed is 12 in the checkpoint but 11 in this training step/],
    ['other optimizer', editState((s) => void ((s.optimizer as { name: string }).name = 'SGD')), /optimizer\.name is "SGD" in the checkpoint but "AdamW"/],
    ['other accumulation', async () => {}, /accumulationSteps is 1 in the checkpoint but 2 in this training step/, { accumulationSteps: 2 }],
    [
      'other model size',
      async () => {},
      /has shape \[50, 32\] in the checkpoint but \[50, 16\] here|do not match/,
      { config: { hidden_size: 16, intermediate_size: 32 } },
    ],
    [
      'fewer layers',
      async () => {},
      /model\.safetensors: its tensors do not match this step's parameters: missing none; unexpected bert\.encoder\.layer\.1/,
      { config: { num_hidden_layers: 1 } },
    ],
  ];
  for (const [name, damage, message, options] of cases) {
    test(`refused before anything is written: ${name}`, async () => {
      const { error, untouched } = await brokenLoad(name.replaceAll(' ', '-'), damage, options);
      expect(error).toBeInstanceOf(CheckpointError);
      expect((error as Error).message).toMatch(/^loadCheckpoint: /);
      expect((error as Error).message).toMatch(message);
      expect(untouched).toBe(true);
    });
  }
});
