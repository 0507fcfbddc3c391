import { ShapeError, describeValue, formatShape } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { type DropoutOptions, checkDropoutOptions } from './dropout.js';
import { NO_STEP, type StepSource } from '../backend/step-values.js';
import { checkDType, checkOptionsObject, checkSameBackend, checkShapeEquals, checkTensor } from './shared.js';
import { type AttentionSpec, type AttentionResult, type AttentionProbabilitiesResult, type AttentionGrads, opsOf } from '../backend/contract.js';
export type { AttentionResult, AttentionProbabilitiesResult, AttentionGrads } from '../backend/contract.js';

/** Options of `attention`, `attentionWithProbabilities` and `attentionBackward` (the backward takes the forward's). */
export interface AttentionOptions {
  /** Multiplies Q·Kᵀ before the softmax (default 1/√Dh). */
  scale?: number;
  /** Decoder self-attention: query i attends key j only when j ≤ i (top-left aligned when Tq ≠ Tk). */
  causal?: boolean;
  /**
   * Key padding, [B, Tk] i32 or u32 (Hugging Face's `attention_mask`): key j of batch b is attended
   * when keyMask[b, j] ≠ 0. A query row that sees no key at all gets output 0 and no gradient.
   */
  keyMask?: Tensor;
  /**
   * Dropout on the attention probabilities. Element (b, h, i, j) of the [B, H, Tq, Tk] probabilities
   * uses stream position offset + ((b·H + h)·Tq + i)·Tk + j, as `dropout` on that tensor would.
   */
  dropout?: DropoutOptions;
}

/** What the forward saved for the backward: `attention`'s lse (fused) or `attentionWithProbabilities`' probs (non-fused). */
export type AttentionSaved = { out: Tensor; lse: Tensor } | { probs: Tensor };

/** Head sizes the fused kernels take: a multiple of 4 up to this. */
export const MAX_FUSED_HEAD_DIM = 128;

/**
 * Multi-head scaled dot-product attention, fused: out = dropout(softmax(scale·Q·Kᵀ + mask))·V for
 * q [B, H, Tq, Dh] and k, v [B, H, Tk, Dh] (f32), without ever storing the [Tq, Tk] scores (online
 * softmax, flash-attention style). Masks: `causal`, `keyMask` (padding). Returns out and the row
 * log-sum-exp for `attentionBackward`. Dh must be a multiple of 4, at most 128.
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): AttentionResult {
  return attentionInStep(q, k, v, options, NO_STEP);
}

/** @internal `attention` whose dropout stream also moves by the training step's random offset (graph runs). */
export function attentionInStep(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions, step: StepSource): AttentionResult {
  const spec = checkAttention('attention', q, k, v, options, step);
  if (spec.dh % 4 !== 0 || spec.dh > MAX_FUSED_HEAD_DIM) {
    throw new ShapeError(
      `attention: the fused kernel needs a head size Dh that is a multiple of 4 and at most ${MAX_FUSED_HEAD_DIM}, got Dh = ${spec.dh} (q ${formatShape(q.shape)}); use attentionWithProbabilities`,
    );
  }
  return opsOf(q).attention(q, k, v, spec);
}

/**
 * Attention as GEMM, softmax, GEMM (no fusion), returning the probabilities [B, H, Tq, Tk] as well:
 * for attention maps, and the baseline the fused kernel is measured against. Same options and
 * output as `attention`; any head size.
 */
export function attentionWithProbabilities(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): AttentionProbabilitiesResult {
  const spec = checkAttention('attentionWithProbabilities', q, k, v, options);
  return opsOf(q).attentionWithProbabilities(q, k, v, spec);
}

/**
 * dQ, dK, dV of attention for the upstream gradient dOut [B, H, Tq, Dh], given the inputs, the
 * same options as the forward, and what the forward saved: `{ out, lse }` from `attention` (fused
 * backward, probabilities recomputed) or `{ probs }` from `attentionWithProbabilities` (non-fused).
 */
