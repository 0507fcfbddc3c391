import { gpuSuite } from '../harness/gpu-suite.js';
import suite from './activation.cases.js';

gpuSuite(suite);
