import { addReference, mulReference, type NumericArray } from '../reference/elementwise.js';
import { matmulReference } from '../reference/gemm.js';
import { type DType, type TensorData, fromHalfBits, toHalfBits } from '../tensor/dtype.js';
import { Tensor, checkShape, shapeSize } from '../tensor/tensor.js';
import { type Backend, type BackendOps, prepareTensorData } from './backend.js';

type CpuStorage = Float32Array | Int32Array | Uint32Array | Uint16Array;

/** The CPU backend: every op runs its reference loop from `src/reference/`. Slow, exact, the ground truth. */
export class CpuBackend implements Backend {
  readonly name = 'cpu' as const;

  readonly ops: BackendOps = {
    add: (a, b) => this.#elementwise(a, b, addReference),
    mul: (a, b) => this.#elementwise(a, b, mulReference),
    matmul: (a, b) => {
      const [m, k] = a.shape as [number, number];
      const n = b.shape[1]!;
      const out = new Float32Array(m * n);
      matmulReference(this.#values(a) as Float32Array, this.#values(b) as Float32Array, out, m, n, k);
      return new Tensor(this, out, [m, n], 'f32');
    },
  };

  tensor(data: TensorData, shape: readonly number[], dtype?: DType): Tensor {
    const prepared = prepareTensorData(data, shape, dtype);
    return new Tensor(this, prepared.values, shape, prepared.dtype);
  }

  zeros(shape: readonly number[], dtype: DType = 'f32'): Tensor {
    checkShape('zeros', shape);
    return this.tensor(new Float32Array(shapeSize(shape)), shape, dtype);
  }

  async read(tensor: Tensor): Promise<Float32Array | Int32Array | Uint32Array> {
    return this.#values(tensor, 'data').slice();
  }

  release(): void {
    // Typed arrays are garbage-collected; nothing to return anywhere.
  }

  /** Values as f32/i32/u32 (f16 storage widened to f32). */
  #values(t: Tensor, op = 'cpu'): NumericArray {
    const storage = t.storage<CpuStorage>(op);
    return storage instanceof Uint16Array ? fromHalfBits(storage) : storage;
  }

  #elementwise(a: Tensor, b: Tensor, reference: (a: NumericArray, b: NumericArray, out: NumericArray) => void): Tensor {
    const x = this.#values(a);
    const y = this.#values(b);
    const out = new (x.constructor as new (n: number) => NumericArray)(x.length);
    reference(x, y, out);
    // f16 results are rounded back to half precision, as the GPU stores them.
    const storage = a.dtype === 'f16' ? toHalfBits(out) : out;
    return new Tensor(this, storage, a.shape, a.dtype);
  }
}

/** Creates a CPU backend (cheap; no device to open). */
export function createCpuBackend(): CpuBackend {
  return new CpuBackend();
}
