// The tiny Transformer config the model tests (CPU, transformer.test.ts) and the decoding cases
// (WebGPU, test/infer/decoding.cases.ts) share: vocabularies 23 → 19, d 16, 2 + 2 layers, no dropout.
import type { TransformerConfig } from '../../src/index.js';

export const SMALL: TransformerConfig = {
  sourceVocabSize: 23,
  targetVocabSize: 19,
  dModel: 16,
  numHeads: 4,
  encoderLayers: 2,
  decoderLayers: 2,
  ffnSize: 24,
  dropout: 0,
  maxPositions: 24,
};
