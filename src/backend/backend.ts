import { ShapeError, formatShape } from '../errors.js';
import { type DType, type TensorData, inferDType, toStorageArray, DTYPES } from '../tensor/dtype.js';
import { type Tensor, checkShape, shapeSize } from '../tensor/tensor.js';
import type { ElementwiseOps } from '../ops/elementwise.js';
import type { GemmOps } from '../ops/gemm.js';
import type { NormOps } from '../ops/norm.js';
import type { SoftmaxOps } from '../ops/softmax.js';
import type { LossOps } from '../ops/loss.js';
import type { EmbeddingOps } from '../ops/embedding.js';
import type { ActivationOps } from '../ops/activation.js';
import type { ReduceOps } from '../ops/reduce.js';
import type { OptimOps } from '../ops/optim.js';
import type { DropoutOps } from '../ops/dropout.js';
import type { AttentionOps } from '../ops/attention.js';
import type { LayoutOps } from '../ops/layout.js';

/**
 * The ops every backend implements, one interface per family in `src/ops/<family>.ts`.
 * Arguments arrive already checked there (same backend, dtypes and shapes valid), so backends
 * only compute. Each backend builds its table from per-family files, and the compiler rejects
 * a backend that misses an op.
 */
export interface BackendOps
  extends ElementwiseOps,
    GemmOps,
    NormOps,
    SoftmaxOps,
    LossOps,
    EmbeddingOps,
    ActivationOps,
    ReduceOps,
    OptimOps,
    DropoutOps,
    AttentionOps,
    LayoutOps {}

/** Name of an op every backend must implement. */
export type OpName = keyof BackendOps;

/** Where tensors live and ops run: `cpu` (the reference loops) or `webgpu`. */
export interface Backend {
  /** `'cpu'` or `'webgpu'`. */
  readonly name: 'cpu' | 'webgpu' | 'meta';
  /** The op implementations; use the checked functions in `src/ops` (`add`, `matmul`, …) instead. */
  readonly ops: BackendOps;
  /** A tensor holding a copy of `data` (`number[]` or a typed array; dtype inferred from the array type unless given). */
  tensor(data: TensorData, shape: readonly number[], dtype?: DType): Tensor;
  /** A tensor of zeros. */
  zeros(shape: readonly number[], dtype?: DType): Tensor;
  /** Overwrites a tensor's values in place (same element count; dtype as the tensor's). */
  write(tensor: Tensor, data: TensorData): void;
  /** @internal Reads a tensor's values; use `tensor.data()`. */
  read(tensor: Tensor): Promise<Float32Array | Int32Array | Uint32Array>;
  /** @internal Frees a tensor's storage; use `tensor.dispose()`. */
  release(storage: unknown): void;
}

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
