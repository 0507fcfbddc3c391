import { gpuSuite } from '../harness/gpu-suite.js';
import suite from './loss.cases.js';

gpuSuite(suite);
