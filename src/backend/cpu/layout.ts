import type { LayoutOps } from '../contract.js';
import { type LayoutArray, transposeReference } from '../../reference/layout.js';
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
  };
}
