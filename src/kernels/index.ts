import { binaryKernel, scaleKernel } from './elementwise.js';
import { activationBackwardKernel, activationKernel } from './activation.js';
import { sqrtSumKernel, sumKernel, sumSquaresKernel } from './reduce.js';
import { gemmNaiveKernel } from './gemm-naive.js';
import type { Kernel } from './kernel.js';
import { layerNormBackwardKernel, layerNormKernel, layerNormParamGradsKernel } from './layernorm.js';
import { softmaxBackwardKernel, softmaxKernel } from './softmax.js';
import { adamwKernel } from './adamw.js';
import { dropoutKernel } from './dropout.js';
import { philoxKernel } from './philox.js';
import { countLabelsKernel, crossEntropyBackwardKernel, crossEntropyForwardKernel, crossEntropyMeanKernel } from './cross-entropy.js';
import { embeddingGatherKernel, embeddingScatterAddKernel } from './embedding.js';

/** Every kernel the library ships; tests render and check each variant of each. */
export const allKernels: readonly Kernel<never>[] = [binaryKernel, scaleKernel, activationKernel, activationBackwardKernel, sumKernel, sumSquaresKernel, sqrtSumKernel, gemmNaiveKernel, layerNormKernel, layerNormBackwardKernel, layerNormParamGradsKernel, softmaxKernel, softmaxBackwardKernel, crossEntropyForwardKernel, crossEntropyMeanKernel, countLabelsKernel, crossEntropyBackwardKernel, embeddingGatherKernel, embeddingScatterAddKernel, adamwKernel, dropoutKernel, philoxKernel] as Kernel<never>[];
