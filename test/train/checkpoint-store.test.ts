// The checkpoint stores on real files (a temporary Node directory) and in memory: save, list,
// retention, load (latest by default), replace, remove; a half-written checkpoint (the temporary
// folder a crash leaves) is ignored; arguments are checked. OPFS is covered by the Chromium tests.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { type CheckpointStore, CheckpointError, memoryCheckpointStore, nodeCheckpointStore, openBytes } from '../../src/index.js';
import { Rng } from '../harness/cases.js';

const root = await mkdtemp(join(tmpdir(), 'shaderformer-ckpt-'));
afterAll(() => rm(root, { recursive: true, force: true }));

const rng = new Rng(7);
function randomBytes(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => Math.floor(rng.next() * 256));
}

async function bytesOf(store: CheckpointStore, step: number | undefined, file: string): Promise<Uint8Array> {
  const checkpoint = await store.load(step);
  const source = await openBytes(await checkpoint!.file(file));
  try {
    return (await source.read(0, source.size)).slice();
  } finally {
    await source.close();
  }
}

let folders = 0;
const kinds: [string, (keep?: number) => Promise<CheckpointStore>][] = [
  ['node folder', (keep) => nodeCheckpointStore(join(root, `run-${folders++}`), keep === undefined ? {} : { keep })],
  ['memory', async (keep) => memoryCheckpointStore(keep === undefined ? {} : { keep })],
];

describe.each(kinds)('%s checkpoint store', (_kind, make) => {
  test('saves, lists ascending, keeps the newest 3 by default, loads the latest or a given one', async () => {
    const store = await make();
    expect(store.keep).toBe(3);
    expect(await store.list()).toEqual([]);
    expect(await store.load()).toBeUndefined();
    const saved = new Map<number, { a: Uint8Array; b: Uint8Array }>();
    for (const step of [2, 4, 6, 8, 10]) {
      const files = { a: randomBytes(100 + step), b: randomBytes(3000) };
      saved.set(step, files);
      // One file as bytes, one as a Blob (how safetensors files arrive).
      await store.save(step, { 'model.safetensors': files.a, 'trainer_state.json': new Blob([files.b.slice()]) });
    }
    expect(await store.list()).toEqual([6, 8, 10]);
    const latest = await store.load();
    expect(latest!.step).toBe(10);
    expect([...latest!.files].sort()).toEqual(['model.safetensors', 'trainer_state.json']);
    expect(await bytesOf(store, undefined, 'model.safetensors')).toEqual(saved.get(10)!.a);
    expect(await bytesOf(store, 8, 'trainer_state.json')).toEqual(saved.get(8)!.b);
    await expect(store.load(4)).rejects.toThrow(CheckpointError);
    await expect(store.load(4)).rejects.toThrow(/has no checkpoint 4 \(it has 6, 8, 10\)/);
    await expect(latest!.file('optimizer.safetensors')).rejects.toThrow(/has no file "optimizer\.safetensors"/);
    // The same number again replaces it.
    const again = randomBytes(50);
    await store.save(10, { 'model.safetensors': again });
    expect(await bytesOf(store, 10, 'model.safetensors')).toEqual(again);
    expect((await store.load(10))!.files).toEqual(['model.safetensors']);
    await store.remove(8);
    await store.remove(8); // absent: nothing
    expect(await store.list()).toEqual([6, 10]);
  });

  test('keep 1 holds only the last; arguments are checked', async () => {
    const store = await make(1);
    await store.save(0, { x: randomBytes(4) });
    await store.save(1, { x: randomBytes(4) });
    expect(await store.list()).toEqual([1]);
    await expect(make(0)).rejects.toThrow(/keep must be an integer ≥ 1, got 0/);
    await expect(store.save(-1, { x: randomBytes(1) })).rejects.toThrow(/save: step must be an integer in \[0, 1e15\), got -1/);
    await expect(store.save(1.5, { x: randomBytes(1) })).rejects.toThrow(/step must be an integer/);
    await expect(store.save(2, { '../evil': randomBytes(1) })).rejects.toThrow(/file name "\.\.\/evil" must be letters/);
    await expect(store.save(2, { '.complete': randomBytes(1) })).rejects.toThrow(/file name "\.complete"/);
    await expect(store.save(2, { x: [1, 2] as never })).rejects.toThrow(/files\["x"\] must be a Uint8Array or a Blob, got Array\(2\)/);
    await expect(store.save(2, {})).rejects.toThrow(/files is empty/);
    expect(await store.list()).toEqual([1]);
  });
});

describe('node folder store on disk', () => {
  test('writes checkpoint-000123/ folders; a temporary folder a crash left behind is ignored and cleaned by nothing else', async () => {
    const dir = join(root, 'crash');
    const store = await nodeCheckpointStore(dir, { keep: 2 });
    await store.save(123, { 'a.bin': randomBytes(10) });
    // A save of 124 that died mid-write: its temporary folder with a partial file.
    await mkdir(join(dir, '.tmp-checkpoint-000124-dead'));
    await writeFile(join(dir, '.tmp-checkpoint-000124-dead', 'a.bin'), randomBytes(3));
    // Stray entries: a file named like a checkpoint, a folder with another name.
    await writeFile(join(dir, 'checkpoint-000200'), 'not a folder');
    await mkdir(join(dir, 'notes'));
    expect(await store.list()).toEqual([123]);
    expect((await store.load())!.step).toBe(123);
    expect((await readdir(dir)).sort()).toEqual(['.tmp-checkpoint-000124-dead', 'checkpoint-000123', 'checkpoint-000200', 'notes']);
    // The next saves work beside it; retention counts only complete checkpoints.
    await store.save(124, { 'a.bin': randomBytes(10) });
    await store.save(125, { 'a.bin': randomBytes(10) });
    expect(await store.list()).toEqual([124, 125]);
    expect((await store.load())!.location).toBe(join(dir, 'checkpoint-000125'));
  });

  test("a second store on the same folder sees the first one's checkpoints (a restarted process)", async () => {
    const dir = join(root, 'restart');
    const bytes = randomBytes(64);
    await (await nodeCheckpointStore(dir)).save(7, { 'w.bin': bytes });
    const reopened = await nodeCheckpointStore(dir);
    expect(await reopened.list()).toEqual([7]);
    expect(await bytesOf(reopened, undefined, 'w.bin')).toEqual(bytes);
  });

  test('arguments are checked', async () => {
    await expect(nodeCheckpointStore('')).rejects.toThrow(/^nodeCheckpointStore: directory must be a non-empty path/);
    await expect(nodeCheckpointStore(join(root, 'x'), { keep: 1.5 })).rejects.toThrow(/keep must be an integer ≥ 1, got 1\.5/);
  });
});
