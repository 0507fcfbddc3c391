import { gpuSuite } from '../harness/gpu-suite.js';
import suite from './gemm.cases.js';

gpuSuite(suite);
