import { accumulateKernel, binaryKernel, scaleKernel } from './elementwise.js';
import { activationBackwardKernel, activationKernel } from './activation.js';
import { sqrtSumKernel, sumKernel, sumSquaresKernel } from './reduce.js';
import { gemmBlockedKernel, splitKReduceKernel } from './gemm-blocked.js';
import { gemmNaiveKernel } from './gemm-naive.js';
import { gemmTiledKernel } from './gemm-tiled.js';
import type { Kernel } from './kernel.js';
import { concatKernel, sliceKernel, transposeKernel } from './layout.js';
import { countLabelsKernel, crossEntropyBackwardKernel, crossEntropyForwardKernel, crossEntropyMeanKernel } from './cross-entropy.js';
import { embeddingGatherKernel, embeddingScatterAddKernel } from './embedding.js';
import { adamwGuardedKernel, adamwKernel, clipKernel, guardKernel, sgdGuardedKernel, sgdKernel } from './optim.js';
import { dropoutKernel } from './dropout.js';
import { philoxKernel } from './philox.js';
import { layerNormBackwardKernel, layerNormKernel, layerNormParamGradsKernel } from './layernorm.js';
import { softmaxBackwardKernel, softmaxKernel } from './softmax.js';
import { attentionBackwardDkDvKernel, attentionBackwardDqKernel, attentionForwardKernel, attentionScoresKernel } from './attention.js';

/** Every kernel the library ships: tests render and check each variant of each, and `npm run shaders` writes them out. */
export const allKernels: readonly Kernel<never>[] = [
  binaryKernel,
  scaleKernel,
  accumulateKernel,
  activationKernel,
  activationBackwardKernel,
  sumKernel,
  sumSquaresKernel,
  sqrtSumKernel,
  gemmNaiveKernel,
  gemmBlockedKernel,
  gemmTiledKernel,
  splitKReduceKernel,
  layerNormKernel,
  layerNormBackwardKernel,
  layerNormParamGradsKernel,
  softmaxKernel,
  softmaxBackwardKernel,
  adamwKernel,
  adamwGuardedKernel,
  clipKernel,
  sgdKernel,
  sgdGuardedKernel,
  guardKernel,
  dropoutKernel,
  philoxKernel,
  crossEntropyForwardKernel,
  crossEntropyMeanKernel,
  countLabelsKernel,
  crossEntropyBackwardKernel,
  embeddingGatherKernel,
  embeddingScatterAddKernel,
  attentionForwardKernel,
  attentionBackwardDqKernel,
  attentionBackwardDkDvKernel,
  attentionScoresKernel,
  transposeKernel,
  sliceKernel,
  concatKernel,
] as Kernel<never>[];
