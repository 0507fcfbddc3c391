import type { LayoutOps } from '../../ops/layout.js';
import { type LayoutArray, transposeReference } from '../../reference/layout.js';
import { Tensor } from '../../tensor/tensor.js';
import type { CpuBackend } from './backend.js';

/** The layout ops on the CPU: the reference loops. */
export function cpuLayoutOps(cpu: CpuBackend): LayoutOps {
  return {
    transpose: (x, perm) => {
      // Same array type as x: f32 (f64 in f64 mode), i32 or u32.
      const values = cpu.values(x, 'transpose');
      const out = new (values.constructor as new (n: number) => LayoutArray)(x.size);
      transposeReference(values, x.shape, perm, out);
      return new Tensor(
        cpu,
        out,
        perm.map((p) => x.shape[p]!),
        x.dtype,
      );
    },
  };
}
