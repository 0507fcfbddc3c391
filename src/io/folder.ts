// Model folders, as Hugging Face lays them out (config.json, model.safetensors, tokenizer files): read
// from a Hub-style base URL, a dropped folder (FileList/File[]), a map of file name → bytes, or a Node
// directory; written to a Node directory, a FileSystemDirectoryHandle (OPFS or a picked folder) or a
// zip Blob. Nothing here knows a model: the models layer decides which files it needs.
import { Zip, ZipPassThrough } from 'fflate';
import { ArgumentError, ByteSourceError, PretrainedError, describeValue } from '../errors.js';
import { type ByteInput, type ByteSource, openBytes, readText } from './source.js';
import type { ByteSink } from './writer.js';
import { nodeFileSink, streamSink } from './writer.js';

/** A folder given as file name → contents (e.g. files fetched or unzipped by the caller). */
export type FolderFiles = Readonly<Record<string, Blob | ArrayBuffer | Uint8Array>>;

/** Where a model folder is read from: a base URL (`…/resolve/main/`), a dropped folder, a map of file name → bytes, or a Node directory path. */
export type FolderSource = string | URL | FileList | readonly File[] | FolderFiles;

/** Options of `openModelFolder`. */
export interface ModelFolderOptions {
  /** The fetch used for a URL source (default: the global one). */
  readonly fetch?: typeof fetch;
}

/** A model folder opened for reading: files found by name, read lazily. */
export interface ModelFolder {
  /** The folder's URL, path or `<files>`, for messages. */
  readonly name: string;
  /** The file names present, when the source can list them (a URL cannot: undefined). */
  readonly listing: readonly string[] | undefined;
  /** Whether `file` is present (a URL: a one-byte range request). */
  has(file: string): Promise<boolean>;
  /** Opens `file` for ranged reads, or returns undefined when it is absent. */
  open(file: string): Promise<ByteSource | undefined>;
  /** Reads `file` as UTF-8 text (refused beyond `maxBytes`), or returns undefined when it is absent. */
  text(file: string, maxBytes: number): Promise<string | undefined>;
  /** For a "missing file" message: what the folder holds, or which files were tried. */
  describeContents(): string;
}

