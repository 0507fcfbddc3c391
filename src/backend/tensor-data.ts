import { ArgumentError, ShapeError, describeNumber, describeValue, formatShape } from '../errors.js';
import { type DType, type TensorData, inferDType, toStorageArray, DTYPES } from '../tensor/dtype.js';
import { checkShape, shapeSize } from '../tensor/tensor.js';

/**
 * Checks the arguments of `backend.tensor()` and converts `data` to the dtype's storage array;
 * `floatStorage` 'f64' keeps f32-dtype values in a Float64Array at full precision (the CPU backend's f64 mode).
 */
export function prepareTensorData(
  data: TensorData,
  shape: readonly number[],
  dtype: DType | undefined,
  floatStorage: 'f32' | 'f64' = 'f32',
): { values: Float32Array | Float64Array | Int32Array | Uint32Array | Uint16Array; dtype: DType } {
  checkShape('tensor', shape);
  if (dtype !== undefined && !DTYPES.includes(dtype)) {
    throw new ShapeError(`tensor: unknown dtype ${JSON.stringify(dtype)}; expected one of ${DTYPES.join(', ')}`);
  }
  const isArrayLike = Array.isArray(data) || (ArrayBuffer.isView(data) && !(data instanceof DataView));
  if (!isArrayLike) throw new ShapeError('tensor: data must be a number[] or a typed array');
  const size = shapeSize(shape);
  if (data.length !== size) {
    throw new ShapeError(`tensor: shape ${formatShape(shape)} holds ${size} elements but data has ${data.length}`);
  }
  const resolved = dtype ?? inferDType(data);
  if (data instanceof Uint16Array && resolved !== 'f16') {
    throw new ShapeError(`tensor: a Uint16Array is read as f16 half bits, but dtype ${resolved} was asked for`);
  }
  if (Array.isArray(data) && (resolved === 'f32' || resolved === 'f16')) checkNumbers(data);
  if (resolved === 'f32' && floatStorage === 'f64') return { values: Float64Array.from(data as ArrayLike<number>), dtype: resolved };
  if (resolved === 'i32' && !(data instanceof Int32Array)) checkIntegers(data, 'i32', -(2 ** 31), 2 ** 31 - 1);
  if (resolved === 'u32' && !(data instanceof Uint32Array)) checkIntegers(data, 'u32', 0, 2 ** 32 - 1);
  return { values: toStorageArray(data, resolved), dtype: resolved };
}

/** Throws unless every value is an integer in [min, max]: the typed-array conversion would silently truncate or wrap it. */
function checkIntegers(data: ArrayLike<number>, dtype: DType, min: number, max: number): void {
  for (let i = 0; i < data.length; i++) {
    const value = data[i]!;
    // Number.isInteger is false for NaN and ±Infinity, and for non-numbers in a number[].
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ArgumentError(`tensor: dtype ${dtype} needs integers in [${min}, ${max}], got ${describeNumber(value)} at index ${i}`);
    }
  }
}

/** Throws unless a number[] holds only numbers (NaN and ±Infinity are values; a string or undefined would become NaN unnoticed). */
function checkNumbers(data: readonly unknown[]): void {
  for (let i = 0; i < data.length; i++) {
    if (typeof data[i] !== 'number') throw new ArgumentError(`tensor: data[${i}] must be a number, got ${describeValue(data[i])}`);
  }
}
