import { gpuSuite } from '../harness/gpu-suite.js';
import suite from './softmax.cases.js';

gpuSuite(suite);
