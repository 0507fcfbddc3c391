import { gpuSuite } from '../harness/gpu-suite.js';
import suite from './norm.cases.js';

gpuSuite(suite);
