import type { LayoutOps } from '../contract.js';
import { type LayoutArray, concatReference, sliceBackwardReference, sliceReference, transposeReference } from '../../reference/layout.js';
import { shapeSize } from '../../tensor/tensor.js';
import type { CpuContext } from './context.js';

/** The layout ops on the CPU: the reference loops. */
export function cpuLayoutOps(cpu: CpuContext): LayoutOps {
  return {
    transpose: (x, perm) => {
      // Same array type as x: f32 (f64 in f64 mode), i32 or u32.
      const values = cpu.values(x, 'transpose');
      const out = new (values.constructor as new (n: number) => LayoutArray)(x.size);
      transposeReference(values, x.shape, perm, out);
      return cpu.wrap(
        out,
        perm.map((p) => x.shape[p]!),
        x.dtype,
      );
    },
    slice: (x, { axis, start, length, size }) => {
      const values = cpu.values(x, 'slice');
      const shape = x.shape.map((d, k) => (k === axis ? length : d));
      const out = new (values.constructor as new (n: number) => LayoutArray)(shapeSize(shape));
      sliceReference(values, shapeSize(x.shape.slice(0, axis)), size, shapeSize(x.shape.slice(axis + 1)), start, length, out);
      return cpu.wrap(out, shape, x.dtype);
    },
    sliceBackward: (dy, { axis, start, length, size }) => {
      const shape = dy.shape.map((d, k) => (k === axis ? size : d));
      const dx = cpu.floats(shapeSize(shape));
      sliceBackwardReference(cpu.values(dy, 'sliceBackward'), shapeSize(dy.shape.slice(0, axis)), size, shapeSize(dy.shape.slice(axis + 1)), start, length, dx);
      return cpu.wrap(dx, shape, 'f32');
    },
    concat: (a, b, axis) => {
      const shape = a.shape.map((d, k) => (k === axis ? d + b.shape[axis]! : d));
      const out = cpu.floats(shapeSize(shape));
      const [outer, inner] = [shapeSize(a.shape.slice(0, axis)), shapeSize(a.shape.slice(axis + 1))];
      concatReference(cpu.values(a, 'concat'), cpu.values(b, 'concat'), outer, a.shape[axis]!, b.shape[axis]!, inner, out);
      return cpu.wrap(out, shape, 'f32');
    },
  };
}
