// Weights in and out: safetensors reading (every dtype, lazily, from any byte source) and writing
// (F32/F16, streamed), sharded checkpoints. A low layer: it imports only the errors and the
// half-float conversion, so it runs in a page, a worker or Node without a backend.
export { type ByteSource, type ByteInput, type OpenBytesOptions, openBytes, readAllBytes, readText } from './source.js';
export {
  SafetensorsFile,
  SAFETENSORS_DTYPE_BYTES,
  MAX_HEADER_BYTES,
  type SafetensorsDType,
  type SafetensorsEntry,
  type SafetensorsTensor,
  type ReadDType,
  type ReadArray,
} from './safetensors.js';
export { writeSafetensors, safetensorsBlob, nodeFileSink, streamSink, type TensorToWrite, type ByteSink } from './writer.js';
export { ShardedSafetensors, SAFETENSORS_INDEX_FILE, type ShardedEntry, type OpenShard } from './sharded.js';
