import { binaryKernel } from './elementwise.js';
import { gemmNaiveKernel } from './gemm-naive.js';
import type { Kernel } from './kernel.js';

/** Every kernel the library ships; tests render and check each variant of each. */
export const allKernels: readonly Kernel<never>[] = [binaryKernel, gemmNaiveKernel] as Kernel<never>[];