/** Opens a model folder from any `FolderSource`; nothing is read until a file is asked for. */
export async function openModelFolder(source: FolderSource, options: ModelFolderOptions = {}): Promise<ModelFolder> {
  const op = 'openModelFolder';
  if (typeof options !== 'object' || options === null) throw new ArgumentError(`${op}: options must be an object, got ${describeValue(options)}`);
  if (options.fetch !== undefined && typeof options.fetch !== 'function')
    throw new ArgumentError(`${op}: options.fetch must be a function, got ${describeValue(options.fetch)}`);
  if (source instanceof URL || (typeof source === 'string' && /^https?:\/\//i.test(source))) return urlFolder(String(source), options.fetch);
  if (typeof source === 'string') {
    if (isNode()) return nodeFolder(source);
    // In a page a relative path is a URL on the page's origin ('/models/bert/').
    if (typeof location !== 'undefined') return urlFolder(new URL(source, location.href).href, options.fetch);
    throw new ArgumentError(`${op}: a string source must be an http(s) URL outside Node, got ${describeValue(source)}`);
  }
  if (isFileList(source) || Array.isArray(source)) return filesFolder(Array.from(source as ArrayLike<File>));
  if (typeof source === 'object' && source !== null && Object.getPrototypeOf(source) === Object.prototype) return mapFolder(source as FolderFiles);
  throw new ArgumentError(
    `${op}: source must be a base URL, a FileList or File[], a map { fileName: Blob | ArrayBuffer | Uint8Array } or a Node directory path, got ${describeValue(source)}`,
  );
}

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

function isFileList(value: unknown): value is FileList {
  return typeof FileList !== 'undefined' && value instanceof FileList;
}

/** A folder whose files are all known up front (a map, dropped files, a listed directory). */
function listedFolder(name: string, files: ReadonlyMap<string, ByteInput>): ModelFolder {
  const listing = [...files.keys()].sort();
  return {
    name,
    listing,
    has: async (file) => files.has(file),
    open: async (file) => {
      const input = files.get(file);
      return input === undefined ? undefined : openBytes(input, { name: `${name}/${file}` });
    },
    text: async (file, maxBytes) => {
      const input = files.get(file);
      return input === undefined ? undefined : readText(input, maxBytes, { name: `${name}/${file}` });
    },
    describeContents: () => (listing.length === 0 ? 'the folder is empty' : `the folder holds ${listing.join(', ')}`),
  };
}

function mapFolder(map: FolderFiles): ModelFolder {
  const files = new Map<string, ByteInput>();
  for (const [file, value] of Object.entries(map)) {
    const ok = value instanceof ArrayBuffer || value instanceof Uint8Array || (typeof Blob !== 'undefined' && value instanceof Blob);
    if (!ok) throw new ArgumentError(`openModelFolder: source[${JSON.stringify(file)}] must be a Blob, ArrayBuffer or Uint8Array, got ${describeValue(value)}`);
    files.set(file, value);
  }
  return listedFolder('<files>', files);
}

/** A dropped folder: each file by the last segment of its path; a nested file never shadows one nearer the top. */
function filesFolder(list: readonly File[]): ModelFolder {
  const files = new Map<string, File>();
  const depth = new Map<string, number>();
  list.forEach((file, i) => {
    if (typeof File === 'undefined' || !(file instanceof File))
      throw new ArgumentError(`openModelFolder: source[${i}] must be a File, got ${describeValue(file)}`);
    const path = (file.webkitRelativePath || file.name).split('/').filter(Boolean);
    const name = path[path.length - 1] ?? file.name;
    if (!files.has(name) || path.length < depth.get(name)!) {
      files.set(name, file);
      depth.set(name, path.length);
    }
  });
  const top = list[0]?.webkitRelativePath?.split('/')[0];
  return listedFolder(top || '<files>', files);
}

async function nodeFolder(path: string): Promise<ModelFolder> {
  const fs = await import('node:fs/promises');
  const { join } = await import('node:path');
  let entries: { name: string; isFile(): boolean }[];
  try {
    entries = await fs.readdir(path, { withFileTypes: true });
  } catch (error) {
    throw new PretrainedError(`openModelFolder: cannot read the directory ${JSON.stringify(path)} (${(error as Error).message})`);
  }
  const files = new Map<string, ByteInput>();
  for (const entry of entries) if (entry.isFile()) files.set(entry.name, join(path, entry.name));
  return listedFolder(path, files);
}

function urlFolder(base: string, fetchOption: typeof fetch | undefined): ModelFolder {
  const root = base.endsWith('/') ? base : `${base}/`;
  const fetchFn = fetchOption ?? globalThis.fetch?.bind(globalThis);
  if (typeof fetchFn !== 'function') throw new ArgumentError('openModelFolder: no fetch is available for a URL source; pass options.fetch');
  const tried = new Map<string, boolean>();
  const url = (file: string) => new URL(encodeURIComponent(file), root).href;
  // 404 (and 410) mean "not in this folder"; any other failure is an error worth seeing.
  const has = async (file: string): Promise<boolean> => {
    const known = tried.get(file);
    if (known !== undefined) return known;
    let response: Response;
    try {
      response = await fetchFn(url(file), { headers: { Range: 'bytes=0-0' } });
    } catch (error) {
      throw new ByteSourceError(`${url(file)}: the request failed (${(error as Error).message})`);
    }
    await response.body?.cancel().catch(() => {});
    // 416: the file exists but is empty (no byte 0 to send).
    const found = response.ok || response.status === 416;
    if (!found && response.status !== 404 && response.status !== 410) throw new ByteSourceError(`${url(file)}: HTTP ${response.status} ${response.statusText}`);
    tried.set(file, found);
    return found;
  };
  return {
    name: root,
    listing: undefined,
    has,
    open: async (file) => ((await has(file)) ? openBytes(url(file), { fetch: fetchFn, name: url(file) }) : undefined),
    text: async (file, maxBytes) => ((await has(file)) ? readText(url(file), maxBytes, { fetch: fetchFn, name: url(file) }) : undefined),
    describeContents: () => {
      const found = [...tried].filter(([, ok]) => ok).map(([f]) => f);
      const absent = [...tried].filter(([, ok]) => !ok).map(([f]) => f);
      return `at ${root} found ${found.length ? found.join(', ') : 'nothing'}; not found: ${absent.length ? absent.join(', ') : 'nothing'}`;
    },
  };
}

// --- writing ---------------------------------------------------------------------------------

/** Where a saved folder's files go, one file at a time. */
export interface FolderWriter {
  /** Creates (or replaces) `file` and returns a sink for its bytes; the caller closes the sink before the next file. */
  file(name: string): Promise<ByteSink>;
}

/** A writer into a Node directory (created with its parents when missing). */
export async function nodeDirectoryWriter(path: string): Promise<FolderWriter> {
  if (typeof path !== 'string' || path === '') throw new ArgumentError(`nodeDirectoryWriter: path must be a non-empty string, got ${describeValue(path)}`);
  const fs = await import('node:fs/promises');
  const { join } = await import('node:path');
  await fs.mkdir(path, { recursive: true });
  return { file: (name) => nodeFileSink(join(path, checkFileName(name))) };
}

/** A writer into a `FileSystemDirectoryHandle` (OPFS, or a folder from `showDirectoryPicker`). */
export function directoryHandleWriter(handle: FileSystemDirectoryHandle): FolderWriter {
  if (typeof (handle as Partial<FileSystemDirectoryHandle> | null)?.getFileHandle !== 'function') {
    throw new ArgumentError(`directoryHandleWriter: handle must be a FileSystemDirectoryHandle, got ${describeValue(handle)}`);
  }
  return {
    file: async (name) => {
      const fileHandle = await handle.getFileHandle(checkFileName(name), { create: true });
      return streamSink((await fileHandle.createWritable()) as unknown as WritableStream<Uint8Array>);
    },
  };
}

/** A writer into a zip archive (stored, not compressed: float weights barely compress); `blob()` ends it. */
export function zipWriter(): FolderWriter & { blob(): Promise<Blob> } {
  let blob = new Blob([]);
  let failure: Error | undefined;
  // Each chunk joins the Blob as it comes (a Blob of a Blob refers to it): the JS heap holds about one tensor.
  const zip = new Zip((error, chunk) => {
    if (error) failure = error;
    else blob = new Blob([blob, chunk as Uint8Array<ArrayBuffer>]);
  });
  let open: ZipPassThrough | undefined;
  return {
    file: async (name) => {
      if (open) throw new ArgumentError(`zipWriter: ${open.filename} is still open; close its sink first`);
      const entry = new ZipPassThrough(checkFileName(name));
      zip.add(entry);
      open = entry;
      return {
        write: async (chunk) => {
          entry.push(chunk);
          if (failure) throw failure;
        },
        close: async () => {
          entry.push(new Uint8Array(0), true);
          open = undefined;
          if (failure) throw failure;
        },
      };
    },
    blob: async () => {
      zip.end();
      if (failure) throw failure;
      return new Blob([blob], { type: 'application/zip' });
    },
  };
}

function checkFileName(name: string): string {
  if (typeof name !== 'string' || name === '' || /[/\\]/.test(name) || name === '.' || name === '..') {
    throw new ArgumentError(`FolderWriter: a file name must be a plain name (no '/' or '\\'), got ${describeValue(name)}`);
  }
  return name;
}
