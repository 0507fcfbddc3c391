import philoxSource from '../../shaders/common/philox.wgsl';
import { philoxReference } from '../reference/dropout.js';
import { type Dispatcher, type GpuStorage, type Kernel, grid1D, renderShader } from './kernel.js';

const WORKGROUP = 256;

/**
 * The Philox4x32-10 functions (`philox4x32_10(counter: vec4u, key: vec2u) -> vec4u`) as WGSL
 * text. The include mechanism: a kernel that needs random numbers puts a `${PHILOX}` line in its
 * shader and returns `PHILOX: philoxFunctions` from its `defines`; the text is pasted verbatim.
 */
export const philoxFunctions: string = renderShader(philoxSource, { PHILOX_KERNEL: false, WORKGROUP_X: WORKGROUP }, 'random/philox functions');

/** The raw generator: blocks[i] = Philox4x32-10(counters[i], keys[i]); it checks the WGSL Philox against known answers. */
export const philoxKernel: Kernel<Record<string, never>> = {
  name: 'random/philox',
  source: philoxSource,
  bindings: [
    { name: 'counters', kind: 'read-only-storage' },
    { name: 'keys', kind: 'read-only-storage' },
    { name: 'blocks', kind: 'storage' },
    { name: 'params', kind: 'uniform' },
  ],
  workgroupSize: () => [WORKGROUP, 1, 1],
  defines: () => ({ PHILOX_KERNEL: true }),
  variants: [{}],
  references: { philox: philoxReference },
};

/** Records `blocks[i] = Philox4x32-10(counters[i], keys[i])` for `n` blocks (counters and blocks: u32 [n, 4]; keys: u32 [n, 2]). */
export function encodePhilox(gpu: Dispatcher, counters: GpuStorage, keys: GpuStorage, blocks: GpuStorage, n: number): void {
  if (n === 0) return;
  const groups = grid1D(Math.ceil(n / WORKGROUP), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.dispatch(philoxKernel, {}, [counters, keys, blocks, new Uint32Array([n])], groups);
}
