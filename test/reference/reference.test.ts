// The CPU references against values worked out by hand: they are the ground truth for the GPU tests.
import { describe, expect, test } from 'vitest';
import { addReference, mulReference } from '../../src/reference/elementwise.js';
import { matmulReference } from '../../src/reference/gemm.js';
import { floatToHalfBits, halfBitsToFloat } from '../../src/tensor/dtype.js';

describe('matmulReference', () => {
  test('2×3 · 3×2 by hand', () => {
    const a = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const b = Float32Array.from([7, 8, 9, 10, 11, 12]);
    const c = new Float32Array(4);
    matmulReference(a, b, c, 2, 2, 3);
    // [1·7+2·9+3·11, 1·8+2·10+3·12; 4·7+5·9+6·11, 4·8+5·10+6·12]
    expect(Array.from(c)).toEqual([58, 64, 139, 154]);
  });

  test('K = 0 gives zeros; a column vector times a row vector is the outer product', () => {
    const zeros = Float32Array.from([9, 9]);
    matmulReference(new Float32Array(0), new Float32Array(0), zeros, 1, 2, 0);
    expect(Array.from(zeros)).toEqual([0, 0]);
    const outer = new Float32Array(6);
    matmulReference(Float32Array.from([1, 2, 3]), Float32Array.from([10, -1]), outer, 3, 2, 1);
    expect(Array.from(outer)).toEqual([10, -1, 20, -2, 30, -3]);
  });
});

describe('elementwise references', () => {
  test('f32 add and mul round once, as IEEE single precision', () => {
    const out = new Float32Array(1);
    addReference(Float32Array.from([0.1]), Float32Array.from([0.2]), out);
    expect(out[0]).toBe(Math.fround(Math.fround(0.1) + Math.fround(0.2)));
    mulReference(Float32Array.from([3]), Float32Array.from([-0.5]), out);
    expect(out[0]).toBe(-1.5);
  });

  test('i32 and u32 wrap modulo 2^32 like WGSL', () => {
    const i = new Int32Array(2);
    addReference(Int32Array.from([2 ** 31 - 1, -(2 ** 31)]), Int32Array.from([1, -1]), i);
    expect(Array.from(i)).toEqual([-(2 ** 31), 2 ** 31 - 1]);
    mulReference(Int32Array.from([65536, -3]), Int32Array.from([65536, 5]), i);
    expect(Array.from(i)).toEqual([0, -15]);
    const u = new Uint32Array(2);
    mulReference(Uint32Array.from([2 ** 32 - 1, 123456789]), Uint32Array.from([2, 1000]), u);
    expect(Array.from(u)).toEqual([2 ** 32 - 2, (123456789 * 1000) % 2 ** 32]);
  });
});

describe('f16 conversion', () => {
  test('known values', () => {
    expect(floatToHalfBits(1)).toBe(0x3c00);
    expect(floatToHalfBits(-2)).toBe(0xc000);
    expect(floatToHalfBits(65504)).toBe(0x7bff); // largest finite half
    expect(floatToHalfBits(65520)).toBe(0x7c00); // rounds up to infinity
    expect(floatToHalfBits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(floatToHalfBits(2 ** -26)).toBe(0x0000); // below half the smallest subnormal
    expect(floatToHalfBits(1 + 2 ** -11)).toBe(0x3c00); // tie, to even (down)
    expect(floatToHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie, to even (up)
    expect(floatToHalfBits(NaN) & 0x7e00).toBe(0x7e00);
    expect(floatToHalfBits(-0)).toBe(0x8000);
  });

  test('every finite half survives half → float → half', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      const value = halfBitsToFloat(bits);
      if (Number.isNaN(value)) continue;
      if (floatToHalfBits(value) !== bits) throw new Error(`0x${bits.toString(16)} → ${value} → 0x${floatToHalfBits(value).toString(16)}`);
    }
  });

  test('rounding picks the nearest half for values between halves', () => {
    for (const bits of [0x0001, 0x03ff, 0x0400, 0x3c00, 0x7bfe]) {
      const lo = halfBitsToFloat(bits);
      const hi = halfBitsToFloat(bits + 1);
      expect(floatToHalfBits(lo + (hi - lo) * 0.25)).toBe(bits);
      expect(floatToHalfBits(lo + (hi - lo) * 0.75)).toBe(bits + 1);
    }
  });
});
