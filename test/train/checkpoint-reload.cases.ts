// The two halves of the reload test (test/train/checkpoint-reload.test.ts), run on the test page in
// Chromium with the page reloaded between them: K steps saved to OPFS, then, in the reloaded page, a
// run resumed from OPFS whose losses and final parameters must equal an uninterrupted run's (saved to
// OPFS by the first half). Not registered with gpuSuite: the halves only make sense in order, and
// Node has no OPFS.
import { type CheckpointStore, SafetensorsFile, opfsCheckpointStore, readText, train } from '../../src/index.js';
import { type CaseContext, defineSuite } from '../harness/cases.js';
import { buildRun, differences, trainingBatches } from './checkpoint-fixture.js';

const N = 8;
const K = 4;
const FOLDER = 'shaderformer-test-reload';

async function stores(): Promise<{ run: CheckpointStore; reference: CheckpointStore }> {
  return { run: await opfsCheckpointStore(`${FOLDER}/run`), reference: await opfsCheckpointStore(`${FOLDER}/reference`, { keep: 1 }) };
}

function hasOpfs(ctx: CaseContext): boolean {
  if (typeof navigator !== 'undefined' && typeof navigator.storage?.getDirectory === 'function') return true;
  ctx.skip('no origin-private file system here');
  return false;
}

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 255);

async function fileBytes(store: CheckpointStore, step: number, name: string): Promise<Uint8Array> {
  const file = (await (await store.load(step))!.file(name)) as Blob;
  return new Uint8Array(await file.arrayBuffer());
}

export default defineSuite('checkpoint-reload', [
  {
    name: 'the OPFS store: retention, replace, remove; a folder without its completion marker is ignored',
    async run(ctx) {
      if (!hasOpfs(ctx)) return;
      const root = await navigator.storage.getDirectory();
      const folder = `${FOLDER}-store`;
      await root.removeEntry(folder, { recursive: true }).catch(() => {});
      const store = await opfsCheckpointStore(folder, { keep: 2 });
      for (const step of [1, 2, 3]) await store.save(step, { 'a.bin': bytes(100, step), 'b.json': new Blob([`{"step":${step}}`]) });
      ctx.expectTrue('keeps the newest 2', JSON.stringify(await store.list()) === '[2,3]', JSON.stringify(await store.list()));
      ctx.expectClose('a file reads back', await fileBytes(store, 3, 'a.bin'), bytes(100, 3), { atol: 0, rtol: 0 });
      // A save of 4 that died before its marker: the folder and a file, no marker.
      const dir = await root.getDirectoryHandle(folder);
      const halfWritten = await (await dir.getDirectoryHandle('checkpoint-000004', { create: true })).getFileHandle('a.bin', { create: true });
      const writable = await halfWritten.createWritable();
      await writable.write(bytes(10, 4));
      await writable.close();
      ctx.expectTrue('the half-written checkpoint is not listed', JSON.stringify(await store.list()) === '[2,3]', JSON.stringify(await store.list()));
      ctx.expectTrue('the latest is still 3', (await store.load())?.step === 3, String((await store.load())?.step));
      // Saving 4 for real replaces the half-written folder.
      await store.save(4, { 'a.bin': bytes(100, 40) });
      ctx.expectTrue('then 3 and 4', JSON.stringify(await store.list()) === '[3,4]', JSON.stringify(await store.list()));
      ctx.expectClose('4 holds the new bytes', await fileBytes(store, 4, 'a.bin'), bytes(100, 40), { atol: 0, rtol: 0 });
      const reopened = await opfsCheckpointStore(folder);
      await reopened.remove(3);
      ctx.expectTrue(
        'a second store on the folder sees and removes the same checkpoints',
        JSON.stringify(await store.list()) === '[4]',
        JSON.stringify(await store.list()),
      );
      await root.removeEntry(folder, { recursive: true });
    },
  },
  {
    name: 'before the reload: an uninterrupted run and K steps of another, both saved to OPFS',
    async run(ctx) {
      if (!hasOpfs(ctx)) return;
      const root = await navigator.storage.getDirectory();
      await root.removeEntry(FOLDER, { recursive: true }).catch(() => {});
      const { run, reference } = await stores();
      const whole = buildRun(ctx.gpu);
      const want = await train({ step: whole.step, batches: trainingBatches(), steps: N, checkpoint: { store: reference } });
      whole.step.dispose();
      whole.parameters.dispose();
      const part = buildRun(ctx.gpu);
      const stopped = await train({ step: part.step, batches: trainingBatches(), steps: K, checkpoint: { store: run, every: K } });
      part.step.dispose();
      part.parameters.dispose();
      ctx.expectTrue(
        'the first K losses agree',
        want.losses.slice(0, K).every((w, i) => Object.is(stopped.losses[i], w)),
        `${stopped.losses} vs ${want.losses}`,
      );
      ctx.expectTrue(
        'OPFS holds checkpoint K and the reference',
        JSON.stringify([await run.list(), await reference.list()]) === JSON.stringify([[K], [N]]),
        '',
      );
    },
  },
  {
    name: 'after the reload: resumed from OPFS, the losses after K and the parameters equal the uninterrupted run',
    async run(ctx) {
      if (!hasOpfs(ctx)) return;
      const { run, reference } = await stores();
      const saved = await reference.load();
      const state = JSON.parse(await readText(await saved!.file('trainer_state.json'), 1 << 20)) as { losses: number[] };
      const model = await SafetensorsFile.open(await saved!.file('model.safetensors'));
      const wantParams: Record<string, Float32Array> = {};
      for await (const { name, data } of model.tensors()) wantParams[name] = data;
      await model.close();
      const resumedRun = buildRun(ctx.gpu);
      const resumed = await train({ step: resumedRun.step, batches: trainingBatches(), steps: N, checkpoint: { store: run, every: K }, resume: true });
      ctx.expectTrue('resumed from checkpoint K', resumed.resumedFrom?.step === K, JSON.stringify(resumed.resumedFrom));
      const problems = await differences(resumed.losses, state.losses.slice(K), resumedRun.parameters, wantParams);
      ctx.expectTrue('losses after K and final parameters, bit for bit', problems.length === 0, problems.slice(0, 5).join('; '));
      resumedRun.step.dispose();
      resumedRun.parameters.dispose();
      await (await navigator.storage.getDirectory()).removeEntry(FOLDER, { recursive: true });
    },
  },
]);
