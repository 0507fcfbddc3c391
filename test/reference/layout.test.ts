// The layout reference and op: transpose against hand-worked values, its argument checks.
import { describe, expect, test } from 'vitest';
import { ShapeError, createCpuBackend, slice, sliceBackward, transpose } from '../../src/index.js';
import { simplifyPermutation } from '../../src/kernels/layout.js';
import { sliceBackwardReference, sliceReference, transposeReference } from '../../src/reference/layout.js';
import { Rng } from '../harness/cases.js';
import { randomFloat64, vjpError } from '../harness/finite-diff.js';

describe('transposeReference', () => {
  test('a 2×3 matrix', () => {
    const out = new Float32Array(6);
    transposeReference([1, 2, 3, 4, 5, 6], [2, 3], [1, 0], out);
    expect(Array.from(out)).toEqual([1, 4, 2, 5, 3, 6]);
  });

  test('[B, T, H, Dh] → [B, H, T, Dh] by hand: element (b, t, h, d) lands at (b, h, t, d)', () => {
    const [B, T, H, D] = [2, 3, 2, 2];
    // x[b, t, h, d] = 1000b + 100t + 10h + d, so every value names its own index.
    const x: number[] = [];
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let h = 0; h < H; h++) for (let d = 0; d < D; d++) x.push(1000 * b + 100 * t + 10 * h + d);
    const out = new Int32Array(x.length);
    transposeReference(x, [B, T, H, D], [0, 2, 1, 3], out);
    const want: number[] = [];
    for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) want.push(1000 * b + 100 * t + 10 * h + d);
    expect(Array.from(out)).toEqual(want);
  });

  test('a 3-D rotation and its inverse give x back; float64 values are kept', () => {
    const x = Float64Array.from({ length: 24 }, (_, i) => i + 0.1);
    const rotated = new Float64Array(24);
    transposeReference(x, [2, 3, 4], [2, 0, 1], rotated); // → [4, 2, 3]
    // out[k, i, j] = x[i, j, k]
    expect(rotated[1 * 6 + 0 * 3 + 2]).toBe(x[0 * 12 + 2 * 4 + 1]);
    const back = new Float64Array(24);
    transposeReference(rotated, [4, 2, 3], [1, 2, 0], back);
    expect(Array.from(back)).toEqual(Array.from(x));
  });

  test('rank 0 and rank 1 copy', () => {
    const out = new Float32Array(1);
    transposeReference([7], [], [], out);
    expect(out[0]).toBe(7);
    const row = new Uint32Array(3);
    transposeReference([1, 2, 3], [3], [0], row);
    expect(Array.from(row)).toEqual([1, 2, 3]);
  });
});

describe('simplifyPermutation (the GPU path merges dims that stay adjacent)', () => {
  test.each([
    [
      [2, 3, 4, 5],
      [0, 2, 1, 3],
      [2, 3, 4, 5],
      [0, 2, 1, 3],
    ],
    [
      [2, 3, 4, 5],
      [1, 0, 2, 3],
      [2, 3, 20],
      [1, 0, 2],
    ],
    [[2, 3, 4], [0, 1, 2], [24], [0]],
    [
      [1, 7, 1, 9],
      [3, 2, 1, 0],
      [7, 9],
      [1, 0],
    ],
    [
      [2, 1, 3, 4],
      [2, 3, 0, 1],
      [2, 12],
      [1, 0],
    ],
    [[1, 1], [1, 0], [], []],
  ])('%j by %j', (shape, perm, wantShape, wantPerm) => {
    expect(simplifyPermutation(shape, perm)).toEqual({ shape: wantShape, perm: wantPerm });
  });
});

