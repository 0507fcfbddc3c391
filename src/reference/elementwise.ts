// CPU references for the elementwise kernels: plain loops, written without looking at the WGSL.

/** Arrays the elementwise references accept: f32 values, or i32/u32 whose results wrap modulo 2^32. */
export type NumericArray = Float32Array | Int32Array | Uint32Array;

/** out[i] = a[i] + b[i]. Integer arrays wrap on store, as WGSL's i32/u32 addition does. */
export function addReference(a: NumericArray, b: NumericArray, out: NumericArray): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i]! + b[i]!;
}

/** out[i] = a[i] · b[i]. Integer products use Math.imul, the low 32 bits, as WGSL's i32/u32 multiply does. */
export function mulReference(a: NumericArray, b: NumericArray, out: NumericArray): void {
  const integer = !(out instanceof Float32Array);
  for (let i = 0; i < out.length; i++) out[i] = integer ? Math.imul(a[i]!, b[i]!) : a[i]! * b[i]!;
}
