// The training example: a small byte-level BERT (BertForMaskedLM) learns a text by masked-language
// modelling, with AdamW, a linear warm-up and decay of the learning rate, and gradient clipping.
// The text in the README is Kant's Critique of Pure Reason from Project Gutenberg: eBook #4280,
// https://www.gutenberg.org/ebooks/4280, "Plain Text UTF-8", saved as critique_of_pure_reason.txt.
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
} from 'shaderformer';

/** Trains the model on `text` (a Gutenberg file, header and footer included) for `steps` steps; resolves to every step's loss. */
export async function trainMlm(backend: Backend, text: string, steps: number, log: (line: string) => void = console.log): Promise<number[]> {
  const vocab = new ByteVocabulary(); // ids 0–255 are UTF-8 bytes, then [PAD] [MASK] [CLS] [SEP]: 260
  const tokens = vocab.encode(stripGutenberg(text));
  const model = new BertForMaskedLM({
    vocab_size: vocab.size,
    hidden_size: 128,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    intermediate_size: 512,
    max_position_embeddings: 16,
    type_vocab_size: 0,
    initializer_range: 0.05, // wider than BERT's 0.02: this small model leaves the plateau sooner
  });
  const parameters = ParameterStore.create(backend, model.parameters(), { seed: 1 }); // normal(0, 0.05) weights

  // Short rows, many of them: attention starts uniform, so at 16 bytes a row a neighbour's signal is
  // strong enough to learn from early; at 64 this model stays at the byte-frequency plateau far longer.
  // `as const` keeps [64, 16] a tuple, so `loss` receives rank-2 i32 vars, as model.loss wants.
  const batch = { shape: [64, 16], dtype: 'i32' } as const;
  const step = createTrainStep({
    parameters,
    inputs: { input_ids: batch, labels: batch },
    loss: (x) => model.loss(x), // builds the graph once; on WebGPU the step is compiled from it
    optimizer: new AdamW({ lr: linearWarmupDecay({ peakLr: 1e-3, warmupSteps: Math.ceil(steps / 15), totalSteps: steps }), weightDecay: 0.01 }),
    maxGradNorm: 1,
  });

  // Endless batches of 64 windows of 16 bytes at random offsets, 15% of the bytes masked (BERT's 80/10/10).
  const masked = mlmBatches(tokens, {
    batchSize: 64,
    seqLength: 16,
    seed: 1,
    maskId: vocab.maskId,
    randomTokenRange: vocab.byteCount,
    specialIds: vocab.specialIds,
  });
  const batches = (function* () {
    for (const { inputIds, labels } of masked) yield { input_ids: inputIds, labels };
  })();

  try {
    const result = await train({
      step,
      batches,
      steps,
      onCompile: ({ done, total }) => {
        if (done === total) log(`compiled ${total} GPU pipelines`);
      },
      onStep: (p) => {
        if (p.step === 1 || p.step % 10 === 0 || p.step === steps) {
          const pace = p.step === 1 ? `first step ${(p.stepMs / 1000).toFixed(1)} s` : `${Math.round(p.tokensPerSecond)} tokens/s`;
          log(`step ${p.step}/${steps} · loss ${p.loss.toFixed(4)} · lr ${p.lr.toExponential(2)} · ${pace}`);
        }
      },
    });
    if (result.stopped !== 'done') log(`stopped after ${result.steps} steps: ${result.stopped}`);
    return result.losses;
  } finally {
    step.dispose();
    parameters.dispose();
  }
}
