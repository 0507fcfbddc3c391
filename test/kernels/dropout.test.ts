import { gpuSuite } from '../harness/gpu-suite.js';
import suite from './dropout.cases.js';

gpuSuite(suite);
