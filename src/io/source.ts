// Random-access bytes from anywhere: memory, a Blob/File, an HTTP(S) URL or Response, a Node file.
// Node-only code sits behind dynamic imports inside the functions that need it, so a browser
// bundle never pulls in Node builtins.
import { ArgumentError, ByteSourceError, describeValue } from '../errors.js';

/** Bytes that can be read by range: an ArrayBuffer/Uint8Array, a Blob/File, an HTTP(S) URL, a Response, a Node file. */
export interface ByteSource {
  /** For messages: a file name or URL. */
  readonly name: string;
  /** Total size in bytes. */
  readonly size: number;
  /** False for a stream (a Response whose server refused ranges): reads must then go forward only. */
  readonly randomAccess: boolean;
  /** True when `read` returns views of memory the source keeps (an in-memory buffer): copy before changing them. */
  readonly returnsViews?: boolean;
  /** Reads [offset, offset+length); rejects with a `ByteSourceError` past the end (or, on a stream, behind the current position). */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Where the source can: reads `target.byteLength` bytes at `offset` into `target` (no allocation). */
  readInto?(offset: number, target: Uint8Array): Promise<void>;
  /** Releases a file handle or cancels a stream. */
  close(): Promise<void>;
}

/** Anything `openBytes` reads: memory, a Blob/File, a Response, a URL (a string is a URL in a page, and a path in Node unless it has a scheme). */
export type ByteInput = ArrayBuffer | Uint8Array | Blob | Response | URL | string | ByteSource;

/** Options of `openBytes`. */
export interface OpenBytesOptions {
  /** The fetch used for URLs (default: the global one). */
  readonly fetch?: typeof fetch;
  /** The name used in messages (default: the file name, URL or `<memory>`). */
  readonly name?: string;
}

/** The first ranged request asks for this much: the safetensors header and often small files whole. */
const PROBE_BYTES = 64 * 1024;

/** Opens any `ByteInput` (URL: a range-request probe, plain streaming if the server ignores Range). */
export async function openBytes(input: ByteInput, options: OpenBytesOptions = {}): Promise<ByteSource> {
  if (input instanceof ArrayBuffer) return memorySource(new Uint8Array(input), options.name ?? '<memory>');
  if (input instanceof Uint8Array) return memorySource(input, options.name ?? '<memory>');
  if (typeof Blob !== 'undefined' && input instanceof Blob) return blobSource(input, options.name ?? blobName(input));
  if (typeof Response !== 'undefined' && input instanceof Response) return responseSource(input, options);
  if (input instanceof URL) {
    if (input.protocol === 'file:' && isNode()) return nodeFileSource(input, options.name ?? decodeURIComponent(input.pathname));
    return urlSource(input.href, options);
  }
  if (typeof input === 'string') {
    if (isNode() && !/^[a-z][a-z0-9+.-]*:\/\//i.test(input)) return nodeFileSource(input, options.name ?? input);
    if (isNode() && input.startsWith('file://')) return nodeFileSource(new URL(input), options.name ?? input);
    return urlSource(input, options);
  }
  if (isByteSource(input)) return input;
  throw new ArgumentError(`openBytes: input must be an ArrayBuffer, Uint8Array, Blob, Response, URL, string or ByteSource, got ${describeValue(input)}`);
}

/** Reads a whole source (at most `maxBytes`, to refuse a huge file before allocating) and closes it. */
export async function readAllBytes(input: ByteInput, maxBytes: number, options: OpenBytesOptions = {}): Promise<Uint8Array> {
  const source = await openBytes(input, options);
  try {
    if (source.size > maxBytes) throw new ByteSourceError(`${source.name}: ${source.size} bytes, more than the ${maxBytes} allowed here`);
    return await source.read(0, source.size);
  } finally {
    await source.close();
  }
}

/** Reads a whole UTF-8 text source (at most `maxBytes`). */
export async function readText(input: ByteInput, maxBytes: number, options: OpenBytesOptions = {}): Promise<string> {
  const bytes = await readAllBytes(input, maxBytes, options);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ByteSourceError(`${options.name ?? describeInput(input)}: not valid UTF-8 text`);
  }
}

function describeInput(input: ByteInput): string {
  if (typeof input === 'string') return input;
  if (input instanceof URL) return input.href;
  if (isByteSource(input)) return input.name;
  return describeValue(input);
}

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

function isByteSource(value: unknown): value is ByteSource {
  const v = value as Partial<ByteSource> | null;
  return typeof v === 'object' && v !== null && typeof v.read === 'function' && typeof v.size === 'number' && typeof v.close === 'function';
}

function blobName(blob: Blob): string {
  const name = (blob as { name?: unknown }).name;
  return typeof name === 'string' && name ? name : '<blob>';
}

/** Checks a read request against the source's size: a caller's bug or a lying header must not reach the I/O. */
function checkRange(name: string, size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new ArgumentError(`ByteSource.read(${name}): offset and length must be non-negative integers, got ${offset}, ${length}`);
  }
  if (offset + length > size) throw new ByteSourceError(`${name}: read of ${length} bytes at ${offset} passes the end (${size} bytes)`);
}

