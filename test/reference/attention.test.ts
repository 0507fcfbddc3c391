// The attention references: the backward against float64 central differences of the forward (with
// masks and dropout), the forward against a direct softmax, and the checked ops' errors.
import { describe, expect, test } from 'vitest';
import { ShapeError, attention, attentionBackward, attentionWithProbabilities, createCpuBackend } from '../../src/index.js';
import { type AttentionProblem, attentionBackwardReference, attentionReference } from '../../src/reference/attention.js';
import { dropoutMaskReference } from '../../src/reference/dropout.js';
import { softmaxReference } from '../../src/reference/softmax.js';
import { Rng } from '../harness/cases.js';
import { randomFloat64, vjpError } from '../harness/finite-diff.js';

function problem(over: Partial<AttentionProblem>): AttentionProblem {
  const base = { batch: 2, heads: 2, tq: 4, tk: 5, dh: 3, scale: 0.7, causal: false, keyMask: null, dropout: null };
  return { ...base, ...over };
}

/** out as a function of one of q, k, v (the others fixed), in float64. */
function forwardOf(s: AttentionProblem, which: 'q' | 'k' | 'v', inputs: Record<'q' | 'k' | 'v', Float64Array>) {
  return (x: Float64Array) => {
    const args = { ...inputs, [which]: x };
    const out = new Float64Array(s.batch * s.heads * s.tq * s.dh);
    attentionReference(s, args.q, args.k, args.v, out, new Float64Array(s.batch * s.heads * s.tq));
    return out;
  };
}

describe('attention reference backward vs float64 finite differences', () => {
  const cases: [string, Partial<AttentionProblem>][] = [
    ['plain', {}],
    ['causal, Tq = Tk', { tq: 5, causal: true }],
    ['causal, Tq < Tk (top-left aligned)', { causal: true }],
    ['key padding with a batch that sees no key', { keyMask: [1, 1, 0, 1, 0, 0, 0, 0, 0, 0] }],
    ['dropout p 0.3', { dropout: { p: 0.3, key: [7, 11], offset: 5 } }],
    [
      'cross-attention Tq > Tk, causal, padding and dropout',
      { tq: 6, tk: 3, causal: true, keyMask: [1, 0, 1, 1, 1, 0], dropout: { p: 0.2, key: [1, 2], offset: 0 } },
    ],
  ];
  test.each(cases)('%s', (_name, over) => {
    const s = problem(over);
    const rng = new Rng(1234);
    const inputs = {
      q: randomFloat64(rng, s.batch * s.heads * s.tq * s.dh, 0.1, 2),
      k: randomFloat64(rng, s.batch * s.heads * s.tk * s.dh, 0.1, 2),
      v: randomFloat64(rng, s.batch * s.heads * s.tk * s.dh),
    };
    const dOut = randomFloat64(rng, s.batch * s.heads * s.tq * s.dh);
    const dq = new Float64Array(inputs.q.length);
    const dk = new Float64Array(inputs.k.length);
    const dv = new Float64Array(inputs.v.length);
    attentionBackwardReference(s, inputs.q, inputs.k, inputs.v, dOut, dq, dk, dv);
    expect(vjpError(forwardOf(s, 'q', inputs), dOut, inputs.q, dq)).toBeLessThan(1e-7);
    expect(vjpError(forwardOf(s, 'k', inputs), dOut, inputs.k, dk)).toBeLessThan(1e-7);
    expect(vjpError(forwardOf(s, 'v', inputs), dOut, inputs.v, dv)).toBeLessThan(1e-7);
    // The gradients are not trivially zero.
    expect(Math.max(...dq.map(Math.abs))).toBeGreaterThan(1e-3);
  });
});

