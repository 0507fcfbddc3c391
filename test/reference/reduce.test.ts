// The reduce references against hand-worked values, and the checked ops on the CPU backend.
import { describe, expect, test } from 'vitest';
import { createCpuBackend, globalNorm, ShapeError, sum } from '../../src/index.js';
import { globalNormReference, sumReference } from '../../src/reference/reduce.js';

describe('sumReference', () => {
  const x = [1, 2, 3, 4, 5, 6]; // [[1, 2, 3], [4, 5, 6]]

  test('2-D: axis 0 sums columns, axis 1 sums rows', () => {
    const columns = new Float64Array(3);
    sumReference(x, columns, 1, 2, 3);
    expect(Array.from(columns)).toEqual([5, 7, 9]);
    const rows = new Float64Array(2);
    sumReference(x, rows, 2, 3, 1);
    expect(Array.from(rows)).toEqual([6, 15]);
  });

  test('3-D middle axis, and an empty axis gives zeros', () => {
    // [2, 2, 2]: out[o, j] = x[o, 0, j] + x[o, 1, j]
    const out = new Float64Array(4);
    sumReference([1, 2, 3, 4, 5, 6, 7, 8], out, 2, 2, 2);
    expect(Array.from(out)).toEqual([4, 6, 12, 14]);
    const empty = Float64Array.from([9, 9]);
    sumReference([], empty, 2, 0, 1);
    expect(Array.from(empty)).toEqual([0, 0]);
  });
});

describe('globalNormReference', () => {
  test('sqrt of all squares, over every tensor', () => {
    const out = new Float64Array(1);
    globalNormReference([[3, -4], [12], []], out);
    expect(out[0]).toBe(13);
  });
});

describe('reduce ops on the CPU backend', () => {
  const cpu = createCpuBackend();
  const x = cpu.tensor([1, 2, 3, 4, 5, 6], [2, 3]);

  test('sum drops the axis; negative axes count from the end', async () => {
    const s0 = sum(x, 0);
    expect(s0.shape).toEqual([3]);
    expect(Array.from(await s0.data())).toEqual([5, 7, 9]);
    const last = sum(x, -1);
    expect(last.shape).toEqual([2]);
    expect(Array.from(await last.data())).toEqual([6, 15]);
    const scalar = sum(cpu.tensor([1, 2, 3], [3]), 0);
    expect(scalar.shape).toEqual([]);
    expect(Array.from(await scalar.data())).toEqual([6]);
  });

  test('globalNorm is a scalar', async () => {
    const norm = globalNorm([cpu.tensor([3, -4], [2]), cpu.tensor([12], [1, 1])]);
    expect(norm.shape).toEqual([]);
    expect(Array.from(await norm.data())).toEqual([13]);
  });

  test.each([
    ['sum axis', () => sum(x, 2), /^sum: axis must be an integer in \[-2, 1\] for x \[2, 3\], got 2$/],
    ['sum negative axis', () => sum(x, -3), /^sum: axis must be an integer in \[-2, 1\] for x \[2, 3\], got -3$/],
    ['sum fractional axis', () => sum(x, 0.5), /^sum: axis must be an integer/],
    ['sum scalar', () => sum(cpu.zeros([]), 0), /^sum: axis must be an integer in \[0, -1\] for x \[\], got 0$/],
    ['sum dtype', () => sum(cpu.zeros([2], 'i32'), 0), /^sum: x must be f32, got i32\[2\] on cpu$/],
    ['globalNorm empty', () => globalNorm([]), /^globalNorm: expected a non-empty array of tensors$/],
    ['globalNorm dtype', () => globalNorm([x, cpu.zeros([1], 'u32')]), /^globalNorm: tensors\[1\] must be f32, got u32\[1\] on cpu$/],
  ])('%s', (_name, call, message) => {
    expect(call).toThrowError(ShapeError);
    expect(call).toThrowError(message);
  });
});
