// Writing safetensors as a stream: the header first (every offset is known from the shapes), then
// each tensor's bytes, its data produced only when its turn comes, so a caller can read one GPU
// tensor at a time and never hold the whole model in memory.
import { ArgumentError, describeValue, formatShape } from '../errors.js';
import { floatToHalfBits } from '../tensor/dtype.js';

/** One tensor to write; `data` may be a function that produces it when its turn comes (e.g. a GPU read). */
export interface TensorToWrite {
  readonly name: string;
  readonly shape: readonly number[];
  /** The stored dtype: F32, or F16 (values rounded to nearest even). */
  readonly dtype: 'F32' | 'F16';
  /** The values, or a function producing them when the tensor's turn comes (its array is handed to the sink as is: return a fresh one). */
  readonly data: Float32Array | (() => Promise<Float32Array> | Float32Array);
}

/** Somewhere bytes go, in order: a WritableStream, a Node file, a list of Blob parts. */
export interface ByteSink {
  /** Writes (or takes) `chunk`; the writer does not change a chunk after passing it. */
  write(chunk: Uint8Array): Promise<void>;
  /** Flushes and releases the sink. */
  close?(): Promise<void>;
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Streams a safetensors file to `sink` (header padded with spaces to 8 bytes, tensors in the given order) and closes it; returns the bytes written. */
export async function writeSafetensors(sink: ByteSink, tensors: readonly TensorToWrite[], metadata?: Readonly<Record<string, string>>): Promise<number> {
  const header = encodeHeader(tensors, metadata);
  let written = 0;
  try {
    await sink.write(header);
    written += header.byteLength;
    for (const tensor of tensors) {
      const bytes = await tensorBytes(tensor);
      await sink.write(bytes);
      written += bytes.byteLength;
    }
  } catch (error) {
    await sink.close?.().catch(() => {});
    throw error;
  }
  await sink.close?.();
  return written;
}

/** The same into a Blob; each tensor joins the Blob as it comes, so the JS heap holds at most one tensor. */
export async function safetensorsBlob(tensors: readonly TensorToWrite[], metadata?: Readonly<Record<string, string>>): Promise<Blob> {
  let blob = new Blob([]);
  // A Blob made of a Blob refers to it rather than copying it: parts pile up outside the JS heap.
  await writeSafetensors({ write: async (chunk) => void (blob = new Blob([blob, chunk as Uint8Array<ArrayBuffer>])) }, tensors, metadata);
  return blob;
}

/** A sink writing a Node file at `path` (created or truncated). */
export async function nodeFileSink(path: string): Promise<ByteSink> {
  if (typeof path !== 'string' || path === '') throw new ArgumentError(`nodeFileSink: path must be a non-empty string, got ${describeValue(path)}`);
  const fs = await import('node:fs/promises');
  const handle = await fs.open(path, 'w');
  return {
    write: async (chunk) => {
      for (let done = 0; done < chunk.byteLength; ) done += (await handle.write(chunk, done, chunk.byteLength - done)).bytesWritten;
    },
    close: () => handle.close(),
  };
}

/** A sink writing to a WritableStream (e.g. a `FileSystemWritableFileStream` from OPFS or a directory handle). */
export function streamSink(stream: WritableStream<Uint8Array>): ByteSink {
  if (typeof WritableStream === 'undefined' || !(stream instanceof WritableStream)) {
    throw new ArgumentError(`streamSink: stream must be a WritableStream, got ${describeValue(stream)}`);
  }
  const writer = stream.getWriter();
  return {
    write: async (chunk) => {
      await writer.ready;
      await writer.write(chunk);
    },
    close: () => writer.close(),
  };
}

/** Checks every tensor and the metadata, then encodes the 8-byte length and the JSON header (padded with spaces to a multiple of 8). */
function encodeHeader(tensors: readonly TensorToWrite[], metadata: Readonly<Record<string, string>> | undefined): Uint8Array {
  const fn = 'writeSafetensors';
  if (!Array.isArray(tensors)) throw new ArgumentError(`${fn}: tensors must be an array, got ${describeValue(tensors)}`);
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      throw new ArgumentError(`${fn}: metadata must be an object of strings, got ${describeValue(metadata)}`);
    }
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') throw new ArgumentError(`${fn}: metadata[${JSON.stringify(key)}] must be a string, got ${describeValue(value)}`);
    }
    if (Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
  }
  let offset = 0;
  for (const [i, tensor] of tensors.entries()) {
    const { name, shape, dtype } = tensor ?? ({} as TensorToWrite);
    if (typeof name !== 'string' || name === '' || name === '__metadata__') {
      throw new ArgumentError(`${fn}: tensors[${i}].name must be a non-empty string other than "__metadata__", got ${describeValue(name)}`);
    }
    if (Object.hasOwn(header, name)) throw new ArgumentError(`${fn}: tensor name ${JSON.stringify(name)} appears twice`);
    if (dtype !== 'F32' && dtype !== 'F16')
      throw new ArgumentError(`${fn}: tensor ${JSON.stringify(name)}: dtype must be 'F32' or 'F16', got ${describeValue(dtype)}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new ArgumentError(`${fn}: tensor ${JSON.stringify(name)}: shape must be an array of non-negative integers, got ${describeValue(shape)}`);
    }
    const data = tensor.data;
    if (!(data instanceof Float32Array) && typeof data !== 'function') {
      throw new ArgumentError(`${fn}: tensor ${JSON.stringify(name)}: data must be a Float32Array or a function returning one, got ${describeValue(data)}`);
    }
    const bytes = shape.reduce((a, d) => a * d, 1) * (dtype === 'F32' ? 4 : 2);
    if (!Number.isSafeInteger(bytes)) throw new ArgumentError(`${fn}: tensor ${JSON.stringify(name)}: shape ${formatShape(shape)} is too large`);
    if (data instanceof Float32Array) checkLength(name, shape, data);
    header[name] = { dtype, shape: [...shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  // The format allows trailing spaces in the header; they align the data section to 8 bytes.
  const padded = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(0x20, 8);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  return out;
}

function checkLength(name: string, shape: readonly number[], data: Float32Array): void {
  const numel = shape.reduce((a, d) => a * d, 1);
  if (data.length !== numel) {
    throw new ArgumentError(`writeSafetensors: tensor ${JSON.stringify(name)}: data has ${data.length} values but shape ${formatShape(shape)} needs ${numel}`);
  }
}

/** The tensor's bytes in its stored dtype (little-endian), its data produced now if it is a function. */
async function tensorBytes(tensor: TensorToWrite): Promise<Uint8Array> {
  const data = typeof tensor.data === 'function' ? await tensor.data() : tensor.data;
  if (!(data instanceof Float32Array)) {
    throw new ArgumentError(`writeSafetensors: tensor ${JSON.stringify(tensor.name)}: data() must return a Float32Array, got ${describeValue(data)}`);
  }
  checkLength(tensor.name, tensor.shape, data);
  if (tensor.dtype === 'F16') {
    const bits = new Uint16Array(data.length);
    for (let i = 0; i < data.length; i++) bits[i] = floatToHalfBits(data[i]!);
    return littleEndian ? new Uint8Array(bits.buffer) : swapBytes(new Uint8Array(bits.buffer), 2);
  }
  // A sink may keep the chunk (Blob parts, a stream's queue): a caller's array is copied, an array
  // that data() just produced is handed over as is (one tensor in memory, not two).
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const bytes = typeof tensor.data === 'function' ? view : view.slice();
  return littleEndian ? bytes : swapBytes(bytes, 4);
}

function swapBytes(bytes: Uint8Array, width: number): Uint8Array {
  for (let i = 0; i < bytes.length; i += width) bytes.subarray(i, i + width).reverse();
  return bytes;
}
