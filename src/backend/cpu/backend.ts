import type { NumericArray } from '../../reference/elementwise.js';
import { type DType, type TensorData, fromHalfBits } from '../../tensor/dtype.js';
import { Tensor, checkShape, shapeSize } from '../../tensor/tensor.js';
import { type Backend, type BackendOps, prepareTensorData } from '../backend.js';
import { cpuElementwiseOps } from './elementwise.js';
import { cpuGemmOps } from './gemm.js';
import { cpuNormOps } from './norm.js';
import { cpuSoftmaxOps } from './softmax.js';
import { cpuLossOps } from './loss.js';
import { cpuEmbeddingOps } from './embedding.js';
import { cpuActivationOps } from './activation.js';
import { cpuReduceOps } from './reduce.js';
import { cpuOptimOps } from './optim.js';
import { cpuDropoutOps } from './dropout.js';
import { cpuAttentionOps } from './attention.js';

type CpuStorage = Float32Array | Int32Array | Uint32Array | Uint16Array;

/** The CPU backend: every op runs its reference loop from `src/reference/`. Slow, exact, the ground truth. */
export class CpuBackend implements Backend {
  readonly name = 'cpu' as const;

  readonly ops: BackendOps = {
    ...cpuElementwiseOps(this),
    ...cpuGemmOps(this),
    ...cpuNormOps(this),
    ...cpuSoftmaxOps(this),
    ...cpuLossOps(this),
    ...cpuEmbeddingOps(this),
    ...cpuActivationOps(this),
    ...cpuReduceOps(this),
    ...cpuOptimOps(this),
    ...cpuDropoutOps(this),
    ...cpuAttentionOps(this),
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
    return this.values(tensor, 'data').slice();
  }

  release(): void {
    // Typed arrays are garbage-collected; nothing to return anywhere.
  }

  /** @internal A tensor's values as f32/i32/u32 (f16 storage widened to f32); not a copy for the others. */
  values(t: Tensor, op = 'cpu'): NumericArray {
    const storage = t.storage<CpuStorage>(op);
    return storage instanceof Uint16Array ? fromHalfBits(storage) : storage;
  }
}

/** Creates a CPU backend (cheap; no device to open). */
export function createCpuBackend(): CpuBackend {
  return new CpuBackend();
}
