// Incremental decoding on WebGPU: the cases of decoding.cases.ts, in Chromium and in Node/Dawn. The same
// comparisons on the CPU backend (op by op) are in test/models/transformer.test.ts and gpt2.test.ts.
import { gpuSuite } from '../harness/gpu-suite.js';
import suite from './decoding.cases.js';

gpuSuite(suite);
