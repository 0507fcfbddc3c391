// `npm run bench -- <name…> [--node] [--case S] [--impl S] [--budget SECONDS] [--out FILE]`
// Builds the bench page, serves it on 127.0.0.1, drives it in one headless Chromium (or, with
// --node, runs our implementations in Node through Dawn), prints progress and a table, and writes
// bench/results/<name>.json.
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import puppeteer, { type Browser } from 'puppeteer-core';
import { build, preview, type PreviewServer } from 'vite';
import { createWebGPUBackend } from '../src/index.js';
import { launchChromium } from '../test/harness/chromium.js';
import { describeAdapter } from '../test/harness/report.js';
import { wgslText } from '../vite.config.js';
import { createGemmBenchmark } from './gemm/bench.js';
import { ourGemmImpls } from './gemm/ours.js';
import { createAttentionBenchmark } from './attention/bench.js';
import { ourAttentionImpls } from './attention/ours.js';
import { createTrainStepBenchmark } from './train-step/bench.js';
import { ourTrainStepImpls } from './train-step/ours.js';
import { createTokenizerBenchmark } from './tokenizer/bench.js';
import { createRowsBenchmark } from './rows/bench.js';
import { createDecodeBenchmark } from './decode/bench.js';
import { runStartupBench } from './startup/bench.js';
import { runIoBench } from './io/bench.js';
import { runRecipesBench } from './recipes/bench.js';
import type { Benchmark, Row } from './lib/bench.js';
import { type BenchmarkHost, exposeHost } from './lib/host.js';
import { type Report, caseRatio, formatTable, metricLabel } from './lib/report.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const BENCHMARKS = ['gemm', 'attention', 'train-step', 'tokenizer', 'rows', 'decode'];
/** Benchmarks that need no GPU: they run in Node, whatever --node says, with neither Chromium nor Dawn. */
const CPU_ONLY: Record<string, () => Benchmark> = { tokenizer: createTokenizerBenchmark };
/** Benchmarks with a runner of their own (a fresh process per run), taking their own options: `npm run bench -- startup --help`. */
const STANDALONE: Record<string, (argv: string[]) => Promise<void>> = { startup: runStartupBench, io: runIoBench, recipes: runRecipesBench };

const USAGE = `usage: npm run bench -- <${BENCHMARKS.join('|')}>… [options]
       npm run bench -- startup [--text FILE] [--runs N] [--case S] [--out FILE]   (cold starts; see bench/README.md)
       npm run bench -- io [--size MB] [--case S] [--out FILE]   (safetensors load/save throughput and peak memory)
       npm run bench -- recipes --recipe NAME [--config NAME] [--steps N] [--node]   (a recorded training run → bench/results/recipes.json)
  --node           run our implementations in Node with Dawn (the webgpu package) instead of Chromium; no peers
  --case S         only cases whose name contains S (repeatable)
  --impl S         only implementations whose name contains S (repeatable)
  --budget SECS    timing budget per case and implementation (default 4)
  --out FILE       where to write the JSON (default bench/results/<name>.json, <name>-node.json with --node;
                   a run filtered by --case/--impl writes only when --out is given)`;

interface Options {
  names: string[];
  node: boolean;
  cases: string[];
  impls: string[];
  budgetSeconds: number;
  out?: string;
}

