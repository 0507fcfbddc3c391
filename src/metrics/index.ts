export { accuracy, argmax, matthewsCorrelation } from './classification.js';
export { fixedMaskedSet, unigramBaseline, type FixedMaskedSet, type FixedMaskedSetOptions } from './mlm.js';
