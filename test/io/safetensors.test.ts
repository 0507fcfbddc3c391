// safetensors in Node on real files, real Blobs and a real HTTP server: every dtype's conversion
// from hand-worked bytes, a test vector built byte by byte from the format's specification, writer
// round trips, sharded folders, and the malformed files an untrusted source can send.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ArgumentError,
  ByteSourceError,
  SafetensorsError,
  SafetensorsFile,
  ShardedSafetensors,
  type TensorToWrite,
  halfBitsToFloat,
  nodeFileSink,
  openBytes,
  safetensorsBlob,
  writeSafetensors,
} from '../../src/index.js';
import { Rng } from '../harness/cases.js';

const dir = mkdtempSync(join(tmpdir(), 'shaderformer-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A file from its parts as the specification lays them out: u64 LE header length, header bytes, data. Not our writer. */
function fileBytes(header: string | object, data: Uint8Array = new Uint8Array(0), declaredLength?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Little-endian bytes written through a DataView, one setter call per element. */
function le(count: number, width: number, set: (view: DataView, offset: number, i: number) => void): Uint8Array {
  const bytes = new Uint8Array(count * width);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < count; i++) set(view, i * width, i);
  return bytes;
}

describe('safetensors: the specification by hand', () => {
  test('a test vector built byte by byte reads back (F32 matrix and I64 ids, unaligned data section, metadata absent)', async () => {
    const header = '{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"ids":{"dtype":"I64","shape":[2],"data_offsets":[16,32]}}';
    expect(header.length).toBe(114);
    // prettier-ignore
    const bytes = new Uint8Array([
      114,
      0,
      0,
      0,
      0,
      0,
      0,
      0, // header length, u64 little-endian
      ...new TextEncoder().encode(header),
      0x00,
      0x00,
      0x80,
      0x3f,
      /* 1.0 */ 0x00,
      0x00,
      0x00,
      0xc0,
      /* -2.0 */ 0x00,
      0x00,
      0x00,
      0x3f,
      /* 0.5 */ 0x00,
      0x00,
      0x40,
      0x40 /* 3.0 */,
      0x07,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      /* 7 */ 0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff /* -1 */,
    ]);
    expect(bytes.length).toBe(8 + 114 + 32);
    const file = await SafetensorsFile.open(bytes, { name: 'vector.safetensors' });
    expect([...file.entries.keys()]).toEqual(['w', 'ids']);
    expect(file.entries.get('w')).toEqual({ name: 'w', dtype: 'F32', shape: [2, 2], begin: 0, end: 16 });
    expect(file.dataStart).toBe(122);
    expect(file.metadata).toEqual({});
    expect([...(await file.read('w'))]).toEqual([1, -2, 0.5, 3]);
    expect([...(await file.read('ids', 'i32'))]).toEqual([7, -1]);
    expect([...(await file.read('ids'))]).toEqual([7, -1]);
    // The source's bytes are not changed by reading (an in-memory source hands out views).
    const w = await file.read('w');
    w[0] = 42;
    expect([...(await file.read('w'))]).toEqual([1, -2, 0.5, 3]);
  });

  test('brackets, quotes and escapes inside names are text, not structure (no false depth or duplicate errors)', async () => {
    const names = ['a[[[[{{{{', 'b\\"}}]]', 'ünï€😀', 'a[[[[{{{{ '];
    const header: Record<string, unknown> = {};
    names.forEach((name, i) => (header[name] = { dtype: 'U8', shape: [1], data_offsets: [i, i + 1] }));
    const file = await SafetensorsFile.open(fileBytes(header, new Uint8Array([1, 2, 3, 4])));
    expect([...file.entries.keys()]).toEqual(names);
    expect([...(await file.read(names[2]!, 'i32'))]).toEqual([3]);
  });

  test('every dtype converts: F64, F16 (subnormals, ±inf, NaN, −0), BF16, I64 (negatives, past 2^32), I32, I16, I8, U8, BOOL', async () => {
    const f64 = [1.5, -2.25, 1e300, 0.1];
    const f16Bits = [0x3c00, 0xc000, 0x0001, 0x03ff, 0x7bff, 0x7c00, 0xfc00, 0x7e00, 0x8000];
    const bf16Bits = [0x3f80, 0xc040, 0x4049, 0x7f80, 0x0001];
    const i64 = [-5n, 2n ** 40n, -(2n ** 31n), 2n ** 31n - 1n];
    const parts: [string, string, number[], Uint8Array][] = [
      ['f64', 'F64', [4], le(4, 8, (v, o, i) => v.setFloat64(o, f64[i]!, true))],
      ['f16', 'F16', [3, 3], le(9, 2, (v, o, i) => v.setUint16(o, f16Bits[i]!, true))],
      ['bf16', 'BF16', [5], le(5, 2, (v, o, i) => v.setUint16(o, bf16Bits[i]!, true))],
      ['i64', 'I64', [4], le(4, 8, (v, o, i) => v.setBigInt64(o, i64[i]!, true))],
      ['i32', 'I32', [2], le(2, 4, (v, o, i) => v.setInt32(o, [-7, 2 ** 31 - 1][i]!, true))],
      ['i16', 'I16', [2], le(2, 2, (v, o, i) => v.setInt16(o, [-32768, 300][i]!, true))],
      ['i8', 'I8', [2], new Uint8Array([0x80, 0x7f])],
      ['u8', 'U8', [2], new Uint8Array([255, 3])],
      ['bool', 'BOOL', [3], new Uint8Array([0, 1, 1])],
      ['empty', 'F32', [0, 5], new Uint8Array(0)],
      ['scalar', 'F32', [], le(1, 4, (v, o) => v.setFloat32(o, -0.75, true))],
    ];
    const header: Record<string, unknown> = { __metadata__: { format: 'pt', note: 'hand-made' } };
    let offset = 0;
    for (const [name, dtype, shape, bytes] of parts) {
      header[name] = { dtype, shape, data_offsets: [offset, offset + bytes.length] };
      offset += bytes.length;
    }
    const data = new Uint8Array(offset);
    offset = 0;
    for (const [, , , bytes] of parts) {
      data.set(bytes, offset);
      offset += bytes.length;
    }
    const path = join(dir, 'dtypes.safetensors');
    writeFileSync(path, fileBytes(header, data));
    const file = await SafetensorsFile.open(path);
    try {
      expect(file.metadata).toEqual({ format: 'pt', note: 'hand-made' });
      expect([...(await file.read('f64'))]).toEqual([1.5, -2.25, Infinity, Math.fround(0.1)]);
      const f16 = [...(await file.read('f16'))];
      expect(f16.slice(0, 7)).toEqual([1, -2, 2 ** -24, 1023 * 2 ** -24, 65504, Infinity, -Infinity]);
      expect(Number.isNaN(f16[7])).toBe(true);
      expect(Object.is(f16[8], -0)).toBe(true);
      expect([...(await file.read('bf16'))]).toEqual([1, -3, 3.140625, Infinity, 2 ** -133]);
      expect([...(await file.read('i64'))]).toEqual([-5, 2 ** 40, -(2 ** 31), 2 ** 31]); // 2^31 − 1 rounds to the nearest f32
      expect([...(await file.read('i32', 'i32'))]).toEqual([-7, 2 ** 31 - 1]);
      expect([...(await file.read('i16', 'i32'))]).toEqual([-32768, 300]);
      expect([...(await file.read('i8', 'i32'))]).toEqual([-128, 127]);
      expect([...(await file.read('i8'))]).toEqual([-128, 127]);
      expect([...(await file.read('u8', 'i32'))]).toEqual([255, 3]);
      expect([...(await file.read('bool', 'i32'))]).toEqual([0, 1, 1]);
      expect([...(await file.read('bool'))]).toEqual([0, 1, 1]);
      expect((await file.read('empty')).length).toBe(0);
      expect([...(await file.read('scalar'))]).toEqual([-0.75]);
      // I64 as i32: in range converts, out of range is an error naming the tensor and the value.
      await expect(file.read('i64', 'i32')).rejects.toThrow(/tensor "i64".*element 1 is 1099511627776, outside the i32 range/);
      await expect(file.read('f16', 'i32')).rejects.toThrow(SafetensorsError);
      await expect(file.read('f16', 'f64' as 'f32')).rejects.toThrow(ArgumentError);
      // tensors() yields file order, and names filter.
      const order: string[] = [];
      for await (const t of file.tensors({ names: ['bool', 'f64'] })) order.push(t.name);
      expect(order).toEqual(['f64', 'bool']);
    } finally {
      await file.close();
    }
    // The F16 table agrees with the project's half conversion on every bit pattern.
    const all = le(65536, 2, (v, o, i) => v.setUint16(o, i, true));
    const half = await SafetensorsFile.open(fileBytes({ h: { dtype: 'F16', shape: [65536], data_offsets: [0, all.length] } }, all));
    const values = await half.read('h');
    for (let bits = 0; bits < 65536; bits++)
      expect(Object.is(values[bits], Math.fround(halfBitsToFloat(bits))) || (Number.isNaN(values[bits]!) && Number.isNaN(halfBitsToFloat(bits)))).toBe(true);
  });
});

/** Random tensors (non-zero values, seeded) in a few shapes, for round trips. */
function randomTensors(seed: number, dtype: 'F32' | 'F16'): { name: string; shape: number[]; dtype: 'F32' | 'F16'; data: Float32Array }[] {
  const rng = new Rng(seed);
  const shapes: [string, number[]][] = [
    ['embeddings.word_embeddings.weight', [37, 16]],
    ['encoder.layer.0.attention.self.query.bias', [16]],
    ['scalar', []],
    ['empty', [0, 3]],
    ['encoder.layer.0.output.dense.weight', [16, 64]],
  ];
  return shapes.map(([name, shape]) => ({ name, shape, dtype, data: rng.nonZeroFloats(shape.reduce((a, d) => a * d, 1)) }));
}

describe('safetensors: writer round trips', () => {
  test('F32 to a Node file and back: bit-exact, header padded with spaces to 8 bytes, metadata kept', async () => {
    const tensors = randomTensors(1, 'F32');
    const path = join(dir, 'round-f32.safetensors');
    // Data given directly and produced on demand.
    const toWrite: TensorToWrite[] = tensors.map((t, i) => (i % 2 ? { ...t, data: async () => t.data.slice() } : t));
    const written = await writeSafetensors(await nodeFileSink(path), toWrite, { format: 'pt' });
    const raw = readFileSync(path);
    expect(written).toBe(raw.length);
    const headerLength = Number(raw.readBigUInt64LE(0));
    expect(headerLength % 8).toBe(0);
    const text = raw.subarray(8, 8 + headerLength).toString('utf8');
    expect(text).toMatch(/^\{.*\} *$/);
    expect(JSON.parse(text).__metadata__).toEqual({ format: 'pt' });
    const file = await SafetensorsFile.open(path);
    expect(file.metadata).toEqual({ format: 'pt' });
    expect([...file.entries.keys()]).toEqual(tensors.map((t) => t.name));
    for (const t of tensors) {
      expect(file.entries.get(t.name)!.shape).toEqual(t.shape);
      expect(await file.read(t.name)).toEqual(t.data);
    }
    await file.close();
  });

  test('F16 through a Blob and back: values rounded to nearest half (|err| ≤ 2^-11·|x|)', async () => {
    const tensors = randomTensors(2, 'F16');
    const blob = await safetensorsBlob(tensors);
    const file = await SafetensorsFile.open(blob);
    for (const t of tensors) {
      expect(file.entries.get(t.name)!.dtype).toBe('F16');
      const got = await file.read(t.name);
      expect(got.length).toBe(t.data.length);
      for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - t.data[i]!)).toBeLessThanOrEqual(2 ** -11 * Math.abs(t.data[i]!));
    }
  });

  test('tensors({ reuse: true }) gives the same values from a file, memory and a Blob, in one reused buffer (F32, F16, and the dtype table)', async () => {
    const tensors = [...randomTensors(7, 'F32'), ...randomTensors(8, 'F16').map((t) => ({ ...t, name: `half.${t.name}` }))];
    const path = join(dir, 'reuse.safetensors');
    await writeSafetensors(await nodeFileSink(path), tensors);
    const bytes = readFileSync(path);
    for (const input of [path, new Uint8Array(bytes), new Blob([bytes])]) {
      const file = await SafetensorsFile.open(input);
      const plain = new Map<string, Float32Array>();
      for await (const t of file.tensors()) plain.set(t.name, t.data);
      const buffers = new Set<ArrayBufferLike>();
      for await (const t of file.tensors({ reuse: true })) {
        expect(t.data, t.name).toEqual(plain.get(t.name));
        if (t.entry.dtype === 'F16' || typeof input === 'string') buffers.add(t.data.buffer);
      }
      expect(buffers.size).toBe(1);
      await file.close();
    }
    const dtypes = await SafetensorsFile.open(join(dir, 'dtypes.safetensors'));
    const names = ['i8', 'u8', 'bool', 'i16', 'i32'];
    const want = await Promise.all(names.map((n) => dtypes.read(n, 'i32')));
    const got: Int32Array[] = [];
    for await (const t of dtypes.tensors({ names, dtype: 'i32', reuse: true })) got.push(t.data.slice());
    expect(got).toEqual([want[4], want[3], want[0], want[1], want[2]]); // file order: i32, i16, i8, u8, bool
    await dtypes.close();
  });

  test('the writer refuses bad tensors before writing anything', async () => {
    const sink = { chunks: 0, write: async () => void sink.chunks++ };
    const good = { name: 'a', shape: [2], dtype: 'F32' as const, data: new Float32Array(2) };
    await expect(writeSafetensors(sink, [good, { ...good }])).rejects.toThrow(/"a" appears twice/);
    await expect(writeSafetensors(sink, [{ ...good, data: new Float32Array(3) }])).rejects.toThrow(/3 values but shape \[2\] needs 2/);
    await expect(writeSafetensors(sink, [{ ...good, dtype: 'BF16' as 'F32' }])).rejects.toThrow(/dtype must be 'F32' or 'F16'/);
    await expect(writeSafetensors(sink, [{ ...good, shape: [-1] }])).rejects.toThrow(/shape must be an array of non-negative integers/);
    await expect(writeSafetensors(sink, [{ ...good, name: '__metadata__' }])).rejects.toThrow(ArgumentError);
    await expect(writeSafetensors(sink, [good], { n: 1 as unknown as string })).rejects.toThrow(/metadata\["n"\] must be a string/);
    expect(sink.chunks).toBe(0);
    await expect(writeSafetensors(sink, [{ ...good, data: async () => new Float32Array(5) }])).rejects.toThrow(/5 values but shape \[2\] needs 2/);
  });
});

