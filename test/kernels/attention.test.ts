import { gpuSuite } from '../harness/gpu-suite.js';
import suite from './attention.cases.js';

gpuSuite(suite);
