// The results file and the printed table.
import type { AdapterReport } from '../../src/index.js';
import type { CaseInfo, Row } from './bench.js';

/** bench/results/<name>.json. */
export interface Report {
  name: string;
  date: string;
  /** Where our kernels ran: headless Chromium (all implementations) or Node with Dawn (ours only). */
  environment: 'chromium' | 'node';
  /** Chromium's version string, or Node's and the webgpu package's. */
  browser?: string;
  node: string;
  adapter: AdapterReport;
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

function cell(row: Row | undefined): string {
  if (!row) return '-';
  if (row.value === null) return 'error';
  return `${row.ok ? '' : '✗ '}${row.value.toFixed(row.value < 10 ? 2 : 1)}`;
}

function best(rows: Row[]): Row | undefined {
  return rows.filter((r) => r.ok && r.value !== null).sort((x, y) => y.value! - x.value!)[0];
}

/** Our best and the best peer on one case, and their ratio (rows that failed the check do not count). */
export function caseRatio(rows: Row[]): { ours?: Row; peer?: Row; ratio?: number } {
  const ours = best(rows.filter((r) => r.impl.startsWith(OURS)));
  const peer = best(rows.filter((r) => !r.impl.startsWith(OURS)));
  return { ours, peer, ratio: ours && peer ? ours.value! / peer.value! : undefined };
}

/** One line per case, one column per implementation (GFLOP/s), and our best ÷ the best peer. */
export function formatTable(report: Report): string {
  const impls = [...new Set(report.rows.map((r) => r.impl))];
  const header = ['case', ...impls, 'best ours / best peer'];
  const lines = report.cases
    .filter((c) => report.rows.some((r) => r.case === c.case))
    .map((c) => {
      const rows = report.rows.filter((r) => r.case === c.case);
      const { ours, peer, ratio } = caseRatio(rows);
      const vs = ratio === undefined ? '-' : `${ratio.toFixed(2)}× (${ours!.impl.slice(OURS.length)} vs ${peer!.impl})`;
      return [c.case, ...impls.map((impl) => cell(rows.find((r) => r.impl === impl))), vs];
    });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) => cells.map((s, i) => (i === 0 || i === cells.length - 1 ? s.padEnd(widths[i]!) : s.padStart(widths[i]!))).join('  ').trimEnd();
  const out = [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(format)];
  const failed = report.rows.filter((r) => !r.ok);
  if (failed.length > 0) {
    out.push('', 'not counted (✗ = result check failed, error = did not run):');
    for (const r of failed) out.push(`  ${r.case} · ${r.impl}: ${r.error ?? 'failed'}`);
  }
  return out.join('\n');
}