describe('attention reference forward', () => {
  test('equals softmax(scale·QKᵀ + mask)·V written out with the softmax reference', () => {
    const s = problem({ causal: true, keyMask: [1, 1, 1, 0, 1, 0, 1, 1, 1, 1], dropout: { p: 0.4, key: [3, 0], offset: 9 } });
    const rng = new Rng(99);
    const q = randomFloat64(rng, s.batch * s.heads * s.tq * s.dh);
    const k = randomFloat64(rng, s.batch * s.heads * s.tk * s.dh);
    const v = randomFloat64(rng, s.batch * s.heads * s.tk * s.dh);
    const out = new Float64Array(q.length);
    const lse = new Float64Array(s.batch * s.heads * s.tq);
    const probs = new Float64Array(s.batch * s.heads * s.tq * s.tk);
    attentionReference(s, q, k, v, out, lse, probs);

    const rows = s.batch * s.heads * s.tq;
    const logits = new Float64Array(rows * s.tk);
    for (let row = 0; row < rows; row++) {
      const b = Math.floor(row / (s.heads * s.tq));
      const i = row % s.tq;
      const bh = Math.floor(row / s.tq);
      for (let j = 0; j < s.tk; j++) {
        let dot = 0;
        for (let d = 0; d < s.dh; d++) dot += q[row * s.dh + d]! * k[(bh * s.tk + j) * s.dh + d]!;
        const visible = j <= i && s.keyMask![b * s.tk + j] === 1;
        logits[row * s.tk + j] = visible ? s.scale * dot : -Infinity;
      }
    }
    const want = new Float64Array(rows * s.tk);
    softmaxReference(logits, null, want, rows, s.tk);
    for (let e = 0; e < want.length; e++) expect(probs[e]).toBeCloseTo(want[e]!, 12);
    const keep = new Uint8Array(rows * s.tk);
    dropoutMaskReference(keep.length, 0.4, [3, 0], 9, keep);
    for (let row = 0; row < rows; row++) {
      let sum = 0;
      for (let j = 0; j < s.tk; j++) sum += Math.exp(logits[row * s.tk + j]!);
      expect(lse[row]).toBeCloseTo(Math.log(sum), 12);
      const bh = Math.floor(row / s.tq);
      for (let d = 0; d < s.dh; d++) {
        let acc = 0;
        for (let j = 0; j < s.tk; j++) acc += ((want[row * s.tk + j]! * keep[row * s.tk + j]!) / 0.6) * v[(bh * s.tk + j) * s.dh + d]!;
        expect(out[row * s.dh + d]).toBeCloseTo(acc, 12);
      }
    }
  });

  test('a row that sees no key gives output 0 and lse −∞', () => {
    const s = problem({ batch: 1, heads: 1, tq: 2, tk: 2, dh: 2, keyMask: [0, 0] });
    const out = new Float64Array(4).fill(NaN);
    const lse = new Float64Array(2);
    attentionReference(s, [1, 2, 3, 4], [1, 1, 1, 1], [5, 6, 7, 8], out, lse);
    expect(Array.from(out)).toEqual([0, 0, 0, 0]);
    expect(Array.from(lse)).toEqual([-Infinity, -Infinity]);
  });
});

describe('attention ops check their arguments', () => {
  const cpu = createCpuBackend();
  const t = (shape: number[]) => cpu.tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5), shape);
  const q = t([2, 3, 4, 8]);
  const k = t([2, 3, 5, 8]);
  test.each([
    ['q rank 3', () => attention(t([3, 4, 8]), k, k), /^attention: q must have shape \[B, H, T, Dh\], got f32\[3, 4, 8\]/],
    ['k heads differ', () => attention(q, t([2, 2, 5, 8]), t([2, 2, 5, 8])), /^attention: k must have shape \[2, 3, 5, 8\], got \[2, 2, 5, 8\]$/],
    ['v length differs from k', () => attention(q, k, t([2, 3, 6, 8])), /^attention: v must have shape \[2, 3, 5, 8\], got \[2, 3, 6, 8\]$/],
    [
      'Dh not a multiple of 4',
      () => attention(t([1, 1, 2, 6]), t([1, 1, 2, 6]), t([1, 1, 2, 6])),
      /^attention: the fused kernel needs a head size Dh that is a multiple of 4/,
    ],
    ['key mask shape', () => attention(q, k, k, { keyMask: cpu.tensor(new Int32Array(10), [2, 5, 1]) }), /^attention: keyMask must have shape \[2, 5\]/],
    ['key mask dtype', () => attention(q, k, k, { keyMask: t([2, 5]) }), /^attention: keyMask must be i32 or u32/],
    ['dropout p', () => attention(q, k, k, { dropout: { p: 1, seed: 0 } }), /^attention: dropout p must be in \[0, 1\), got 1$/],
    ['scale', () => attention(q, k, k, { scale: NaN }), /^attention: scale must be a finite number/],
    ['dOut shape', () => attentionBackward(k, q, k, k, attention(q, k, k)), /^attentionBackward: dOut must have shape \[2, 3, 4, 8\], got \[2, 3, 5, 8\]$/],
    ['probs shape', () => attentionBackward(q, q, k, k, { probs: t([2, 3, 4, 4]) }), /^attentionBackward: probs must have shape \[2, 3, 4, 5\]/],
    ['saved missing', () => attentionBackward(q, q, k, k, {} as never), /^attentionBackward: saved must be/],
  ])('%s', (_name, call, message) => {
    expect(call).toThrow(ShapeError);
    expect(call).toThrow(message);
  });

  test('the non-fused path takes any head size (Dh 6) and masks causally', async () => {
    const rng = new Rng(5);
    const x = (shape: number[]) => cpu.tensor(rng.nonZeroFloats(shape.reduce((a, b) => a * b, 1)), shape);
    const [qq, kk, vv] = [x([1, 2, 3, 6]), x([1, 2, 4, 6]), x([1, 2, 4, 6])];
    const { out, probs } = attentionWithProbabilities(qq, kk, vv, { causal: true });
    expect(probs.shape).toEqual([1, 2, 3, 4]);
    const p = await probs.data();
    expect(p[0 * 4 + 1]).toBe(0); // row 0 sees key 0 only
    expect((await out.data()).every(Number.isFinite)).toBe(true);
  });
});
