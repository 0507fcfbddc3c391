// The elementwise references and ops: broadcasting (a suffix-shaped b, and NumPy's general rules), scale and addScaled.
import { describe, expect, test } from 'vitest';
import { add, createCpuBackend, mul, ShapeError } from '../../src/index.js';
// scale and addScaled are not in src/index.ts's explicit elementwise export list yet (a shared file).
import { accumulate, addScaled, scale } from '../../src/ops/elementwise.js';
import {
  accumulateReference,
  addBroadcastReference,
  addReference,
  addScaledReference,
  broadcastIndices,
  broadcastShape,
  mulBroadcastReference,
  mulReference,
  scaleReference,
} from '../../src/reference/elementwise.js';
import { simplifyBroadcast } from '../../src/kernels/elementwise.js';

describe('elementwise references', () => {
  test('b repeats along a: a bias [3] onto [2, 3]', () => {
    const out = new Float32Array(6);
    addReference(Float32Array.from([1, 2, 3, 4, 5, 6]), Float32Array.from([10, 20, 30]), out);
    expect(Array.from(out)).toEqual([11, 22, 33, 14, 25, 36]);
    mulReference(Float32Array.from([1, 2, 3, 4, 5, 6]), Float32Array.from([-1]), out);
    expect(Array.from(out)).toEqual([-1, -2, -3, -4, -5, -6]);
    const ints = new Int32Array(4);
    mulReference(Int32Array.from([65536, 2, 3, 4]), Int32Array.from([65536, 5]), ints);
    expect(Array.from(ints)).toEqual([0, 10, 196608, 20]);
  });

  test('scale and addScaled', () => {
    const out = new Float64Array(4);
    scaleReference([1, -2, 0.5, 4], -3, out);
    expect(Array.from(out)).toEqual([-3, 6, -1.5, -12]);
    addScaledReference([1, 1, 1, 1], [2, -4], 0.5, out);
    expect(Array.from(out)).toEqual([2, -1, 2, -1]);
  });

  test('accumulate adds s·x into its first argument', () => {
    const into = Float64Array.from([1, 2, 3]);
    accumulateReference(into, [4, -2, 0.5], 0.5);
    expect(Array.from(into)).toEqual([3, 1, 3.25]);
    accumulateReference(into, [1, 1, 1], -1);
    expect(Array.from(into)).toEqual([2, 0, 2.25]);
  });

  test('mul of float64 arrays is a float product, not a wrapped integer one', () => {
    const out = new Float64Array(1);
    mulReference(Float64Array.from([0.1]), Float64Array.from([3.5]), out);
    expect(out[0]).toBe(0.1 * 3.5);
  });
});

