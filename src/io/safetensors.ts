// Reading safetensors: an 8-byte little-endian header length, a JSON header
// ({name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}), then the
// data section. Every field of the header is untrusted: it is checked against the file's real size
// before anything is allocated or read, and tensors are read one at a time.
import { ArgumentError, SafetensorsError, describeValue } from '../errors.js';
import { halfBitsToFloat } from '../tensor/dtype.js';
import { isJsonObject, scanJson } from './json-scan.js';
import { type ByteInput, type ByteSource, type OpenBytesOptions, openBytes } from './source.js';

/** The element types of the safetensors format that shaderformer reads. */
export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** Bytes per element of each safetensors dtype. */
export const SAFETENSORS_DTYPE_BYTES: Readonly<Record<SafetensorsDType, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/** One tensor's header entry. */
export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  /** Start of its bytes, counted from the start of the data section. */
  readonly begin: number;
  /** End (exclusive) of its bytes, counted from the start of the data section. */
  readonly end: number;
}

/** What a tensor is converted to when read: `f32` (any dtype) or `i32` (integer and BOOL dtypes). */
export type ReadDType = 'f32' | 'i32';

/** The array a `ReadDType` reads into. */
export type ReadArray<D extends ReadDType> = D extends 'i32' ? Int32Array : Float32Array;

/** One tensor as `tensors()` yields it. */
export interface SafetensorsTensor<D extends ReadDType = 'f32'> {
  readonly name: string;
  readonly entry: SafetensorsEntry;
  readonly data: ReadArray<D>;
}

/** The format's limit on the header (and ours): 100 MB. */
export const MAX_HEADER_BYTES = 100_000_000;
/** The header nests three deep: the top object, a tensor entry (or `__metadata__`), its shape/offsets array. */
const MAX_HEADER_DEPTH = 3;
const ENTRY_FIELDS = ['dtype', 'shape', 'data_offsets'] as const;
const METADATA_KEY = '__metadata__';

/** An opened safetensors file: the header parsed and checked, tensors read lazily, one at a time. */
export class SafetensorsFile {
  /** The `__metadata__` string map (empty when the file has none). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Every tensor's entry, in file (offset) order. */
  readonly entries: ReadonlyMap<string, SafetensorsEntry>;
  /** The file's name or URL, for messages. */
  readonly name: string;
  /** Byte offset of the data section in the file (8 + header length). */
  readonly dataStart: number;
  readonly #source: ByteSource;
  /** Data-section offset up to which a forward-only source has been read. */
  #position = 0;

  private constructor(source: ByteSource, dataStart: number, entries: Map<string, SafetensorsEntry>, metadata: Record<string, string>) {
    this.#source = source;
    this.name = source.name;
    this.dataStart = dataStart;
    this.entries = entries;
    this.metadata = metadata;
  }

  /** Opens and checks a safetensors file from any `ByteInput` (memory, Blob/File, URL/Response, Node path); reads only its header. */
  static async open(input: ByteInput, options: OpenBytesOptions = {}): Promise<SafetensorsFile> {
    const source = await openBytes(input, options);
    try {
      const { dataStart, entries, metadata } = await readHeader(source);
      return new SafetensorsFile(source, dataStart, entries, metadata);
    } catch (error) {
      await source.close();
      throw error;
    }
  }

  /** One tensor converted to `f32` (default) or `i32`; on a forward-only stream, tensors must be read in file order. */
  async read<D extends ReadDType = 'f32'>(name: string, dtype?: D): Promise<ReadArray<D>> {
    const entry = this.entries.get(name);
    if (!entry) throw new SafetensorsError({ file: this.name, tensor: name }, `no such tensor (the file has ${this.entries.size})`);
    return this.#read(entry, (dtype ?? 'f32') as D);
  }

