// Embedding: the references against hand-worked values and float64 finite differences, and the
// public ops' argument checks (on the CPU backend).
import { describe, expect, test } from 'vitest';
import { ShapeError, createCpuBackend, embedding, embeddingBackward, gatherRows, gatherRowsBackward } from '../../src/index.js';
import { embeddingBackwardReference, embeddingReference } from '../../src/reference/embedding.js';
import { Rng } from '../harness/cases.js';
import { randomFloat64, vjpError } from '../harness/finite-diff.js';

const table = [1, 2, 3, 4, 5, 6]; // [3, 2]

describe('embeddingReference', () => {
  test('gathers rows; out-of-range ids give zero rows', () => {
    const out = new Float32Array(10);
    embeddingReference(table, [2, 0, 2, 3, -1], 3, 2, out);
    expect(Array.from(out)).toEqual([5, 6, 1, 2, 5, 6, 0, 0, 0, 0]);
  });
});

describe('embeddingBackwardReference', () => {
  test('scatter-adds by hand; unused rows are zero, out-of-range ids add nothing', () => {
    const dOut = [1, 10, 2, 20, 3, 30, 4, 40, 5, 50];
    const dTable = new Float32Array(6).fill(NaN); // overwritten, not accumulated into
    embeddingBackwardReference(dOut, [2, 0, 2, 3, -1], 3, 2, dTable);
    expect(Array.from(dTable)).toEqual([2, 20, 0, 0, 4, 40]);
  });

  test('adds in order of position, rounding into float32 each time', () => {
    // 1 + 2^-24 rounds to 1 in float32, so adding 2^-24 twice after 1 leaves 1; in float64 it does not.
    const dTable32 = new Float32Array(1);
    embeddingBackwardReference([1, 2 ** -24, 2 ** -24], [0, 0, 0], 1, 1, dTable32);
    expect(dTable32[0]).toBe(1);
    const dTable64 = new Float64Array(1);
    embeddingBackwardReference([1, 2 ** -24, 2 ** -24], [0, 0, 0], 1, 1, dTable64);
    expect(dTable64[0]).toBe(1 + 2 ** -23);
  });

  test('matches float64 finite differences of the forward (repeated and out-of-range ids)', () => {
    const rng = new Rng(5);
    const [vocab, dim] = [6, 3];
    const ids = [4, 1, 4, 4, 6, -2, 0, 1];
    const x = randomFloat64(rng, vocab * dim);
    const dy = randomFloat64(rng, ids.length * dim);
    const analytic = new Float64Array(vocab * dim);
    embeddingBackwardReference(dy, ids, vocab, dim, analytic);
    const fwd = (t: Float64Array) => {
      const out = new Float64Array(ids.length * dim);
      embeddingReference(t, ids, vocab, dim, out);
      return out;
    };
    expect(vjpError(fwd, dy, x, analytic)).toBeLessThan(1e-8);
    expect(Array.from(analytic.subarray(2 * dim, 4 * dim))).toEqual(new Array(2 * dim).fill(0)); // ids 2, 3 unused
  });
});

