import { gpuSuite } from '../harness/gpu-suite.js';
import suite from './reduce.cases.js';

gpuSuite(suite);
