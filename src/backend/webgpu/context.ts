import type { AttentionTiling } from '../../kernels/attention.js';
import type { Dispatcher, GpuStorage } from '../../kernels/kernel.js';
import type { RowLayout } from '../../kernels/rows.js';
import type { DType } from '../../tensor/dtype.js';
import type { GemmVariant, OpBackend } from '../contract.js';
import type { AdapterReport } from './device.js';

/**
 * What the per-family op files (`ops/*.ts`) need of the WebGPU backend. `WebGPUBackend`
 * implements it; the family files import this type rather than the class, so the backend can
 * import them without an import cycle.
 */
export interface WebGPUContext extends OpBackend, Dispatcher {
  readonly name: 'webgpu';
  readonly device: GPUDevice;
  readonly report: AdapterReport;
  /** The GEMM variant `tuneGemm()` chose (undefined: chosen by adapter kind and size). */
  gemmVariant: GemmVariant | undefined;
  /** The fused attention kernels' layout (undefined: chosen by adapter kind). */
  attentionTiling: AttentionTiling | undefined;
  /** The row kernels' layout (undefined: chosen by adapter kind and row length). */
  rowLayout: RowLayout | undefined;
  /** An op's output storage from the pool (NaN-poisoned when `poisonOutputs` is set). */
  allocate(shape: readonly number[], dtype: DType, op: string): GpuStorage;
  /** Records x ← 0 over a whole storage (a buffer clear, in order with the dispatches). */
  clear(storage: GpuStorage): void;
  /** Waits until the GPU has finished the work submitted so far. */
  sync(): Promise<void>;
}