  /**
   * Every tensor (or those named), in file order, one at a time; works on forward-only streams too.
   * `reuse: true` yields every tensor in one buffer (sized for the largest), or for aligned F32 data
   * in memory a view of the source: valid only until the next iteration, and not to be changed. For
   * a caller that copies each tensor at once (e.g. `backend.tensor(data, shape)`), it leaves no
   * garbage tensor behind.
   */
  async *tensors<D extends ReadDType = 'f32'>(options: { names?: Iterable<string>; dtype?: D; reuse?: boolean } = {}): AsyncGenerator<SafetensorsTensor<D>> {
    let wanted: Set<string> | undefined;
    if (options.names !== undefined) {
      wanted = new Set(options.names);
      for (const name of wanted) {
        if (!this.entries.has(name)) throw new SafetensorsError({ file: this.name, tensor: name }, `no such tensor (the file has ${this.entries.size})`);
      }
    }
    const dtype = (options.dtype ?? 'f32') as D;
    const selected = [...this.entries.values()].filter((e) => !wanted || wanted.has(e.name));
    // Made on first need: aligned F32 in memory is yielded as views and needs none.
    let scratch: Float32Array | Int32Array | undefined;
    const reused = () => {
      const largest = Math.max(0, ...selected.map((e) => (e.end - e.begin) / SAFETENSORS_DTYPE_BYTES[e.dtype]));
      scratch ??= dtype === 'i32' ? new Int32Array(largest) : new Float32Array(largest);
      return scratch as ReadArray<D>;
    };
    for (const entry of selected) yield { name: entry.name, entry, data: await this.#read(entry, dtype, options.reuse ? reused : undefined) };
  }

  /** Releases the file handle or cancels the stream. */
  close(): Promise<void> {
    return this.#source.close();
  }

  /** Reads and converts one tensor; with `scratch`, into its start (or, for aligned F32 in memory, as a view of the source). */
  async #read<D extends ReadDType>(entry: SafetensorsEntry, dtype: D, scratch?: () => ReadArray<D>): Promise<ReadArray<D>> {
    if (dtype !== 'f32' && dtype !== 'i32') {
      throw new ArgumentError(`SafetensorsFile.read: dtype must be 'f32' or 'i32', got ${describeValue(dtype)}`);
    }
    if (dtype === 'i32' && (entry.dtype === 'F64' || entry.dtype === 'F32' || entry.dtype === 'F16' || entry.dtype === 'BF16')) {
      throw new SafetensorsError({ file: this.name, tensor: entry.name, field: 'dtype' }, `${entry.dtype} values cannot be read as i32; read them as f32`);
    }
    if (!this.#source.randomAccess && entry.begin < this.#position) {
      throw new SafetensorsError(
        { file: this.name, tensor: entry.name },
        'this source is a forward-only stream and the tensor was already passed: read tensors in file order (tensors())',
      );
    }
    const offset = this.dataStart + entry.begin;
    const length = entry.end - entry.begin;
    const n = length / SAFETENSORS_DTYPE_BYTES[entry.dtype];
    const plainF32 = entry.dtype === 'F32' && dtype === 'f32' && littleEndian;
    this.#position = Math.max(this.#position, entry.end);
    if (scratch && plainF32 && this.#source.readInto) {
      // Straight from the file into the reused buffer: no bytes allocated per tensor.
      const out = scratch().subarray(0, n) as ReadArray<D>;
      await this.#source.readInto(offset, new Uint8Array(out.buffer, out.byteOffset, length));
      return out;
    }
    const bytes = await this.#source.read(offset, length);
    if (scratch && plainF32 && this.#source.returnsViews && bytes.byteOffset % 4 === 0) {
      return new Float32Array(bytes.buffer, bytes.byteOffset, n) as ReadArray<D>;
    }
    const out = scratch?.().subarray(0, n) as ReadArray<D> | undefined;
    const fresh = !this.#source.returnsViews;
    return (
      dtype === 'i32' ? toInt32(bytes, entry, this.name, out as Int32Array | undefined) : toFloat32(bytes, entry.dtype, fresh, out as Float32Array | undefined)
    ) as ReadArray<D>;
  }
}

