// GPU test cases: written once, run in headless Chromium (the page in test/browser) and in Node
// through Dawn. A case returns numeric checks; the vitest side turns them into pass/fail.
import type { CpuBackend, WebGPUBackend } from '../../src/index.js';

/** Tolerance |got − want| ≤ atol + rtol·|want|. */
export interface Tolerance {
  atol: number;
  rtol: number;
}

/** The result of comparing one output with its reference. */
export interface Check {
  label: string;
  ok: boolean;
  count: number;
  maxAbsErr: number;
  tolerance: Tolerance;
  /** The element that exceeded its tolerance by the most (or the largest error). */
  worst?: { index: number; got: number; want: number };
  message?: string;
}

/** What a case run sends back. */
export interface CaseOutcome {
  checks: Check[];
  /** Set when the adapter cannot run the case (e.g. lacks shader-f16); the reason is shown. */
  skipped?: string;
  /** Set when the case threw. */
  error?: string;
  /** Validation or compile errors the backend reported during the case. */
  gpuErrors?: string[];
}

/** What a case gets: the shared GPU backend (outputs NaN-poisoned), a CPU backend and a seeded RNG. */
export interface CaseContext {
  gpu: WebGPUBackend;
  cpu: CpuBackend;
  rng: Rng;
  /** Adds a check comparing `got` with `want`. */
  expectClose(label: string, got: ArrayLike<number>, want: ArrayLike<number>, tolerance: Tolerance): void;
  /** Adds a pass/fail check with a message. */
  expectTrue(label: string, ok: boolean, message: string): void;
  /** Marks the case skipped on this adapter, with a reason. */
  skip(reason: string): void;
}

export interface GpuCase {
  name: string;
  run(ctx: CaseContext): Promise<void>;
  /** Set to a reason to skip the case in Node/Dawn (it still runs in Chromium); the reason is shown. */
  skipOnDawn?: string;
}

export interface GpuSuite {
  name: string;
  cases: GpuCase[];
}

/** Declares a suite of GPU cases (a `*.cases.ts` file's default export). */
export function defineSuite(name: string, cases: GpuCase[]): GpuSuite {
  const names = new Set<string>();
  for (const c of cases) {
    if (names.has(c.name)) throw new Error(`suite ${name}: duplicate case name ${c.name}`);
    names.add(c.name);
  }
  return { name, cases };
}

/** mulberry32: a small seeded generator, so a failing case can be replayed from its seed. */
export class Rng {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  /** Non-zero values uniform in ±[0.1, 1) (no zeros, so a kernel that writes 0 cannot pass by accident). */
  nonZeroFloats(n: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = (this.next() < 0.5 ? -1 : 1) * this.uniform(0.1, 1);
    return out;
  }
  /** Integers in [lo, hi], never 0. */
  nonZeroInts(n: number, lo: number, hi: number): number[] {
    const out: number[] = [];
    while (out.length < n) {
      const v = Math.floor(this.uniform(lo, hi + 1));
      if (v !== 0) out.push(v);
    }
    return out;
  }
}

/** Compares `got` with `want` elementwise: NaN where a number is wanted always fails. */
export function compare(label: string, got: ArrayLike<number>, want: ArrayLike<number>, tolerance: Tolerance): Check {
  if (got.length !== want.length) {
    return { label, ok: false, count: got.length, maxAbsErr: Infinity, tolerance, message: `length ${got.length}, expected ${want.length}` };
  }
  let maxAbsErr = 0;
  let worstExcess = -Infinity;
  let worst: Check['worst'];
  for (let i = 0; i < got.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    const mismatch = Number.isNaN(g) !== Number.isNaN(w);
    const err = mismatch ? Infinity : Number.isNaN(g) ? 0 : Math.abs(g - w);
    maxAbsErr = Math.max(maxAbsErr, err);
    // A NaN on one side only always fails (rtol·|NaN| would otherwise make the excess NaN, which passes).
    const excess = mismatch ? Infinity : Number.isNaN(g) ? 0 : err - (tolerance.atol + tolerance.rtol * Math.abs(w));
    if (excess > worstExcess) {
      worstExcess = excess;
      worst = { index: i, got: g, want: w };
    }
  }
  return { label, ok: got.length === 0 || worstExcess <= 0, count: got.length, maxAbsErr, tolerance, worst };
}

/** Runs one case against a backend, collecting its checks, skip reason, exception and GPU errors. */
export async function runCase(suite: GpuSuite, caseName: string, gpu: WebGPUBackend, cpu: CpuBackend, seed: number): Promise<CaseOutcome> {
  const found = suite.cases.find((c) => c.name === caseName);
  if (!found) return { checks: [], error: `no case ${caseName} in suite ${suite.name}` };
  const outcome: CaseOutcome = { checks: [] };
  const ctx: CaseContext = {
    gpu,
    cpu,
    rng: new Rng(seed),
    expectClose: (label, got, want, tolerance) => outcome.checks.push(compare(label, got, want, tolerance)),
    expectTrue: (label, ok, message) => outcome.checks.push({ label, ok, count: 1, maxAbsErr: 0, tolerance: { atol: 0, rtol: 0 }, message }),
    skip: (reason) => {
      outcome.skipped = reason;
    },
  };
  gpu.takeErrors();
  try {
    await found.run(ctx);
  } catch (error) {
    outcome.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
  // Validation errors arrive asynchronously; once submitted work is done they have been delivered.
  if (!gpu.lost) await gpu.sync().catch(() => {});
  const gpuErrors = gpu.takeErrors();
  if (gpuErrors.length > 0) outcome.gpuErrors = gpuErrors;
  return outcome;
}

/** JSON for the trip out of the page: NaN and ±Infinity (which JSON turns into null) survive as strings. */
export function encodeOutcome(outcome: CaseOutcome): string {
  return JSON.stringify(outcome, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : value));
}

/** The inverse of `encodeOutcome`. */
export function decodeOutcome(json: string): CaseOutcome {
  const special: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };
  return JSON.parse(json, (key, value: unknown) =>
    (key === 'got' || key === 'want' || key === 'maxAbsErr') && typeof value === 'string' && value in special ? special[value] : value,
  ) as CaseOutcome;
}
