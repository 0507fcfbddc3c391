// The first end-to-end training run: a small BERT-style encoder with an MLM head learns Kant's
// Critique of Pure Reason byte by byte. Shared by the Node side (CPU reference losses) and the test
// page (WebGPU, compiled step), so both build exactly the same model, batches and optimizer.
import {
  AdamW,
  type Backend,
  BertForMaskedLM,
  ByteVocabulary,
  ParameterStore,
  createTrainStep,
  linearWarmupDecay,
  mlmBatches,
  stripGutenberg,
  train,
} from '../../src/index.js';

/** The encoder: 2 layers, hidden 128, 4 heads, FFN 512, sequence 64, batch 16. */
export const MLM_SHAPE = { layers: 2, hidden: 128, heads: 4, intermediate: 512, seqLength: 64, batchSize: 16 } as const;

/** Options of one training run. */
export interface MlmRunOptions {
  /** Steps to run. */
  steps: number;
  /** Steps of the schedule (its decay ends here); the CPU run takes only the first few. */
  totalSteps: number;
  /** Seed of parameters, batches and dropout. */
  seed: number;
  /** Called after each step with its loss. */
  onStep?: (step: number, loss: number) => void;
}

/** Trains on `text` (the raw Gutenberg file) and returns the loss of every step. */
export async function trainMlmOnText(backend: Backend, text: string, options: MlmRunOptions): Promise<number[]> {
  const vocab = new ByteVocabulary();
  const tokens = vocab.encode(stripGutenberg(text));
  const { layers, hidden, heads, intermediate, seqLength, batchSize } = MLM_SHAPE;
  const model = new BertForMaskedLM({
    vocab_size: vocab.size,
    hidden_size: hidden,
    num_hidden_layers: layers,
    num_attention_heads: heads,
    intermediate_size: intermediate,
    max_position_embeddings: seqLength,
    type_vocab_size: 0,
  });
  const parameters = ParameterStore.create(backend, model.parameters(), { seed: options.seed });
  const spec = { shape: [batchSize, seqLength], dtype: 'i32' } as const;
  const step = createTrainStep({
    parameters,
    inputs: { input_ids: spec, labels: spec },
    loss: (x) => model.loss(x),
    optimizer: new AdamW({ lr: linearWarmupDecay({ peakLr: 2e-3, warmupSteps: 20, totalSteps: options.totalSteps }), weightDecay: 0.01 }),
    maxGradNorm: 1,
    seed: options.seed,
  });
  const batches = mlmBatches(tokens, {
    batchSize,
    seqLength,
    seed: options.seed,
    maskId: vocab.maskId,
    randomTokenRange: vocab.byteCount,
    specialIds: vocab.specialIds,
  });
  const inputs = (function* () {
    for (const batch of batches) yield { input_ids: batch.inputIds, labels: batch.labels };
  })();
  try {
    const result = await train({ step, batches: inputs, steps: options.steps, onStep: (p) => options.onStep?.(p.step - 1, p.loss) });
    return result.losses;
  } finally {
    step.dispose();
    parameters.dispose();
  }
}