/** Reads and checks the header of `source`: lengths against the real size first, then the JSON, then every entry. */
async function readHeader(source: ByteSource): Promise<{ dataStart: number; entries: Map<string, SafetensorsEntry>; metadata: Record<string, string> }> {
  const file = source.name;
  const fail = (detail: string, tensor?: string, field?: string): never => {
    throw new SafetensorsError({ file, ...(tensor !== undefined ? { tensor } : {}), ...(field !== undefined ? { field } : {}) }, detail);
  };
  if (source.size < 8)
    fail(`the file is ${source.size} bytes, shorter than the 8-byte header length (truncated or not safetensors)`, undefined, 'header length');
  const prefix = await source.read(0, 8);
  const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  // Compared as two halves: a u64 above 2^53 must not round to something that passes.
  if (high !== 0 || low > MAX_HEADER_BYTES) {
    fail(`header length ${high * 2 ** 32 + low} exceeds the format's limit of ${MAX_HEADER_BYTES} bytes`, undefined, 'header length');
  }
  const headerLength = low;
  if (headerLength > source.size - 8) {
    fail(`header length ${headerLength} is more than the ${source.size - 8} bytes after the length (truncated file?)`, undefined, 'header length');
  }
  if (headerLength < 2) fail(`header length ${headerLength} is too short for a JSON object`, undefined, 'header length');
  const headerBytes = await source.read(8, headerLength);
  if (headerBytes[0] !== 0x7b) fail(`the header must start with '{', found byte 0x${headerBytes[0]!.toString(16).padStart(2, '0')}`, undefined, 'header');
  const problem = scanJson(headerBytes, MAX_HEADER_DEPTH);
  if (problem?.kind === 'depth') fail(`the header JSON nests ${problem.depth} deep; the format needs at most ${MAX_HEADER_DEPTH}`, undefined, 'header');
  if (problem?.kind === 'duplicate') {
    const [tensor] = problem.path;
    if (tensor === undefined) fail(`the name appears twice in the header`, problem.key);
    fail(`key ${JSON.stringify(problem.key)} appears twice`, tensor, problem.key);
  }
  let text: string;
  let header: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    return fail('the header is not valid UTF-8', undefined, 'header');
  }
  try {
    header = JSON.parse(text);
  } catch (error) {
    return fail(`the header is not valid JSON: ${(error as Error).message}`, undefined, 'header');
  }
  if (!isJsonObject(header)) return fail(`the header must be a JSON object, got ${jsonKind(header)}`, undefined, 'header');

  const dataLength = source.size - 8 - headerLength;
  let metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      metadata = checkMetadata(value, file);
      continue;
    }
    entries.push(checkEntry(name, value, dataLength, file));
  }
  // File order: by offset; zero-byte tensors sit where they begin, before a non-empty one there.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const entry of entries) {
    if (entry.begin > expected) fail(`data_offsets begin ${entry.begin} leaves a gap: the previous tensor ends at ${expected}`, entry.name, 'data_offsets');
    if (entry.begin < expected)
      fail(`data_offsets [${entry.begin}, ${entry.end}] overlap the previous tensor, which ends at ${expected}`, entry.name, 'data_offsets');
    expected = entry.end;
  }
  if (expected !== dataLength) {
    fail(
      `the tensors cover ${expected} bytes but the data section holds ${dataLength} (${dataLength - expected} bytes unaccounted for)`,
      undefined,
      'data_offsets',
    );
  }
  return { dataStart: 8 + headerLength, entries: new Map(entries.map((e) => [e.name, e])), metadata };
}

function checkMetadata(value: unknown, file: string): Record<string, string> {
  if (!isJsonObject(value)) throw new SafetensorsError({ file, field: METADATA_KEY }, `must be an object of strings, got ${jsonKind(value)}`);
  const metadata: Record<string, string> = Object.create(null);
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new SafetensorsError({ file, field: `${METADATA_KEY}.${key}` }, `metadata values must be strings, got ${jsonKind(v)}`);
    metadata[key] = v;
  }
  return metadata;
}

function checkEntry(name: string, value: unknown, dataLength: number, file: string): SafetensorsEntry {
  const fail = (field: string | undefined, detail: string): never => {
    throw new SafetensorsError({ file, tensor: name, ...(field !== undefined ? { field } : {}) }, detail);
  };
  if (!isJsonObject(value)) return fail(undefined, `the entry must be an object {dtype, shape, data_offsets}, got ${jsonKind(value)}`);
  for (const field of ENTRY_FIELDS) if (!Object.hasOwn(value, field)) fail(field, 'missing');
  for (const key of Object.keys(value))
    if (!(ENTRY_FIELDS as readonly string[]).includes(key)) fail(key, 'unexpected field (an entry has exactly dtype, shape and data_offsets)');
  const { dtype, shape, data_offsets: offsets } = value as { dtype: unknown; shape: unknown; data_offsets: unknown };
  if (typeof dtype !== 'string' || !Object.hasOwn(SAFETENSORS_DTYPE_BYTES, dtype)) {
    fail('dtype', `unknown dtype ${describeJson(dtype)} (known: ${Object.keys(SAFETENSORS_DTYPE_BYTES).join(', ')})`);
  }
  if (!Array.isArray(shape)) return fail('shape', `must be an array of dimensions, got ${jsonKind(shape)}`);
  for (const [i, d] of shape.entries()) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) fail('shape', `dimension ${i} must be a non-negative integer, got ${describeJson(d)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2) return fail('data_offsets', `must be [begin, end], got ${describeJson(offsets)}`);
  const [begin, end] = offsets as unknown[];
  for (const [label, v] of [
    ['begin', begin],
    ['end', end],
  ] as const) {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail('data_offsets', `${label} must be a non-negative integer, got ${describeJson(v)}`);
  }
  const b = begin as number;
  const e = end as number;
  if (b > e) fail('data_offsets', `begin ${b} is after end ${e}`);
  if (e > dataLength) fail('data_offsets', `end ${e} is past the data section's ${dataLength} bytes (truncated file?)`);
  const bytes = SAFETENSORS_DTYPE_BYTES[dtype as SafetensorsDType];
  // product(shape) × bytes without overflow: a zero dimension makes it 0 whatever the others are;
  // otherwise stop before the running product passes 2^53 (it can only grow).
  const span = e - b;
  let needed = (shape as number[]).includes(0) ? 0 : bytes;
  for (const d of shape as number[]) {
    if (needed === 0) break;
    if (needed > Number.MAX_SAFE_INTEGER / d) {
      fail('data_offsets', `[${b}, ${e}] spans ${span} bytes but shape [${shape.join(', ')}] of ${dtype} needs more than 2^53`);
    }
    needed *= d;
  }
  if (needed !== span) fail('data_offsets', `[${b}, ${e}] spans ${span} bytes but shape [${shape.join(', ')}] of ${dtype} needs ${needed}`);
  return { name, dtype: dtype as SafetensorsDType, shape: shape as number[], begin: b, end: e };
}

