import { encodeBinary } from '../../../kernels/elementwise.js';
import type { ElementwiseOps } from '../../../ops/elementwise.js';
import { Tensor } from '../../../tensor/tensor.js';
import type { WebGPUBackend } from '../backend.js';

/** The elementwise ops on WebGPU. */
export function webgpuElementwiseOps(gpu: WebGPUBackend): ElementwiseOps {
  const binary = (op: 'add' | 'mul', a: Tensor, b: Tensor): Tensor => {
    const out = gpu.allocate(a.shape, a.dtype, op);
    encodeBinary(gpu, { op, dtype: a.dtype }, a.storage(op), b.storage(op), out, a.size);
    return new Tensor(gpu, out, a.shape, a.dtype);
  };
  return {
    add: (a, b) => binary('add', a, b),
    mul: (a, b) => binary('mul', a, b),
  };
}
