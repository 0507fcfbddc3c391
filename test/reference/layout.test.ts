// The layout reference and op: transpose against hand-worked values, its argument checks.
import { describe, expect, test } from 'vitest';
import { ShapeError, createCpuBackend, transpose } from '../../src/index.js';
import { simplifyPermutation } from '../../src/kernels/layout.js';
import { transposeReference } from '../../src/reference/layout.js';

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
