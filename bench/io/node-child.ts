// One io case in a fresh Node process (Dawn on lavapipe), so its resident memory starts clean:
// `node --expose-gc <bundle> <case> <model file> <megabytes>`; prints the result as one JSON line.
// `prepare` writes the model file (the bench's input; not a row).
import { readFileSync } from 'node:fs';
import { createWebGPUBackend, nodeFileSink, writeSafetensors } from '../../src/index.js';
import {
  type IoResult,
  bertLikeModel,
  checkLoaded,
  checkWritten,
  disposeAll,
  fromBackend,
  loadIntoBackend,
  modelBytes,
  uploadGenerated,
  writeModel,
} from './cases.js';

const [caseName, path, megabytes] = process.argv.slice(2);
const model = bertLikeModel(Number(megabytes));

/** Peaks of RSS (every 5 ms and per tensor) and of JS heap + ArrayBuffers (per tensor) above the baseline taken at `start()`. */
function memoryMeter() {
  const js = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  let rss0 = 0;
  let js0 = 0;
  let rssPeak = 0;
  let jsPeak = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  const sample = () => {
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss() - rss0);
  };
  return {
    async start() {
      // V8 frees ArrayBuffer memory on a background thread after a GC: collect, wait, collect again.
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      await new Promise((resolve) => setTimeout(resolve, 300));
      gc?.();
      rss0 = process.memoryUsage.rss();
      js0 = js();
      timer = setInterval(sample, 5);
    },
    tensor() {
      sample();
      jsPeak = Math.max(jsPeak, js() - js0);
    },
    stop() {
      this.tensor();
      clearInterval(timer);
      return { rssPeakGrowthBytes: rssPeak, jsPeakGrowthBytes: jsPeak };
    },
  };
}

async function run(): Promise<IoResult | { fileBytes: number }> {
  if (caseName === 'prepare') return { fileBytes: await writeModel(await nodeFileSink(path!), model) };
  const backend = await createWebGPUBackend();
  const meter = memoryMeter();
  try {
    if (caseName === 'load/arraybuffer' || caseName === 'load/file') {
      // The ArrayBuffer is the caller's input: read (with no copy left behind) before the baseline, so it is not counted.
      const input = caseName === 'load/file' ? path! : readFileSync(path!);
      await meter.start();
      backend.resetPeakStats();
      const started = performance.now();
      const { tensors, fileBytes } = await loadIntoBackend(backend, input, () => meter.tensor());
      const seconds = (performance.now() - started) / 1000;
      const memory = meter.stop();
      const gpuPeakBytes = backend.stats().peakLiveBytes;
      const check = await checkLoaded(model, tensors);
      disposeAll(tensors);
      return { seconds, fileBytes, modelBytes: modelBytes(model), gpuPeakBytes, residentGpuBytes: 0, ...memory, ...check };
    }
    if (caseName === 'save/file') {
      const tensors = await uploadGenerated(backend, model);
      const residentGpuBytes = backend.stats().liveBytes;
      await meter.start();
      backend.resetPeakStats();
      const started = performance.now();
      const fileBytes = await writeSafetensors(
        await nodeFileSink(path!),
        fromBackend(model, tensors, () => meter.tensor()),
        { format: 'pt' },
      );
      const seconds = (performance.now() - started) / 1000;
      const memory = meter.stop();
      const gpuPeakBytes = backend.stats().peakLiveBytes;
      disposeAll(tensors);
      const check = await checkWritten(model, path!);
      return { seconds, fileBytes, modelBytes: modelBytes(model), gpuPeakBytes, residentGpuBytes, ...memory, ...check };
    }
    throw new Error(`unknown case ${caseName}`);
  } finally {
    backend.destroy();
  }
}

console.log(JSON.stringify(await run()));
