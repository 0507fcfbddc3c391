// Where training checkpoints live: numbered folders of files (`checkpoint-000123/`) in memory, in a
// Node directory, or in a page's origin-private file system (OPFS). A checkpoint becomes visible
// only once all its files are written (a rename in Node, a completion marker in OPFS), so a crash
// mid-save never leaves a corrupt latest checkpoint; the oldest are removed beyond `keep`.
// Node-only code sits behind a dynamic import, so a browser bundle never pulls in Node builtins.
import { ArgumentError, CheckpointError, describeNumber, describeValue } from '../errors.js';
import type { ByteInput } from '../io/source.js';
import { nodeFileSink } from '../io/writer.js';

/** One file of a checkpoint as a store takes it: bytes, or a Blob (e.g. from `safetensorsBlob`, parts kept outside the JS heap). */
export type CheckpointFileData = Uint8Array | Blob;

/** A saved checkpoint as a store hands it back: its number and its files, each opened only when asked for. */
export interface StoredCheckpoint {
  /** The checkpoint's number (the optimizer updates done when it was saved). */
  readonly step: number;
  /** Where it is, for messages: e.g. `/runs/a/checkpoint-000004` or `opfs:runs/checkpoint-000004`. */
  readonly location: string;
  /** The names of its files. */
  readonly files: readonly string[];
  /** A file's bytes as a `ByteInput` (a Blob/File, bytes, or a Node path) for `openBytes`/`SafetensorsFile.open`; rejects with `CheckpointError` if absent. */
  file(name: string): Promise<ByteInput>;
}

/** Numbered checkpoints of one run: saved whole or not at all, listed, loaded (latest by default), removed; keeps the newest `keep`. */
export interface CheckpointStore {
  /** Where the store is, for messages. */
  readonly name: string;
  /** How many checkpoints are kept: saving one more removes the oldest. */
  readonly keep: number;
  /** Saves `files` as checkpoint `step` (replacing one of that number), visible only once complete; then removes the oldest beyond `keep`. */
  save(step: number, files: Readonly<Record<string, CheckpointFileData>>): Promise<void>;
  /** The numbers of the complete checkpoints, ascending (half-written ones are ignored). */
  list(): Promise<number[]>;
  /** Checkpoint `step` (default: the latest); `undefined` when the store has none; rejects with `CheckpointError` when `step` is not there. */
  load(step?: number): Promise<StoredCheckpoint | undefined>;
  /** Removes checkpoint `step` (nothing if absent). */
  remove(step: number): Promise<void>;
}

/** Options of the checkpoint stores. */
export interface CheckpointStoreOptions {
  /** Checkpoints kept, newest first (default 3; at least 1). */
  keep?: number;
}

const DEFAULT_KEEP = 3;
const FOLDER = /^checkpoint-(\d{1,15})$/;
/** A file name a checkpoint may hold: plain, no path, not hidden (hidden names are the stores' own). */
const FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;
/** OPFS: written last into a checkpoint folder; a folder without it is a save that did not finish. */
const COMPLETE_MARKER = '.complete';

/** The folder of checkpoint `step`: `checkpoint-000123`. */
export function checkpointFolderName(step: number): string {
  return `checkpoint-${String(step).padStart(6, '0')}`;
}

function checkKeep(op: string, options: unknown): number {
  if (options === null || typeof options !== 'object') throw new ArgumentError(`${op}: options must be an object, got ${describeValue(options)}`);
  const keep = (options as CheckpointStoreOptions).keep ?? DEFAULT_KEEP;
  if (!Number.isSafeInteger(keep) || keep < 1) throw new ArgumentError(`${op}: keep must be an integer ≥ 1, got ${describeNumber(keep)}`);
  return keep;
}

function checkStep(op: string, step: unknown): number {
  if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0 || step >= 1e15) {
    throw new ArgumentError(`${op}: step must be an integer in [0, 1e15), got ${describeNumber(step)}`);
  }
  return step;
}

function checkFiles(op: string, files: unknown): [string, CheckpointFileData][] {
  if (files === null || typeof files !== 'object')
    throw new ArgumentError(`${op}: files must be an object of file name → bytes or Blob, got ${describeValue(files)}`);
  const entries = Object.entries(files as Record<string, unknown>);
  if (entries.length === 0) throw new ArgumentError(`${op}: files is empty; a checkpoint needs at least one file`);
  for (const [name, data] of entries) {
    if (!FILE_NAME.test(name))
      throw new ArgumentError(`${op}: file name ${JSON.stringify(name)} must be letters, digits, '.', '_' or '-', not starting with '.'`);
    if (!(data instanceof Uint8Array) && !(typeof Blob !== 'undefined' && data instanceof Blob)) {
      throw new ArgumentError(`${op}: files[${JSON.stringify(name)}] must be a Uint8Array or a Blob, got ${describeValue(data)}`);
    }
  }
  return entries as [string, CheckpointFileData][];
}

