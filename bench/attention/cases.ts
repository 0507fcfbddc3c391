// The attention cases, their inputs and the CPU check.
//
// A case is `B<b>-H<h>-T<t>-D<dh>`: q, k, v and the upstream gradient dOut all [B, H, T, Dh], no
// mask, no dropout, scale 1/√Dh. One operation is the forward (out, and lse or the probabilities)
// plus the backward (dQ, dK, dV). The check recomputes heads (0, 0) and (B−1, H−1) in float64.
import { type AttentionProblem, attentionBackwardReference, attentionReference } from '../../src/reference/attention.js';

export interface AttentionCase {
  case: string;
  b: number;
  h: number;
  t: number;
  dh: number;
  detail: string;
}

const make = (b: number, h: number, t: number, dh: number, what = 'BERT-base heads'): AttentionCase => ({
  case: `B${b}-H${h}-T${t}-D${dh}`,
  b,
  h,
  t,
  dh,
  detail: `forward + backward, q/k/v/dOut [${b}, ${h}, ${t}, ${dh}] (${what}), no mask`,
});

export const attentionCases: AttentionCase[] = [
  make(16, 4, 64, 32, 'the first trained encoder: hidden 128, 4 heads, sequence 64'),
  make(8, 12, 128, 64),
  make(8, 12, 256, 64),
  make(8, 12, 512, 64),
];

/** The inputs of a case, [B, H, T, Dh] row-major, uniform in [-1, 1) (q, k scaled so the softmax is not flat). */
export interface AttentionInputs {
  spec: AttentionCase;
  q: Float32Array<ArrayBuffer>;
  k: Float32Array<ArrayBuffer>;
  v: Float32Array<ArrayBuffer>;
  dOut: Float32Array<ArrayBuffer>;
}

/** What an implementation hands back for the check, [B, H, T, Dh] row-major. */
export interface AttentionOutputs {
  out: ArrayLike<number>;
  dq: ArrayLike<number>;
  dk: ArrayLike<number>;
  dv: ArrayLike<number>;
}

export function makeInputs(spec: AttentionCase, uniform: () => number): AttentionInputs {
  const n = spec.b * spec.h * spec.t * spec.dh;
  const fill = (scale: number) => Float32Array.from({ length: n }, () => scale * (2 * uniform() - 1));
  return { spec, q: fill(2), k: fill(2), v: fill(1), dOut: fill(1) };
}

/** The heads the check recomputes: the first and the last (b, h). */
export function checkedHeads(spec: AttentionCase): number[] {
  return [0, spec.b * spec.h - 1];
}

/** Float64 reference of out, dq, dk, dv for one head (index b·H + h), each [T, Dh]. */
export function headReference(x: AttentionInputs, head: number): Record<keyof AttentionOutputs, Float64Array> {
  const { t, dh } = x.spec;
  const slice = (a: Float32Array) => a.subarray(head * t * dh, (head + 1) * t * dh);
  const problem: AttentionProblem = { batch: 1, heads: 1, tq: t, tk: t, dh, scale: 1 / Math.sqrt(dh), causal: false, keyMask: null, dropout: null };
  const out = new Float64Array(t * dh);
  const dq = new Float64Array(t * dh);
  const dk = new Float64Array(t * dh);
  const dv = new Float64Array(t * dh);
  attentionReference(problem, slice(x.q), slice(x.k), slice(x.v), out, new Float64Array(t));
  attentionBackwardReference(problem, slice(x.q), slice(x.k), slice(x.v), slice(x.dOut), dq, dk, dv);
  return { out, dq, dk, dv };
}

/** Tolerance of the check: f32 sums over T keys of terms ≤ a few units; far above rounding, far below a wrong result. */
export const ATTENTION_TOLERANCE = 1e-3;

/** Largest |got − reference| over the checked heads of every output. */
export function maxAbsError(x: AttentionInputs, got: AttentionOutputs, references: Map<number, Record<keyof AttentionOutputs, Float64Array>>): number {
  const { t, dh } = x.spec;
  let worst = 0;
  for (const [head, want] of references) {
    for (const name of ['out', 'dq', 'dk', 'dv'] as const) {
      for (let e = 0; e < t * dh; e++) {
        const error = Math.abs(got[name][head * t * dh + e]! - want[name][e]!);
        worst = Number.isNaN(error) ? Infinity : Math.max(worst, error);
      }
    }
  }
  return worst;
}
