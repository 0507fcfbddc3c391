// Ours: `shaderformer/compiled` (the recorded plan replayed each step) and `shaderformer/eager` (the
// same graph run op by op through the buffer pool). Both build BertForMaskedLM (or RobertaForMaskedLM
// with the gathered masked-LM inputs, the seq2seq recipes' Transformer, GPT2LMHeadModel) from the
// graph API, load the case's parameters by name and train with AdamW, reading back only the loss.
import { AdamW, BertForMaskedLM, GPT2LMHeadModel, ParameterStore, RobertaForMaskedLM, type WebGPUBackend, createTrainStep, train } from '../../src/index.js';
import { recipeTransformer } from '../../src/recipes/seq2seq.js';
import { SEQ2SEQ, type TrainStepConfig } from './cases.js';
import type { TrainRun, TrainStepImpl, TrainStepRunner } from './bench.js';
import type { TrainBatch } from './cases.js';

type Mode = 'compiled' | 'eager';

/** The case's model, its parameters on the GPU, its training step, and how a batch fills the step's inputs. */
function buildStep(gpu: WebGPUBackend, mode: Mode, c: TrainStepConfig) {
  const config = {
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
  };
  const optimizer = new AdamW({ lr: c.learningRate, betas: [c.beta1, c.beta2], eps: c.adamEps, weightDecay: c.weightDecay });
  const spec = { shape: [c.batchSize, c.seqLength], dtype: 'i32' } as const;
  if (c.model === 'transformer') {
    // As the seq2seq recipes build the model (shared embeddings) and the step's inputs (runSeq2Seq's).
    const size = { dModel: c.hiddenSize, numHeads: c.numAttentionHeads, layers: c.numHiddenLayers, ffnSize: c.intermediateSize, dropout: 0 };
    const model = recipeTransformer(
      { ...size, labelSmoothing: c.labelSmoothing },
      {
        sourceVocabSize: c.vocabSize,
        decoderLayers: c.decoderLayers,
        maxPositions: c.maxPositionEmbeddings,
        layerNormEps: c.layerNormEps,
        bosId: SEQ2SEQ.bos,
        padId: SEQ2SEQ.pad,
        eosId: SEQ2SEQ.eos,
      },
    );
    const parameters = ParameterStore.create(gpu, model.parameters());
    const source = { shape: [c.batchSize, c.sourceLength], dtype: 'i32' } as const;
    const inputs = { source_ids: source, source_mask: source, target_ids: spec, labels: spec };
    const step = createTrainStep({ parameters, inputs, loss: (x) => model.forward(x).loss!, optimizer, mode });
    const feed = (b: TrainBatch) => ({ source_ids: b.sourceIds!, source_mask: b.sourceMask!, target_ids: b.inputIds, labels: b.labels });
    return { parameters, step, feed };
  }
  if (c.model === 'gpt2') {
    // As the gpt-kant recipe builds the model and its step (labels are the ids; the model shifts them).
    const model = new GPT2LMHeadModel({
      vocab_size: c.vocabSize,
      n_positions: c.maxPositionEmbeddings,
      n_embd: c.hiddenSize,
      n_layer: c.numHiddenLayers,
      n_head: c.numAttentionHeads,
      n_inner: c.intermediateSize,
      layer_norm_epsilon: c.layerNormEps,
      resid_pdrop: 0,
      embd_pdrop: 0,
      attn_pdrop: 0,
    });
    const parameters = ParameterStore.create(gpu, model.parameters());
    const inputs = { input_ids: spec, labels: spec };
    const step = createTrainStep({ parameters, inputs, loss: (x) => model.forward({ input_ids: x.input_ids, labels: x.labels }).loss!, optimizer, mode });
    const feed = (b: TrainBatch) => ({ input_ids: b.inputIds, labels: b.labels });
    return { parameters, step, feed };
  }
  if (c.model === 'roberta') {
    const model = new RobertaForMaskedLM({ ...config, pad_token_id: c.padTokenId });
    const parameters = ParameterStore.create(gpu, model.parameters());
    // The gathered masked-LM form: the head and the loss see only the P rows at masked_positions.
    const gathered = { shape: [c.batchSize * c.maxPredictions], dtype: 'i32' } as const;
    const inputs = { input_ids: spec, attention_mask: spec, masked_positions: gathered, masked_labels: gathered };
    const step = createTrainStep({ parameters, inputs, loss: (x) => model.loss(x), optimizer, mode });
    const feed = (b: TrainBatch) => ({
      input_ids: b.inputIds,
      attention_mask: b.attentionMask,
      masked_positions: b.maskedPositions!,
      masked_labels: b.maskedLabels!,
    });
    return { parameters, step, feed };
  }
  const model = new BertForMaskedLM(config);
  const parameters = ParameterStore.create(gpu, model.parameters());
  const inputs = { input_ids: spec, labels: spec, attention_mask: spec };
  const step = createTrainStep({ parameters, inputs, loss: (x) => model.loss(x), optimizer, mode });
  const feed = (b: TrainBatch) => ({ input_ids: b.inputIds, labels: b.labels, attention_mask: b.attentionMask });
  return { parameters, step, feed };
}

async function createOurs(gpu: WebGPUBackend, mode: Mode, c: TrainStepConfig, params: Record<string, Float32Array>): Promise<TrainStepRunner> {
  const { parameters, step, feed: inputs } = buildStep(gpu, mode, c);
  for (const name of parameters.names()) {
    const values = params[name];
    if (!values) throw new Error(`train-step bench: no initial values for ${name}`);
    parameters.set(name, values);
  }
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
