import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { mkdtempSync } from 'node:fs';
import puppeteer from 'puppeteer-core';
import type { PreviewServer } from 'vite';
import { CHROMIUM_ARGS, findChromium } from '../../test/harness/chromium.js';
import { buildNodeChild, runNodeChild, servePage } from '../lib/processes.js';
import type { IoResult } from './cases.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

const CASES = [
  {
    case: 'load/arraybuffer',
    where: 'node',
    detail: 'Node/Dawn: the file already in an ArrayBuffer (not counted), read one tensor at a time into ParameterStore.load (as fromPretrained loads)',
  },
  {
    case: 'load/file',
    where: 'node',
    detail: 'Node/Dawn: a file path, read one tensor at a time (FileHandle reads) into ParameterStore.load (as fromPretrained loads)',
  },
  { case: 'save/file', where: 'node', detail: 'Node/Dawn: backend tensors read back one at a time (tensor.data()) and streamed to a file' },
  {
    case: 'load/blob',
    where: 'chromium',
    detail: 'Chromium/SwiftShader: a Blob made in the page before the baseline, read one tensor at a time into ParameterStore.load (as fromPretrained loads)',
  },
  { case: 'save/blob', where: 'chromium', detail: 'Chromium/SwiftShader: backend tensors read back one at a time and joined into a Blob' },
] as const;

const NOTE =
  'MBps = tensor-data bytes / seconds / 1e6, from the start of the work (opening the source, or the first read-back) to the last upload ' +
  'finished (backend.sync() after each tensor) or the last byte written. peak_x_model = (the largest growth of resident memory during the ' +
  'work over a baseline taken just before it, after a forced GC with the backend open and the input ready, + residentGpuBytes, the GPU ' +
  "bytes already live at the baseline: a save's model, 0 for a load) / tensor-data bytes. Node cases: the child process RSS, sampled every " +
  '5 ms and after each tensor. Chromium cases: the summed RSS (/proc/<pid>/statm) of every process of a freshly launched headless ' +
  'Chromium (browser, renderer, GPU process), sampled every 10 ms by the runner. Both adapters are software (lavapipe keeps GPU buffers ' +
  'in the Node process, SwiftShader in the GPU process), so RSS growth already includes the GPU bytes; backend.stats().peakLiveBytes is ' +
  'given per row as gpuPeakBytes, and for Node jsPeakGrowthBytes (heapUsed + arrayBuffers, per tensor) too; accountedXModel = ' +
  '(jsPeakGrowthBytes + gpuPeakBytes) / model is the formula JS heap + GPU bytes. The loaded model on the GPU is about 1.02x the tensor ' +
  'data (the buffer pool sizes buffers above 1 MiB within an eighth of an octave). Loads stream SafetensorsFile.tensors({ reuse: true }) ' +
  '(one buffer for every tensor; F32 in an ArrayBuffer as views) into ParameterStore.load, the path fromPretrained takes. The ArrayBuffer of load/arraybuffer and the Blob of load/blob exist ' +
  'before the baseline (inputs, not counted); the output Blob of save/blob is in memory (browser process), so it is counted.';

const USAGE = `usage: npm run bench -- io [options]
  --size MB        model size in megabytes (default 440, BERT-base; layers and vocabulary scale with it)
  --case S         only cases whose name contains S (repeatable): ${CASES.map((c) => c.case).join(', ')}
  --out FILE       where to write the JSON (default bench/results/io.json; a run filtered by --case writes only with --out)`;

interface IoRow {
  case: string;
  impl: 'shaderformer';
  metric: 'MBps' | 'peak_x_model';
  value: number | null;
  ok: boolean;
  seconds?: number;
  modelBytes?: number;
  fileBytes?: number;
  gpuPeakBytes?: number;
  residentGpuBytes?: number;
  rssPeakGrowthBytes?: number;
  jsPeakGrowthBytes?: number;
  accountedXModel?: number;
  error?: string;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

function nodeCase(child: string, caseName: string, file: string, megabytes: number): Promise<IoResult> {
  const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' };
  return runNodeChild<IoResult>(child, [caseName, file, String(megabytes)], env, caseName, ['--expose-gc']);
}

/** Every process under `pid` (itself included). */
function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift()!;
    out.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return out;
}

