import { gpuSuite } from '../harness/gpu-suite.js';
import suite from './embedding.cases.js';

gpuSuite(suite);
