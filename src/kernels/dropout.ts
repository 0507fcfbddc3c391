import dropoutSource from '../../shaders/dropout/dropout.wgsl';
import { dropoutBackwardReference, dropoutReference } from '../reference/dropout.js';
import type { DropoutMask } from '../backend/contract.js';
import { type Dispatcher, type GpuStorage, type Kernel, grid1D } from './kernel.js';
import { philoxFunctions } from './philox.js';
import { stepResource, stepStruct } from './step.js';

const WORKGROUP = 256;

/**
 * out[i] = x[i] · keep(i) / (1 − p), the mask regenerated from Philox4x32-10; forward and
 * backward alike. Each invocation computes one 4-word block and serves the elements reading it.
 */
export const dropoutKernel: Kernel<Record<string, never>> = {
  name: 'dropout/dropout',
  source: dropoutSource,
  bindings: [
    { name: 'x', kind: 'read-only-storage' },
    { name: 'out', kind: 'storage' },
    { name: 'params', kind: 'uniform' },
    { name: 'step', kind: 'uniform' },
  ],
  workgroupSize: () => [WORKGROUP, 1, 1],
  defines: () => ({ PHILOX: philoxFunctions, STEP: stepStruct }),
  variants: [{}],
  references: { dropout: dropoutReference, dropoutBackward: dropoutBackwardReference },
};

/** Records `out = x · mask / (1 − p)` over `n` elements (see shaders/dropout/dropout.wgsl for the element → random word mapping). */
export function encodeDropout(gpu: Dispatcher, x: GpuStorage, out: GpuStorage, n: number, { p, key, offset, step }: DropoutMask): void {
  if (n === 0) return;
  const lead = offset % 4;
  const firstCounter = Math.floor(offset / 4); // < 2^51: split into two u32 words
  const params = new ArrayBuffer(32);
  new Uint32Array(params, 0, 7).set([
    n,
    lead,
    firstCounter % 2 ** 32,
    Math.floor(firstCounter / 2 ** 32),
    key[0],
    key[1],
    Math.floor(p * 2 ** 32), // drop when the word is below this
  ]);
  new Float32Array(params, 28, 1)[0] = 1 / (1 - p);
  const blocks = Math.ceil((n + lead) / 4);
  const groups = grid1D(Math.ceil(blocks / WORKGROUP), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.dispatch(dropoutKernel, {}, [x, out, new Uint8Array(params), stepResource(step)], groups);
}