describe('elementwise ops on the CPU backend', () => {
  const cpu = createCpuBackend();
  const a = cpu.tensor([1, 2, 3, 4, 5, 6], [2, 3]);

  test('broadcast add and mul keep a’s shape; a scalar-shaped b broadcasts everywhere', async () => {
    const biased = add(a, cpu.tensor([10, 20, 30], [3]));
    expect(biased.shape).toEqual([2, 3]);
    expect(Array.from(await biased.data())).toEqual([11, 22, 33, 14, 25, 36]);
    expect(Array.from(await mul(a, cpu.tensor([2], [])).data())).toEqual([2, 4, 6, 8, 10, 12]);
    // [B, T, D] + [T, D]
    const x = cpu.tensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]);
    expect(Array.from(await add(x, cpu.tensor([0, 10, 20, 30], [2, 2])).data())).toEqual([1, 12, 23, 34, 5, 16, 27, 38]);
  });

  test('scale and addScaled; s is rounded to f32 like the GPU uniform', async () => {
    expect(Array.from(await scale(a, -0.5).data())).toEqual([-0.5, -1, -1.5, -2, -2.5, -3]);
    expect(Array.from(await addScaled(a, cpu.tensor([2, 4, 6], [3]), -0.5).data())).toEqual([0, 0, 0, 3, 3, 3]);
    expect((await scale(cpu.tensor([1], [1]), 0.1).data())[0]).toBe(Math.fround(0.1));
    const h = cpu.tensor([1, 2], [2], 'f16');
    expect(Array.from(await addScaled(h, h, 2).data())).toEqual([3, 6]);
  });

  test('accumulate updates into in place, leaves x, rounds s to f32', async () => {
    const into = cpu.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const x = cpu.tensor([1, 1, 1, -1, -1, -1], [2, 3]);
    expect(accumulate(into, x, 2)).toBeUndefined();
    expect(Array.from(await into.data())).toEqual([3, 4, 5, 2, 3, 4]);
    accumulate(into, x, -0.5);
    expect(Array.from(await into.data())).toEqual([2.5, 3.5, 4.5, 2.5, 3.5, 4.5]);
    expect(Array.from(await x.data())).toEqual([1, 1, 1, -1, -1, -1]);
    const one = cpu.zeros([1]);
    accumulate(one, cpu.tensor([1], [1]), 0.1);
    expect((await one.data())[0]).toBe(Math.fround(0.1));
  });

  test.each([
    ['accumulate shape', () => accumulate(a, cpu.zeros([3, 2]), 1), /^accumulate: x must have into's shape, got into \[2, 3\] and x \[3, 2\]$/],
    ['accumulate no broadcast', () => accumulate(a, cpu.zeros([3]), 1), /^accumulate: x must have into's shape, got into \[2, 3\] and x \[3\]$/],
    ['accumulate same tensor', () => accumulate(a, a, 1), /^accumulate: into and x must be different tensors, got the same f32\[2, 3\] on cpu$/],
    ['accumulate dtype into', () => accumulate(cpu.zeros([2], 'f16'), cpu.zeros([2]), 1), /^accumulate: into must be f32, got f16\[2\] on cpu$/],
    ['accumulate dtype x', () => accumulate(cpu.zeros([2]), cpu.zeros([2], 'i32'), 1), /^accumulate: x must be f32, got i32\[2\] on cpu$/],
    ['accumulate s', () => accumulate(a, cpu.zeros([2, 3]), NaN), /^accumulate: s must be a finite number, got NaN$/],
    ['accumulate backends', () => accumulate(a, createCpuBackend().zeros([2, 3]), 1), /^accumulate: arguments live on different backends/],
    [
      'add prefix',
      () => add(a, cpu.zeros([2])),
      /^add: a \[2, 3\] and b \[2\] do not broadcast: sizes 3 and 2 meet at dim -1 \(aligned from the last dim, sizes must be equal or 1\)$/,
    ],
    [
      'mul inner dims',
      () => mul(cpu.zeros([4, 3, 1]), cpu.zeros([2, 5])),
      /^mul: a \[4, 3, 1\] and b \[2, 5\] do not broadcast: sizes 3 and 2 meet at dim -2 \(aligned from the last dim, sizes must be equal or 1\)$/,
    ],
    [
      'add rank 7 not a suffix',
      () => add(cpu.zeros([1, 1, 1, 1, 1, 1, 2]), cpu.zeros([2, 1])),
      /^add: a broadcast result may have at most 6 dims unless b's shape is a suffix of a's, got a \[1, 1, 1, 1, 1, 1, 2\] and b \[2, 1\]$/,
    ],
    ['add dtypes', () => add(a, cpu.zeros([3], 'i32')), /^add: dtypes differ: f32\[2, 3\] on cpu and i32\[3\] on cpu$/],
    [
      'addScaled transposed',
      () => addScaled(a, cpu.zeros([3, 2]), 1),
      /^addScaled: b's shape must equal a's shape or a suffix of it, got a \[2, 3\] and b \[3, 2\]$/,
    ],
    ['addScaled dtype', () => addScaled(cpu.zeros([2], 'i32'), cpu.zeros([2], 'i32'), 1), /^addScaled: a must be f32 or f16, got i32\[2\] on cpu$/],
    ['addScaled s', () => addScaled(a, a, NaN), /^addScaled: s must be a finite number, got NaN$/],
    ['scale dtype', () => scale(cpu.zeros([2], 'u32'), 2), /^scale: x must be f32 or f16, got u32\[2\] on cpu$/],
    ['scale s', () => scale(a, Infinity), /^scale: s must be a finite number, got Infinity$/],
    ['scale s type', () => scale(a, '2' as never), /^scale: s must be a finite number, got 2$/],
  ])('%s', (_name, call, message) => {
    expect(call).toThrowError(ShapeError);
    expect(call).toThrowError(message);
  });
});

