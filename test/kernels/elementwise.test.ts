import { gpuSuite } from '../harness/gpu-suite.js';
import suite from './elementwise.cases.js';

gpuSuite(suite);
