/**
 * Float arrays the references compute into. References take `ArrayLike<number>` inputs and write
 * into whichever of these the caller passes, so the same loop runs in float32 (to compare with the
 * GPU) and in float64 (for finite-difference gradient checks).
 */
export type FloatArray = Float32Array | Float64Array;
