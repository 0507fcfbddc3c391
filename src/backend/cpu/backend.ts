import type { NumericArray } from '../../reference/elementwise.js';
import type { FloatArray } from '../../reference/types.js';
import { type DType, type TensorData, fromHalfBits } from '../../tensor/dtype.js';
import { ShaderformerError, ShapeError } from '../../errors.js';
import { type Backend, type BackendStats, Tensor, checkShape, shapeSize } from '../../tensor/tensor.js';
import type { BackendOps } from '../contract.js';
import type { CpuStorage } from './context.js';
import { STEP_VALUES_WORDS, type StepSource, type StepValues, isStepValues, unpackStepValues } from '../step-values.js';
import { checkWriteTarget, prepareTensorData } from '../tensor-data.js';
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
import { cpuLayoutOps } from './layout.js';

/** Options of `createCpuBackend`. */
export interface CpuBackendOptions {
  /**
   * 'f32' (default): f32 tensors hold float32 values, as on the GPU. 'f64': they hold float64
   * values and every op computes and stores in float64 (for gradient checks by finite differences);
   * `data()` still returns a Float32Array, `readF64()` the full values.
   */
  precision?: 'f32' | 'f64';
}

/** The CPU backend: every op runs its reference loop from `src/reference/`. Slow, exact, the ground truth. */
// No `implements CpuContext`: that would publish the private contract in the package types; passing `this`
// to the per-family op builders below checks the class against it all the same.
export class CpuBackend implements Backend {
  readonly name = 'cpu' as const;
  /** What f32 tensors are stored and computed in. */
  readonly precision: 'f32' | 'f64';
  #liveBytes = 0;
  #peakLiveBytes = 0;
  #destroyed = false;

  constructor(options: CpuBackendOptions = {}) {
    const precision = options.precision ?? 'f32';
    if (precision !== 'f32' && precision !== 'f64') {
      throw new ShapeError(`createCpuBackend: precision must be 'f32' or 'f64', got ${JSON.stringify(precision)}`);
    }
    this.precision = precision;
  }

  /** @internal The op table (the backend contract); call the checked functions (`add`, `matmul`, …) instead. */
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
    ...cpuLayoutOps(this),
  };

  tensor(data: TensorData, shape: readonly number[], dtype?: DType): Tensor {
    this.#assertAlive('tensor');
    const prepared = prepareTensorData(data, shape, dtype, this.precision);
    return this.wrap(prepared.values, shape, prepared.dtype);
  }

  /** @internal A tensor that owns `storage` (an op's fresh output array), counted in `stats()`. */
  wrap(storage: CpuStorage, shape: readonly number[], dtype: DType): Tensor {
    this.#assertAlive('tensor');
    this.#liveBytes += storage.byteLength;
    this.#peakLiveBytes = Math.max(this.#peakLiveBytes, this.#liveBytes);
    return new Tensor(this, storage, shape, dtype);
  }

  zeros(shape: readonly number[], dtype: DType = 'f32'): Tensor {
    checkShape('zeros', shape);
    return this.tensor(new Float32Array(shapeSize(shape)), shape, dtype);
  }

  write(tensor: Tensor, data: TensorData): void {
    this.#assertAlive('write');
    checkWriteTarget(tensor);
    const prepared = prepareTensorData(data, tensor.shape, tensor.dtype, this.precision, 'write');
    tensor.storage<CpuStorage>('write').set(prepared.values as never);
  }

  async read(tensor: Tensor): Promise<Float32Array | Int32Array | Uint32Array> {
    this.#assertAlive('data');
    const values = this.values(tensor, 'data');
    // f64 mode: data() keeps its Float32Array type, rounded; readF64() has the full values.
    return values instanceof Float64Array ? Float32Array.from(values) : values.slice();
  }

  /** A copy of a tensor's values in float64: the full precision in f64 mode (f32 values widened otherwise). */
  readF64(t: Tensor): Float64Array {
    return Float64Array.from(this.values(t, 'readF64'));
  }

  /** @internal A zeroed array for `n` float results: a Float64Array in f64 mode, else a Float32Array. */
  floats(n: number): FloatArray {
    return this.precision === 'f64' ? new Float64Array(n) : new Float32Array(n);
  }

  /** @internal A scalar argument as the op computes with it: rounded to f32 (the GPU's uniform) unless in f64 mode. */
  scalar(s: number): number {
    return this.precision === 'f64' ? s : Math.fround(s);
  }

  release(storage: unknown): void {
    // Typed arrays are garbage-collected; only the counters change.
    this.#liveBytes -= (storage as CpuStorage).byteLength;
  }

  /** @internal A u32 [8] tensor of step values (a training step rewrites it every step). */
  stepValuesTensor(): Tensor {
    return this.wrap(new Uint32Array(STEP_VALUES_WORDS), [STEP_VALUES_WORDS], 'u32');
  }

  /** @internal The step values a call reads: the numbers given, or those a step-values tensor holds. */
  stepValues(source: StepSource): StepValues {
    return isStepValues(source) ? source : unpackStepValues(this.values(source, 'step values'));
  }

  /** Bytes held by live tensors now, and the most held at once. */
  stats(): BackendStats {
    return { liveBytes: this.#liveBytes, peakLiveBytes: this.#peakLiveBytes };
  }

  resetPeakStats(): void {
    this.#peakLiveBytes = this.#liveBytes;
  }

  /** Resolves at once: the CPU backend computes inside each call. */
  sync(): Promise<void> {
    this.#assertAlive('sync');
    return Promise.resolve();
  }

  /** Makes the backend unusable: later tensors, writes and reads throw (memory goes with the last reference). */
  destroy(): void {
    this.#destroyed = true;
  }

  #assertAlive(op: string): void {
    if (this.#destroyed) throw new ShaderformerError(`${op}: the CPU backend was destroyed`);
  }

  /** @internal A tensor's values as f32 (f64 in f64 mode)/i32/u32 (f16 storage widened to f32); not a copy for the others. */
  values(t: Tensor, op = 'cpu'): NumericArray {
    const storage = t.storage<CpuStorage>(op);
    return storage instanceof Uint16Array ? fromHalfBits(storage) : storage;
  }
}

/** Creates a CPU backend (cheap; no device to open); `{ precision: 'f64' }` computes in float64. */
export function createCpuBackend(options: CpuBackendOptions = {}): CpuBackend {
  return new CpuBackend(options);
}
