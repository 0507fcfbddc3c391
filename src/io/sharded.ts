// Sharded checkpoints: `model.safetensors.index.json` maps each tensor name to the shard file that
// holds it ({"metadata": {...}, "weight_map": {name: file}}). The index is untrusted like any file:
// names once each, shard names plain file names (no path can climb out of the folder).
import { ArgumentError, SafetensorsError, describeValue } from '../errors.js';
import { isJsonObject, scanJson } from './json-scan.js';
import { type ReadArray, type ReadDType, type SafetensorsEntry, SafetensorsFile, type SafetensorsTensor } from './safetensors.js';
import { type ByteInput, type OpenBytesOptions, openBytes, readAllBytes } from './source.js';

/** The index file's conventional name. */
export const SAFETENSORS_INDEX_FILE = 'model.safetensors.index.json';
/** An index larger than this is refused before it is read (real ones are a few hundred KB). */
const MAX_INDEX_BYTES = 100_000_000;

/** A tensor's entry and the shard that holds it. */
export interface ShardedEntry extends SafetensorsEntry {
  readonly file: string;
}

/** Opens a shard by its file name (as written in the index). */
export type OpenShard = (file: string) => Promise<ByteInput> | ByteInput;

/** A sharded safetensors checkpoint: the index checked at once, each shard opened only when first needed. */
export class ShardedSafetensors {
  /** Tensor name → shard file, in index order. */
  readonly weightMap: ReadonlyMap<string, string>;
  /** The shard file names, in order of first appearance in the index. */
  readonly files: readonly string[];
  /** The index's `metadata` object (e.g. `total_size`), as given. */
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly #name: string;
  readonly #openShard: OpenShard;
  readonly #options: OpenBytesOptions;
  readonly #shards = new Map<string, Promise<SafetensorsFile>>();

  private constructor(name: string, weightMap: Map<string, string>, metadata: Record<string, unknown>, openShard: OpenShard, options: OpenBytesOptions) {
    this.#name = name;
    this.weightMap = weightMap;
    this.files = [...new Set(weightMap.values())];
    this.metadata = metadata;
    this.#openShard = openShard;
    this.#options = options;
  }

  /** Reads and checks an index (bytes from any `ByteInput`, or the parsed JSON object); `openShard` is called lazily per shard. */
  static async open(index: ByteInput | Record<string, unknown>, openShard: OpenShard, options: OpenBytesOptions = {}): Promise<ShardedSafetensors> {
    if (typeof openShard !== 'function') throw new ArgumentError(`ShardedSafetensors.open: openShard must be a function, got ${describeValue(openShard)}`);
    const name = options.name ?? (typeof index === 'string' ? index : SAFETENSORS_INDEX_FILE);
    let json: unknown = index;
    // A ByteSource is a plain object too: only an object without `read` is already-parsed JSON.
    if (!isJsonObject(index) || typeof index.read === 'function') {
      const bytes = await readAllBytes(index as ByteInput, MAX_INDEX_BYTES, { ...options, name });
      // Deep enough for {weight_map: {name: file}} and a metadata object or two; duplicates refused.
      const problem = scanJson(bytes, 4);
      if (problem?.kind === 'depth') throw new SafetensorsError({ file: name }, `the index JSON nests ${problem.depth} deep (at most 4 allowed)`);
      if (problem?.kind === 'duplicate') {
        const field = [...problem.path, problem.key].join('.');
        throw new SafetensorsError({ file: name, field, ...(problem.path[0] === 'weight_map' ? { tensor: problem.key } : {}) }, 'appears twice');
      }
      try {
        json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
      } catch (error) {
        throw new SafetensorsError({ file: name }, `not valid JSON: ${(error as Error).message}`);
      }
    }
    if (!isJsonObject(json)) throw new SafetensorsError({ file: name }, `the index must be a JSON object, got ${describeValue(json)}`);
    const metadata = json.metadata ?? {};
    if (!isJsonObject(metadata)) throw new SafetensorsError({ file: name, field: 'metadata' }, `must be an object, got ${describeValue(metadata)}`);
    const map = json.weight_map;
    if (!isJsonObject(map))
      throw new SafetensorsError({ file: name, field: 'weight_map' }, `must be an object {tensor name: shard file}, got ${describeValue(map)}`);
    const weightMap = new Map<string, string>();
    for (const [tensor, file] of Object.entries(map)) {
      if (typeof file !== 'string' || !isPlainFileName(file)) {
        throw new SafetensorsError(
          { file: name, tensor, field: 'weight_map' },
          `the shard must be a plain file name (no '/', '\\' or '..'), got ${describeValue(file)}`,
        );
      }
      weightMap.set(tensor, file);
    }
    return new ShardedSafetensors(name, weightMap, metadata, openShard, options);
  }