describe('transpose on the CPU backend', () => {
  const cpu = createCpuBackend();
  const x = cpu.tensor([1, 2, 3, 4, 5, 6], [2, 3]);

  test('shape and values; dtypes kept; the identity is a new tensor', async () => {
    const t = transpose(x, [1, 0]);
    expect(t.shape).toEqual([3, 2]);
    expect(t.dtype).toBe('f32');
    expect(Array.from(await t.data())).toEqual([1, 4, 2, 5, 3, 6]);
    const ids = transpose(cpu.tensor(Int32Array.from([1, -2, 3, -4]), [2, 1, 2]), [2, 1, 0]);
    expect(ids.dtype).toBe('i32');
    expect(Array.from(await ids.data())).toEqual([1, 3, -2, -4]);
    const same = transpose(x, [0, 1]);
    expect(same).not.toBe(x);
    expect(same.storage()).not.toBe(x.storage());
    expect(Array.from(await same.data())).toEqual([1, 2, 3, 4, 5, 6]);
    const u = transpose(cpu.tensor([4000000000], [1], 'u32'), [0]);
    expect(Array.from(await u.data())).toEqual([4000000000]);
  });

  test('f64 mode keeps full precision', () => {
    const f64 = createCpuBackend({ precision: 'f64' });
    const t = transpose(f64.tensor([0.1, 0.2, 0.3, 0.4], [2, 2]), [1, 0]);
    expect(Array.from(f64.readF64(t))).toEqual([0.1, 0.3, 0.2, 0.4]);
  });

  test.each([
    ['perm too short', () => transpose(x, [0]), /^transpose: perm must be a permutation of \[0, 1\] for x \[2, 3\], got \[0\]$/],
    ['perm repeats', () => transpose(x, [1, 1]), /^transpose: perm must be a permutation of \[0, 1\] for x \[2, 3\], got \[1, 1\]$/],
    ['perm out of range', () => transpose(x, [0, 2]), /^transpose: perm must be a permutation of \[0, 1\] for x \[2, 3\], got \[0, 2\]$/],
    ['perm negative', () => transpose(x, [-1, 0]), /^transpose: perm must be a permutation of \[0, 1\] for x \[2, 3\], got \[-1, 0\]$/],
    ['perm fractional', () => transpose(x, [0.5, 1]), /^transpose: perm must be a permutation of \[0, 1\] for x \[2, 3\], got \[0.5, 1\]$/],
    ['perm not an array', () => transpose(x, 'ab' as never), /^transpose: perm must be a permutation of \[0, 1\] for x \[2, 3\], got ab$/],
    [
      'rank 7',
      () => transpose(cpu.zeros([1, 1, 1, 1, 1, 1, 2]), [0, 1, 2, 3, 4, 5, 6]),
      /^transpose: x may have at most 6 dims, got x \[1, 1, 1, 1, 1, 1, 2\] \(rank 7\)$/,
    ],
    ['f16', () => transpose(cpu.zeros([2, 2], 'f16'), [1, 0]), /^transpose: x must be f32 or i32 or u32, got f16\[2, 2\] on cpu$/],
  ])('%s', (_name, call, message) => {
    expect(call).toThrowError(ShapeError);
    expect(call).toThrowError(message);
  });
});

describe('sliceReference and sliceBackwardReference', () => {
  // x [2, 4, 3] with x[o, k, i] = 100o + 10k + i, so every value names its own index.
  const x = Array.from({ length: 24 }, (_, n) => 100 * Math.floor(n / 12) + 10 * (Math.floor(n / 3) % 4) + (n % 3));

  test('entries 1 and 2 of the middle axis, by hand', () => {
    const out = new Int32Array(12);
    sliceReference(x, 2, 4, 3, 1, 2, out);
    expect(Array.from(out)).toEqual([10, 11, 12, 20, 21, 22, 110, 111, 112, 120, 121, 122]);
  });

  test('the last axis (inner 1) and the first (outer 1)', () => {
    const last = new Float32Array(8);
    sliceReference(x, 8, 3, 1, 2, 1, last);
    expect(Array.from(last)).toEqual([2, 12, 22, 32, 102, 112, 122, 132]);
    const first = new Float32Array(12);
    sliceReference(x, 1, 2, 12, 1, 1, first);
    expect(Array.from(first)).toEqual(x.slice(12));
  });

  test('the backward places dy at the offset and writes zeros elsewhere, by hand', () => {
    const dx = new Float32Array(8).fill(Number.NaN); // overwritten, not accumulated into
    sliceBackwardReference([1, 2, 3, 4], 2, 4, 1, 1, 2, dx);
    expect(Array.from(dx)).toEqual([0, 1, 2, 0, 0, 3, 4, 0]);
  });

  test.each([
    [2, 5, 3, 1, 3],
    [1, 6, 4, 0, 6],
    [4, 3, 1, 2, 1],
  ])('outer %d, dim %d, inner %d, start %d, length %d: the backward matches float64 finite differences', (outer, dim, inner, start, length) => {
    const rng = new Rng(3);
    const input = randomFloat64(rng, outer * dim * inner);
    const dy = randomFloat64(rng, outer * length * inner);
    const dx = new Float64Array(input.length);
    sliceBackwardReference(dy, outer, dim, inner, start, length, dx);
    const forward = (probe: Float64Array) => {
      const out = new Float64Array(dy.length);
      sliceReference(probe, outer, dim, inner, start, length, out);
      return out;
    };
    expect(vjpError(forward, dy, input, dx)).toBeLessThan(1e-8);
  });
});

