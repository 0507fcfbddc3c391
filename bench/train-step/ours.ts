// Ours: `shaderformer/compiled` (the compiled step plan) and `shaderformer/eager` (op by op), filled
// in by the graph API (issue 5). Each entry builds the encoder of cases.ts from the given parameters
// on `gpu` and trains it with AdamW, reading back only the loss; see `TrainStepImpl` in bench.ts.
import type { WebGPUBackend } from '../../src/index.js';
import type { TrainStepImpl } from './bench.js';

export function ourTrainStepImpls(gpu: WebGPUBackend): TrainStepImpl[] {
  void gpu; // the graph API's implementations run on this backend
  return [];
}
