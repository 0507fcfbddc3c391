import { gpuSuite } from '../harness/gpu-suite.js';
import suite from './runtime.cases.js';

gpuSuite(suite);
