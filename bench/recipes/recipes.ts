// The recipes `npm run bench -- recipes` records, run the same way in a page (Chromium's adapter) and
// in Node (Dawn): each returns its metrics under recipes.json's metric names.
import {
  type Backend,
  type FillMaskPrediction,
  type MaskedLMRunResult,
  type StepProgress,
  bertPretrainingConfig,
  byteMlmConfig,
  copyTaskConfig,
  fineTuneCola,
  gptKantConfig,
  kantaiBertConfig,
  readParallelText,
  trainCopyTask,
  trainGptKant,
  trainTranslator,
  translateConfig,
  pretrainBert,
  pretrainKantaiBert,
  trainByteMlm,
} from '../../src/index.js';

/** What the runner sends: the recipe, its configuration and its data (read from files by the runner). */
export interface RecipeInput {
  recipe: 'byte-mlm' | 'kantaibert' | 'bert-pretraining' | 'cola' | 'copy-task' | 'translate-multi30k' | 'gpt-kant';
  /** A named configuration of the recipe ('ci', 'recorded', …); for 'cola', of the BERT pretraining it starts from. */
  config: string;
  /** Overrides the configuration's steps. */
  steps?: number;
  seed: number;
  /** Steps between held-out evaluations. */
  evaluateEvery: number;
  /** The corpus (the Kant text). */
  text: string;
  /** CoLA's in_domain_train.tsv and out_of_domain_dev.tsv ('cola' only: it pretrains BERT, recorded as 'bert-pretraining', then fine-tunes). */
  cola?: { train: string; dev: string; epochs?: number; lr?: number; batchSize?: number };
  /** Multi30k en–de (train, val, test_2016_flickr) as texts, line N of one side translating line N of the other ('translate-multi30k' only). */
  multi30k?: Record<'train' | 'validation' | 'test', { source: string; target: string }>;
}