describe('NumPy broadcasting', () => {
  test('broadcastShape: aligned from the last dim, 1 and missing dims repeat; undefined where sizes clash', () => {
    expect(broadcastShape([2, 1, 4], [3, 1])).toEqual([2, 3, 4]);
    expect(broadcastShape([5], [2, 3, 5])).toEqual([2, 3, 5]);
    expect(broadcastShape([], [2, 3])).toEqual([2, 3]);
    expect(broadcastShape([1, 0], [4, 1])).toEqual([4, 0]);
    expect(broadcastShape([2, 3], [3, 2])).toBeUndefined();
    expect(broadcastShape([2, 3], [2])).toBeUndefined();
  });

  test('broadcastIndices by hand: [2, 1] and [3] against [2, 3]', () => {
    expect(Array.from(broadcastIndices([2, 1], [2, 3]))).toEqual([0, 0, 0, 1, 1, 1]);
    expect(Array.from(broadcastIndices([3], [2, 3]))).toEqual([0, 1, 2, 0, 1, 2]);
    expect(Array.from(broadcastIndices([1, 3], [2, 3]))).toEqual([0, 1, 2, 0, 1, 2]);
    expect(Array.from(broadcastIndices([2, 3], [2, 3]))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  test('an outer sum and product: a column [2, 1] with a row [3]', () => {
    const out = new Float64Array(6);
    addBroadcastReference(Float64Array.from([10, 20]), [2, 1], Float64Array.from([1, 2, 3]), [3], [2, 3], out);
    expect(Array.from(out)).toEqual([11, 12, 13, 21, 22, 23]);
    mulBroadcastReference(Float64Array.from([10, 20]), [2, 1], Float64Array.from([1, 2, 3]), [3], [2, 3], out);
    expect(Array.from(out)).toEqual([10, 20, 30, 20, 40, 60]);
    const ints = new Int32Array(2);
    mulBroadcastReference(Int32Array.from([65536]), [1], Int32Array.from([65536, -3]), [2], [2], ints);
    expect(Array.from(ints)).toEqual([0, -196608]);
  });

  test('[B, 1, D] + [1, T, D] by hand (both sides broadcast)', () => {
    const out = new Float32Array(2 * 3 * 2);
    // a[b, 0, d] = 100b + d, b[0, t, d] = 10t
    addBroadcastReference(Float32Array.from([0, 1, 100, 101]), [2, 1, 2], Float32Array.from([0, 0, 10, 10, 20, 20]), [1, 3, 2], [2, 3, 2], out);
    expect(Array.from(out)).toEqual([0, 1, 10, 11, 20, 21, 100, 101, 110, 111, 120, 121]);
  });

  test('simplifyBroadcast merges dims both operands walk as one and drops size-1 dims', () => {
    expect(simplifyBroadcast([2, 3, 4], [1, 3, 4], [2, 3, 4])).toEqual({ shape: [2, 12], aStride: [12, 1], bStride: [0, 1] });
    expect(simplifyBroadcast([2, 1, 4], [1, 3, 4], [2, 3, 4])).toEqual({ shape: [2, 3, 4], aStride: [4, 0, 1], bStride: [0, 4, 1] });
    expect(simplifyBroadcast([5, 1, 1], [1, 6, 7], [5, 6, 7])).toEqual({ shape: [5, 42], aStride: [1, 0], bStride: [0, 1] });
    expect(simplifyBroadcast([1, 1, 3], [2, 1, 3], [2, 1, 3])).toEqual({ shape: [2, 3], aStride: [0, 1], bStride: [3, 1] });
    expect(simplifyBroadcast([], [], [])).toEqual({ shape: [], aStride: [], bStride: [] });
  });

  test('on the CPU backend: the result has the broadcast shape; f16 rounds; the rank-6 limit does not apply to a suffix', async () => {
    const cpu = createCpuBackend();
    const column = cpu.tensor([1, 2], [2, 1]);
    const row = cpu.tensor([10, 20, 30], [3]);
    const sum = add(column, row);
    expect(sum.shape).toEqual([2, 3]);
    expect(Array.from(await sum.data())).toEqual([11, 21, 31, 12, 22, 32]);
    const product = mul(row, column); // the smaller rank first: still [2, 3]
    expect(product.shape).toEqual([2, 3]);
    expect(Array.from(await product.data())).toEqual([10, 20, 30, 20, 40, 60]);
    const h = add(cpu.tensor([1, 2], [2, 1], 'f16'), cpu.tensor([0.1], [1], 'f16'));
    expect(h.dtype).toBe('f16');
    expect(Array.from(await h.data())).toEqual([1.099609375, 2.099609375]);
    expect(add(cpu.zeros([1, 1, 1, 1, 1, 1, 2]), cpu.zeros([2])).shape).toEqual([1, 1, 1, 1, 1, 1, 2]);
  });
});
