import { gpuSuite } from '../harness/gpu-suite.js';
import suite from './checkpoint.cases.js';

gpuSuite(suite);
