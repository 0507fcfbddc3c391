// The results file and the printed table.
import type { AdapterReport } from '../../src/index.js';
import type { CaseInfo, Row } from './bench.js';

/** bench/results/<name>.json. */
export interface Report {
  name: string;
  date: string;
  /** Where our kernels ran: headless Chromium (all implementations) or Node with Dawn (ours only); CPU-only benchmarks (tokenizer) run in Node. */
  environment: 'chromium' | 'node';
  /** Chromium's version string, or Node's and the webgpu package's. */
  browser?: string;
  node: string;
  /** The GPU adapter; absent for benchmarks that use no GPU (tokenizer). */
  adapter?: AdapterReport;
  /** Seconds of timing budget per (case, implementation). */
  budgetSeconds: number;
  /**
   * The machine's 1/5/15-minute load averages when the run started and ended. Software adapters
   * run on the CPU, so other work on the machine lowers every number.
   */
  loadAverage: { start: number[]; end: number[] };
  cases: CaseInfo[];
  rows: Row[];
}

const OURS = 'shaderformer/';

const NAIVE = `${OURS}naive`;

function cell(row: Row | undefined): string {
  if (!row) return '-';
  if (row.value === null) return 'error';
  const memory = row.peakBytes === undefined ? '' : ` (${(row.peakBytes / 2 ** 20).toFixed(0)} MiB)`;
  return `${row.ok ? '' : '✗ '}${row.value.toFixed(row.value < 10 ? 2 : 1)}${memory}`;
}

/** True for times (ms, seconds), false for rates (GFLOP/s, MB/s). */
function lowerIsBetter(metric: Row['metric']): boolean {
  return metric === 'ms' || metric === 'seconds';
}

/** How many times better `a` is than `b`: a ratio of rates, or the inverse ratio of times. */
function speedup(a: Row, b: Row): number {
  return lowerIsBetter(a.metric) ? b.value! / a.value! : a.value! / b.value!;
}

function best(rows: Row[]): Row | undefined {
  const score = (r: Row) => (lowerIsBetter(r.metric) ? -r.value! : r.value!);
  return rows.filter((r) => r.ok && r.value !== null).sort((x, y) => score(y) - score(x))[0];
}

/** Our best and the best peer on one case, and how many times faster ours is (rows that failed the check do not count). */
export function caseRatio(rows: Row[]): { ours?: Row; peer?: Row; ratio?: number } {
  const ours = best(rows.filter((r) => r.impl.startsWith(OURS)));
  const peer = best(rows.filter((r) => !r.impl.startsWith(OURS)));
  return { ours, peer, ratio: ours && peer ? speedup(ours, peer) : undefined };
}

/** How many times faster our best is than our naive baseline on one case. */
export function naiveRatio(rows: Row[]): { ours?: Row; ratio?: number } {
  const ours = best(rows.filter((r) => r.impl.startsWith(OURS) && r.impl !== NAIVE));
  const naive = rows.find((r) => r.impl === NAIVE && r.ok && r.value !== null);
  return { ours, ratio: ours && naive ? speedup(ours, naive) : undefined };
}

/** The unit line of a report's table. */
export function metricLabel(report: Report): string {
  const metrics = [...new Set(report.rows.map((r) => r.metric))];
  if (metrics.some((m) => m === 'seconds' || m === 'MB/s' || m === 'tokens_per_s')) {
    return metrics.map((m) => `${m === 'gflops' ? 'GFLOP/s' : m} (${lowerIsBetter(m) ? 'lower' : 'higher'} is better)`).join(', ');
  }
  return report.rows[0]?.metric === 'ms' ? 'ms per operation (lower is better; peak GPU MiB held, where known, in parentheses)' : 'GFLOP/s (higher is better)';
}

/** One line per case, one column per implementation, and how many times faster our best is than the best peer and than our naive baseline. */
export function formatTable(report: Report): string {
  const impls = [...new Set(report.rows.map((r) => r.impl))];
  const withNaive = impls.includes(NAIVE);
  const header = ['case', ...impls, ...(withNaive ? ['best ours vs naive'] : []), 'best ours vs best peer'];
  const lines = report.cases
    .filter((c) => report.rows.some((r) => r.case === c.case))
    .map((c) => {
      const rows = report.rows.filter((r) => r.case === c.case);
      const { ours, peer, ratio } = caseRatio(rows);
      const vs = ratio === undefined ? '-' : `${ratio.toFixed(2)}× (${ours!.impl.slice(OURS.length)} vs ${peer!.impl})`;
      const self = naiveRatio(rows);
      const vsNaive = self.ratio === undefined ? '-' : `${self.ratio.toFixed(2)}× (${self.ours!.impl.slice(OURS.length)})`;
      return [c.case, ...impls.map((impl) => cell(rows.find((r) => r.impl === impl))), ...(withNaive ? [vsNaive] : []), vs];
    });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) =>
    cells
      .map((s, i) => (i === 0 || i === cells.length - 1 ? s.padEnd(widths[i]!) : s.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(format)];
  const failed = report.rows.filter((r) => !r.ok);
  if (failed.length > 0) {
    out.push('', 'not counted (✗ = result check failed, error = did not run):');
    for (const r of failed) out.push(`  ${r.case} · ${r.impl}: ${r.error ?? 'failed'}`);
  }
  return out.join('\n');
}
