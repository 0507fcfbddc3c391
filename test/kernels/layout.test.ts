import { gpuSuite } from '../harness/gpu-suite.js';
import suite from './layout.cases.js';

gpuSuite(suite);
