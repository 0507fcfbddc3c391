// CPU references for scaled dot-product attention: plain loops over one (batch, head, query row)
// at a time, written from the math (Vaswani et al. 2017, §3.2.1), never from the WGSL.
import { dropoutMaskReference } from './dropout.js';
import type { FloatArray } from './types.js';

/** The problem the attention references compute: q [B, H, Tq, Dh], k and v [B, H, Tk, Dh]. */
export interface AttentionProblem {
  batch: number;
  heads: number;
  tq: number;
  tk: number;
  dh: number;
  /** Multiplies q·k (usually 1/√Dh). */
  scale: number;
  /** Query i sees key j only when j ≤ i. */
  causal: boolean;
  /** [B, Tk]: key j of batch b is attended when keyMask[b·Tk + j] ≠ 0; null attends every key. */
  keyMask: ArrayLike<number> | null;
  /**
   * Dropout on the probabilities: element (b, h, i, j) uses stream position
   * offset + ((b·H + h)·Tq + i)·Tk + j, exactly as `dropout` on the [B, H, Tq, Tk] probabilities.
   */
  dropout: { p: number; key: readonly [number, number]; offset: number } | null;
}

/** Whether query i of batch b may attend key j. */
function visible(s: AttentionProblem, b: number, i: number, j: number): boolean {
  return (!s.causal || j <= i) && (s.keyMask === null || s.keyMask[b * s.tk + j] !== 0);
}

/** Row `row` (= (b·H + h)·Tq + i) of the dropout factor: keep/(1 − p) or 0; all ones without dropout. */
function dropoutRow(s: AttentionProblem, row: number, factor: Float64Array): void {
  if (!s.dropout) {
    factor.fill(1);
    return;
  }
  const keep = new Uint8Array(s.tk);
  dropoutMaskReference(s.tk, s.dropout.p, s.dropout.key, s.dropout.offset + row * s.tk, keep);
  for (let j = 0; j < s.tk; j++) factor[j] = keep[j] ? 1 / (1 - s.dropout.p) : 0;
}

/**
 * Probabilities of one query row: p[j] = exp(scale·q·k_j − lse) over the visible keys, 0 elsewhere.
 * Returns lse = log Σ_visible exp(scale·q·k_j), −∞ when no key is visible (then p is all 0).
 */
function probabilityRow(s: AttentionProblem, q: ArrayLike<number>, k: ArrayLike<number>, b: number, h: number, i: number, p: Float64Array): number {
  const { tq, tk, dh, heads } = s;
  const qBase = ((b * heads + h) * tq + i) * dh;
  let max = -Infinity;
  for (let j = 0; j < tk; j++) {
    if (!visible(s, b, i, j)) {
      p[j] = -Infinity;
      continue;
    }
    const kBase = ((b * heads + h) * tk + j) * dh;
    let dot = 0;
    for (let d = 0; d < dh; d++) dot += q[qBase + d]! * k[kBase + d]!;
    p[j] = s.scale * dot;
    max = Math.max(max, p[j]!);
  }
  if (max === -Infinity) {
    p.fill(0);
    return -Infinity;
  }
  let sum = 0;
  for (let j = 0; j < tk; j++) sum += Math.exp(p[j]! - max);
  const lse = max + Math.log(sum);
  for (let j = 0; j < tk; j++) p[j] = Math.exp(p[j]! - lse);
  return lse;
}

/**
 * out = dropout(softmax(scale·Q·Kᵀ + mask))·V per (batch, head); lse[row] = the log-sum-exp of the
 * row's visible scores (−∞ for a fully masked row, whose output is 0). When `probs` is given it
 * receives the probabilities before dropout, [B, H, Tq, Tk].
 */
export function attentionReference(
  s: AttentionProblem,
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  out: FloatArray,
  lse: FloatArray,
  probs?: FloatArray,
): void {
  const { batch, heads, tq, tk, dh } = s;
  const p = new Float64Array(tk);
  const factor = new Float64Array(tk);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < tq; i++) {
        const row = (b * heads + h) * tq + i;
        lse[row] = probabilityRow(s, q, k, b, h, i, p);
        if (probs) probs.set(p, row * tk);
        dropoutRow(s, row, factor);
        for (let d = 0; d < dh; d++) {
          let acc = 0;
          for (let j = 0; j < tk; j++) acc += p[j]! * factor[j]! * v[((b * heads + h) * tk + j) * dh + d]!;
          out[row * dh + d] = acc;
        }
      }
    }
  }
}

/**
 * Gradients of `attentionReference`'s out for the upstream gradient dOut, with P recomputed:
 * dV = (P∘Z)ᵀ·dOut, dP = (dOut·Vᵀ)∘Z, dS = P∘(dP − rowsum(dP∘P)), dQ = scale·dS·K, dK = scale·dSᵀ·Q,
 * where Z is the dropout factor (keep/(1 − p), or 1). Masked entries have P = 0, so they get no gradient.
 */
export function attentionBackwardReference(
  s: AttentionProblem,
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  dOut: ArrayLike<number>,
  dq: FloatArray,
  dk: FloatArray,
  dv: FloatArray,
): void {
  const { batch, heads, tq, tk, dh } = s;
  // Accumulate in float64 whatever the output arrays are, and round once at the end.
  const gq = new Float64Array(dq.length);
  const gk = new Float64Array(dk.length);
  const gv = new Float64Array(dv.length);
  const p = new Float64Array(tk);
  const factor = new Float64Array(tk);
  const dp = new Float64Array(tk);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const kvBase = (b * heads + h) * tk * dh;
      for (let i = 0; i < tq; i++) {
        const row = (b * heads + h) * tq + i;
        probabilityRow(s, q, k, b, h, i, p);
        dropoutRow(s, row, factor);
        let rowSum = 0;
        for (let j = 0; j < tk; j++) {
          let dot = 0;
          for (let d = 0; d < dh; d++) dot += dOut[row * dh + d]! * v[kvBase + j * dh + d]!;
          dp[j] = dot * factor[j]!;
          rowSum += dp[j]! * p[j]!;
        }
        for (let j = 0; j < tk; j++) {
          const ds = p[j]! * (dp[j]! - rowSum);
          for (let d = 0; d < dh; d++) {
            gv[kvBase + j * dh + d]! += p[j]! * factor[j]! * dOut[row * dh + d]!;
            gq[row * dh + d]! += s.scale * ds * k[kvBase + j * dh + d]!;
            gk[kvBase + j * dh + d]! += s.scale * ds * q[row * dh + d]!;
          }
        }
      }
    }
  }
  dq.set(gq);
  dk.set(gk);
  dv.set(gv);
}
