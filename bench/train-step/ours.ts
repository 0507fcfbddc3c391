// Ours: `shaderformer/compiled` (the recorded plan replayed each step) and `shaderformer/eager` (the
// same graph run op by op through the buffer pool). Both build BertForMaskedLM (or RobertaForMaskedLM
// with the gathered masked-LM inputs) from the graph API, load the case's parameters by name and
// train with AdamW, reading back only the loss.
import { AdamW, BertForMaskedLM, ParameterStore, type WebGPUBackend, createTrainStep, train } from '../../src/index.js';
import type { TrainStepConfig } from './cases.js';
import type { TrainRun, TrainStepImpl, TrainStepRunner } from './bench.js';
import type { TrainBatch } from './cases.js';

/** The model, its batch inputs' specs and how a batch fills them. */
function buildModel(c: TrainStepConfig) {
  if (c.model === 'roberta') throw new Error('train-step bench: RobertaForMaskedLM is not in the library yet');
  const model = new BertForMaskedLM({
    vocab_size: c.vocabSize,
    hidden_size: c.hiddenSize,
    num_hidden_layers: c.numHiddenLayers,
    num_attention_heads: c.numAttentionHeads,
    intermediate_size: c.intermediateSize,
    max_position_embeddings: c.maxPositionEmbeddings,
    layer_norm_eps: c.layerNormEps,
    type_vocab_size: c.typeVocabSize,
    hidden_dropout_prob: 0,
    attention_probs_dropout_prob: 0,
  });
  const spec = { shape: [c.batchSize, c.seqLength], dtype: 'i32' } as const;
  return {
    model,
    inputs: { input_ids: spec, labels: spec, attention_mask: spec },
    feed: (batch: TrainBatch) => ({ input_ids: batch.inputIds, labels: batch.labels, attention_mask: batch.attentionMask }),
  };
}

async function createOurs(gpu: WebGPUBackend, mode: 'compiled' | 'eager', c: TrainStepConfig, params: Record<string, Float32Array>): Promise<TrainStepRunner> {
  const { model, inputs: specs, feed: inputs } = buildModel(c);
  const parameters = ParameterStore.create(gpu, model.parameters());
  for (const name of parameters.names()) {
    const values = params[name];
    if (!values) throw new Error(`train-step bench: no initial values for ${name}`);
    parameters.set(name, values);
  }
  const step = createTrainStep({
    parameters,
    inputs: specs,
    loss: (x) => model.loss(x),
    optimizer: new AdamW({ lr: c.learningRate, betas: [c.beta1, c.beta2], eps: c.adamEps, weightDecay: c.weightDecay }),
    mode,
  });
  return {
    // The library's own loop, one step at a time (no overlap), so each time is one whole step.
    async train(batch, steps) {
      const run: TrainRun = { losses: [], stepMs: [], queueMs: [] };
      await train({
        step,
        batches: Array.from({ length: steps }, () => inputs(batch)),
        steps,
        overlap: false,
        onStep: (p) => {
          run.losses.push(p.loss);
          run.stepMs.push(p.stepMs);
          run.queueMs!.push(p.queueMs);
        },
      });
      return run;
    },
    ...(mode === 'compiled' && gpu.device.features.has('timestamp-query') ? { profile: (batch) => step.profile(inputs(batch)) } : {}),
    dispose: () => {
      step.dispose();
      parameters.dispose();
    },
  };
}

export function ourTrainStepImpls(gpu: WebGPUBackend): TrainStepImpl[] {
  return (['compiled', 'eager'] as const).map((mode) => ({
    impl: `shaderformer/${mode}`,
    create: (config, params) => createOurs(gpu, mode, config, params),
  }));
}
