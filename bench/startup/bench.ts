import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import puppeteer from 'puppeteer-core';
import type { PreviewServer } from 'vite';
import type { AdapterReport } from '../../src/index.js';
import { CHROMIUM_ARGS, findChromium } from '../../test/harness/chromium.js';
import { describeAdapter } from '../../test/harness/report.js';
import type { CaseInfo, Row } from '../lib/bench.js';
import { buildNodeChild, runNodeChild, servePage } from '../lib/processes.js';
import { STARTUP_EXAMPLES, type StartupExample, type StartupResult } from './cases.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

const USAGE = `usage: npm run bench -- startup [options]
  --text FILE      the training example's text (e.g. Kant, Project Gutenberg eBook #4280, plain text);
                   without it the readme-training-first-loss cases are not run
  --runs N         cold starts per case (default 3); the row's value is their median
  --case S         only cases whose name contains S (repeatable)
  --out FILE       where to write the JSON (default bench/results/startup.json; a run filtered by --case writes only with --out)`;

type Adapter = 'swiftshader' | 'lavapipe';

/** The issue's targets, in seconds (none for the training example on lavapipe). */
const TARGETS: Record<string, number> = {
  'readme-example/swiftshader': 3,
  'readme-example/lavapipe': 10,
  'readme-training-first-loss/swiftshader': 20,
};

const CASES: (CaseInfo & { example: StartupExample; adapter: Adapter })[] = STARTUP_EXAMPLES.flatMap((example) =>
  (['swiftshader', 'lavapipe'] as const).map((adapter) => ({
    case: `${example}/${adapter}`,
    example,
    adapter,
    detail: `${example === 'readme-example' ? 'examples/quick-start.ts: open the backend, matmul + add, read back' : 'examples/train-mlm.ts: open the backend, build and compile the step, until step 1 prints its loss'}; ${
      adapter === 'swiftshader'
        ? 'a new headless Chromium per run (fresh --user-data-dir, --disable-gpu-shader-disk-cache), SwiftShader'
        : 'a new Node process per run, Dawn on Mesa lavapipe, MESA_SHADER_CACHE_DISABLE=true'
    }`,
  })),
);

