// Gradient checks of graphs against central finite differences in float64 on the CPU backend
// (shared by test/graph/autograd.test.ts and test/nn/layers.test.ts).
// Tolerance: |ad − fd| ≤ 1e-8 + 1e-6·|fd|, h = 1e-6. In float64 the difference quotient is good to
// ~1e-10 here (truncation ~h², rounding ~1e-16·|loss|/h), so this still catches any wrong term.
import { expect } from 'vitest';
import {
  F,
  Graph,
  Parameter,
  ParameterStore,
  Xoshiro128,
  createCpuBackend,
  execute,
  gradients,
  type RunContext,
  type Tensor,
  type Var,
} from '../../src/index.js';

/** Largest |ad − fd| seen per family (printed by the test files). */
export const worst = new Map<string, number>();

export const cpu = createCpuBackend({ precision: 'f64' });
export const H = 1e-6;
export const ATOL = 1e-8;
export const RTOL = 1e-6;
export const CONTEXT: RunContext = { seed: [0x1234, 0x5678], step: { randomOffset: 0, update: 0, lr: 0, biasCorrection1: 1, biasCorrection2: 1 } };

/** Random values ±[lo, hi) (never near zero, so relu's kink and sign-dependent paths stay away). */
export function randomValues(rng: Xoshiro128, n: number, lo = 0.1, hi = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (rng.nextFloat() < 0.5 ? -1 : 1) * (lo + (hi - lo) * rng.nextFloat()));
}

/** A graph under test: differentiated parameters with random values, constants, i32 inputs. */
export class Case {
  readonly g = new Graph();
  readonly params: Parameter[] = [];
  readonly inputs: Record<string, Tensor> = {};
  readonly rng: Xoshiro128;

  constructor(seed: number) {
    this.rng = new Xoshiro128(seed);
  }

  /** A parameter to differentiate, values ±[lo, hi). */
  param(name: string, shape: readonly number[], lo = 0.1, hi = 1): Var<'f32'> {
    const values = randomValues(
      this.rng,
      shape.reduce((a, b) => a * b, 1),
      lo,
      hi,
    );
    const p = new Parameter(name, shape, { init: () => values.slice() });
    this.params.push(p);
    return this.g.param(p);
  }

  /** A constant (not differentiated), values ±[lo, hi). */
  constant(shape: readonly number[], lo = 0.1, hi = 1): Var<'f32'> {
    return this.g.constant(
      randomValues(
        this.rng,
        shape.reduce((a, b) => a * b, 1),
        lo,
        hi,
      ),
      shape,
    );
  }

  /** An i32 graph input fed with `values`. */
  ids(name: string, shape: readonly number[], values: readonly number[]): Var<'i32'> {
    this.inputs[name] = cpu.tensor(Int32Array.from(values), shape, 'i32');
    return this.g.input(name, shape, 'i32');
  }

  /** loss = Σ out ⊙ R, R random: every element of `out` reaches the loss with its own weight. */
  weighted(out: Var<'f32'>): Var<'f32'> {
    const r = this.g.constant(
      randomValues(
        this.rng,
        out.shape.reduce((a, b) => a * b, 1),
        0.2,
        1,
      ),
      out.shape,
    );
    return F.sum(F.reshape(F.mul(out, r), [-1]), 0);
  }
}

export interface CheckOptions {
  /** `out` is the scalar loss itself (not weighted by R), so the root cotangent is the constant 1. */
  root?: boolean;
  /** Absolute tolerance in place of ATOL, for losses large enough that the quotient's rounding noise (~1e-16·|loss|/h) nears 1e-8. */
  atol?: number;
  /** Check this many random elements of each parameter instead of all. */
  sample?: number;
  /** Parameters whose gradient must be exactly zero. */
  zero?: readonly Parameter[];
  /** Parameters whose gradient is zero in exact arithmetic only (checked against fd, not required to matter). */
  flat?: (p: Parameter) => boolean;
  /** The parameters' values (default: their initialisers). */
  store?: ParameterStore;
  params?: readonly Parameter[];
  inputs?: Record<string, Tensor>;
}

function scalar(t: Tensor): number {
  const value = cpu.readF64(t)[0]!;
  t.dispose();
  return value;
}

/** Compares `gradients()` with central differences for every parameter of the case; returns the largest |ad − fd|. */
export function check(family: string, c: Case, out: Var<'f32'>, options: CheckOptions = {}): number {
  const g = c.g;
  const params = options.params ?? c.params;
  const loss = options.root ? out : c.weighted(out);
  const wrt = params.map((p) => g.param(p));
  const grads = gradients(loss, wrt);
  grads.forEach((d, i) => expect(d.shape).toEqual(params[i]!.shape));
  const store = options.store ?? ParameterStore.create(cpu, params);
  const run = { backend: cpu, inputs: options.inputs ?? c.inputs, parameter: (p: Parameter) => store.tensor(p), context: CONTEXT };
  const results = execute(g, grads, run);
  const analytic = results.map((t) => cpu.readF64(t));
  for (const t of new Set(results)) t.dispose();
  const evaluate = () => scalar(execute(g, [loss], run)[0]!);
  const rng = new Xoshiro128(99);
  let largest = 0;
  const failures: string[] = [];
  params.forEach((p, k) => {
    const t = store.tensor(p);
    const base = cpu.readF64(t);
    const probe = Float64Array.from(base);
    const indices = options.sample && options.sample < p.size ? Array.from({ length: options.sample }, () => rng.nextInt(p.size)) : [...base.keys()];
    let signal = 0;
    for (const i of indices) {
      probe[i] = base[i]! + H;
      cpu.write(t, probe);
      const up = evaluate();
      probe[i] = base[i]! - H;
      cpu.write(t, probe);
      const down = evaluate();
      probe[i] = base[i]!;
      const fd = (up - down) / (2 * H);
      const ad = analytic[k]![i]!;
      const error = Math.abs(ad - fd);
      largest = Math.max(largest, error);
      signal = Math.max(signal, Math.abs(fd));
      if (!(error <= (options.atol ?? ATOL) + RTOL * Math.abs(fd))) failures.push(`${p.name}[${i}]: ad ${ad} fd ${fd}`);
    }
    cpu.write(t, base);
    if (options.zero?.includes(p)) {
      expect(
        analytic[k]!.every((v) => v === 0),
        `${p.name}: gradient must be zero`,
      ).toBe(true);
    } else if (!options.flat?.(p)) {
      // A gradient that is zero everywhere would pass trivially: each checked tensor must matter.
      expect(signal, `${p.name}: the loss does not depend on it`).toBeGreaterThan(1e-3);
    }
  });
  if (!options.store) store.dispose();
  expect(failures).toEqual([]);
  worst.set(family, Math.max(worst.get(family) ?? 0, largest));
  return largest;
}
