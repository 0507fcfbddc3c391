// The elementwise references and ops: broadcasting a suffix-shaped b, scale and addScaled.
import { describe, expect, test } from 'vitest';
import { add, createCpuBackend, mul, ShapeError } from '../../src/index.js';
// scale and addScaled are not in src/index.ts's explicit elementwise export list yet (a shared file).
import { accumulate, addScaled, scale } from '../../src/ops/elementwise.js';
import { accumulateReference, addReference, addScaledReference, mulReference, scaleReference } from '../../src/reference/elementwise.js';

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
    ['add prefix', () => add(a, cpu.zeros([2])), /^add: b's shape must equal a's shape or a suffix of it, got a \[2, 3\] and b \[2\]$/],
    ['mul longer b', () => mul(cpu.zeros([3]), a), /^mul: b's shape must equal a's shape or a suffix of it, got a \[3\] and b \[2, 3\]$/],
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
