// `npm run bench -- recipes --recipe NAME [--config NAME] [--steps N] [--node]`: one recorded training
// run of a recipe, in headless Chromium (SwiftShader here) or in Node through Dawn, printing progress,
// and its rows { recipe, model, adapter, steps, wallSeconds, metric, value } merged into
// bench/results/recipes.json (a row of the same recipe, config, metric and adapter is replaced), with
// the run's notes (fill-mask predictions) beside them.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import puppeteer from 'puppeteer-core';
import type { PreviewServer } from 'vite';
import { type AdapterReport, createWebGPUBackend, gunzipText } from '../../src/index.js';
import { CHROMIUM_ARGS, findChromium } from '../../test/harness/chromium.js';
import { COLA_DEV, COLA_TRAIN, KANT, dataFile } from '../../test/harness/data.js';
import { servePage } from '../lib/processes.js';
import { type RecipeInput, type RecipeSummary, runRecipe } from './recipes.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const RECIPES = ['byte-mlm', 'kantaibert', 'bert-pretraining', 'cola', 'copy-task', 'translate-multi30k', 'gpt-kant'] as const;

const USAGE = `usage: npm run bench -- recipes --recipe <${RECIPES.join('|')}> [options]
  --config NAME      the recipe's named configuration (default recorded)
  --steps N          override the configuration's steps
  --evaluate-every N steps between held-out evaluations (default 250)
  --seed N           (default 1)
  --node             run in Node through Dawn instead of headless Chromium
  --text FILE        the corpus (default: the Kant text of the test data)
  --cola-epochs N    cola: fine-tuning epochs (default the seed's 4); --cola-lr X, --cola-batch N likewise
  (cola pretrains BERT with --config first, then fine-tunes on the CoLA files of the test data)
  --out FILE         the results file to merge into (default bench/results/recipes.json)`;

/** One row of recipes.json. */
export interface RecipeRow {
  recipe: string;
  model: string;
  adapter: string;
  steps: number;
  wallSeconds: number;
  metric: string;
  value: number;
  date: string;
}

const adapterName = (report: AdapterReport, environment: string) =>
  `${environment}: ${report.vendor}/${report.architecture}${report.description ? ` (${report.description.split(':')[0]})` : ''}`;

async function inChromium(input: RecipeInput): Promise<{ summaries: RecipeSummary[]; adapter: string }> {
  const runDir = join(root, '.cache', `bench-recipes-${process.pid}`);
  let server: PreviewServer | undefined;
  const browser = await puppeteer.launch({ executablePath: findChromium(), headless: true, args: CHROMIUM_ARGS, protocolTimeout: 6 * 3600_000 });
  try {
    const served = await servePage('bench/recipes/page', join(runDir, 'page'));
    server = served.server;
    const page = await browser.newPage();
    page.on('pageerror', (error) => console.error(`[page] ${String(error)}`));
    page.on('console', (message) => console.log(`[${input.recipe}] ${message.text()}`));
    await page.goto(served.url);
    await page.waitForFunction('window.shaderformerRecipes !== undefined');
    const report = (await page.evaluate(async () => {
      const gpu = await navigator.gpu.requestAdapter();
      return { vendor: gpu?.info.vendor ?? '?', architecture: gpu?.info.architecture ?? '?', description: gpu?.info.description ?? '' };
    })) as AdapterReport;
    const summaries = (await page.evaluate(`window.shaderformerRecipes.run(${JSON.stringify(input)})`)) as RecipeSummary[];
    return { summaries, adapter: adapterName(report, `Chromium ${await browser.version()}`) };
  } finally {
    await browser.close();
    await server?.close();
    rmSync(runDir, { recursive: true, force: true });
  }
}

async function inNode(input: RecipeInput): Promise<{ summaries: RecipeSummary[]; adapter: string }> {
  const backend = await createWebGPUBackend();
  try {
    const summaries = await runRecipe(backend, input, (line) => console.log(`[${input.recipe}] ${line}`));
    return { summaries, adapter: adapterName(backend.report, `Node ${process.version} Dawn`) };
  } finally {
    backend.destroy();
  }
}

/** Notes kept beside a run's rows (fill-mask predictions, the NSP class shares). */
export interface RecipeNote {
  recipe: string;
  model: string;
  adapter: string;
  date: string;
  lines: string[];
}

interface RecipesFile {
  name: 'recipes';
  rows: RecipeRow[];
  notes: RecipeNote[];
}

