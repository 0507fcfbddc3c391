// The page a fresh Chromium opens for one io case: `prepare` makes the input (untimed), the runner
// then takes its memory baseline (the browser's process tree), and `run` does the measured work.
import { type Tensor, type WebGPUBackend, createWebGPUBackend } from '../../../src/index.js';
import {
  type IoResult,
  bertLikeModel,
  checkLoaded,
  checkWritten,
  disposeAll,
  fromBackend,
  loadIntoBackend,
  modelBlob,
  modelBytes,
  uploadGenerated,
} from '../cases.js';
import { safetensorsBlob } from '../../../src/index.js';

declare global {
  interface Window {
    shaderformerIo: { prepare(caseName: string, megabytes: number): Promise<void>; run(): Promise<IoResult> };
    gc?: () => void;
  }
}

let state: { caseName: string; model: ReturnType<typeof bertLikeModel>; backend: WebGPUBackend; blob?: Blob; tensors?: Tensor[] } | undefined;

window.shaderformerIo = {
  async prepare(caseName, megabytes) {
    const model = bertLikeModel(megabytes);
    const backend = await createWebGPUBackend();
    state = { caseName, model, backend };
    if (caseName === 'load/blob') state.blob = await modelBlob(model);
    else if (caseName === 'save/blob') state.tensors = await uploadGenerated(backend, model);
    else throw new Error(`unknown case ${caseName}`);
    window.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 500));
  },
  async run() {
    if (!state) throw new Error('prepare first');
    const { caseName, model, backend } = state;
    const residentGpuBytes = backend.stats().liveBytes;
    backend.resetPeakStats();
    const started = performance.now();
    if (caseName === 'load/blob') {
      const { tensors, fileBytes } = await loadIntoBackend(backend, state.blob!, () => {});
      const seconds = (performance.now() - started) / 1000;
      const gpuPeakBytes = backend.stats().peakLiveBytes;
      const check = await checkLoaded(model, tensors);
      disposeAll(tensors);
      return { seconds, fileBytes, modelBytes: modelBytes(model), gpuPeakBytes, residentGpuBytes, ...check };
    }
    const blob = await safetensorsBlob(
      fromBackend(model, state.tensors!, () => {}),
      { format: 'pt' },
    );
    const seconds = (performance.now() - started) / 1000;
    const gpuPeakBytes = backend.stats().peakLiveBytes;
    disposeAll(state.tensors!);
    const check = await checkWritten(model, blob);
    return { seconds, fileBytes: blob.size, modelBytes: modelBytes(model), gpuPeakBytes, residentGpuBytes, ...check };
  },
};
