// The recipes `npm run bench -- recipes` records, run the same way in a page (Chromium's adapter) and
// in Node (Dawn): each returns its metrics under recipes.json's metric names.
import { type Backend, type StepProgress, byteMlmConfig, trainByteMlm } from '../../src/index.js';

/** What the runner sends: the recipe, its configuration and its data (read from files by the runner). */
export interface RecipeInput {
  recipe: 'byte-mlm';
  /** A named configuration of the recipe ('ci', 'recorded', …). */
  config: string;
  /** Overrides the configuration's steps. */
  steps?: number;
  seed: number;
  /** Steps between held-out evaluations. */
  evaluateEvery: number;
  /** The corpus (the Kant text). */
  text: string;
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

/** Runs one recipe on `backend`, logging progress; resolves to its summary. */
export async function runRecipe(backend: Backend, input: RecipeInput, log: (line: string) => void): Promise<RecipeSummary> {
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
  if (input.recipe === 'byte-mlm') {
    const config = input.config as 'ci' | 'recorded';
    const result = await trainByteMlm({ ...common, text: input.text, config: input.steps ? { ...byteMlmConfig(config), steps: input.steps } : config });
    try {
      const c = result.config;
      const { heldout_mlm_loss, unigram_loss, heldout_accuracy } = result.final;
      return {
        recipe: 'byte-mlm',
        model: `BertForMaskedLM L${c.layers}-H${c.hidden}-A${c.heads}-F${c.intermediate} bytes, T${c.seqLength} B${c.batchSize} lr ${c.lr} (${input.config})`,
        steps: result.training.steps,
        wallSeconds: result.wallSeconds,
        metrics: { heldout_mlm_loss, unigram_loss, heldout_accuracy },
        evaluations: result.evaluations,
        firstLoss: result.training.losses[0]!,
        lastLoss: mean(result.training.losses.slice(-10)),
        notes: [],
      };
    } finally {
      result.parameters.dispose();
    }
  }
  throw new Error(`unknown recipe ${JSON.stringify(input.recipe)}`);
}