/** One recorded run: its metrics (recipes.json names), the model it trained and how long it took. */
export interface RecipeSummary {
  recipe: string;
  /** The model and configuration, e.g. "BertForMaskedLM L2-H128 bytes (recorded)". */
  model: string;
  steps: number;
  wallSeconds: number;
  metrics: Record<string, number>;
  /** Every evaluation, in order. */
  evaluations: { step: number; metrics: Record<string, number> }[];
  /** Training loss: the first step's and the mean of the last 10. */
  firstLoss: number;
  lastLoss: number;
  /** Anything else worth keeping (fill-mask predictions). */
  notes: string[];
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** Logs a progress line every `every` steps. */
function progressLogger(log: (line: string) => void, every: number) {
  return (p: StepProgress) => {
    if (p.step % every !== 0 && p.step !== p.steps) return;
    const eta = p.etaMs > 0 ? `, ETA ${(p.etaMs / 60_000).toFixed(1)} min` : '';
    log(`step ${p.step}/${p.steps} loss ${p.loss.toFixed(4)} lr ${p.lr.toExponential(2)} ${p.tokensPerSecond.toFixed(0)} tok/s${eta}`);
  };
}

const format = (metrics: Record<string, number>) =>
  Object.entries(metrics)
    .map(([k, v]) => `${k} ${v.toFixed(4)}`)
    .join(', ');

/** Runs one recipe on `backend`, logging progress; resolves to its summaries ('cola': the pretraining's, then the fine-tuning's). */
export async function runRecipe(backend: Backend, input: RecipeInput, log: (line: string) => void): Promise<RecipeSummary[]> {
  const common = {
    backend,
    seed: input.seed,
    evaluateEvery: input.evaluateEvery,
    onStep: progressLogger(log, 25),
    onEvaluate: (step: number, metrics: Record<string, number>) => log(`eval @${step}: ${format(metrics)}`),
    onCompile: (p: { done: number; total: number }) => {
      if (p.done === p.total) log(`compiled ${p.total} pipelines`);
    },
  };
  const withSteps = <C extends { steps: number; warmupSteps: number }>(config: C): C =>
    input.steps ? { ...config, steps: input.steps, warmupSteps: Math.min(config.warmupSteps, input.steps) } : config;
  const describeEncoder = (c: { layers: number; hidden: number; heads: number; intermediate: number; seqLength: number; batchSize: number; lr: number }) =>
    `L${c.layers}-H${c.hidden}-A${c.heads}-F${c.intermediate}, T${c.seqLength} B${c.batchSize} lr ${c.lr}`;
  const mlmSummary = (recipe: string, model: string, result: MaskedLMRunResult, notes: string[] = []): RecipeSummary => {
    const { ratio_to_unigram: _ratio, ...metrics } = result.final;
    return {
      recipe,
      model,
      steps: result.training.steps,
      wallSeconds: result.wallSeconds,
      metrics,
      evaluations: result.evaluations,
      firstLoss: result.training.losses[0]!,
      lastLoss: mean(result.training.losses.slice(-10)),
      notes: [
        ...notes,
        `held-out loss / unigram by step: ${result.evaluations.map((e) => `${e.step} ${(e.metrics.ratio_to_unigram ?? Number.NaN).toFixed(3)}`).join(', ')}`,
      ],
    };
  };
  if (input.recipe === 'byte-mlm') {
    const config = withSteps(byteMlmConfig(input.config as 'ci'));
    const result = await trainByteMlm({ ...common, text: input.text, config });
    result.parameters.dispose();
    return [mlmSummary('byte-mlm', `BertForMaskedLM ${describeEncoder(config)}, bytes (${input.config})`, result)];
  }
  if (input.recipe === 'kantaibert') {
    const config = withSteps(kantaiBertConfig(input.config as 'ci'));
    const result = await pretrainKantaiBert({ ...common, text: input.text, config, onTokenizer: (t) => log(`byte-level BPE: ${t.vocabSize} ids`) });
    result.parameters.dispose();
    const notes = result.fillMask.map(
      ({ prompt, predictions }) =>
        `fill-mask ${JSON.stringify(prompt)}: ${(predictions as FillMaskPrediction[]).map((p) => `${JSON.stringify(p.tokenStr)} ${p.score.toFixed(3)}`).join(', ')}`,
    );
    const model = `RobertaForMaskedLM ${describeEncoder(config)}, BPE ${result.tokenizer.vocabSize} (asked ${config.vocabSize}), ${config.data} (${input.config})`;
    return [mlmSummary('kantaibert', model, result, notes)];
  }
  const summary = (
    recipe: string,
    model: string,
    result: { training: { steps: number; losses: number[] }; wallSeconds: number; final: Record<string, number>; evaluations: RecipeSummary['evaluations'] },
    notes: string[],
  ): RecipeSummary => ({
    recipe,
    model,
    steps: result.training.steps,
    wallSeconds: result.wallSeconds,
    metrics: result.final,
    evaluations: result.evaluations,
    firstLoss: result.training.losses[0]!,
    lastLoss: mean(result.training.losses.slice(-10)),
    notes,
  });
  const describeSeq2Seq = (c: {
    dModel: number;
    numHeads: number;
    layers: number;
    ffnSize: number;
    batchSize: number;
    lrFactor: number;
    warmupSteps: number;
    decay?: string;
    dropout: number;
    preLayerNorm?: boolean;
  }) =>
    `Transformer d${c.dModel}-A${c.numHeads}-L${c.layers}+${c.layers}-F${c.ffnSize}${c.preLayerNorm ? ' pre-LN' : ''}, dropout ${c.dropout}, B${c.batchSize}, Noam factor ${c.lrFactor} warm-up ${c.warmupSteps}${c.decay === 'linear' ? ' then linear decay to 0' : ''}`;
  if (input.recipe === 'copy-task') {
    const config = withSteps(copyTaskConfig(input.config as 'ci'));
    const result = await trainCopyTask({ ...common, config });
    result.parameters.dispose();
    const wrong = result.samples.filter((s) => s.output.join() !== (config.task === 'copy' ? s.source : [...s.source].reverse()).join());
    const notes = [`${config.task}: ${wrong.length} of ${result.samples.length} held-out sequences wrong; e.g. ${JSON.stringify(wrong.slice(0, 3))}`];
    return [
      summary(
        'copy-task',
        `${describeSeq2Seq(config)}, ${config.task}, ${config.symbols} symbols, lengths ${config.minLength}-${config.maxLength} (${input.config})`,
        result,
        notes,
      ),
    ];
  }
  if (input.recipe === 'translate-multi30k') {
    if (!input.multi30k) throw new Error('the translate-multi30k recipe needs the Multi30k files');
    const [train, validation, test] = (['train', 'validation', 'test'] as const).map((part) =>
      readParallelText(input.multi30k![part].source, input.multi30k![part].target),
    );
    const config = withSteps(translateConfig(input.config as 'ci'));
    const result = await trainTranslator({ ...common, train: train!, validation: validation!, test: test!, config });
    result.parameters.dispose();
    const notes = [
      `${result.translations.length} test sentences, beam ${config.beamSize}, α ${config.lengthPenalty}; ${result.droppedPairs} training pairs longer than ${config.length} tokens left out`,
      ...result.translations
        .slice(0, 3)
        .map(
          (t) => `${JSON.stringify(t.source)} → greedy ${JSON.stringify(t.greedy)}, beam ${JSON.stringify(t.beam)} (reference ${JSON.stringify(t.reference)})`,
        ),
    ];
    return [
      summary('translate-multi30k', `${describeSeq2Seq(config)}, joint BPE ${result.tokenizer.vocabSize}, T${config.length} (${input.config})`, result, notes),
    ];
  }
  if (input.recipe === 'gpt-kant') {
    const config = withSteps(gptKantConfig(input.config as 'ci'));
    const result = await trainGptKant({ ...common, text: input.text, config });
    result.parameters.dispose();
    const { ratio_to_unigram: ratio, ...metrics } = result.final;
    const notes = [
      `held-out loss / unigram by step: ${result.evaluations.map((e) => `${e.step} ${e.metrics.ratio_to_unigram.toFixed(3)}`).join(', ')}`,
      ...result.samples.map((s) => `sample (temperature 0.8, top-k 40, seed 1): ${JSON.stringify(s.text)}`),
    ];
    const model = `GPT2LMHeadModel L${config.layers}-H${config.hidden}-A${config.heads}, BPE ${result.tokenizer.vocabSize}, T${config.seqLength} B${config.batchSize} lr ${config.lr} (${input.config})`;
    return [{ ...summary('gpt-kant', model, { ...result, final: metrics }, notes), metrics: { ...metrics, ratio_to_unigram: ratio } }];
  }
  const pretrainingConfig = withSteps(bertPretrainingConfig(input.config as 'ci'));
  const pretrained = await pretrainBert({ ...common, text: input.text, config: pretrainingConfig, onTokenizer: (t) => log(`WordPiece: ${t.vocabSize} ids`) });
  const pretrainedModel = `BertForPreTraining ${describeEncoder(pretrainingConfig)}, WordPiece ${pretrained.tokenizer.vocabSize} (${input.config})`;
  const randomShare = `held-out pairs: ${pretrained.pairs.heldOut}, ${(100 * pretrained.pairs.heldOutRandomShare).toFixed(1)}% with a random B (the accuracy of always answering the larger class)`;
  const pretraining = mlmSummary('bert-pretraining', pretrainedModel, pretrained, [randomShare]);
  try {
    if (input.recipe === 'bert-pretraining') return [pretraining];
    if (!input.cola) throw new Error('the cola recipe needs the CoLA files');
    const { train, dev, ...settings } = input.cola;
    const result = await fineTuneCola({
      ...common,
      train,
      dev,
      from: pretrained,
      config: { ...settings },
      onEvaluate: (step, m) => log(`dev @${step}: ${format(m)}`),
    });
    result.parameters.dispose();
    const c = result.config;
    const cola: RecipeSummary = {
      recipe: 'cola',
      model: `BertForSequenceClassification from ${pretrainedModel}; ${c.epochs} epochs, B${c.batchSize} lr ${c.lr} T${c.maxLength}`,
      steps: result.training.steps,
      wallSeconds: result.wallSeconds + pretrained.wallSeconds,
      metrics: { mcc: result.final.mcc, accuracy: result.final.accuracy },
      evaluations: result.epochs.map((e) => ({ step: e.step, metrics: { mcc: e.mcc, accuracy: e.accuracy, train_loss: e.trainLoss } })),
      firstLoss: result.training.losses[0]!,
      lastLoss: mean(result.training.losses.slice(-10)),
      notes: [`pretrained first: ${format(pretrained.final)}; ${randomShare}`],
    };
    return [pretraining, cola];
  } finally {
    pretrained.parameters.dispose();
  }
}
