// What every benchmark shares: the result row, the case list, and one way of timing an implementation.

/** One measurement: an implementation on a case. The JSON row format of every benchmark. */
export interface Row {
  case: string;
  /** `shaderformer/<variant>` for ours, the npm package name for a peer. */
  impl: string;
  /** GFLOP/s, MB/s or tokens/s (higher is better), milliseconds per operation or seconds (lower is better). */
  metric: 'gflops' | 'ms' | 'seconds' | 'MB/s' | 'tokens_per_s';
  /** The metric's value (median over rounds); null when the implementation failed to run. */
  value: number | null;
  /** Largest |result − float64 CPU reference| over the read-back result; null when not run. */
  maxAbsErr: number | null;
  /** True when maxAbsErr is within the benchmark's stated tolerance. */
  ok: boolean;
  /** Median milliseconds per operation, timed rounds, and operations per round. */
  ms?: number;
  rounds?: number;
  perRound?: number;
  /** GPU bytes one operation holds at its peak beyond its inputs (where the implementation can tell). */
  peakBytes?: number;
  /** Training benchmarks: the loss of the first step, of the last, and the float64 reference of the first. */
  firstLoss?: number;
  lastLoss?: number;
  referenceLoss?: number;
  /** Training benchmarks: median CPU milliseconds one step() call takes before its GPU work is queued (ours). */
  jsMs?: number;
  /** GPU time per kernel over one profiled operation (timestamp queries), largest first, where the implementation can tell. */
  kernels?: { kernel: string; dispatches: number; ms: number }[];
  /** How this row differs from the case's plain definition (e.g. an operand transposed before timing). */
  note?: string;
  /** Why the implementation did not run. */
  error?: string;
}

/** A case as the runner lists it. */
export interface CaseInfo {
  case: string;
  /** What is computed, in words and shapes. */
  detail: string;
}

/**
 * A benchmark as both sides see it: in the browser page (every implementation) and in Node with Dawn
 * (ours only). The runner prepares a case (inputs and CPU reference, untimed), runs each
 * implementation on it, then releases it.
 */
export interface Benchmark {
  readonly name: string;
  readonly cases: CaseInfo[];
  readonly impls: string[];
  prepare(caseName: string): Promise<void>;
  run(caseName: string, impl: string, budgetMs: number): Promise<Row>;
  release(caseName: string): void;
}

/** How one implementation launches, completes, and frees its operations (results of type R). */
export interface Timed<R> {
  /** Launches one operation on inputs uploaded beforehand; does not wait for the GPU. */
  launch(): R | Promise<R>;
  /** Resolves once every launched operation has finished on the GPU. */
  wait(results: R[]): Promise<void>;
  dispose(results: R[]): void;
}

/** Timing of one implementation on one case. */
export interface Timing<R> {
  /** Median milliseconds per operation over the timed rounds. */
  ms: number;
  rounds: number;
  perRound: number;
  /** The last operation's result, kept for the correctness check (the caller frees it). */
  last: R;
}

// A round should be long enough that the one completion wait per round is a small part of it.
const MIN_ROUND_MS = 150;
const MIN_ROUNDS = 3;
const MAX_ROUNDS = 15;
const MAX_PER_ROUND = 32;

/**
 * Times `t` the same way for every implementation: one warm-up operation (includes compilation),
 * one more to estimate its cost, then `rounds` rounds of `perRound` back-to-back operations, each
 * round followed by one completion wait; the result is the median of the per-operation times.
 * `perRound` and `rounds` come from `budgetMs`, so slow cases get fewer runs (never fewer than
 * 3 rounds); when a round holds one operation, the estimate counts as the first round.
 */
export async function timeOperations<R>(t: Timed<R>, budgetMs: number): Promise<Timing<R>> {
  const round = async (count: number): Promise<{ ms: number; results: R[] }> => {
    const results: R[] = [];
    const start = performance.now();
    for (let i = 0; i < count; i++) results.push(await t.launch());
    await t.wait(results);
    return { ms: (performance.now() - start) / count, results };
  };
  t.dispose((await round(1)).results); // warm-up: compile, upload, allocate
  const probe = await round(1);
  const estimate = Math.max(probe.ms, 0.01);
  const perRound = clamp(Math.ceil(MIN_ROUND_MS / estimate), 1, MAX_PER_ROUND);
  const rounds = clamp(Math.floor(budgetMs / (perRound * estimate)), MIN_ROUNDS, MAX_ROUNDS);
  // A slow operation is timed one per round anyway, so the probe counts as the first round.
  const times: number[] = perRound === 1 ? [probe.ms] : [];
  let last: R | undefined = perRound === 1 ? probe.results[0] : undefined;
  if (perRound !== 1) t.dispose(probe.results);
  while (times.length < rounds) {
    const { ms, results } = await round(perRound);
    times.push(ms);
    if (last !== undefined) t.dispose([last]);
    last = results.pop();
    t.dispose(results);
  }
  return { ms: median(times), rounds, perRound, last: last as R };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

/** Rounds to 3 significant digits, for the JSON and the table. */
export function round3(x: number): number {
  return x === 0 || !Number.isFinite(x) ? x : Number(x.toPrecision(3));
}

/** A small seeded generator (mulberry32), so every run and every implementation sees the same inputs. */
export function seededUniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
