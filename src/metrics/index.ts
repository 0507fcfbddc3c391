export { accuracy, argmax, matthewsCorrelation } from './classification.js';
export { fixedMaskedSet, unigramBaseline, type FixedMaskedSet, type FixedMaskedSetOptions } from './mlm.js';
export { corpusBleu, sentenceBleu, tokenize13a, type BleuOptions, type BleuScore, type BleuSmoothing, type BleuTokenizer } from './bleu.js';
export { corpusChrf, type ChrfOptions, type ChrfScore } from './chrf.js';
export type { ReferenceStreams } from './segments.js';
