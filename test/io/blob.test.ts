import { gpuSuite } from '../harness/gpu-suite.js';
import suite from './blob.cases.js';

gpuSuite(suite);