/** bench/results/startup.json: the usual report, with an adapter per environment (the cases use both). */
interface StartupReport {
  name: 'startup';
  date: string;
  browser: string;
  node: string;
  adapters: Partial<Record<Adapter, AdapterReport>>;
  runs: number;
  loadAverage: { start: number[]; end: number[] };
  cases: CaseInfo[];
  rows: Row[];
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

/** One cold start in a new headless Chromium: its own profile, no GPU shader disk cache. */
async function chromiumRun(url: string, example: StartupExample, text: string, version: { value: string }): Promise<StartupResult & { launchMs: number }> {
  const launched = performance.now();
  const profile = mkdtempSync(join(tmpdir(), 'shaderformer-startup-'));
  const browser = await puppeteer.launch({
    executablePath: findChromium(),
    headless: true,
    args: [...CHROMIUM_ARGS, '--disable-gpu-shader-disk-cache'],
    userDataDir: profile,
    protocolTimeout: 30 * 60_000,
  });
  try {
    version.value = await browser.version();
    const page = await browser.newPage();
    page.on('pageerror', (error) => console.error(`[page] ${String(error)}`));
    await page.goto(url);
    await page.waitForFunction('window.shaderformerStartup !== undefined');
    if (text) await page.evaluate(`window.shaderformerStartup.setText(${JSON.stringify(text)})`);
    const result = (await page.evaluate(`window.shaderformerStartup.run(${JSON.stringify(example)})`)) as StartupResult;
    return { ...result, launchMs: performance.now() - launched };
  } finally {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/** One cold start in a new Node process on Dawn, Mesa's shader cache off. */
async function nodeRun(child: string, example: StartupExample, textFile: string | undefined): Promise<StartupResult & { launchMs: number }> {
  const launched = performance.now();
  const env = { ...process.env, MESA_SHADER_CACHE_DISABLE: 'true', XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' };
  const result = await runNodeChild<StartupResult>(child, [example, ...(textFile ? [textFile] : [])], env, example);
  return { ...result, launchMs: performance.now() - launched };
}

/** The printed table: median seconds, every run, the adapter, and the target when the issue sets one. */
function formatStartupTable(report: StartupReport): string {
  const header = ['case', 'seconds', 'runs (s)', 'adapter', 'target'];
  const lines = report.rows.map((row) => {
    const target = TARGETS[row.case];
    const adapter = row.case.endsWith('/swiftshader') ? report.adapters.swiftshader : report.adapters.lavapipe;
    const met = target === undefined || row.value === null ? '-' : `≤ ${target} s: ${row.value <= target ? 'met' : 'NOT met'}`;
    const runs = /runs: ([^;]*)/.exec(row.note ?? '')?.[1] ?? '';
    return [
      row.case,
      row.value === null ? 'error' : `${row.ok ? '' : '✗ '}${row.value.toFixed(2)}`,
      runs,
      adapter ? `${adapter.vendor}/${adapter.architecture}${adapter.description ? ` (${adapter.description.split(':')[0]})` : ''}` : '-',
      met,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) =>
    cells
      .map((s, i) => (i === 1 ? s.padStart(widths[i]!) : s.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(format)].join('\n');
}

/** `npm run bench -- startup …`: runs the cold starts, prints the table, writes the JSON. */
export async function runStartupBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      text: { type: 'string' },
      runs: { type: 'string', default: '3' },
      case: { type: 'string', multiple: true, default: [] },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const runs = Number(values.runs);
  if (values.help || !(Number.isSafeInteger(runs) && runs > 0)) throw new Error(USAGE);
  if (values.text && !existsSync(values.text)) throw new Error(`--text ${values.text} does not exist`);
  const text = values.text ? readFileSync(values.text, 'utf8') : '';
  const cases = CASES.filter((c) => values.case.length === 0 || values.case.some((s) => c.case.includes(s)));
  if (cases.length === 0) throw new Error(`no case matches ${values.case.join(', ')}\n${USAGE}`);

  const runDir = join(root, '.cache', `bench-startup-${process.pid}`);
  let server: PreviewServer | undefined;
  const started = Date.now();
  const loadAtStart = loadavg();
  const rows: Row[] = [];
  const adapters: StartupReport['adapters'] = {};
  const version = { value: '' };
  try {
    console.log('[startup] building the page and the Node bundle (untimed)…');
    const served = await servePage('bench/startup/page', join(runDir, 'page'));
    server = served.server;
    const child = await buildNodeChild('bench/startup/node-child.ts', join(runDir, 'node'));
    for (const c of cases) {
      if (c.example === 'readme-training-first-loss' && !text) {
        rows.push({ case: c.case, impl: 'shaderformer', metric: 'seconds', value: null, maxAbsErr: null, ok: false, error: 'no --text FILE given' });
        console.log(`[startup] ${c.case}: skipped (no --text FILE)`);
        continue;
      }
      const results: (StartupResult & { launchMs: number })[] = [];
      try {
        for (let i = 0; i < runs; i++) {
          const result = c.adapter === 'swiftshader' ? await chromiumRun(served.url, c.example, text, version) : await nodeRun(child, c.example, values.text);
          adapters[c.adapter] = result.adapter;
          results.push(result);
          console.log(
            `[startup] ${c.case} run ${i + 1}/${runs}: ${result.seconds.toFixed(2)} s (result ${result.result.map((v) => round2(v)).join(', ')}; ` +
              `${(result.launchMs / 1000).toFixed(2)} s from launching the ${c.adapter === 'swiftshader' ? 'browser' : 'process'})`,
          );
        }
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        rows.push({ case: c.case, impl: 'shaderformer', metric: 'seconds', value: null, maxAbsErr: null, ok: false, error: message });
        console.log(`[startup] ${c.case}: error: ${message}`);
        continue;
      }
      const seconds = results.map((r) => r.seconds);
      const value = round2(median(seconds));
      const where = c.adapter === 'swiftshader' ? 'browser launch' : 'process start';
      rows.push({
        case: c.case,
        impl: 'shaderformer',
        metric: 'seconds',
        value,
        maxAbsErr: Math.max(...results.map((r) => r.maxAbsErr)),
        ok: results.every((r) => r.ok),
        ms: round2(value * 1000),
        rounds: runs,
        perRound: 1,
        ...(c.example === 'readme-training-first-loss' ? { firstLoss: results[0]!.result[0]! } : {}),
        note:
          `runs: ${seconds.map((s) => s.toFixed(2)).join(', ')}; ` +
          `${where} to result: ${results.map((r) => (r.launchMs / 1000).toFixed(2)).join(', ')} s` +
          (c.adapter === 'swiftshader' ? `; page start to result: ${results.map((r) => (r.sinceOriginMs / 1000).toFixed(2)).join(', ')} s` : ''),
      });
    }
  } finally {
    await server?.close();
    rmSync(runDir, { recursive: true, force: true });
  }

  const report: StartupReport = {
    name: 'startup',
    date: new Date().toISOString(),
    browser: version.value,
    node: process.version,
    adapters,
    runs,
    loadAverage: { start: loadAtStart.map(round2), end: loadavg().map(round2) },
    cases: cases.map(({ case: name, detail }) => ({ case: name, detail })),
    rows,
  };
  const load = `load average ${report.loadAverage.start[0]} at start, ${report.loadAverage.end[0]} at end`;
  const adapterLines = Object.entries(adapters).map(([name, a]) => `  ${name}: ${describeAdapter(a)}`);
  console.log(
    `\nstartup: cold seconds to the result (lower is better; median of ${runs}), ${load}, ${((Date.now() - started) / 1000).toFixed(0)} s in all\n${adapterLines.join('\n')}\n${formatStartupTable(report)}\n`,
  );
  const out = values.out ?? (values.case.length > 0 ? undefined : join(root, 'bench/results/startup.json'));
  if (out) {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`[startup] wrote ${relative(process.cwd(), out)}`);
  } else {
    console.log('[startup] filtered run: results not written (pass --out FILE to keep them)');
  }
}
