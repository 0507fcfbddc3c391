import { gpuSuite } from '../harness/gpu-suite.js';
import suite from './optim.cases.js';

gpuSuite(suite);