/** A static server for one file: with Range support (206, Content-Range) or without (200, whole body); counts body bytes sent. */
async function serve(bytes: Uint8Array, ranges: boolean): Promise<{ url: string; sent: () => number; requests: () => number; server: Server }> {
  let sent = 0;
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    const match = /^bytes=(\d+)-(\d+)?$/.exec(req.headers.range ?? '');
    if (ranges && match) {
      const start = Number(match[1]);
      const end = Math.min(match[2] === undefined ? bytes.length - 1 : Number(match[2]), bytes.length - 1);
      if (start >= bytes.length) {
        res.writeHead(416, { 'Content-Range': `bytes */${bytes.length}` }).end();
        return;
      }
      const body = bytes.subarray(start, end + 1);
      sent += body.length;
      res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${bytes.length}`, 'Content-Length': body.length, 'Accept-Ranges': 'bytes' });
      res.end(body);
      return;
    }
    sent += bytes.length;
    res.writeHead(200, { 'Content-Length': bytes.length, ...(ranges ? { 'Accept-Ranges': 'bytes' } : {}) });
    res.end(bytes);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/model.safetensors`, sent: () => sent, requests: () => requests, server };
}

describe('safetensors over HTTP (a real node:http server on 127.0.0.1)', () => {
  // Three 256 KB tensors and a small one: a ranged read of the small one must not fetch the others.
  const rng = new Rng(3);
  const big = (name: string) => ({ name, shape: [256, 256], dtype: 'F32' as const, data: rng.nonZeroFloats(65536) });
  const tensors = [big('a'), big('b'), { name: 'small', shape: [4], dtype: 'F32' as const, data: rng.nonZeroFloats(4) }, big('c')];
  let bytes: Uint8Array;
  const servers: Server[] = [];
  beforeAll(async () => {
    bytes = new Uint8Array(await (await safetensorsBlob(tensors)).arrayBuffer());
  });
  afterAll(() => {
    for (const s of servers) s.close();
  });

  test('with Range support: reads fetch only the header probe and the tensor asked for, in any order', async () => {
    const http = await serve(bytes, true);
    servers.push(http.server);
    const file = await SafetensorsFile.open(http.url);
    expect(http.sent()).toBeLessThanOrEqual(64 * 1024); // the probe: header and a little data
    const before = http.sent();
    expect(await file.read('small')).toEqual(tensors[2]!.data);
    expect(http.sent() - before).toBe(16);
    expect(await file.read('a')).toEqual(tensors[0]!.data); // backwards: fine on a ranged source
    expect(http.sent()).toBeLessThan(64 * 1024 + 16 + 262144 + 1);
    expect(http.sent()).toBeLessThan(bytes.length / 2);
    await file.close();
    // A Response from a plain fetch: the server says it takes ranges, so reads switch to ranges too.
    const viaResponse = await SafetensorsFile.open(await fetch(http.url));
    expect(await viaResponse.read('small')).toEqual(tensors[2]!.data);
    expect(await viaResponse.read('a')).toEqual(tensors[0]!.data); // backwards: only a ranged source can
  });

  test('without Range support: a forward-only stream; tensors() reads everything in order, going back is an error', async () => {
    const http = await serve(bytes, false);
    servers.push(http.server);
    const file = await SafetensorsFile.open(http.url);
    const names: string[] = [];
    for await (const t of file.tensors()) {
      names.push(t.name);
      expect(t.data).toEqual(tensors.find((x) => x.name === t.name)!.data);
    }
    expect(names).toEqual(['a', 'b', 'small', 'c']);
    expect(http.sent()).toBe(bytes.length);
    await file.close();
    const again = await SafetensorsFile.open(new URL(http.url));
    expect(await again.read('small')).toEqual(tensors[2]!.data); // skipping forward is fine
    await expect(again.read('a')).rejects.toThrow(/forward-only stream.*already passed/);
    await again.close();
    // Reads issued together, in file order, take their turns on the stream.
    const together = await SafetensorsFile.open(http.url);
    const [b, small] = await Promise.all([together.read('b'), together.read('small')]);
    expect(b).toEqual(tensors[1]!.data);
    expect(small).toEqual(tensors[2]!.data);
    await together.close();
  });

  test('HTTP errors and truncated or sizeless responses are clear errors', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/missing') res.writeHead(404).end('no');
      else if (req.url === '/short') {
        res.writeHead(200, { 'Content-Length': bytes.length });
        // The connection drops short of the declared length.
        res.write(bytes.subarray(0, 100_000), () => res.destroy());
      } else {
        res.writeHead(200); // chunked: no Content-Length
        res.write(bytes.subarray(0, 10));
        res.end(bytes.subarray(10));
      }
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    servers.push(server);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await expect(SafetensorsFile.open(`${base}/missing`)).rejects.toThrow(/HTTP 404/);
    await expect(SafetensorsFile.open(`${base}/sizeless`)).rejects.toThrow(/no Content-Length/);
    const short = await SafetensorsFile.open(`${base}/short`);
    await expect(
      (async () => {
        for await (const _ of short.tensors()) {
        }
      })(),
    ).rejects.toThrow(ByteSourceError);
  });
});

