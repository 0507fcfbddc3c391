// CPU references for the elementwise kernels: plain loops, written without looking at the WGSL.
import type { FloatArray } from './types.js';

/** Arrays the elementwise references accept: f32 or f64 values, or i32/u32 whose results wrap modulo 2^32. */
export type NumericArray = Float32Array | Float64Array | Int32Array | Uint32Array;

// Broadcasting, the common case: `b` has `a`'s shape or a suffix of it, so in row-major order b
// repeats every b.length elements of a, and a[i] pairs with b[i mod b.length]. The general case
// (NumPy's rules, either side broadcast) is `addBroadcastReference` and `mulBroadcastReference`.

/** out[i] = a[i] + b[i mod b.length]. Integer arrays wrap on store, as WGSL's i32/u32 addition does. */
export function addReference(a: NumericArray, b: NumericArray, out: NumericArray): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i]! + b[i % b.length]!;
}

/** out[i] = a[i] · b[i mod b.length]. Integer products use Math.imul, the low 32 bits, as WGSL's i32/u32 multiply does. */
export function mulReference(a: NumericArray, b: NumericArray, out: NumericArray): void {
  const integer = out instanceof Int32Array || out instanceof Uint32Array;
  for (let i = 0; i < out.length; i++) out[i] = integer ? Math.imul(a[i]!, b[i % b.length]!) : a[i]! * b[i % b.length]!;
}

/** The broadcast shape of `a` and `b` under NumPy's rules, or undefined where they do not broadcast. */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const shape = new Array<number>(rank);
  for (let k = 1; k <= rank; k++) {
    const x = a.length - k >= 0 ? a[a.length - k]! : 1;
    const y = b.length - k >= 0 ? b[b.length - k]! : 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    shape[rank - k] = x === 1 ? y : x;
  }
  return shape;
}

/** True when `b`'s shape is `a`'s or a suffix of it (b repeats along a's leading dims: the simple kernel). */
export function isSuffixShape(a: readonly number[], b: readonly number[]): boolean {
  const offset = a.length - b.length;
  return offset >= 0 && b.every((d, i) => d === a[offset + i]);
}

/**
 * For each element of an array of `outShape` (row-major), the flat index of the element of an
 * operand of `shape` that NumPy broadcasting pairs with it: shapes are aligned at their last dim,
 * and a missing or size-1 dim of the operand repeats along the result's dim.
 */
export function broadcastIndices(shape: readonly number[], outShape: readonly number[]): Int32Array {
  const n = outShape.reduce((size, d) => size * d, 1);
  const indices = new Int32Array(n);
  const offset = outShape.length - shape.length;
  for (let i = 0; i < n; i++) {
    // Walk i's coordinates from the last dim; the operand's stride grows only along its own dims.
    let rest = i;
    let index = 0;
    let stride = 1;
    for (let k = outShape.length - 1; k >= 0; k--) {
      const coordinate = rest % outShape[k]!;
      rest = (rest - coordinate) / outShape[k]!;
      const own = k - offset >= 0 ? shape[k - offset]! : 1;
      if (own !== 1) index += coordinate * stride;
      stride *= own;
    }
    indices[i] = index;
  }
  return indices;
}

/** out = a + b with NumPy broadcasting: out has `outShape`, a and b their own shapes (each broadcastable to it). Integers wrap as in `addReference`. */
export function addBroadcastReference(
  a: NumericArray,
  aShape: readonly number[],
  b: NumericArray,
  bShape: readonly number[],
  outShape: readonly number[],
  out: NumericArray,
): void {
  broadcastBinary(a, aShape, b, bShape, outShape, out, (x, y) => x + y);
}

/** out = a · b with NumPy broadcasting (see `addBroadcastReference`); integer products are the low 32 bits, as in `mulReference`. */
export function mulBroadcastReference(
  a: NumericArray,
  aShape: readonly number[],
  b: NumericArray,
  bShape: readonly number[],
  outShape: readonly number[],
  out: NumericArray,
): void {
  const integer = out instanceof Int32Array || out instanceof Uint32Array;
  broadcastBinary(a, aShape, b, bShape, outShape, out, integer ? Math.imul : (x, y) => x * y);
}

/** out[i] = f(a[ia], b[ib]) over the broadcast pairs (ia, ib) of `broadcastIndices`. */
function broadcastBinary(
  a: NumericArray,
  aShape: readonly number[],
  b: NumericArray,
  bShape: readonly number[],
  outShape: readonly number[],
  out: NumericArray,
  f: (x: number, y: number) => number,
): void {
  const ia = broadcastIndices(aShape, outShape);
  const ib = broadcastIndices(bShape, outShape);
  for (let i = 0; i < out.length; i++) out[i] = f(a[ia[i]!]!, b[ib[i]!]!);
}

/** out[i] = s · x[i]. */
export function scaleReference(x: ArrayLike<number>, s: number, out: FloatArray): void {
  for (let i = 0; i < out.length; i++) out[i] = s * x[i]!;
}

/** out[i] = a[i] + s · b[i mod b.length]. */
export function addScaledReference(a: ArrayLike<number>, b: ArrayLike<number>, s: number, out: FloatArray): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i]! + s * b[i % b.length]!;
}

/** into[i] ← into[i] + s · x[i], in place (gradient accumulation). */
export function accumulateReference(into: FloatArray, x: ArrayLike<number>, s: number): void {
  for (let i = 0; i < into.length; i++) into[i] = into[i]! + s * x[i]!;
}
