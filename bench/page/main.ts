// The page `npm run bench` drives in headless Chromium: our implementations and the peers', one shared backend.
import { type AdapterReport, createWebGPUBackend } from '../../src/index.js';
import { type BenchmarkHost, exposeHost } from '../lib/host.js';
import { createGemmBenchmark } from '../gemm/bench.js';
import { ourGemmImpls } from '../gemm/ours.js';
import { peerGemmImpls } from '../gemm/peers.js';
import { createAttentionBenchmark } from '../attention/bench.js';
import { ourAttentionImpls } from '../attention/ours.js';
import { peerAttentionImpls } from '../attention/peers.js';
import { createTrainStepBenchmark } from '../train-step/bench.js';
import { ourTrainStepImpls } from '../train-step/ours.js';
import { peerTrainStepImpls } from '../train-step/peers.js';
import { createRowsBenchmark } from '../rows/bench.js';
import { createDecodeBenchmark } from '../decode/bench.js';

declare global {
  interface Window {
    shaderformerBench: BenchmarkHost;
  }
}

window.shaderformerBench = exposeHost(async () => {
  const gpu = await createWebGPUBackend();
  return {
    adapter: gpu.report as AdapterReport,
    benchmarks: {
      gemm: () => createGemmBenchmark([...ourGemmImpls(gpu), ...peerGemmImpls]),
      attention: () => createAttentionBenchmark([...ourAttentionImpls(gpu), ...peerAttentionImpls]),
      'train-step': () => createTrainStepBenchmark([...ourTrainStepImpls(gpu), ...peerTrainStepImpls]),
      rows: () => createRowsBenchmark(gpu),
      decode: () => createDecodeBenchmark(gpu),
    },
  };
});