describe('safetensors from servers that lie about sizes (nothing allocated for bytes that never come)', () => {
  // One 3.9 GB tensor declared; the server claims the whole file but sends the header and 1 MB.
  const header = JSON.stringify({ huge: { dtype: 'F32', shape: [975_000_000], data_offsets: [0, 3_900_000_000] } });
  const head = fileBytes(header);
  const total = head.length + 3_900_000_000;
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
      if (req.url === '/stream') {
        res.writeHead(200, { 'Content-Length': total });
        res.write(head);
        res.write(new Uint8Array(1 << 20), () => res.destroy());
      } else if (req.url === '/ranged' && range) {
        const start = Number(range[1]);
        const end = Number(range[2]);
        const body = start === 0 ? head : new Uint8Array(10);
        res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${total}`, 'Content-Length': body.length });
        res.end(body);
      } else if (req.url === '/generous' && range) {
        // Asked for a range, sends 200 KB more than the probe.
        res.writeHead(206, { 'Content-Range': `bytes 0-65535/${total}` });
        res.end(new Uint8Array(65536 + 200_000));
      } else res.writeHead(400).end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  test('a stream cut short of its Content-Length', async () => {
    const file = await SafetensorsFile.open(`${base}/stream`);
    expect(file.entries.get('huge')!.end).toBe(3_900_000_000);
    const before = process.memoryUsage().arrayBuffers;
    await expect(file.read('huge')).rejects.toThrow(ByteSourceError);
    // Growth bounded by what arrived (1 MB, at most doubled), not the 3.9 GB declared.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 2 ** 20);
  });

  test('a ranged server whose ranges come back short, and one that sends more than asked', async () => {
    const file = await SafetensorsFile.open(`${base}/ranged`);
    await expect(file.read('huge')).rejects.toThrow(/a range request for 3900000000 bytes at \d+ returned 10/);
    await expect(SafetensorsFile.open(`${base}/generous`)).rejects.toThrow(/the server sent more than the 65536 bytes asked for/);
  });
});

describe('sharded checkpoints', () => {
  const rng = new Rng(4);
  const shard1 = [
    { name: 'a.weight', shape: [3, 4], dtype: 'F32' as const, data: rng.nonZeroFloats(12) },
    { name: 'a.bias', shape: [4], dtype: 'F32' as const, data: rng.nonZeroFloats(4) },
  ];
  const shard2 = [{ name: 'b.weight', shape: [4, 2], dtype: 'F16' as const, data: rng.nonZeroFloats(8) }];
  const folder = join(dir, 'sharded');
  const index = {
    metadata: { total_size: 12 * 4 + 4 * 4 + 8 * 2 },
    weight_map: {
      'a.weight': 'model-00001-of-00002.safetensors',
      'a.bias': 'model-00001-of-00002.safetensors',
      'b.weight': 'model-00002-of-00002.safetensors',
    },
  };
  beforeAll(async () => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(folder, { recursive: true });
    await writeSafetensors(await nodeFileSink(join(folder, 'model-00001-of-00002.safetensors')), shard1);
    await writeSafetensors(await nodeFileSink(join(folder, 'model-00002-of-00002.safetensors')), shard2);
    writeFileSync(join(folder, 'model.safetensors.index.json'), JSON.stringify(index));
  });

  test('a folder of two shards and an index loads; shards open only when needed', async () => {
    const opened: string[] = [];
    const sharded = await ShardedSafetensors.open(join(folder, 'model.safetensors.index.json'), (file) => {
      opened.push(file);
      return join(folder, file);
    });
    expect(sharded.files).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    expect(opened).toEqual([]);
    expect(await sharded.read('b.weight')).toEqual(new Float32Array([...shard2[0]!.data].map((x) => Math.fround(halfBitsToFloat(floatToHalf(x))))));
    expect(opened).toEqual(['model-00002-of-00002.safetensors']);
    const seen: [string, string][] = [];
    for await (const t of sharded.tensors()) seen.push([t.name, t.file]);
    expect(seen.map(([n]) => n)).toEqual(['a.weight', 'a.bias', 'b.weight']);
    const entries = await sharded.entries();
    expect(entries.get('a.bias')).toMatchObject({ dtype: 'F32', shape: [4], file: 'model-00001-of-00002.safetensors' });
    expect(await sharded.read('a.weight')).toEqual(shard1[0]!.data);
    await sharded.close();
  });

  test('the index as a ByteSource object literal is read as bytes, not taken for parsed JSON', async () => {
    const bytes = new TextEncoder().encode(JSON.stringify(index));
    const source = {
      name: 'index.json',
      size: bytes.byteLength,
      randomAccess: true,
      read: async (at: number, n: number) => bytes.subarray(at, at + n),
      close: async () => {},
    };
    const sharded = await ShardedSafetensors.open(source, (file) => join(folder, file));
    expect(sharded.files).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    expect(await sharded.read('a.weight')).toEqual(shard1[0]!.data);
    await sharded.close();
  });

  test('a bad index is refused: shard paths that leave the folder, a name twice, no weight_map, a shard without its tensor', async () => {
    const open = (json: string) => ShardedSafetensors.open(new TextEncoder().encode(json), (file) => join(folder, file), { name: 'index.json' });
    await expect(open('{"weight_map":{"a":"../secret.safetensors"}}')).rejects.toThrow(/tensor "a", field weight_map: the shard must be a plain file name/);
    await expect(open('{"weight_map":{"a":"sub/x.safetensors"}}')).rejects.toThrow(SafetensorsError);
    await expect(open('{"weight_map":{"a":"x.safetensors","a":"y.safetensors"}}')).rejects.toThrow(/tensor "a", field weight_map.a: appears twice/);
    await expect(open('{"metadata":{}}')).rejects.toThrow(/field weight_map: must be an object/);
    await expect(open('{"weight_map":')).rejects.toThrow(/not valid JSON/);
    const lying = await open('{"weight_map":{"a.weight":"model-00001-of-00002.safetensors","zzz":"model-00001-of-00002.safetensors"}}');
    await expect(lying.read('a.weight')).rejects.toThrow(
      /tensor "zzz", field weight_map: the index puts it in model-00001-of-00002.safetensors, which does not hold it/,
    );
    await expect(lying.read('nope')).rejects.toThrow(/tensor "nope": not in the index's weight_map/);
  });
});

function floatToHalf(x: number): number {
  // Independent of the writer: round to nearest half by search over the representable neighbours.
  const f = new Float32Array([x]);
  let best = 0;
  let bestErr = Infinity;
  const sign = f[0]! < 0 ? 0x8000 : 0;
  for (let bits = 0; bits < 0x7c00; bits++) {
    const err = Math.abs(halfBitsToFloat(sign | bits) - f[0]!);
    if (err < bestErr || (err === bestErr && (bits & 1) === 0)) {
      best = sign | bits;
      bestErr = err;
    }
  }
  return best;
}

describe('safetensors: malformed files (untrusted input)', () => {
  const entry = (dtype: string, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });
  const f32 = (n: number) => new Uint8Array(4 * n).fill(1);

  /** Opens `bytes` and reads every tensor; the whole thing must fail with a SafetensorsError matching `message`. */
  async function expectBad(bytes: Uint8Array, message: RegExp): Promise<void> {
    const attempt = async () => {
      const file = await SafetensorsFile.open(bytes, { name: 'bad.safetensors' });
      for await (const _ of file.tensors()) {
      }
    };
    const error = await attempt().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SafetensorsError);
    expect((error as Error).message).toMatch(/^safetensors bad\.safetensors/);
    expect((error as Error).message).toMatch(message);
  }

  const cases: [string, () => Uint8Array, RegExp][] = [
    ['empty file', () => new Uint8Array(0), /field header length: the file is 0 bytes, shorter than the 8-byte header length/],
    ['7-byte file', () => new Uint8Array(7), /the file is 7 bytes/],
    ['header length above 100 MB', () => fileBytes('{}', new Uint8Array(0), 100_000_001n), /header length 100000001 exceeds the format's limit/],
    ['header length 2^63 (u64 high word)', () => fileBytes('{}', new Uint8Array(0), 2n ** 63n), /header length 9223372036854776000 exceeds/],
    [
      'header length past the end of the file (truncated header)',
      () => fileBytes('{}', new Uint8Array(0), 99_999_999n),
      /header length 99999999 is more than the 2 bytes after the length \(truncated file\?\)/,
    ],
    ['header length 0', () => fileBytes('', new Uint8Array(0)), /header length 0 is too short/],
    ['header a JSON array', () => fileBytes('[]'), /field header: the header must start with '\{'/],
    ['header not UTF-8', () => fileBytes('{"x":1}').map((b, i) => (i === 10 ? 0xff : b)), /field header: the header is not valid UTF-8/],
    ['header not JSON', () => fileBytes('{"a": dtype}'), /field header: the header is not valid JSON/],
    [
      'header nested 100,000 deep',
      () => fileBytes(`{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`),
      /field header: the header JSON nests 4 deep; the format needs at most 3/,
    ],
    [
      'a tensor name twice',
      () => fileBytes(`{"w":${JSON.stringify(entry('F32', [1], [0, 4]))},"w":${JSON.stringify(entry('F32', [1], [4, 8]))}}`, f32(2)),
      /tensor "w": the name appears twice/,
    ],
    [
      'a tensor name twice, spelled with an escape',
      () => fileBytes(`{"w":${JSON.stringify(entry('F32', [1], [0, 4]))},"\\u0077":${JSON.stringify(entry('F32', [1], [4, 8]))}}`, f32(2)),
      /tensor "w": the name appears twice/,
    ],
    [
      'a field twice in one entry',
      () => fileBytes('{"w":{"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}}', f32(1)),
      /tensor "w", field dtype: key "dtype" appears twice/,
    ],
    ['an entry that is a number', () => fileBytes({ w: 5 }), /tensor "w": the entry must be an object \{dtype, shape, data_offsets\}, got number 5/],
    ['dtype missing', () => fileBytes({ w: { shape: [1], data_offsets: [0, 4] } }, f32(1)), /tensor "w", field dtype: missing/],
    ['shape missing', () => fileBytes({ w: { dtype: 'F32', data_offsets: [0, 4] } }, f32(1)), /tensor "w", field shape: missing/],
    ['data_offsets missing', () => fileBytes({ w: { dtype: 'F32', shape: [1] } }, f32(1)), /tensor "w", field data_offsets: missing/],
    ['an extra field', () => fileBytes({ w: { ...entry('F32', [1], [0, 4]), stride: [1] } }, f32(1)), /tensor "w", field stride: unexpected field/],
    ['unknown dtype F8_E4M3', () => fileBytes({ w: entry('F8_E4M3', [1], [0, 1]) }, new Uint8Array(1)), /tensor "w", field dtype: unknown dtype "F8_E4M3"/],
    ['dtype a number', () => fileBytes({ w: entry(4 as unknown as string, [1], [0, 4]) }, f32(1)), /field dtype: unknown dtype 4/],
    [
      'shape not an array',
      () => fileBytes({ w: entry('F32', '1', [0, 4]) }, f32(1)),
      /tensor "w", field shape: must be an array of dimensions, got string "1"/,
    ],
    ['a negative dimension', () => fileBytes({ w: entry('F32', [2, -1], [0, 4]) }, f32(1)), /field shape: dimension 1 must be a non-negative integer, got -1/],
    ['a fractional dimension', () => fileBytes({ w: entry('F32', [1.5], [0, 4]) }, f32(1)), /field shape: dimension 0 must be a non-negative integer, got 1.5/],
    [
      'a dimension above 2^53',
      () => fileBytes('{"w":{"dtype":"F32","shape":[18014398509481984],"data_offsets":[0,4]}}', f32(1)),
      /field shape: dimension 0 must be a non-negative integer/,
    ],
    ['data_offsets of length 1', () => fileBytes({ w: entry('F32', [1], [0]) }, f32(1)), /field data_offsets: must be \[begin, end\], got \[0\]/],
    ['a negative offset', () => fileBytes({ w: entry('F32', [1], [-4, 0]) }, f32(1)), /field data_offsets: begin must be a non-negative integer, got -4/],
    ['begin after end', () => fileBytes({ w: entry('F32', [0], [4, 0]) }, f32(1)), /field data_offsets: begin 4 is after end 0/],
    [
      'end past the data section (truncated data)',
      () => fileBytes({ w: entry('F32', [4], [0, 16]) }, f32(2)),
      /tensor "w", field data_offsets: end 16 is past the data section's 8 bytes \(truncated file\?\)/,
    ],
    [
      'a gigantic declared tensor in a tiny file',
      () => fileBytes({ w: entry('F32', [1e9], [0, 4e9]) }, f32(1)),
      /end 4000000000 is past the data section's 4 bytes/,
    ],
    [
      'byte length ≠ product(shape) × dtype size',
      () => fileBytes({ w: entry('F32', [3], [0, 8]) }, f32(2)),
      /tensor "w", field data_offsets: \[0, 8\] spans 8 bytes but shape \[3\] of F32 needs 12/,
    ],
    [
      'a shape whose byte size overflows',
      () => fileBytes({ w: entry('F64', [2 ** 26, 2 ** 26, 2 ** 26], [0, 8]) }, f32(2)),
      /tensor "w", field data_offsets: \[0, 8\] spans 8 bytes but shape \[67108864, 67108864, 67108864\] of F64 needs more/,
    ],
    [
      'a gap between tensors',
      () => fileBytes({ a: entry('F32', [1], [0, 4]), b: entry('F32', [1], [8, 12]) }, f32(3)),
      /tensor "b", field data_offsets: data_offsets begin 8 leaves a gap: the previous tensor ends at 4/,
    ],
    [
      'the first tensor not at 0',
      () => fileBytes({ a: entry('F32', [1], [4, 8]) }, f32(2)),
      /tensor "a", field data_offsets: data_offsets begin 4 leaves a gap/,
    ],
    [
      'overlapping tensors',
      () => fileBytes({ a: entry('F32', [2], [0, 8]), b: entry('F32', [1], [4, 8]) }, f32(2)),
      /tensor "b", field data_offsets: data_offsets \[4, 8\] overlap the previous tensor/,
    ],
    [
      'trailing bytes after the last tensor',
      () => fileBytes({ a: entry('F32', [1], [0, 4]) }, f32(2)),
      /field data_offsets: the tensors cover 4 bytes but the data section holds 8/,
    ],
    ['__metadata__ an array', () => fileBytes({ __metadata__: ['x'] }), /field __metadata__: must be an object of strings, got an array/],
    [
      '__metadata__ with a number value',
      () => fileBytes({ __metadata__: { epoch: 3 } }),
      /field __metadata__.epoch: metadata values must be strings, got number 3/,
    ],
  ];
  for (const [name, bytes, message] of cases) test(name, () => expectBad(bytes(), message));

  test(`there are at least 25 malformed cases (${cases.length})`, () => expect(cases.length).toBeGreaterThanOrEqual(25));

  test('the same checks on a Node file and a Blob; an unknown tensor and a non-source input are clear errors', async () => {
    const path = join(dir, 'bad.safetensors');
    writeFileSync(path, fileBytes({ w: entry('F32', [3], [0, 8]) }, f32(2)));
    await expect(SafetensorsFile.open(path)).rejects.toThrow(/bad\.safetensors, tensor "w", field data_offsets/);
    await expect(SafetensorsFile.open(new Blob([<Uint8Array<ArrayBuffer>>fileBytes({ w: entry('F32', [3], [0, 8]) }, f32(2))]))).rejects.toThrow(
      SafetensorsError,
    );
    await expect(SafetensorsFile.open(join(dir, 'absent.safetensors'))).rejects.toThrow(/absent\.safetensors: cannot open/);
    const ok = await SafetensorsFile.open(fileBytes({ w: entry('F32', [1], [0, 4]) }, f32(1)));
    await expect(ok.read('v')).rejects.toThrow(/tensor "v": no such tensor/);
    await expect(openBytes(42 as unknown as Uint8Array)).rejects.toThrow(/openBytes: input must be .* got number 42/);
    const source = await openBytes(new Uint8Array(4));
    await expect(source.read(2, 4)).rejects.toThrow(/passes the end/);
  });
});

describe('safetensors and Python (safetensors 0.8 / torch 2.13)', () => {
  const fixtures = fileURLToPath(new URL('../fixtures/safetensors/', import.meta.url));
  const decode = (v: number | string) => ({ inf: Infinity, '-inf': -Infinity, nan: Number.NaN, '-0': -0 })[v as string] ?? (v as number);

  test('a file written by safetensors.torch.save_file (every dtype; scripts/hf/safetensors-fixture.py) reads as torch reads it', async () => {
    const expected = JSON.parse(readFileSync(join(fixtures, 'python-all-dtypes.expected.json'), 'utf8')) as Record<
      string,
      { dtype: string; shape: number[]; values: (number | string)[] }
    >;
    const file = await SafetensorsFile.open(join(fixtures, 'python-all-dtypes.safetensors'));
    const { __metadata__: metadata, versions: _, ...tensors } = expected;
    expect(file.metadata).toEqual(metadata);
    expect([...file.entries.keys()].sort()).toEqual(Object.keys(tensors).sort());
    expect(new Set([...file.entries.values()].map((e) => e.dtype))).toEqual(new Set(['F64', 'F32', 'F16', 'BF16', 'I64', 'I32', 'I16', 'I8', 'U8', 'BOOL']));
    for (const [name, want] of Object.entries(tensors)) {
      expect(file.entries.get(name)!.shape, name).toEqual(want.shape);
      // f32 reads: torch's value rounded to float32 (F64 and I64 lose what float32 cannot hold), bit for bit.
      const got = [...(await file.read(name))];
      expect(got, name).toEqual(want.values.map((v) => Math.fround(decode(v))));
      if (/^(i|u|bool)/.test(want.dtype) && name !== 'i64') expect([...(await file.read(name, 'i32'))], name).toEqual(want.values.map(decode));
    }
    await expect(file.read('i64', 'i32')).rejects.toThrow(/tensor "i64": element 1 is 1099511627776, outside the i32 range/);
    await file.close();
  });

  // Needs a Python with torch and safetensors: SHADERFORMER_PYTHON=/path/to/python (CI has none).
  const python = process.env.SHADERFORMER_PYTHON;
  test.skipIf(!python)(
    'safetensors.torch.load_file loads what our writer wrote (F32 bit for bit, F16 as torch rounds) — needs SHADERFORMER_PYTHON',
    async () => {
      const tensors = [...randomTensors(5, 'F32'), ...randomTensors(6, 'F16').map((t) => ({ ...t, name: `half.${t.name}` }))];
      const metadata = { format: 'pt', written_by: 'shaderformer' };
      const path = join(dir, 'for-python.safetensors');
      await writeSafetensors(await nodeFileSink(path), tensors, metadata);
      const source = Object.fromEntries(tensors.map((t) => [t.name, { dtype: t.dtype, shape: t.shape, values: [...t.data] }]));
      writeFileSync(join(dir, 'for-python.json'), JSON.stringify({ __metadata__: metadata, ...source }));
      const script = fileURLToPath(new URL('../../scripts/hf/safetensors-fixture.py', import.meta.url));
      const out = execFileSync(python!, [script, 'check', path, join(dir, 'for-python.json')], { encoding: 'utf8' });
      expect(out).toContain(`checked ${tensors.length} tensors`);
      expect(out).toContain(': ok');
    },
  );
});
