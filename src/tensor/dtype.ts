/** Element types a tensor can hold: `f32` for values, `i32`/`u32` for ids and labels, `f16` as storage where the device has `shader-f16`. */
export type DType = 'f32' | 'f16' | 'i32' | 'u32';

/** The typed array each dtype reads back as (`f16` is widened to `Float32Array`). */
export interface DTypeArrays {
  f32: Float32Array;
  f16: Float32Array;
  i32: Int32Array;
  u32: Uint32Array;
}

/** The typed array type of dtype `D`. */
export type ArrayOf<D extends DType> = DTypeArrays[D];

/** Any typed array a tensor can be created from (a `Float64Array` is rounded to f32 except on a CPU backend in f64 precision). */
export type TensorData = Float32Array | Float64Array | Int32Array | Uint32Array | Uint16Array | number[];

export const DTYPES: readonly DType[] = ['f32', 'f16', 'i32', 'u32'];

/** Bytes per element of `dtype`. */
export function bytesPerElement(dtype: DType): number {
  return dtype === 'f16' ? 2 : 4;
}

/** True for the integer dtypes, whose arithmetic wraps modulo 2^32. */
export function isIntegerDType(dtype: DType): boolean {
  return dtype === 'i32' || dtype === 'u32';
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** Rounds a number to the nearest IEEE half (ties to even) and returns its 16 bits. */
export function floatToHalfBits(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0); // inf, NaN
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow to inf
  if (e <= 0) {
    // Subnormal half (or zero): shift the implicit bit in and round to nearest even.
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    const half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    const roundUp = rest > midpoint || (rest === midpoint && (half & 1) === 1);
    return sign | (half + (roundUp ? 1 : 0));
  }
  const half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  const roundUp = rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1);
  // A carry out of the mantissa correctly bumps the exponent (up to inf).
  return sign | (half + (roundUp ? 1 : 0));
}

/** The value of 16 IEEE half bits. */
export function halfBitsToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** Converts values to packed half bits. */
export function toHalfBits(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = floatToHalfBits(values[i]!);
  return out;
}

/** Widens packed half bits to float32 values. */
export function fromHalfBits(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = halfBitsToFloat(bits[i]!);
  return out;
}

/** The dtype a typed array implies when none is given. */
export function inferDType(data: TensorData): DType {
  if (data instanceof Int32Array) return 'i32';
  if (data instanceof Uint32Array) return 'u32';
  if (data instanceof Uint16Array) return 'f16';
  return 'f32';
}

/**
 * The element storage for `dtype`: `f16` as packed half bits (`Uint16Array`, passed through
 * unchanged when given as such), the others as their own typed array (copied).
 */
export function toStorageArray(data: TensorData, dtype: DType): Float32Array | Int32Array | Uint32Array | Uint16Array {
  switch (dtype) {
    case 'f32':
      return Float32Array.from(data as ArrayLike<number>);
    case 'i32':
      return Int32Array.from(data as ArrayLike<number>);
    case 'u32':
      return Uint32Array.from(data as ArrayLike<number>);
    case 'f16':
      return data instanceof Uint16Array ? data.slice() : toHalfBits(data);
  }
}