/** Resident bytes of `pids` together (a process that ended counts 0). */
function rssOf(pids: readonly number[]): number {
  let pages = 0;
  for (const pid of pids) {
    try {
      pages += Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
    } catch {
      // ended
    }
  }
  return pages * 4096;
}

async function chromiumCase(url: string, caseName: string, megabytes: number): Promise<IoResult & { browser: string }> {
  const profile = mkdtempSync(join(tmpdir(), 'shaderformer-io-'));
  const browser = await puppeteer.launch({
    executablePath: findChromium(),
    headless: true,
    args: [...CHROMIUM_ARGS, '--js-flags=--expose-gc'],
    userDataDir: profile,
    protocolTimeout: 30 * 60_000,
  });
  try {
    const page = await browser.newPage();
    page.on('pageerror', (error) => console.error(`[page] ${String(error)}`));
    await page.goto(url);
    await page.waitForFunction('window.shaderformerIo !== undefined');
    await page.evaluate(`window.shaderformerIo.prepare(${JSON.stringify(caseName)}, ${megabytes})`);
    const pids = processTree(browser.process()!.pid!);
    const baseline = rssOf(pids);
    let peak = 0;
    const timer = setInterval(() => {
      peak = Math.max(peak, rssOf(pids) - baseline);
    }, 10);
    try {
      const result = (await page.evaluate('window.shaderformerIo.run()')) as IoResult;
      peak = Math.max(peak, rssOf(pids) - baseline);
      return { ...result, rssPeakGrowthBytes: peak, browser: await browser.version() };
    } finally {
      clearInterval(timer);
    }
  } finally {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

function rowsOf(caseName: string, result: IoResult): IoRow[] {
  const ok = result.mismatches === 0 && result.checked > 0;
  const extra = {
    seconds: round3(result.seconds),
    modelBytes: result.modelBytes,
    fileBytes: result.fileBytes,
    gpuPeakBytes: result.gpuPeakBytes,
    residentGpuBytes: result.residentGpuBytes,
    ...(result.rssPeakGrowthBytes !== undefined ? { rssPeakGrowthBytes: result.rssPeakGrowthBytes } : {}),
    ...(result.jsPeakGrowthBytes !== undefined
      ? { jsPeakGrowthBytes: result.jsPeakGrowthBytes, accountedXModel: round2((result.jsPeakGrowthBytes + result.gpuPeakBytes) / result.modelBytes) }
      : {}),
    ...(ok ? {} : { error: `check: ${result.mismatches} of ${result.checked} values differ` }),
  };
  return [
    { case: caseName, impl: 'shaderformer', metric: 'MBps', value: round2(result.modelBytes / result.seconds / 1e6), ok, ...extra },
    {
      case: caseName,
      impl: 'shaderformer',
      metric: 'peak_x_model',
      value: round2(((result.rssPeakGrowthBytes ?? Number.NaN) + result.residentGpuBytes) / result.modelBytes),
      ok,
      ...extra,
    },
  ];
}

function formatTable(rows: IoRow[]): string {
  const header = ['case', 'MB/s', 'peak × model', 'GPU peak MB', 'JS+GPU × model', 'seconds', 'check'];
  const cases = [...new Set(rows.map((r) => r.case))];
  const lines = cases.map((c) => {
    const speed = rows.find((r) => r.case === c && r.metric === 'MBps');
    const peak = rows.find((r) => r.case === c && r.metric === 'peak_x_model');
    if (!speed || speed.value === null) return [c, 'error', '', '', '', '', speed?.error ?? ''];
    return [
      c,
      speed.value.toFixed(1),
      `${peak?.value?.toFixed(2) ?? '-'}${peak?.value !== undefined && peak.value !== null ? (peak.value <= 1.2 ? ' (≤ 1.2 met)' : ' (> 1.2)') : ''}`,
      ((speed.gpuPeakBytes ?? 0) / 1e6).toFixed(0),
      speed.accountedXModel?.toFixed(2) ?? '-',
      String(speed.seconds),
      speed.ok ? 'ok' : `FAILED ${speed.error ?? ''}`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) =>
    cells
      .map((s, i) => s.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(format)].join('\n');
}

/** `npm run bench -- io …`: writes the model file, runs each case in a fresh process, prints the table, writes the JSON. */
export async function runIoBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      size: { type: 'string', default: '440' },
      case: { type: 'string', multiple: true, default: [] },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const megabytes = Number(values.size);
  if (values.help || !(megabytes >= 1)) throw new Error(USAGE);
  const cases = CASES.filter((c) => values.case.length === 0 || values.case.some((s) => c.case.includes(s)));
  if (cases.length === 0) throw new Error(`no case matches ${values.case.join(', ')}\n${USAGE}`);
  const runDir = join(root, '.cache', `bench-io-${process.pid}`);
  mkdirSync(runDir, { recursive: true });
  const started = Date.now();
  const loadAtStart = loadavg();
  const rows: IoRow[] = [];
  let server: PreviewServer | undefined;
  let browserVersion = '';
  try {
    console.log('[io] building the Node child and the page (untimed)…');
    const child = await buildNodeChild('bench/io/node-child.ts', join(runDir, 'node'));
    const file = join(runDir, 'model.safetensors');
    const prepared = (await nodeCase(child, 'prepare', file, megabytes)) as unknown as { fileBytes: number };
    console.log(`[io] wrote the ${(prepared.fileBytes / 1e6).toFixed(1)} MB model file (${megabytes} MB asked)`);
    if (cases.some((c) => c.where === 'chromium')) server = (await servePage('bench/io/page', join(runDir, 'page'))).server;
    const address = server?.httpServer.address();
    const url = address && typeof address !== 'string' ? `http://127.0.0.1:${address.port}/` : '';
    for (const c of cases) {
      try {
        const result =
          c.where === 'node'
            ? await nodeCase(child, c.case, c.case === 'save/file' ? join(runDir, 'saved.safetensors') : file, megabytes)
            : await chromiumCase(url, c.case, megabytes);
        if ('browser' in result) browserVersion = String(result.browser);
        const [speed, peak] = rowsOf(c.case, result);
        rows.push(speed!, peak!);
        console.log(
          `[io] ${c.case}: ${speed!.value} MB/s, peak ${peak!.value}× model, ${speed!.seconds} s, GPU peak ${(result.gpuPeakBytes / 1e6).toFixed(0)} MB${speed!.ok ? '' : ` ${speed!.error}`}`,
        );
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        for (const metric of ['MBps', 'peak_x_model'] as const)
          rows.push({ case: c.case, impl: 'shaderformer', metric, value: null, ok: false, error: message });
        console.log(`[io] ${c.case}: error: ${message}`);
      }
    }
  } finally {
    await server?.close();
    rmSync(runDir, { recursive: true, force: true });
  }
  const report = {
    name: 'io',
    date: new Date().toISOString(),
    node: process.version,
    browser: browserVersion,
    sizeMegabytes: megabytes,
    modelBytes: rows.find((r) => r.modelBytes !== undefined)?.modelBytes ?? null,
    loadAverage: { start: loadAtStart.map(round2), end: loadavg().map(round2) },
    goal: 'peak_x_model ≤ 1.2',
    note: NOTE,
    cases: cases.map(({ case: name, detail }) => ({ case: name, detail })),
    rows,
  };
  console.log(
    `\nio: safetensors load/save of a ${megabytes} MB F32 model, load average ${report.loadAverage.start[0]} at start, ${report.loadAverage.end[0]} at end, ${((Date.now() - started) / 1000).toFixed(0)} s in all\n${formatTable(rows)}\n`,
  );
  const out = values.out ?? (values.case.length > 0 ? undefined : join(root, 'bench/results/io.json'));
  if (out) {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`[io] wrote ${relative(process.cwd(), out)}`);
  } else {
    console.log('[io] filtered run: results not written (pass --out FILE to keep them)');
  }
}
