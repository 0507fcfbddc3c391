import { ShapeError, formatShape } from '../errors.js';
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
  if (resolved === 'f32' && floatStorage === 'f64') return { values: Float64Array.from(data as ArrayLike<number>), dtype: resolved };
  return { values: toStorageArray(data, resolved), dtype: resolved };
}