function parse(argv: string[]): Options {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      node: { type: 'boolean', default: false },
      case: { type: 'string', multiple: true, default: [] },
      impl: { type: 'string', multiple: true, default: [] },
      budget: { type: 'string', default: '4' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const names = positionals.length > 0 ? positionals : BENCHMARKS;
  const unknown = names.filter((n) => !BENCHMARKS.includes(n));
  const budgetSeconds = Number(values.budget);
  if (values.help || unknown.length > 0 || !(budgetSeconds > 0)) {
    throw new Error(`${unknown.length ? `unknown benchmark ${unknown.join(', ')}\n` : ''}${USAGE}`);
  }
  if (values.out && names.length > 1) throw new Error('--out takes one benchmark');
  return { names, node: values.node, cases: values.case, impls: values.impl, budgetSeconds, out: values.out };
}

/** Builds bench/page with Vite into `outDir`, adds onnxruntime-web's .wasm (served, never fetched from a CDN), serves it. */
async function serveBenchPage(outDir: string): Promise<{ url: string; server: PreviewServer }> {
  const shared = { configFile: false as const, root: join(root, 'bench/page'), logLevel: 'warn' as const, plugins: [wgslText()] };
  await build({ ...shared, build: { outDir, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 100_000 } });
  const ortDist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web/webgpu'));
  mkdirSync(join(outDir, 'ort'), { recursive: true });
  for (const file of ['ort-wasm-simd-threaded.asyncify.wasm', 'ort-wasm-simd-threaded.asyncify.mjs']) {
    copyFileSync(join(ortDist, file), join(outDir, 'ort', file));
  }
  const server = await preview({ ...shared, build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false } });
  const address = server.httpServer.address();
  if (!address || typeof address === 'string') throw new Error('bench preview server has no port');
  return { url: `http://127.0.0.1:${address.port}/`, server };
}

/** The page's host, called through page.evaluate (strings, not functions: nothing rewrites them). */
async function browserHost(browser: Browser, url: string): Promise<BenchmarkHost> {
  // A slow implementation on a big case can take minutes under load: a client of our own, with a
  // longer limit per protocol call than launchChromium's default 180 s.
  const client = await puppeteer.connect({ browserWSEndpoint: browser.wsEndpoint(), protocolTimeout: 30 * 60_000 });
  const page = await client.newPage();
  page.on('pageerror', (error) => console.error(`[page] ${String(error)}`));
  page.on('console', (message) => {
    if (message.type() === 'error') console.error(`[page] ${message.text()}`);
  });
  await page.goto(url);
  await page.waitForFunction('window.shaderformerBench !== undefined');
  const call =
    (method: keyof BenchmarkHost) =>
    (...args: unknown[]) =>
      page.evaluate(`window.shaderformerBench.${method}(...${JSON.stringify(args)})`);
  return {
    adapter: call('adapter'),
    describe: call('describe'),
    prepare: call('prepare'),
    run: call('run'),
    release: call('release'),
  } as BenchmarkHost;
}

/** Our implementations in Node with Dawn. */
function nodeHost(): BenchmarkHost {
  return exposeHost(async () => {
    const gpu = await createWebGPUBackend();
    return {
      adapter: gpu.report,
      benchmarks: {
        gemm: () => createGemmBenchmark(ourGemmImpls(gpu)),
        attention: () => createAttentionBenchmark(ourAttentionImpls(gpu)),
        'train-step': () => createTrainStepBenchmark(ourTrainStepImpls(gpu)),
        rows: () => createRowsBenchmark(gpu),
        decode: () => createDecodeBenchmark(gpu),
      },
    };
  });
}

const round2 = (x: number) => Math.round(x * 100) / 100;

function describeRow(row: Row): string {
  if (row.value === null) return `error: ${row.error}`;
  const check = row.ok ? (row.maxAbsErr === null ? 'checked' : `max|err| ${row.maxAbsErr}`) : `CHECK FAILED: ${row.error}`;
  const memory = row.peakBytes === undefined ? '' : `, peak ${(row.peakBytes / 2 ** 20).toFixed(1)} MiB`;
  const value = `${row.value} ${{ ms: 'ms', gflops: 'GFLOP/s', seconds: 's', 'MB/s': 'MB/s', tokens_per_s: 'tokens/s' }[row.metric]}`;
  const losses = row.firstLoss === undefined ? '' : `, loss ${row.firstLoss} → ${row.lastLoss} (reference ${row.referenceLoss})`;
  return `${value}${memory}${losses}  (${row.ms} ms/op, median of ${row.rounds}×${row.perRound}; ${check})${row.note ? ` [${row.note}]` : ''}`;
}