/** A random-access source whose `read` gets only ranges inside the file. */
function randomAccess(
  name: string,
  size: number,
  read: (offset: number, length: number) => Promise<Uint8Array>,
  close: () => Promise<void> = async () => {},
  returnsViews = false,
): ByteSource {
  return {
    name,
    size,
    randomAccess: true,
    returnsViews,
    read: async (offset, length) => {
      checkRange(name, size, offset, length);
      return read(offset, length);
    },
    close,
  };
}

function memorySource(bytes: Uint8Array, name: string): ByteSource {
  return randomAccess(name, bytes.byteLength, async (offset, length) => bytes.subarray(offset, offset + length), undefined, true);
}

function blobSource(blob: Blob, name: string): ByteSource {
  return randomAccess(name, blob.size, async (offset, length) => {
    const bytes = new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
    if (bytes.byteLength !== length) throw new ByteSourceError(`${name}: read ${bytes.byteLength} of ${length} bytes at ${offset} (the Blob changed?)`);
    return bytes;
  });
}

async function nodeFileSource(path: string | URL, name: string): Promise<ByteSource> {
  const fs = await import('node:fs/promises');
  let handle: Awaited<ReturnType<typeof fs.open>>;
  try {
    handle = await fs.open(path, 'r');
  } catch (error) {
    throw new ByteSourceError(`${name}: cannot open: ${(error as Error).message}`);
  }
  const { size } = await handle.stat();
  const readInto = async (offset: number, bytes: Uint8Array) => {
    checkRange(name, size, offset, bytes.byteLength);
    for (let done = 0; done < bytes.byteLength; ) {
      const { bytesRead } = await handle.read(bytes, done, bytes.byteLength - done, offset + done);
      if (bytesRead === 0) throw new ByteSourceError(`${name}: the file ended after ${offset + done} bytes (it was ${size}; changed while reading?)`);
      done += bytesRead;
    }
  };
  const source = randomAccess(
    name,
    size,
    async (offset, length) => {
      const bytes = new Uint8Array(length);
      await readInto(offset, bytes);
      return bytes;
    },
    () => handle.close(),
  );
  return { ...source, readInto };
}

/** Total size from `Content-Range: bytes a-b/total`, or undefined. */
function rangeTotal(response: Response): number | undefined {
  const match = /^bytes\s+\d+-\d+\/(\d+)\s*$/i.exec(response.headers.get('content-range') ?? '');
  const total = match ? Number(match[1]) : Number.NaN;
  return Number.isSafeInteger(total) ? total : undefined;
}

async function urlSource(url: string, options: OpenBytesOptions): Promise<ByteSource> {
  const fetchFn = options.fetch ?? globalThis.fetch;
  const name = options.name ?? url;
  let response: Response;
  try {
    response = await fetchFn(url, { headers: { Range: `bytes=0-${PROBE_BYTES - 1}` } });
  } catch (error) {
    throw new ByteSourceError(`${name}: fetch failed: ${(error as Error).message}`);
  }
  if (response.status === 206) {
    const size = rangeTotal(response);
    const probe = await readBody(response, PROBE_BYTES, name);
    if (size === undefined || probe.byteLength > size) {
      throw new ByteSourceError(`${name}: the server answered a range request with a bad Content-Range (${response.headers.get('content-range')})`);
    }
    return rangedSource(url, name, size, probe, fetchFn);
  }
  if (response.status === 416) {
    // Range not satisfiable: an empty file (or a server that knows better); read it plainly.
    await response.body?.cancel();
    response = await fetchFn(url);
  }
  return responseSource(response, { ...options, name }, false);
}

/** A Response: ranged reads on its URL when the server says it takes ranges, otherwise its body as a forward-only stream. */
async function responseSource(response: Response, options: OpenBytesOptions, tryRanges = true): Promise<ByteSource> {
  const name = options.name ?? (response.url || '<response>');
  if (!response.ok) {
    await response.body?.cancel();
    throw new ByteSourceError(`${name}: HTTP ${response.status} ${response.statusText}`);
  }
  if (tryRanges && response.status === 200 && response.url && /\bbytes\b/i.test(response.headers.get('accept-ranges') ?? '')) {
    const length = Number(response.headers.get('content-length'));
    if (Number.isSafeInteger(length)) {
      await response.body?.cancel();
      return urlSource(response.url, { ...options, name });
    }
  }
  const size = response.status === 206 ? rangeTotal(response) : Number(response.headers.get('content-length') ?? Number.NaN);
  if (response.status === 206 && !response.headers.get('content-range')?.match(/^bytes\s+0-/i)) {
    await response.body?.cancel();
    throw new ByteSourceError(`${name}: a partial response that does not start at byte 0 cannot be read as a file`);
  }
  if (size === undefined || !Number.isSafeInteger(size) || size < 0) {
    await response.body?.cancel();
    throw new ByteSourceError(`${name}: the response has no Content-Length, so its size is unknown (serve it with Content-Length or Range support)`);
  }
  if (!response.body) return memorySource(new Uint8Array(0), name);
  return streamSource(response.body, name, size);
}