/** Merges rows and notes into the results file: one with the same recipe, model (and config), metric and adapter is replaced. */
function merge(file: string, rows: RecipeRow[], notes: RecipeNote[]): RecipesFile {
  const old: Partial<RecipesFile> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const run = (r: { recipe: string; model: string; adapter: string }) => `${r.recipe}|${r.model}|${r.adapter}`;
  const key = (r: RecipeRow) => `${run(r)}|${r.metric}`;
  const freshRows = new Set(rows.map(key));
  const freshNotes = new Set(notes.map(run));
  return {
    name: 'recipes',
    rows: [...(old.rows ?? []).filter((r) => !freshRows.has(key(r))), ...rows],
    notes: [...(old.notes ?? []).filter((n) => !freshNotes.has(run(n))), ...notes],
  };
}

/** `npm run bench -- recipes …`. */
export async function runRecipesBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      recipe: { type: 'string' },
      config: { type: 'string', default: 'recorded' },
      steps: { type: 'string' },
      'evaluate-every': { type: 'string', default: '250' },
      seed: { type: 'string', default: '1' },
      node: { type: 'boolean', default: false },
      text: { type: 'string' },
      'cola-epochs': { type: 'string' },
      'cola-lr': { type: 'string' },
      'cola-batch': { type: 'string' },
      out: { type: 'string', default: join(root, 'bench/results/recipes.json') },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const recipe = values.recipe as RecipeInput['recipe'];
  const steps = values.steps === undefined ? undefined : Number(values.steps);
  const evaluateEvery = Number(values['evaluate-every']);
  const seed = Number(values.seed);
  if (
    values.help ||
    !RECIPES.includes(recipe) ||
    (steps !== undefined && !(Number.isSafeInteger(steps) && steps > 0)) ||
    !(evaluateEvery > 0) ||
    !Number.isSafeInteger(seed)
  )
    throw new Error(USAGE);
  const textFile = values.text ?? KANT.path;
  if (!existsSync(textFile)) throw new Error(`the corpus ${textFile} is missing${values.text ? '' : ` (${KANT.missing}); pass --text FILE`}`);
  const input: RecipeInput = { recipe, config: values.config, seed, evaluateEvery, text: readFileSync(textFile, 'utf8'), ...(steps ? { steps } : {}) };
  if (recipe === 'cola') {
    for (const file of [COLA_TRAIN, COLA_DEV]) if (!file.present) throw new Error(`the cola recipe needs ${file.missing}`);
    const number = (key: 'cola-epochs' | 'cola-lr' | 'cola-batch') => (values[key] === undefined ? undefined : Number(values[key]));
    const settings = { epochs: number('cola-epochs'), lr: number('cola-lr'), batchSize: number('cola-batch') };
    input.cola = {
      train: readFileSync(COLA_TRAIN.path, 'utf8'),
      dev: readFileSync(COLA_DEV.path, 'utf8'),
      ...Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)),
    };
  }
  if (recipe === 'translate-multi30k') {
    const read = (split: string) => {
      const [en, de] = ['en', 'de'].map((lang) => {
        const file = dataFile(`multi30k/${split}.${lang}.gz`);
        if (!file.present) throw new Error(`the translate-multi30k recipe needs ${file.missing}`);
        return gunzipText(readFileSync(file.path));
      });
      return { source: en!, target: de! };
    };
    input.multi30k = { train: read('train'), validation: read('val'), test: read('test_2016_flickr') };
  }
  console.log(`[recipes] ${recipe} (${values.config}${steps ? `, ${steps} steps` : ''}) in ${values.node ? 'Node through Dawn' : 'headless Chromium'}`);
  const { summaries, adapter } = values.node ? await inNode(input) : await inChromium(input);
  const date = new Date().toISOString();
  const rows: RecipeRow[] = summaries.flatMap((summary) =>
    Object.entries(summary.metrics).map(([metric, value]) => ({
      recipe: summary.recipe,
      model: summary.model,
      adapter,
      steps: summary.steps,
      wallSeconds: Math.round(summary.wallSeconds),
      metric,
      value: Math.round(value * 1e4) / 1e4,
      date,
    })),
  );
  const notes: RecipeNote[] = summaries
    .filter((summary) => summary.notes.length > 0)
    .map((summary) => ({ recipe: summary.recipe, model: summary.model, adapter, date, lines: summary.notes }));
  mkdirSync(join(values.out, '..'), { recursive: true });
  writeFileSync(values.out, `${JSON.stringify(merge(values.out, rows, notes), null, 2)}\n`);
  for (const summary of summaries) {
    console.log(`[recipes] ${summary.recipe}: ${summary.steps} steps in ${summary.wallSeconds.toFixed(0)} s on ${adapter}`);
    for (const [metric, value] of Object.entries(summary.metrics)) console.log(`  ${metric.padEnd(18)} ${value.toFixed(4)}`);
    for (const note of summary.notes) console.log(`  ${note}`);
    console.log(`  loss ${summary.firstLoss.toFixed(4)} → ${summary.lastLoss.toFixed(4)} (mean of the last 10)`);
  }
  console.log(`[recipes] rows merged into ${values.out}`);
}
