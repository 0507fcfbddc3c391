// CPU references for the elementwise kernels: plain loops, written without looking at the WGSL.
import type { FloatArray } from './types.js';

/** Arrays the elementwise references accept: f32 or f64 values, or i32/u32 whose results wrap modulo 2^32. */
export type NumericArray = Float32Array | Float64Array | Int32Array | Uint32Array;

// Broadcasting: `b` has `a`'s shape or a suffix of it, so in row-major order b repeats every
// b.length elements of a, and a[i] pairs with b[i mod b.length].

/** out[i] = a[i] + b[i mod b.length]. Integer arrays wrap on store, as WGSL's i32/u32 addition does. */
export function addReference(a: NumericArray, b: NumericArray, out: NumericArray): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i]! + b[i % b.length]!;
}

/** out[i] = a[i] · b[i mod b.length]. Integer products use Math.imul, the low 32 bits, as WGSL's i32/u32 multiply does. */
export function mulReference(a: NumericArray, b: NumericArray, out: NumericArray): void {
  const integer = out instanceof Int32Array || out instanceof Uint32Array;
  for (let i = 0; i < out.length; i++) out[i] = integer ? Math.imul(a[i]!, b[i % b.length]!) : a[i]! * b[i % b.length]!;
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