describe('slice on the CPU backend', () => {
  const cpu = createCpuBackend();
  const x = cpu.tensor([1, 2, 3, 4, 5, 6], [2, 3]);

  test('values, shape and dtype; negative axes; sliceBackward', async () => {
    const s = slice(x, 1, 1, 2);
    expect(s.shape).toEqual([2, 2]);
    expect(Array.from(await s.data())).toEqual([2, 3, 5, 6]);
    expect(Array.from(await slice(x, -2, 1, 1).data())).toEqual([4, 5, 6]);
    const ids = slice(cpu.tensor(Int32Array.from([7, -8, 9, -10]), [4], 'i32'), 0, 1, 2);
    expect(ids.dtype).toBe('i32');
    expect(Array.from(await ids.data())).toEqual([-8, 9]);
    const dx = sliceBackward(cpu.tensor([1, 2, 3, 4], [2, 2]), -1, 1, 3);
    expect(dx.shape).toEqual([2, 3]);
    expect(Array.from(await dx.data())).toEqual([0, 1, 2, 0, 3, 4]);
    expect(slice(x, 0, 2, 0).shape).toEqual([0, 3]);
  });

  test.each([
    ['axis too large', () => slice(x, 2, 0, 1), /^slice: axis must be an integer in \[-2, 1\] for shape \[2, 3\], got 2$/],
    ['axis too small', () => slice(x, -3, 0, 1), /^slice: axis must be an integer in \[-2, 1\] for shape \[2, 3\], got -3$/],
    ['axis not a number', () => slice(x, '1' as never, 0, 1), /^slice: axis must be an integer in \[-2, 1\] for shape \[2, 3\], got 1$/],
    ['start negative', () => slice(x, 1, -1, 1), /^slice: start must be a non-negative integer, got -1$/],
    ['length fractional', () => slice(x, 1, 0, 1.5), /^slice: length must be a non-negative integer, got 1.5$/],
    ['past the end', () => slice(x, 1, 2, 2), /^slice: start \+ length must be at most 3 \(the size of axis 1 of x \[2, 3\]\), got start 2 \+ length 2 = 4$/],
    ['f16', () => slice(cpu.zeros([2, 2], 'f16'), 0, 0, 1), /^slice: x must be f32 or i32 or u32, got f16\[2, 2\] on cpu$/],
    [
      'backward size too small',
      () => sliceBackward(cpu.zeros([2, 2]), 1, 2, 3),
      /^sliceBackward: start \+ length must be at most 3 \(size\), got start 2 \+ length 2 = 4$/,
    ],
    ['backward size', () => sliceBackward(cpu.zeros([2, 2]), 1, 0, -1), /^sliceBackward: size must be a non-negative integer, got -1$/],
    ['backward dtype', () => sliceBackward(cpu.zeros([2, 2], 'i32'), 1, 0, 3), /^sliceBackward: dy must be f32, got i32\[2, 2\] on cpu$/],
  ])('%s', (_name, call, message) => {
    expect(call).toThrowError(ShapeError);
    expect(call).toThrowError(message);
  });
});