  /** The shard `file`, opened (header read and checked) on first use; it must hold every tensor the index puts in it. */
  shard(file: string): Promise<SafetensorsFile> {
    if (!this.files.includes(file)) throw new ArgumentError(`ShardedSafetensors.shard: ${describeValue(file)} is not a shard of ${this.#name}`);
    let shard = this.#shards.get(file);
    if (!shard) {
      shard = (async () => {
        const source = await openBytes(await this.#openShard(file), { ...this.#options, name: file });
        const opened = await SafetensorsFile.open(source);
        for (const [tensor, inFile] of this.weightMap) {
          if (inFile === file && !opened.entries.has(tensor)) {
            await opened.close();
            throw new SafetensorsError({ file: this.#name, tensor, field: 'weight_map' }, `the index puts it in ${file}, which does not hold it`);
          }
        }
        return opened;
      })();
      this.#shards.set(file, shard);
      // A failed open is not cached: a retry opens the shard again.
      shard.catch(() => this.#shards.delete(file));
    }
    return shard;
  }

  /** Every tensor's entry with its shard (opens every shard's header). */
  async entries(): Promise<ReadonlyMap<string, ShardedEntry>> {
    const out = new Map<string, ShardedEntry>();
    for (const file of this.files) {
      const shard = await this.shard(file);
      for (const [tensor, inFile] of this.weightMap) if (inFile === file) out.set(tensor, { ...shard.entries.get(tensor)!, file });
    }
    return out;
  }

  /** One tensor, converted to `f32` (default) or `i32`, from its shard. */
  async read<D extends ReadDType = 'f32'>(name: string, dtype?: D): Promise<ReadArray<D>> {
    const file = this.weightMap.get(name);
    if (file === undefined)
      throw new SafetensorsError({ file: this.#name, tensor: name }, `not in the index's weight_map (it has ${this.weightMap.size} tensors)`);
    return (await this.shard(file)).read(name, dtype);
  }

  /** Every tensor (or those named), shard by shard and in file order within a shard; each shard is closed once passed. */
  async *tensors<D extends ReadDType = 'f32'>(options: { names?: Iterable<string>; dtype?: D } = {}): AsyncGenerator<SafetensorsTensor<D> & { file: string }> {
    const wanted = new Set(options.names ?? this.weightMap.keys());
    for (const name of wanted) {
      if (!this.weightMap.has(name))
        throw new SafetensorsError({ file: this.#name, tensor: name }, `not in the index's weight_map (it has ${this.weightMap.size} tensors)`);
    }
    for (const file of this.files) {
      const names = [...this.weightMap].filter(([tensor, inFile]) => inFile === file && wanted.has(tensor)).map(([tensor]) => tensor);
      if (names.length === 0) continue;
      const shard = await this.shard(file);
      for await (const tensor of shard.tensors({ names, ...(options.dtype ? { dtype: options.dtype } : {}) })) yield { ...tensor, file };
      this.#shards.delete(file);
      await shard.close();
    }
  }

  /** Closes every shard opened so far. */
  async close(): Promise<void> {
    const shards = [...this.#shards.values()];
    this.#shards.clear();
    for (const shard of shards) await (await shard.catch(() => undefined))?.close();
  }
}

/** A file name that names a file in the same folder: not empty, no separators, not `.`/`..`, nothing climbing out. */
function isPlainFileName(file: string): boolean {
  return file !== '' && file !== '.' && !file.includes('/') && !file.includes('\\') && !file.includes('..') && !file.includes('\0');
}
