import type { GpuStorage } from '../../../kernels/kernel.js';
import { encodeConcat, encodeSlice, encodeTranspose } from '../../../kernels/layout.js';
import type { LayoutOps } from '../../contract.js';
import { Tensor, shapeSize } from '../../../tensor/tensor.js';
import type { WebGPUContext } from '../context.js';

/** The layout ops on WebGPU. */
export function webgpuLayoutOps(gpu: WebGPUContext): LayoutOps {
  return {
    transpose: (x, perm) => {
      const shape = perm.map((p) => x.shape[p]!);
      const dtype = x.dtype as 'f32' | 'i32' | 'u32';
      const out = gpu.allocate(shape, dtype, 'transpose');
      encodeTranspose(gpu, dtype, x.storage<GpuStorage>('transpose'), out, x.shape, perm);
      return new Tensor(gpu, out, shape, dtype);
    },
    slice: (x, { axis, start, length, size }) => {
      const shape = x.shape.map((d, k) => (k === axis ? length : d));
      const dtype = x.dtype as 'f32' | 'i32' | 'u32';
      const out = gpu.allocate(shape, dtype, 'slice');
      const dims = { outer: shapeSize(x.shape.slice(0, axis)), dim: size, inner: shapeSize(x.shape.slice(axis + 1)), start, length };
      encodeSlice(gpu, dtype, false, x.storage<GpuStorage>('slice'), out, dims);
      return new Tensor(gpu, out, shape, dtype);
    },
    sliceBackward: (dy, { axis, start, length, size }) => {
      const shape = dy.shape.map((d, k) => (k === axis ? size : d));
      const dx = gpu.allocate(shape, 'f32', 'sliceBackward');
      const dims = { outer: shapeSize(dy.shape.slice(0, axis)), dim: size, inner: shapeSize(dy.shape.slice(axis + 1)), start, length };
      // An empty dy cannot be bound (a zero-size binding): dx is then all zeros.
      if (dy.size === 0) gpu.clear(dx);
      else encodeSlice(gpu, 'f32', true, dy.storage<GpuStorage>('sliceBackward'), dx, dims);
      return new Tensor(gpu, dx, shape, 'f32');
    },
    concat: (a, b, axis) => {
      const shape = a.shape.map((d, k) => (k === axis ? d + b.shape[axis]! : d));
      const out = gpu.allocate(shape, 'f32', 'concat');
      const dims = { outer: shapeSize(a.shape.slice(0, axis)), dimA: a.shape[axis]!, dimB: b.shape[axis]!, inner: shapeSize(a.shape.slice(axis + 1)) };
      // An empty operand cannot be bound (a zero-size binding): the result is then a copy of the other.
      if (a.size === 0 || b.size === 0) {
        const whole = a.size === 0 ? b : a;
        if (whole.size > 0)
          encodeSlice(gpu, 'f32', false, whole.storage<GpuStorage>('concat'), out, { outer: 1, dim: whole.size, inner: 1, start: 0, length: whole.size });
      } else encodeConcat(gpu, a.storage<GpuStorage>('concat'), b.storage<GpuStorage>('concat'), out, dims);
      return new Tensor(gpu, out, shape, 'f32');
    },
  };
}