/** The folders' steps among `names`, ascending. */
function stepsOf(names: Iterable<string>): number[] {
  const steps: number[] = [];
  for (const name of names) {
    const match = FOLDER.exec(name);
    if (match) steps.push(Number(match[1]));
  }
  return steps.sort((a, b) => a - b);
}

/** Removes the oldest checkpoints beyond `keep`. */
async function prune(store: CheckpointStore): Promise<void> {
  const steps = await store.list();
  for (const step of steps.slice(0, Math.max(0, steps.length - store.keep))) await store.remove(step);
}

/** Finds checkpoint `step` (or the latest) among the complete ones. */
function pick(op: string, store: string, steps: readonly number[], step: number | undefined): number | undefined {
  if (step === undefined) return steps.at(-1);
  checkStep(op, step);
  if (!steps.includes(step)) throw new CheckpointError(`${op}: ${store} has no checkpoint ${step} (it has ${steps.length ? steps.join(', ') : 'none'})`);
  return step;
}

function stored(step: number, location: string, files: readonly string[], open: (name: string) => Promise<ByteInput>): StoredCheckpoint {
  return {
    step,
    location,
    files,
    file: async (name) => {
      if (!files.includes(name))
        throw new CheckpointError(`${location}: the checkpoint has no file ${JSON.stringify(name)} (it has ${files.join(', ') || 'none'})`);
      return open(name);
    },
  };
}

/** A checkpoint store in memory (tests, or a run that only needs to survive a device loss); files are copied in. */
export function memoryCheckpointStore(options: CheckpointStoreOptions = {}): CheckpointStore {
  const op = 'memoryCheckpointStore';
  const keep = checkKeep(op, options);
  const checkpoints = new Map<number, Map<string, CheckpointFileData>>();
  const store: CheckpointStore = {
    name: '<memory>',
    keep,
    async save(step, files) {
      checkStep(`${op}.save`, step);
      const entries = checkFiles(`${op}.save`, files);
      // Copies: the caller may reuse its arrays; a Blob cannot change.
      const copy = new Map(entries.map(([name, data]) => [name, data instanceof Uint8Array ? data.slice() : data]));
      checkpoints.set(step, copy);
      await prune(store);
    },
    async list() {
      return [...checkpoints.keys()].sort((a, b) => a - b);
    },
    async load(step) {
      const at = pick(`${op}.load`, store.name, await store.list(), step);
      if (at === undefined) return undefined;
      const files = checkpoints.get(at)!;
      return stored(at, `<memory>/${checkpointFolderName(at)}`, [...files.keys()], async (name) => files.get(name)!);
    },
    async remove(step) {
      checkStep(`${op}.remove`, step);
      checkpoints.delete(step);
    },
  };
  return store;
}

/**
 * A checkpoint store in a Node directory (created if missing): one `checkpoint-000123/` folder per
 * checkpoint, written under a hidden temporary name and renamed when complete, so a crash mid-save
 * leaves only a temporary folder that `list` ignores (and the next save of that step clears).
 */
