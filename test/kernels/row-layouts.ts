// Runs the row kernels' GPU cases (cross-entropy, layerNorm, softmax) under each row layout,
// forced on the backend, so both layouts are tested on any adapter (src/kernels/rows.ts).
import type { RowLayout } from '../../src/kernels/rows.js';
import type { GpuCase } from '../harness/cases.js';

const LAYOUTS: Record<RowLayout, string> = { workgroup: 'a workgroup per row', invocation: 'a row per invocation' };

/** Each case twice: with `gpu.rowLayout` forced to 'workgroup', then to 'invocation'. */
export function inBothRowLayouts(cases: readonly GpuCase[]): GpuCase[] {
  return cases.flatMap((c) =>
    (Object.keys(LAYOUTS) as RowLayout[]).map((layout) => ({
      ...c,
      name: `${c.name} · ${LAYOUTS[layout]}`,
      async run(ctx) {
        const previous = ctx.gpu.rowLayout;
        ctx.gpu.rowLayout = layout;
        try {
          await c.run(ctx);
        } finally {
          ctx.gpu.rowLayout = previous;
        }
      },
    })),
  );
}