function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${describeJson(value)}`;
}

function describeJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
let halfTable: Float32Array | undefined;

/** Every half-float bit pattern's value: one table lookup per element instead of bit arithmetic. */
function halfValues(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) halfTable[bits] = halfBitsToFloat(bits);
  }
  return halfTable;
}

/** Converts a tensor's little-endian bytes to f32 (into `into` when given). `fresh`: the bytes are ours alone, so an aligned F32 tensor is used in place. */
function toFloat32(bytes: Uint8Array, dtype: SafetensorsDType, fresh: boolean, into?: Float32Array): Float32Array {
  const n = bytes.byteLength / SAFETENSORS_DTYPE_BYTES[dtype];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dtype === 'F32' && littleEndian) {
    if (!into && fresh && bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, n);
    const out = into ?? new Float32Array(n);
    new Uint8Array(out.buffer, out.byteOffset, bytes.byteLength).set(bytes);
    return out;
  }
  const out = into ?? new Float32Array(n);
  switch (dtype) {
    case 'F64':
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true);
      break;
    case 'F32':
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
      break;
    case 'F16': {
      const table = halfValues();
      for (let i = 0; i < n; i++) out[i] = table[view.getUint16(i * 2, true)]!;
      break;
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const bits = new Uint32Array(out.buffer, out.byteOffset, n);
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(i * 2, true) << 16;
      break;
    }
    case 'I64':
      for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 8 + 4, true) * 2 ** 32 + view.getUint32(i * 8, true);
      break;
    default:
      copyIntegers(view, dtype, out);
  }
  return out;
}

/** Converts an integer or BOOL tensor's bytes to i32; an I64 value outside the i32 range is an error naming the tensor. */
function toInt32(bytes: Uint8Array, entry: SafetensorsEntry, file: string, into?: Int32Array): Int32Array {
  const n = bytes.byteLength / SAFETENSORS_DTYPE_BYTES[entry.dtype];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = into ?? new Int32Array(n);
  switch (entry.dtype) {
    case 'I64':
      for (let i = 0; i < n; i++) {
        const low = view.getInt32(i * 8, true);
        // In range exactly when the high word is the sign extension of the low word.
        if (view.getInt32(i * 8 + 4, true) !== low >> 31) {
          throw new SafetensorsError(
            { file, tensor: entry.name },
            `element ${i} is ${view.getBigInt64(i * 8, true)}, outside the i32 range; read it as f32 or store it as I32`,
          );
        }
        out[i] = low;
      }
      break;
    default:
      if (!copyIntegers(view, entry.dtype, out)) {
        throw new SafetensorsError({ file, tensor: entry.name, field: 'dtype' }, `${entry.dtype} values cannot be read as i32`);
      }
  }
  return out;
}

/** Copies I32, I16, I8, U8 or BOOL values (BOOL: any non-zero byte is 1) into `out`; false for other dtypes. */
function copyIntegers(view: DataView, dtype: SafetensorsDType, out: Float32Array | Int32Array): boolean {
  const n = out.length;
  switch (dtype) {
    case 'I32':
      for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 4, true);
      return true;
    case 'I16':
      for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true);
      return true;
    case 'I8':
      for (let i = 0; i < n; i++) out[i] = view.getInt8(i);
      return true;
    case 'U8':
      for (let i = 0; i < n; i++) out[i] = view.getUint8(i);
      return true;
    case 'BOOL':
      for (let i = 0; i < n; i++) out[i] = view.getUint8(i) === 0 ? 0 : 1;
      return true;
    default:
      return false;
  }
}
