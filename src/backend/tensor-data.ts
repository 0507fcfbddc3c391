import { ArgumentError, ShapeError, describeNumber, describeValue, formatShape } from '../errors.js';
import { type DType, type TensorData, inferDType, toStorageArray, DTYPES } from '../tensor/dtype.js';
import { Tensor, checkShape, shapeSize } from '../tensor/tensor.js';

/**
 * Checks the arguments of `backend.tensor()` (or `write()`: `op` names the caller) and converts
 * `data` to the dtype's storage array; `floatStorage` 'f64' keeps f32-dtype values in a
 * Float64Array at full precision (the CPU backend's f64 mode). `copy` false lets data that is already
 * the storage array pass through uncopied: the WebGPU backend uploads it at once with
 * `queue.writeBuffer` (which copies), so a second copy would only double the peak of a model load.
 */
export function prepareTensorData(
  data: TensorData,
  shape: readonly number[],
  dtype: DType | undefined,
  floatStorage: 'f32' | 'f64' = 'f32',
  op = 'tensor',
  copy = true,
): { values: Float32Array | Float64Array | Int32Array | Uint32Array | Uint16Array; dtype: DType } {
  checkShape(op, shape);
  if (dtype !== undefined && !DTYPES.includes(dtype)) {
    throw new ShapeError(`${op}: unknown dtype ${JSON.stringify(dtype)}; expected one of ${DTYPES.join(', ')}`);
  }
  const isArrayLike = Array.isArray(data) || (ArrayBuffer.isView(data) && !(data instanceof DataView));
  if (!isArrayLike) throw new ShapeError(`${op}: data must be a number[] or a typed array, got ${describeValue(data)}`);
  const size = shapeSize(shape);
  if (data.length !== size) {
    throw new ShapeError(`${op}: shape ${formatShape(shape)} holds ${size} elements but data has ${data.length}`);
  }
  const resolved = dtype ?? inferDType(data);
  if (data instanceof Uint16Array && resolved !== 'f16') {
    throw new ShapeError(`${op}: a Uint16Array is read as f16 half bits, but dtype ${resolved} was asked for`);
  }
  if (Array.isArray(data) && (resolved === 'f32' || resolved === 'f16')) checkNumbers(op, data);
  if (resolved === 'f32' && floatStorage === 'f64') return { values: Float64Array.from(data as ArrayLike<number>), dtype: resolved };
  if (resolved === 'i32' && !(data instanceof Int32Array)) checkIntegers(op, data, 'i32', -(2 ** 31), 2 ** 31 - 1);
  if (resolved === 'u32' && !(data instanceof Uint32Array)) checkIntegers(op, data, 'u32', 0, 2 ** 32 - 1);
  if (!copy && isStorageArray(data, resolved)) return { values: data, dtype: resolved };
  return { values: toStorageArray(data, resolved), dtype: resolved };
}

/** Whether `data` already is the typed array `dtype` is stored in. */
function isStorageArray(data: TensorData, dtype: DType): data is Float32Array | Int32Array | Uint32Array | Uint16Array {
  const storage = { f32: Float32Array, i32: Int32Array, u32: Uint32Array, f16: Uint16Array }[dtype];
  return data instanceof storage;
}

/** Throws unless every value is an integer in [min, max]: the typed-array conversion would silently truncate or wrap it. */
function checkIntegers(op: string, data: ArrayLike<number>, dtype: DType, min: number, max: number): void {
  for (let i = 0; i < data.length; i++) {
    const value = data[i]!;
    // Number.isInteger is false for NaN and ±Infinity, and for non-numbers in a number[].
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ArgumentError(`${op}: dtype ${dtype} needs integers in [${min}, ${max}], got ${describeNumber(value)} at index ${i}`);
    }
  }
}

/** Throws unless a number[] holds only numbers (NaN and ±Infinity are values; a string or undefined would become NaN unnoticed). */
function checkNumbers(op: string, data: readonly unknown[]): void {
  for (let i = 0; i < data.length; i++) {
    if (typeof data[i] !== 'number') throw new ArgumentError(`${op}: data[${i}] must be a number, got ${describeValue(data[i])}`);
  }
}

/** Throws unless `tensor` is a live Tensor: what `write(tensor, data)` checks before touching it. */
export function checkWriteTarget(tensor: unknown): asserts tensor is Tensor {
  if (!(tensor instanceof Tensor)) throw new ArgumentError(`write: tensor must be a Tensor, got ${describeValue(tensor)}`);
  tensor.storage('write');
}
