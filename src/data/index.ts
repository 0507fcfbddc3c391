export * from './corpus.js';
export * from './byte-vocab.js';
export * from './rng.js';
export * from './mlm.js';
export * from './batches.js';
export * from './parallel.js';