export function attentionBackward(dOut: Tensor, q: Tensor, k: Tensor, v: Tensor, saved: AttentionSaved, options: AttentionOptions = {}): AttentionGrads {
  return attentionBackwardInStep(dOut, q, k, v, saved, options, NO_STEP);
}

/** @internal `attentionBackward` under the training step's random offset, as `attentionInStep`. */
export function attentionBackwardInStep(
  dOut: Tensor,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  saved: AttentionSaved,
  options: AttentionOptions,
  step: StepSource,
): AttentionGrads {
  const op = 'attentionBackward';
  checkTensor(op, 'dOut', dOut);
  const spec = checkAttention(op, q, k, v, options, step);
  checkSameBackend(op, { q, dOut });
  checkDType(op, 'dOut', dOut, ['f32']);
  checkShapeEquals(op, 'dOut', dOut, q.shape);
  if (typeof saved !== 'object' || saved === null)
    throw new ShapeError(`${op}: saved must be { out, lse } from attention or { probs } from attentionWithProbabilities, got ${describeValue(saved)}`);
  if ('probs' in saved) {
    checkSameBackend(op, { q, 'saved.probs': saved.probs });
    checkDType(op, 'probs', saved.probs, ['f32']);
    checkShapeEquals(op, 'probs', saved.probs, [spec.batch, spec.heads, spec.tq, spec.tk]);
    return opsOf(q).attentionBackwardFromProbabilities(dOut, q, k, v, saved.probs, spec);
  }
  if (saved.out === undefined && saved.lse === undefined) {
    throw new ShapeError(`${op}: saved must be { out, lse } from attention or { probs } from attentionWithProbabilities, got ${describeValue(saved)}`);
  }
  checkSameBackend(op, { q, 'saved.out': saved.out, 'saved.lse': saved.lse });
  checkDType(op, 'out', saved.out, ['f32']);
  checkDType(op, 'lse', saved.lse, ['f32']);
  checkShapeEquals(op, 'out', saved.out, q.shape);
  checkShapeEquals(op, 'lse', saved.lse, [spec.batch, spec.heads, spec.tq]);
  if (spec.dh % 4 !== 0 || spec.dh > MAX_FUSED_HEAD_DIM) {
    throw new ShapeError(`${op}: the fused backward needs Dh a multiple of 4 and at most ${MAX_FUSED_HEAD_DIM}, got ${spec.dh}`);
  }
  return opsOf(q).attentionBackward(dOut, q, k, v, saved.out, saved.lse, spec);
}

function checkAttention(op: string, q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions, step: StepSource = NO_STEP): AttentionSpec {
  checkSameBackend(op, { q, k, v });
  for (const [name, t] of [
    ['q', q],
    ['k', k],
    ['v', v],
  ] as const) {
    checkDType(op, name, t, ['f32']);
    if (t.rank !== 4) throw new ShapeError(`${op}: ${name} must have shape [B, H, T, Dh], got ${t.describe()}`);
  }
  const [batch, heads, tq, dh] = q.shape as [number, number, number, number];
  const tk = k.shape[2]!;
  checkShapeEquals(op, 'k', k, [batch, heads, tk, dh]);
  checkShapeEquals(op, 'v', v, [batch, heads, tk, dh]);
  checkOptionsObject(op, options);
  const scale = options.scale ?? 1 / Math.sqrt(dh);
  if (typeof scale !== 'number' || !Number.isFinite(scale)) throw new ShapeError(`${op}: scale must be a finite number, got ${String(options.scale)}`);
  let keyMask: Tensor | null = null;
  if (options.keyMask !== undefined) {
    keyMask = options.keyMask;
    checkSameBackend(op, { q, keyMask });
    checkDType(op, 'keyMask', keyMask, ['i32', 'u32']);
    checkShapeEquals(op, 'keyMask', keyMask, [batch, tk]);
  }
  const probabilities = batch * heads * tq * tk;
  const checked = options.dropout === undefined ? null : checkDropoutOptions(op, probabilities, options.dropout, 'dropout ', step);
  const dropout = checked && checked.p > 0 ? checked : null; // p = 0 is no dropout
  return { batch, heads, tq, tk, dh, scale, causal: options.causal === true, keyMask, dropout };
}
