import { encodeActivation, encodeActivationBackward } from '../../../kernels/activation.js';
import { encodeSum } from '../../../kernels/reduce.js';
import type { ActivationOps } from '../../contract.js';
import type { UnaryActivation } from '../../../reference/activation.js';
import { Tensor } from '../../../tensor/tensor.js';
import type { WebGPUContext } from '../context.js';

/** The activation ops on WebGPU. */
export function webgpuActivationOps(gpu: WebGPUContext): ActivationOps {
  const forward = (op: string, activation: UnaryActivation, x: Tensor): Tensor => {
    const y = gpu.allocate(x.shape, 'f32', op);
    encodeActivation(gpu, activation, x.storage(op), y, x.size);
    return new Tensor(gpu, y, x.shape, 'f32');
  };
  const backward = (op: string, activation: UnaryActivation, dy: Tensor, x: Tensor): Tensor => {
    const dx = gpu.allocate(x.shape, 'f32', op);
    encodeActivationBackward(gpu, activation, dy.storage(op), x.storage(op), dx, x.size);
    return new Tensor(gpu, dx, x.shape, 'f32');
  };
  return {
    gelu: (x, approximate) => forward('gelu', approximate === 'tanh' ? 'gelu_tanh' : 'gelu', x),
    geluBackward: (dy, x, approximate) => backward('geluBackward', approximate === 'tanh' ? 'gelu_tanh' : 'gelu', dy, x),
    relu: (x) => forward('relu', 'relu', x),
    reluBackward: (dy, x) => backward('reluBackward', 'relu', dy, x),
    tanh: (x) => forward('tanh', 'tanh', x),
    tanhBackward: (dy, x) => backward('tanhBackward', 'tanh', dy, x),
    biasActivationBackward: (dy, z, activation) => {
      const op = 'biasActivationBackward';
      // dz by the activation backward, then dbias as the column sums of dz seen as [rows, N].
      const dz = backward(op, activation, dy, z);
      const n = z.shape[z.rank - 1]!;
      const dbias = gpu.allocate([n], 'f32', op);
      encodeSum(
        gpu,
        dz.storage(op),
        dbias,
        1,
        n === 0 ? 0 : z.size / n,
        n,
        (count) => gpu.allocate([count], 'f32', op),
        (storage) => gpu.release(storage),
      );
      return { dz, dbias: new Tensor(gpu, dbias, [n], 'f32') };
    },
  };
}
