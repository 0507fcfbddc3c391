// The io benchmark's model and its measured work, shared by the Node child and the Chromium page:
// a BERT-base-shaped list of F32 tensors (Hugging Face BertForMaskedLM names), its values made on
// demand, and the load and save loops the rows time.
import {
  Parameter,
  ParameterStore,
  SafetensorsFile,
  type Tensor,
  type TensorToWrite,
  type WebGPUBackend,
  safetensorsBlob,
  writeSafetensors,
} from '../../src/index.js';
import type { ByteInput, ByteSink } from '../../src/io/index.js';

/** One tensor of the benchmark model. */
export interface ModelTensor {
  readonly name: string;
  readonly shape: readonly number[];
}

/** What one measured case reports back to the runner (plain JSON). */
export interface IoResult {
  /** Seconds from the start of the work to its end (the last upload finished, the last byte written). */
  seconds: number;
  /** Bytes of the safetensors file read or written. */
  fileBytes: number;
  /** Bytes of tensor data (the model size the peak is divided by). */
  modelBytes: number;
  /** GPU bytes live at the peak, from `backend.stats().peakLiveBytes` after `resetPeakStats()` at the start. */
  gpuPeakBytes: number;
  /** GPU bytes already live at the baseline (a save's model; 0 for a load): inside the baseline, so added to the growth. */
  residentGpuBytes: number;
  /** Largest growth of JS heap + ArrayBuffer memory (Node's `process.memoryUsage()`, sampled per tensor), where measurable. */
  jsPeakGrowthBytes?: number;
  /** Largest growth of the process's resident memory (Node child: sampled every 5 ms and per tensor). */
  rssPeakGrowthBytes?: number;
  /** Values checked after the work (first and last tensors). */
  checked: number;
  /** Differences found by that check (0 when correct). */
  mismatches: number;
}

const BERT_BASE_BYTES = 438_000_000;

/** BERT-base's tensors (vocabulary 30522, hidden 768, 12 layers, feed-forward 3072), the layer count and vocabulary scaled to about `megabytes`. */
export function bertLikeModel(megabytes: number): ModelTensor[] {
  const scale = (megabytes * 1e6) / BERT_BASE_BYTES;
  const layers = Math.max(1, Math.round(12 * scale));
  const vocab = Math.max(8, Math.round(30522 * scale));
  const h = 768;
  const ff = 3072;
  const out: ModelTensor[] = [
    { name: 'bert.embeddings.word_embeddings.weight', shape: [vocab, h] },
    { name: 'bert.embeddings.position_embeddings.weight', shape: [512, h] },
    { name: 'bert.embeddings.token_type_embeddings.weight', shape: [2, h] },
    { name: 'bert.embeddings.LayerNorm.weight', shape: [h] },
    { name: 'bert.embeddings.LayerNorm.bias', shape: [h] },
  ];
  for (let l = 0; l < layers; l++) {
    const p = `bert.encoder.layer.${l}`;
    for (const m of ['query', 'key', 'value'])
      out.push({ name: `${p}.attention.self.${m}.weight`, shape: [h, h] }, { name: `${p}.attention.self.${m}.bias`, shape: [h] });
    out.push(
      { name: `${p}.attention.output.dense.weight`, shape: [h, h] },
      { name: `${p}.attention.output.dense.bias`, shape: [h] },
      { name: `${p}.attention.output.LayerNorm.weight`, shape: [h] },
      { name: `${p}.attention.output.LayerNorm.bias`, shape: [h] },
      { name: `${p}.intermediate.dense.weight`, shape: [ff, h] },
      { name: `${p}.intermediate.dense.bias`, shape: [ff] },
      { name: `${p}.output.dense.weight`, shape: [h, ff] },
      { name: `${p}.output.dense.bias`, shape: [h] },
      { name: `${p}.output.LayerNorm.weight`, shape: [h] },
      { name: `${p}.output.LayerNorm.bias`, shape: [h] },
    );
  }
  out.push(
    { name: 'cls.predictions.transform.dense.weight', shape: [h, h] },
    { name: 'cls.predictions.transform.dense.bias', shape: [h] },
    { name: 'cls.predictions.transform.LayerNorm.weight', shape: [h] },
    { name: 'cls.predictions.transform.LayerNorm.bias', shape: [h] },
    { name: 'cls.predictions.bias', shape: [vocab] },
  );
  return out;
}