function rangedSource(url: string, name: string, size: number, probe: Uint8Array, fetchFn: typeof fetch): ByteSource {
  return randomAccess(name, size, async (offset, length) => {
    // The probe already holds the start of the file (the header): no second request for it.
    if (offset + length <= probe.byteLength) return probe.slice(offset, offset + length);
    if (length === 0) return new Uint8Array(0);
    const response = await fetchFn(url, { headers: { Range: `bytes=${offset}-${offset + length - 1}` } });
    if (response.status !== 206) {
      await response.body?.cancel();
      throw new ByteSourceError(`${name}: a range request for bytes ${offset}-${offset + length - 1} got HTTP ${response.status}`);
    }
    const bytes = await readBody(response, length, name);
    if (bytes.byteLength !== length) throw new ByteSourceError(`${name}: a range request for ${length} bytes at ${offset} returned ${bytes.byteLength}`);
    return bytes;
  });
}

/**
 * Memory that grows as bytes really arrive, up to `limit`: a server's declared sizes are untrusted,
 * so nothing is allocated for bytes that have not come (at most twice what has).
 */
class Collector {
  #bytes: Uint8Array;
  length = 0;
  constructor(readonly limit: number) {
    this.#bytes = new Uint8Array(Math.min(limit, 1 << 16));
  }
  /** Appends `chunk`; false (nothing appended) if it would pass the limit. */
  push(chunk: Uint8Array): boolean {
    if (this.length + chunk.byteLength > this.limit) return false;
    if (this.length + chunk.byteLength > this.#bytes.byteLength) {
      const grown = new Uint8Array(Math.min(this.limit, Math.max(this.length + chunk.byteLength, 2 * this.#bytes.byteLength)));
      grown.set(this.#bytes.subarray(0, this.length));
      this.#bytes = grown;
    }
    this.#bytes.set(chunk, this.length);
    this.length += chunk.byteLength;
    return true;
  }
  /** The bytes so far (a view when the buffer is exactly full, else a copy of the used part). */
  result(): Uint8Array {
    return this.length === this.#bytes.byteLength ? this.#bytes : this.#bytes.slice(0, this.length);
  }
}

/** A response body, refused (and cancelled) past `limit` bytes. */
async function readBody(response: Response, limit: number, name: string): Promise<Uint8Array> {
  const collector = new Collector(limit);
  if (!response.body) return collector.result();
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return collector.result();
    if (!collector.push(value)) {
      await reader.cancel().catch(() => {});
      throw new ByteSourceError(`${name}: the server sent more than the ${limit} bytes asked for`);
    }
  }
}

/** A forward-only stream of `size` bytes: reads must not go back; skipped bytes are read and dropped. */
function streamSource(body: ReadableStream<Uint8Array>, name: string, size: number): ByteSource {
  const reader = body.getReader();
  let position = 0; // stream offset of `pending[0]`
  let pending: Uint8Array = new Uint8Array(0);
  let finished = false;

  /** Ensures `pending` is non-empty, or reports the stream's end. */
  async function fill(): Promise<boolean> {
    while (pending.byteLength === 0) {
      if (finished) return false;
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        finished = true;
        throw new ByteSourceError(`${name}: the stream failed after ${position} bytes: ${(error as Error).message}`);
      }
      const { done, value } = chunk;
      if (done) {
        finished = true;
        return false;
      }
      pending = value;
    }
    return true;
  }
  function truncated(at: number): ByteSourceError {
    return new ByteSourceError(`${name}: the stream ended after ${at} bytes; its Content-Length said ${size} (truncated?)`);
  }

  // One read at a time: a second read waits for the first (they share the stream's position).
  let last: Promise<unknown> = Promise.resolve();
  const read = async (offset: number, length: number): Promise<Uint8Array> => {
    checkRange(name, size, offset, length);
    if (offset < position) {
      throw new ByteSourceError(`${name}: a stream reads forward only: bytes at ${offset} were already passed (now at ${position})`);
    }
    while (position < offset) {
      if (!(await fill())) throw truncated(position);
      const skip = Math.min(offset - position, pending.byteLength);
      pending = pending.subarray(skip);
      position += skip;
    }
    const out = new Collector(length);
    while (out.length < length) {
      if (!(await fill())) throw truncated(position);
      const take = Math.min(length - out.length, pending.byteLength);
      out.push(pending.subarray(0, take));
      pending = pending.subarray(take);
      position += take;
    }
    return out.result();
  };
  return {
    name,
    size,
    randomAccess: false,
    read: (offset, length) => {
      const next = last.then(
        () => read(offset, length),
        () => read(offset, length),
      );
      last = next.catch(() => {});
      return next;
    },
    close: async () => {
      if (!finished) await reader.cancel().catch(() => {});
      finished = true;
    },
  };
}
