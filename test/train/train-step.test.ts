import { gpuSuite } from '../harness/gpu-suite.js';
import suite from './train-step.cases.js';

gpuSuite(suite);