export async function nodeCheckpointStore(directory: string, options: CheckpointStoreOptions = {}): Promise<CheckpointStore> {
  const op = 'nodeCheckpointStore';
  if (typeof directory !== 'string' || directory === '') throw new ArgumentError(`${op}: directory must be a non-empty path, got ${describeValue(directory)}`);
  const keep = checkKeep(op, options);
  const fs = await import('node:fs/promises');
  const { join } = await import('node:path');
  await fs.mkdir(directory, { recursive: true });
  const folders = async (): Promise<string[]> => (await fs.readdir(directory, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  const store: CheckpointStore = {
    name: directory,
    keep,
    async save(step, files) {
      checkStep(`${op}.save`, step);
      const entries = checkFiles(`${op}.save`, files);
      const final = join(directory, checkpointFolderName(step));
      const temp = join(directory, `.tmp-${checkpointFolderName(step)}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`);
      await fs.mkdir(temp);
      try {
        for (const [name, data] of entries) await writeNodeFile(fs, join(temp, name), data);
        // A checkpoint of the same number is replaced: moved aside first (rename cannot replace a folder).
        const old = `${temp}-old`;
        const replacing = await fs.rename(final, old).then(
          () => true,
          (error: NodeJS.ErrnoException) => {
            if (error.code === 'ENOENT') return false;
            throw error;
          },
        );
        await fs.rename(temp, final);
        if (replacing) await fs.rm(old, { recursive: true, force: true });
      } catch (error) {
        await fs.rm(temp, { recursive: true, force: true }).catch(() => {});
        throw error;
      }
      await prune(store);
    },
    async list() {
      return stepsOf(await folders());
    },
    async load(step) {
      const at = pick(`${op}.load`, directory, await store.list(), step);
      if (at === undefined) return undefined;
      const location = join(directory, checkpointFolderName(at));
      const files = (await fs.readdir(location, { withFileTypes: true })).filter((e) => e.isFile() && FILE_NAME.test(e.name)).map((e) => e.name);
      return stored(at, location, files, async (name) => join(location, name));
    },
    async remove(step) {
      checkStep(`${op}.remove`, step);
      await fs.rm(join(directory, checkpointFolderName(step)), { recursive: true, force: true });
    },
  };
  return store;
}

async function writeNodeFile(fs: typeof import('node:fs/promises'), path: string, data: CheckpointFileData): Promise<void> {
  if (data instanceof Uint8Array) return fs.writeFile(path, data);
  const sink = await nodeFileSink(path);
  try {
    // Chunk by chunk: a Blob of a large model is never copied whole into the JS heap.
    const reader = data.stream().getReader();
    for (let next = await reader.read(); !next.done; next = await reader.read()) await sink.write(next.value);
  } finally {
    await sink.close?.();
  }
}

/**
 * A checkpoint store in the page's origin-private file system (`navigator.storage.getDirectory()`),
 * under the folder `directory` (a name or `a/b` path, created if missing): the same
 * `checkpoint-000123/` layout; a checkpoint's folder counts only once its completion marker, written
 * after every file, is there.
 */
export async function opfsCheckpointStore(directory: string, options: CheckpointStoreOptions = {}): Promise<CheckpointStore> {
  const op = 'opfsCheckpointStore';
  if (typeof directory !== 'string' || directory.split('/').some((part) => !FILE_NAME.test(part))) {
    throw new ArgumentError(`${op}: directory must be a folder name or a/b path of letters, digits, '.', '_' or '-', got ${describeValue(directory)}`);
  }
  const keep = checkKeep(op, options);
  const storage = (globalThis as { navigator?: { storage?: { getDirectory?: () => Promise<FileSystemDirectoryHandle> } } }).navigator?.storage;
  if (typeof storage?.getDirectory !== 'function')
    throw new CheckpointError(`${op}: this context has no origin-private file system (navigator.storage.getDirectory)`);
  let root = await storage.getDirectory();
  for (const part of directory.split('/')) root = await root.getDirectoryHandle(part, { create: true });
  const exists = async (folder: FileSystemDirectoryHandle, name: string): Promise<boolean> =>
    folder.getFileHandle(name).then(
      () => true,
      () => false,
    );
  const complete = async (): Promise<number[]> => {
    const names: string[] = [];
    for await (const [name, handle] of root as unknown as AsyncIterable<[string, FileSystemHandle]>) {
      if (handle.kind === 'directory' && FOLDER.test(name) && (await exists(handle as FileSystemDirectoryHandle, COMPLETE_MARKER))) names.push(name);
    }
    return stepsOf(names);
  };
  const store: CheckpointStore = {
    name: `opfs:${directory}`,
    keep,
    async save(step, files) {
      checkStep(`${op}.save`, step);
      const entries = checkFiles(`${op}.save`, files);
      const name = checkpointFolderName(step);
      // A half-written folder of this number (or an older complete one) is cleared first.
      await root.removeEntry(name, { recursive: true }).catch(() => {});
      const folder = await root.getDirectoryHandle(name, { create: true });
      for (const [file, data] of entries) await writeOpfsFile(folder, file, data);
      await writeOpfsFile(folder, COMPLETE_MARKER, new Uint8Array(0));
      await prune(store);
    },
    list: complete,
    async load(step) {
      const at = pick(`${op}.load`, store.name, await complete(), step);
      if (at === undefined) return undefined;
      const name = checkpointFolderName(at);
      const folder = await root.getDirectoryHandle(name);
      const files: string[] = [];
      for await (const [file, handle] of folder as unknown as AsyncIterable<[string, FileSystemHandle]>) {
        if (handle.kind === 'file' && FILE_NAME.test(file)) files.push(file);
      }
      return stored(at, `${store.name}/${name}`, files.sort(), async (file) => (await folder.getFileHandle(file)).getFile());
    },
    async remove(step) {
      checkStep(`${op}.remove`, step);
      await root.removeEntry(checkpointFolderName(step), { recursive: true }).catch((error: DOMException) => {
        if (error?.name !== 'NotFoundError') throw error;
      });
    },
  };
  return store;
}

async function writeOpfsFile(folder: FileSystemDirectoryHandle, name: string, data: CheckpointFileData): Promise<void> {
  const handle = await folder.getFileHandle(name, { create: true });
  const writable = await handle.createWritable();
  try {
    await writable.write(data as Uint8Array<ArrayBuffer> | Blob);
    await writable.close();
  } catch (error) {
    await writable.abort().catch(() => {});
    throw error;
  }
}