describe('embedding ops on the CPU backend', () => {
  const cpu = createCpuBackend();
  const t = cpu.tensor(table, [3, 2]);
  const ids = cpu.tensor(Int32Array.from([2, 0, 1, 2]), [2, 2]);

  test('forward keeps the ids shape; backward gives [V, D]', async () => {
    const out = embedding(t, ids);
    expect(out.shape).toEqual([2, 2, 2]);
    expect(Array.from(await out.data())).toEqual([5, 6, 1, 2, 3, 4, 5, 6]);
    const d = embeddingBackward(out, ids, 4);
    expect(d.shape).toEqual([4, 2]);
    expect(Array.from(await d.data())).toEqual([1, 2, 3, 4, 10, 12, 0, 0]);
    const scalar = embedding(t, cpu.tensor(Int32Array.from([1]), []));
    expect(scalar.shape).toEqual([2]);
    expect(Array.from(await scalar.data())).toEqual([3, 4]);
  });

  test.each([
    ['table dtype', () => embedding(ids, ids), /^embedding: table must be f32, got i32\[2, 2\] on cpu$/],
    ['table rank', () => embedding(cpu.tensor([1, 2], [2]), ids), /^embedding: table must have shape \[V, D\], got \[2\]$/],
    ['ids dtype', () => embedding(t, cpu.tensor([0, 1], [2])), /^embedding: ids must be i32, got f32\[2\] on cpu$/],
    [
      'dOut shape',
      () => embeddingBackward(cpu.tensor(new Float32Array(6), [3, 2]), ids, 3),
      /^embeddingBackward: dOut must have shape \[2, 2, D\] for ids \[2, 2\], got \[3, 2\]$/,
    ],
    [
      'dOut batch',
      () => embeddingBackward(cpu.tensor(new Float32Array(12), [3, 2, 2]), ids, 3),
      /^embeddingBackward: dOut must have shape \[2, 2, 2\], got \[3, 2, 2\]$/,
    ],
    ['dOut dtype', () => embeddingBackward(ids, cpu.tensor(Int32Array.from([1, 2]), [2]), 3), /^embeddingBackward: dOut must be f32, got i32\[2, 2\] on cpu$/],
    [
      'vocabSize',
      () => embeddingBackward(cpu.tensor(new Float32Array(8), [2, 2, 2]), ids, 2.5),
      /^embeddingBackward: vocabSize must be a non-negative integer, got 2.5$/,
    ],
  ])('%s', (_name, fn, message) => {
    expect(fn).toThrowError(ShapeError);
    expect(fn).toThrowError(message);
  });
});

describe('gatherRows on the CPU backend (the embedding references with x as the table)', () => {
  const cpu = createCpuBackend();
  const x = cpu.tensor([1, 2, 3, 4, 5, 6], [3, 2]);
  const index = cpu.tensor(Int32Array.from([2, 0, 2]), [3], 'i32');

  test('rows by hand, and the backward sums repeated rows', async () => {
    const out = gatherRows(x, index);
    expect(out.shape).toEqual([3, 2]);
    expect(Array.from(await out.data())).toEqual([5, 6, 1, 2, 5, 6]);
    const dx = gatherRowsBackward(cpu.tensor([1, 10, 2, 20, 3, 30], [3, 2]), index, 3);
    expect(dx.shape).toEqual([3, 2]);
    expect(Array.from(await dx.data())).toEqual([2, 20, 0, 0, 4, 40]);
  });

  test.each([
    ['x rank', () => gatherRows(cpu.zeros([2, 3, 4]), index), /^gatherRows: x must have shape \[N, D\], got \[2, 3, 4\]$/],
    ['index rank', () => gatherRows(x, cpu.zeros([3, 1], 'i32')), /^gatherRows: index must have shape \[M\], got \[3, 1\]$/],
    ['index dtype', () => gatherRows(x, cpu.zeros([3])), /^gatherRows: index must be i32, got f32\[3\] on cpu$/],
    ['x dtype', () => gatherRows(cpu.zeros([3, 2], 'i32'), index), /^gatherRows: x must be f32, got i32\[3, 2\] on cpu$/],
    ['backward rows', () => gatherRowsBackward(cpu.zeros([3, 2]), index, 2.5), /^gatherRowsBackward: rows must be a non-negative integer, got 2.5$/],
    [
      'backward dOut',
      () => gatherRowsBackward(cpu.zeros([2, 2]), index, 3),
      /^gatherRowsBackward: dOut must have shape \[3, D\] for index \[3\], got \[2, 2\]$/,
    ],
  ])('%s', (_name, call, message) => {
    expect(call).toThrowError(ShapeError);
    expect(call).toThrowError(message);
  });
});