export const numel = (shape: readonly number[]) => shape.reduce((a, d) => a * d, 1);
export const modelBytes = (model: readonly ModelTensor[]) => model.reduce((a, t) => a + 4 * numel(t.shape), 0);

/** Tensor `index`'s values: cheap, deterministic, distinct per tensor, never all zero. */
export function valuesOf(index: number, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (((i * 7919 + index * 104729) % 2001) - 1000) / 1024;
  return out;
}

/** The model as tensors to write, each made when its turn comes. */
export function generatedTensors(model: readonly ModelTensor[]): TensorToWrite[] {
  return model.map((t, i) => ({ name: t.name, shape: t.shape, dtype: 'F32', data: () => valuesOf(i, numel(t.shape)) }));
}

/** Writes the model file (the bench's own input) to `sink`. */
export function writeModel(sink: ByteSink, model: readonly ModelTensor[]): Promise<number> {
  return writeSafetensors(sink, generatedTensors(model), { format: 'pt' });
}

/** The model as a Blob (parts joined as they come). */
export function modelBlob(model: readonly ModelTensor[]): Promise<Blob> {
  return safetensorsBlob(generatedTensors(model), { format: 'pt' });
}

/** Uploads the model to `backend` one tensor at a time, waiting for each upload (so the driver's staging copy is freed before the next). */
export async function uploadGenerated(backend: WebGPUBackend, model: readonly ModelTensor[]): Promise<Tensor[]> {
  const out: Tensor[] = [];
  for (const [i, t] of model.entries()) {
    out.push(backend.tensor(valuesOf(i, numel(t.shape)), t.shape));
    await backend.sync();
  }
  return out;
}

/**
 * The measured load, as `fromPretrained` does it: open `input` and stream its tensors in file order
 * into `ParameterStore.load` (each one uploaded as it comes; a large one waited for before the next).
 */
export async function loadIntoBackend(backend: WebGPUBackend, input: ByteInput, onTensor: () => void): Promise<{ tensors: Tensor[]; fileBytes: number }> {
  const file = await SafetensorsFile.open(input);
  const parameters = [...file.entries.values()].map((e) => new Parameter(e.name, e.shape));
  // reuse: one buffer for every tensor, which backend.tensor copies at once (no garbage per tensor).
  async function* values() {
    for await (const { name, data } of file.tensors({ reuse: true })) {
      yield { name, data: data as Float32Array };
      onTensor();
    }
  }
  const { store } = await ParameterStore.load(backend, parameters, values());
  const last = [...file.entries.values()].at(-1);
  await file.close();
  return { tensors: parameters.map((p) => store.tensor(p)), fileBytes: file.dataStart + (last?.end ?? 0) };
}

/** The model as tensors to write, each read back from the GPU when its turn comes. */
export function fromBackend(model: readonly ModelTensor[], tensors: readonly Tensor[], onTensor: () => void): TensorToWrite[] {
  return model.map((t, i) => ({
    name: t.name,
    shape: t.shape,
    dtype: 'F32',
    data: async () => {
      const data = (await tensors[i]!.data()) as Float32Array;
      onTensor();
      return data;
    },
  }));
}

/** Compares the first and last tensors of `loaded` (backend tensors in model order) with their generated values. */
export async function checkLoaded(model: readonly ModelTensor[], loaded: readonly Tensor[]): Promise<{ checked: number; mismatches: number }> {
  let checked = 0;
  let mismatches = 0;
  // The two LayerNorm vectors and the output bias: small reads, first and last in the file.
  for (const i of [3, 4, model.length - 1]) {
    const got = await loaded[i]!.data();
    const want = valuesOf(i, numel(model[i]!.shape));
    checked += want.length;
    for (let j = 0; j < want.length; j++) if (got[j] !== want[j]) mismatches++;
  }
  return { checked, mismatches };
}

/** Compares the same tensors of a written file with their generated values. */
export async function checkWritten(model: readonly ModelTensor[], input: ByteInput): Promise<{ checked: number; mismatches: number }> {
  const file = await SafetensorsFile.open(input);
  let checked = 0;
  let mismatches = 0;
  for (const i of [3, 4, model.length - 1]) {
    const got = await file.read(model[i]!.name);
    const want = valuesOf(i, numel(model[i]!.shape));
    checked += want.length;
    for (let j = 0; j < want.length; j++) if (got[j] !== want[j]) mismatches++;
  }
  await file.close();
  return { checked, mismatches };
}

/** Frees every tensor. */
export function disposeAll(tensors: readonly Tensor[]): void {
  for (const t of tensors) t.dispose();
}