async function runBenchmark(host: BenchmarkHost, name: string, options: Options, environment: Report['environment'], browserVersion?: string): Promise<Report> {
  const matches = (value: string, filters: string[]) => filters.length === 0 || filters.some((f) => value.includes(f));
  const described = await host.describe(name);
  const cases = described.cases.filter((c) => matches(c.case, options.cases));
  const impls = described.impls.filter((i) => matches(i, options.impls));
  if (cases.length === 0 || impls.length === 0) throw new Error(`${name}: no case or implementation matches the filters`);
  const adapter = name in CPU_ONLY ? undefined : await host.adapter();
  console.log(`[${name}] ${cases.length} cases × ${impls.length} implementations (${impls.join(', ')}), budget ${options.budgetSeconds} s each`);
  const rows: Row[] = [];
  const started = Date.now();
  const loadAtStart = loadavg();
  for (const [index, c] of cases.entries()) {
    const elapsed = ((Date.now() - started) / 1000).toFixed(0);
    console.log(`[${name}] (${index + 1}/${cases.length}, ${elapsed} s) ${c.case}: ${c.detail}`);
    await host.prepare(name, c.case);
    for (const impl of impls) {
      const row = await host.run(name, c.case, impl, options.budgetSeconds * 1000);
      rows.push(row);
      console.log(`    ${impl.padEnd(32)} ${describeRow(row)}`);
    }
    const { ratio, ours, peer } = caseRatio(rows.filter((r) => r.case === c.case));
    if (ratio !== undefined) console.log(`    best ours vs best peer: ${ratio.toFixed(2)}× as fast (${ours!.impl} vs ${peer!.impl})`);
    await host.release(name, c.case);
  }
  console.log(`[${name}] done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return {
    name,
    date: new Date().toISOString(),
    environment,
    ...(browserVersion ? { browser: browserVersion } : {}),
    node: process.version,
    ...(adapter ? { adapter } : {}),
    budgetSeconds: options.budgetSeconds,
    loadAverage: { start: loadAtStart.map(round2), end: loadavg().map(round2) },
    cases,
    rows,
  };
}

export async function main(argv: string[]): Promise<void> {
  const standalone = argv[0] === undefined ? undefined : STANDALONE[argv[0]];
  if (standalone) return standalone(argv.slice(1));
  const options = parse(argv);
  const runDir = join(root, '.cache', `bench-${process.pid}`);
  let browser: Browser | undefined;
  let server: PreviewServer | undefined;
  try {
    let host: BenchmarkHost | undefined;
    let browserVersion: string | undefined;
    const cpuHost = exposeHost(async () => ({ adapter: undefined as never, benchmarks: CPU_ONLY }));
    if (options.names.every((name) => name in CPU_ONLY)) {
      console.log(`[node] ${process.version} · no GPU needed`);
    } else if (options.node) {
      host = nodeHost();
      console.log(`[node] ${process.version} · ${describeAdapter(await host.adapter())}`);
    } else {
      console.log('[bench] building the bench page…');
      const served = await serveBenchPage(join(runDir, 'page'));
      server = served.server;
      browser = await launchChromium();
      browserVersion = await browser.version();
      host = await browserHost(browser, served.url);
      console.log(`[chromium] ${browserVersion} · ${describeAdapter(await host.adapter())}`);
    }
    const filtered = options.cases.length > 0 || options.impls.length > 0;
    for (const name of options.names) {
      const cpuOnly = name in CPU_ONLY;
      const report = cpuOnly
        ? await runBenchmark(cpuHost, name, options, 'node')
        : await runBenchmark(host!, name, options, options.node ? 'node' : 'chromium', browserVersion);
      const load = `load average ${report.loadAverage.start[0]} at start, ${report.loadAverage.end[0]} at end`;
      const where = report.adapter ? describeAdapter(report.adapter) : 'CPU only';
      console.log(`\n${name}: ${metricLabel(report)}, ${report.environment}, ${where}, ${load}\n${formatTable(report)}\n`);
      const suffix = options.node && !cpuOnly ? '-node' : '';
      const out = options.out ?? (filtered ? undefined : join(root, 'bench/results', `${name}${suffix}.json`));
      if (out) {
        mkdirSync(dirname(out), { recursive: true });
        writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
        console.log(`[${name}] wrote ${relative(process.cwd(), out)}`);
      } else {
        console.log(`[${name}] filtered run: results not written (pass --out FILE to keep them)`);
      }
    }
  } finally {
    await browser?.close();
    await server?.close();
    rmSync(runDir, { recursive: true, force: true });
  }
}
