// Weights in and out: a BERT folder as Hugging Face's transformers writes it (config.json,
// model.safetensors, the tokenizer) is loaded, asked to fill a mask, fine-tuned on a text by
// masked-language modelling, and saved as a folder that Python loads again:
// `BertForMaskedLM.from_pretrained(outDir)` and `AutoTokenizer.from_pretrained(outDir)`.
import { AdamW, type Backend, BertForMaskedLM, createTrainStep, fillMask, linearWarmupDecay, mlmBatches, savePretrained, train } from 'shaderformer';

/** Loads `modelDir`, fine-tunes it on `text` for `steps` steps, saves it to `outDir`; resolves to every step's loss. */
export async function fineTunePretrained(
  backend: Backend,
  modelDir: string,
  text: string,
  outDir: string,
  steps: number,
  log: (line: string) => void = console.log,
): Promise<number[]> {
  // A directory in Node; in a page a Hub-style base URL, a dropped FileList or a map of files.
  const { model, parameters, tokenizer, report } = await BertForMaskedLM.fromPretrained(modelDir, { backend });
  if (!tokenizer) throw new Error(`${modelDir} has no tokenizer.json, vocab.txt or vocab.json + merges.txt`);
  log(`loaded ${report.loaded.length} tensors in ${report.milliseconds.toFixed(0)} ms; skipped ${report.unexpectedKeys.join(', ') || 'none'}`);
  const mask = tokenizer.tokenToId('[MASK]');
  if (mask === undefined) throw new Error(`${modelDir}: the tokenizer has no [MASK] token`);
  const prompt = `${text.split(/[.\n]/)[0]!.split(' ').slice(0, 3).join(' ')} [MASK].`;
  const before = (await fillMask({ model, parameters }, tokenizer, prompt, { topK: 3 })) as { tokenStr: string; score: number }[];
  log(`${prompt} → ${before.map((p) => `${p.tokenStr} ${p.score.toFixed(3)}`).join(', ')}`);

  // The text's WordPiece ids in one stream; rows of 32 tokens between [CLS] and [SEP], 15% masked.
  const { config } = model.bert;
  const seqLength = Math.min(32, config.max_position_embeddings);
  const tokens = Int32Array.from(tokenizer.encode(text, null, { addSpecialTokens: false, truncation: null }).ids);
  const specialIds = ['[CLS]', '[SEP]', '[PAD]', '[UNK]', '[MASK]'].map((t) => tokenizer.tokenToId(t)).filter((id) => id !== undefined);
  const masked = mlmBatches(tokens, {
    batchSize: 8,
    seqLength,
    seed: 1,
    maskId: mask,
    randomTokenRange: config.vocab_size,
    specialIds,
    clsId: tokenizer.tokenToId('[CLS]'),
    sepId: tokenizer.tokenToId('[SEP]'),
  });
  const batches = (function* () {
    for (const { inputIds, labels, attentionMask } of masked) yield { input_ids: inputIds, attention_mask: attentionMask, labels };
  })();

  const batch = { shape: [8, seqLength], dtype: 'i32' } as const;
  const step = createTrainStep({
    parameters,
    inputs: { input_ids: batch, attention_mask: batch, labels: batch },
    loss: (x) => model.loss(x),
    // Fine-tuning rates: small, with a short warm-up, as BERT's paper and Hugging Face's examples use.
    optimizer: new AdamW({ lr: linearWarmupDecay({ peakLr: 5e-5, warmupSteps: Math.ceil(steps / 10), totalSteps: steps }), weightDecay: 0.01 }),
    maxGradNorm: 1,
  });
  try {
    const result = await train({
      step,
      batches,
      steps,
      onStep: (p) => {
        if (p.step === 1 || p.step % 10 === 0 || p.step === steps)
          log(`step ${p.step}/${steps} · loss ${p.loss.toFixed(4)} · grad norm ${p.gradNorm?.toFixed(3)}`);
      },
    });
    const after = (await fillMask({ model, parameters }, tokenizer, prompt, { topK: 3 })) as { tokenStr: string; score: number }[];
    log(`${prompt} → ${after.map((p) => `${p.tokenStr} ${p.score.toFixed(3)}`).join(', ')}`);
    const files = await savePretrained(outDir, { model, parameters, tokenizer });
    log(`saved ${files.join(', ')} to ${outDir}`);
    return result.losses;
  } finally {
    step.dispose();
    parameters.dispose();
  }
}
