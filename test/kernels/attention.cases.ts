import { ATTENTION_TILINGS, type AttentionTiling } from '../../src/kernels/attention.js';
import { type AttentionOptions, type Tensor, attention, attentionBackward, attentionWithProbabilities } from '../../src/index.js';
import { type AttentionProblem, attentionBackwardReference, attentionReference } from '../../src/reference/attention.js';
import { type CaseContext, type GpuCase, type Tolerance, defineSuite } from '../harness/cases.js';

// Tolerances (f32 on the GPU against the float64 reference from the same f32 inputs). Inputs are
// ±[0.1, 1), q scaled by 3, so scale·q·k spans about ±5 and the softmax is far from uniform.
// - out = Σ_j p_j·v_j / l: each term and the running rescaling carry a few ulp; the sum over Tk keys
//   adds √Tk-ish rounding. atol 2e-6 + rtol 1e-5 covers Tk ≤ 300 with margin (measured ≤ 3e-7).
// - lse: m + log(l), a few ulp of |lse| ≤ 10: atol 2e-6, rtol 1e-6.
// - probabilities (non-fused path): as softmax, atol 1e-7, rtol 4e-6 (tests/kernels/softmax.cases.ts).
// - dq, dk, dv: sums over Tk (or Tq) of products with the cancelling factor z·dO·v − delta; the error
//   is absolute, about ulp(|terms|)·√T: atol 1e-5, rtol 1e-4 (measured ≤ 2e-6).
const OUT_TOL: Tolerance = { atol: 2e-6, rtol: 1e-5 };
const LSE_TOL: Tolerance = { atol: 2e-6, rtol: 1e-6 };
const PROBS_TOL: Tolerance = { atol: 1e-7, rtol: 4e-6 };
const GRAD_TOL: Tolerance = { atol: 1e-5, rtol: 1e-4 };

interface Shape {
  b: number;
  h: number;
  tq: number;
  tk: number;
  dh: number;
}

interface Options {
  causal?: boolean;
  /** Keys attended per batch entry (the rest are padding); 0 makes every row of that batch see nothing. */
  keyLengths?: number[];
  dropout?: number;
  /** The fused kernels' layout (default: the backend's choice for the adapter). */
  tiling?: keyof typeof ATTENTION_TILINGS;
}

function describeCase({ b, h, tq, tk, dh }: Shape, o: Options): string {
  const parts = [`B${b} H${h} Tq${tq} Tk${tk} Dh${dh}`];
  if (o.causal) parts.push('causal');
  if (o.keyLengths) parts.push(`key lengths ${o.keyLengths.join('/')}`);
  if (o.dropout) parts.push(`dropout ${o.dropout}`);
  if (o.tiling) parts.push(`${o.tiling} tiling`);
  return parts.join(', ');
}

/** Inputs, their GPU tensors, and the float64 reference results. */
function setup(ctx: CaseContext, shape: Shape, o: Options) {
  const { b, h, tq, tk, dh } = shape;
  const q = ctx.rng.nonZeroFloats(b * h * tq * dh).map((x) => 3 * x);
  const k = ctx.rng.nonZeroFloats(b * h * tk * dh);
  const v = ctx.rng.nonZeroFloats(b * h * tk * dh);
  const dOut = ctx.rng.nonZeroFloats(b * h * tq * dh);
  const keyMask = o.keyLengths ? Int32Array.from({ length: b * tk }, (_, e) => (e % tk < o.keyLengths![Math.floor(e / tk)]! ? 1 : 0)) : null;
  const seed: [number, number] = [Math.floor(ctx.rng.next() * 2 ** 32), 7];
  const offset = Math.floor(ctx.rng.next() * 1000);
  const options: AttentionOptions = {
    causal: o.causal,
    ...(o.dropout ? { dropout: { p: o.dropout, seed, offset } } : {}),
  };
  const problem: AttentionProblem = {
    batch: b,
    heads: h,
    tq,
    tk,
    dh,
    scale: 1 / Math.sqrt(dh),
    causal: o.causal ?? false,
    keyMask,
    dropout: o.dropout ? { p: o.dropout, key: seed, offset } : null,
  };
  const tensors = {
    q: ctx.gpu.tensor(q, [b, h, tq, dh]),
    k: ctx.gpu.tensor(k, [b, h, tk, dh]),
    v: ctx.gpu.tensor(v, [b, h, tk, dh]),
    dOut: ctx.gpu.tensor(dOut, [b, h, tq, dh]),
    keyMask: keyMask ? ctx.gpu.tensor(keyMask, [b, tk]) : undefined,
  };
  if (tensors.keyMask) options.keyMask = tensors.keyMask;
  const want = {
    out: new Float32Array(q.length),
    lse: new Float32Array(b * h * tq),
    probs: new Float32Array(b * h * tq * tk),
    dq: new Float32Array(q.length),
    dk: new Float32Array(k.length),
    dv: new Float32Array(v.length),
  };
  attentionReference(problem, q, k, v, want.out, want.lse, want.probs);
  attentionBackwardReference(problem, q, k, v, dOut, want.dq, want.dk, want.dv);
  const dispose = () => Object.values(tensors).forEach((t) => t?.dispose());
  return { tensors, options, want, dispose };
}

/** Reads tensors back (one Float32Array each, in order) and frees them. */
async function read<T extends Tensor[]>(...tensors: T): Promise<{ [K in keyof T]: Float32Array }> {
  const values = await Promise.all(tensors.map((t) => t.data()));
  tensors.forEach((t) => t.dispose());
  return values as { [K in keyof T]: Float32Array };
}

async function withTiling<T>(ctx: CaseContext, tiling: AttentionTiling | undefined, run: () => Promise<T>): Promise<T> {
  const previous = ctx.gpu.attentionTiling;
  ctx.gpu.attentionTiling = tiling ?? previous;
  try {
    return await run();
  } finally {
    ctx.gpu.attentionTiling = previous;
  }
}

// lavapipe's compiler takes about a minute for the Dh = 128 kernels (SwiftShader: seconds).
const LAVAPIPE_SLOW = 'lavapipe compiles the Dh = 128 kernels for about a minute each; covered in Chromium';

/** The fused forward and backward against the reference. */
function fusedCase(shape: Shape, o: Options = {}): GpuCase {
  return {
    name: `fused ${describeCase(shape, o)}`,
    ...(shape.dh > 64 ? { skipOnDawn: LAVAPIPE_SLOW } : {}),
    async run(ctx) {
      const { tensors: t, options, want, dispose } = setup(ctx, shape, o);
      const [out, lse, dq, dk, dv] = await withTiling(ctx, o.tiling && ATTENTION_TILINGS[o.tiling], async () => {
        const forward = attention(t.q, t.k, t.v, options);
        const grads = attentionBackward(t.dOut, t.q, t.k, t.v, forward, options);
        return read(forward.out, forward.lse, grads.dq, grads.dk, grads.dv);
      });
      dispose();
      ctx.expectClose('out', out, want.out, OUT_TOL);
      ctx.expectClose('lse', lse, want.lse, LSE_TOL);
      ctx.expectClose('dq', dq, want.dq, GRAD_TOL);
      ctx.expectClose('dk', dk, want.dk, GRAD_TOL);
      ctx.expectClose('dv', dv, want.dv, GRAD_TOL);
    },
  };
}

/** The non-fused path (GEMM, softmax, GEMM) with its probabilities, against the reference. */
function naiveCase(shape: Shape, o: Options = {}): GpuCase {
  return {
    name: `non-fused ${describeCase(shape, o)}`,
    async run(ctx) {
      const { tensors: t, options, want, dispose } = setup(ctx, shape, o);
      const forward = attentionWithProbabilities(t.q, t.k, t.v, options);
      const grads = attentionBackward(t.dOut, t.q, t.k, t.v, { probs: forward.probs }, options);
      const [out, probs, dq, dk, dv] = await read(forward.out, forward.probs, grads.dq, grads.dk, grads.dv);
      dispose();
      ctx.expectClose('out', out, want.out, OUT_TOL);
      ctx.expectClose('probs', probs, want.probs, PROBS_TOL);
      ctx.expectClose('dq', dq, want.dq, GRAD_TOL);
      ctx.expectClose('dk', dk, want.dk, GRAD_TOL);
      ctx.expectClose('dv', dv, want.dv, GRAD_TOL);
    },
  };
}

/** Rows that see no key: zeros, lse −∞, zero gradients, and not one NaN anywhere. */
const fullyMaskedCase: GpuCase = {
  name: 'fused and non-fused: a batch whose keys are all padding gives zeros, lse −∞ and no NaN',
  async run(ctx) {
    const shape = { b: 2, h: 2, tq: 9, tk: 11, dh: 32 };
    const { tensors: t, options, dispose } = setup(ctx, shape, { keyLengths: [0, 5], causal: true });
    const fused = attention(t.q, t.k, t.v, options);
    const grads = attentionBackward(t.dOut, t.q, t.k, t.v, fused, options);
    const naive = attentionWithProbabilities(t.q, t.k, t.v, options);
    const naiveGrads = attentionBackward(t.dOut, t.q, t.k, t.v, naive, options);
    const values = await read(fused.out, fused.lse, grads.dq, grads.dk, grads.dv, naive.out, naive.probs, naiveGrads.dq, naiveGrads.dk, naiveGrads.dv);
    dispose();
    const names = ['out', 'lse', 'dq', 'dk', 'dv', 'non-fused out', 'probs', 'non-fused dq', 'non-fused dk', 'non-fused dv'];
    values.forEach((x, n) => ctx.expectTrue(`${names[n]} has no NaN`, !x.some(Number.isNaN), `${names[n]} contains NaN`));
    const batch0 = (x: Float32Array) => x.subarray(0, x.length / 2);
    const [out, lse, dq, dk, dv] = values;
    ctx.expectTrue(
      'out of batch 0 is 0',
      batch0(out).every((x) => x === 0),
      'a row that sees no key must output 0',
    );
    ctx.expectTrue(
      'lse of batch 0 is −∞',
      batch0(lse).every((x) => x === -Infinity),
      `got ${batch0(lse).slice(0, 3).join(', ')}, …`,
    );
    for (const [name, g] of [
      ['dq', dq],
      ['dk', dk],
      ['dv', dv],
    ] as const) {
      ctx.expectTrue(
        `${name} of batch 0 is 0`,
        batch0(g).every((x) => x === 0),
        `${name} of a fully masked batch must be 0`,
      );
    }
    ctx.expectTrue(
      'batch 1 is not all 0',
      out.subarray(out.length / 2).some((x) => x !== 0),
      'the unmasked batch has output',
    );
  },
};

/** Fused and non-fused draw the same dropout mask: their outputs agree to rounding. */
const dropoutAgreementCase: GpuCase = {
  name: 'fused and non-fused agree under dropout 0.5 (the same mask at the same positions)',
  async run(ctx) {
    const shape = { b: 2, h: 3, tq: 21, tk: 19, dh: 64 };
    const { tensors: t, options, dispose } = setup(ctx, shape, { dropout: 0.5, causal: true });
    const fused = attention(t.q, t.k, t.v, options);
    const naive = attentionWithProbabilities(t.q, t.k, t.v, options);
    const [a, b] = await read(fused.out, naive.out, fused.lse, naive.probs);
    dispose();
    ctx.expectClose('fused out vs non-fused out', a, b, OUT_TOL);
  },
};

/** Two runs give the same bits: every sum has a fixed order, there are no atomics. */
const deterministicCase: GpuCase = {
  name: 'fused forward and backward: two runs agree to the bit',
  async run(ctx) {
    const { tensors: t, options, dispose } = setup(ctx, { b: 2, h: 2, tq: 40, tk: 40, dh: 64 }, { causal: true, dropout: 0.1 });
    const once = async () => {
      const f = attention(t.q, t.k, t.v, options);
      const g = attentionBackward(t.dOut, t.q, t.k, t.v, f, options);
      return read(f.out, f.lse, g.dq, g.dk, g.dv);
    };
    const first = await once();
    const second = await once();
    dispose();
    first.forEach((x, n) => ctx.expectClose(`output ${n}`, second[n]!, x, { atol: 0, rtol: 0 }));
  },
};

/** Repeated forward + backward steps hold no memory afterwards and, after the first, create no buffers. */
function noLeakCase(path: 'fused' | 'non-fused'): GpuCase {
  return {
    name: `${path} forward + backward: nothing stays allocated, and steps after the first create no buffers`,
    async run(ctx) {
      const { tensors: t, options, dispose } = setup(ctx, { b: 2, h: 2, tq: 33, tk: 33, dh: 64 }, { causal: true, dropout: 0.1 });
      const step = async () => {
        if (path === 'fused') {
          const f = attention(t.q, t.k, t.v, options);
          const g = attentionBackward(t.dOut, t.q, t.k, t.v, f, options);
          await read(f.out, f.lse, g.dq, g.dk, g.dv);
        } else {
          const f = attentionWithProbabilities(t.q, t.k, t.v, options);
          const g = attentionBackward(t.dOut, t.q, t.k, t.v, f, options);
          await read(f.out, f.probs, g.dq, g.dk, g.dv);
        }
        await ctx.gpu.sync();
      };
      await step();
      const before = ctx.gpu.stats();
      await step();
      await step();
      const after = ctx.gpu.stats();
      dispose();
      ctx.expectTrue('live bytes', after.liveBytes === before.liveBytes, `live bytes went from ${before.liveBytes} to ${after.liveBytes}`);
      ctx.expectTrue(
        'buffers created',
        after.createdBuffers === before.createdBuffers,
        `${after.createdBuffers - before.createdBuffers} buffers created after the first step`,
      );
    },
  };
}

export default defineSuite('attention', [
  fusedCase({ b: 1, h: 1, tq: 1, tk: 1, dh: 32 }), // T = 1
  fusedCase({ b: 2, h: 3, tq: 7, tk: 7, dh: 32 }),
  fusedCase({ b: 2, h: 2, tq: 9, tk: 9, dh: 64 }),
  fusedCase({ b: 1, h: 2, tq: 33, tk: 33, dh: 64 }, { causal: true }),
  fusedCase({ b: 3, h: 2, tq: 40, tk: 40, dh: 64 }, { keyLengths: [40, 17, 1] }),
  fusedCase({ b: 2, h: 2, tq: 37, tk: 37, dh: 64 }, { causal: true, keyLengths: [30, 37] }),
  fusedCase({ b: 2, h: 2, tq: 29, tk: 45, dh: 64 }, { dropout: 0.1 }),
  fusedCase({ b: 2, h: 2, tq: 23, tk: 50, dh: 32 }, { keyLengths: [50, 33] }), // cross-attention, Tq < Tk
  fusedCase({ b: 1, h: 2, tq: 50, tk: 13, dh: 32 }, { causal: true }), // Tq > Tk, top-left causal
  fusedCase({ b: 1, h: 2, tq: 20, tk: 35, dh: 128 }, { causal: true, keyLengths: [31], dropout: 0.2 }),
  fusedCase({ b: 1, h: 1, tq: 17, tk: 9, dh: 8 }), // the smallest head size the fused kernel takes besides 4
  fusedCase({ b: 1, h: 1, tq: 130, tk: 130, dh: 64 }, { causal: true }), // more than one block of rows
  fusedCase({ b: 2, h: 2, tq: 37, tk: 37, dh: 64 }, { causal: true, keyLengths: [30, 37], dropout: 0.1, tiling: 'gpu' }),
  fusedCase({ b: 2, h: 2, tq: 37, tk: 37, dh: 64 }, { causal: true, keyLengths: [30, 37], dropout: 0.1, tiling: 'cpu' }),
  fusedCase({ b: 1, h: 1, tq: 70, tk: 70, dh: 128 }, { tiling: 'gpu' }),
  fusedCase({ b: 2, h: 2, tq: 37, tk: 37, dh: 64 }, { causal: true, keyLengths: [30, 37], dropout: 0.1, tiling: 'gpu-subgroups' }),
  fusedCase({ b: 2, h: 3, tq: 45, tk: 29, dh: 32 }, { tiling: 'gpu-subgroups' }),
  fusedCase({ b: 1, h: 2, tq: 19, tk: 23, dh: 8 }, { causal: true, tiling: 'gpu-subgroups' }), // Dh 8: rows split over 2 lanes
  fusedCase({ b: 3, h: 2, tq: 1, tk: 29, dh: 64 }, { keyLengths: [29, 5, 17], tiling: 'cpu-decode' }), // a decoding step
  fusedCase({ b: 2, h: 3, tq: 5, tk: 21, dh: 32 }, { causal: true, dropout: 0.1, tiling: 'cpu-decode' }),
  naiveCase({ b: 1, h: 1, tq: 1, tk: 1, dh: 32 }),
  naiveCase({ b: 2, h: 2, tq: 37, tk: 37, dh: 64 }, { causal: true, keyLengths: [30, 37] }),
  naiveCase({ b: 2, h: 2, tq: 29, tk: 45, dh: 64 }, { dropout: 0.1 }),
  naiveCase({ b: 1, h: 2, tq: 50, tk: 13, dh: 6 }, { causal: true }), // any head size
  fullyMaskedCase,
  dropoutAgreementCase,
  deterministicCase,
  noLeakCase('fused'),
  noLeakCase('non-fused'),
]);
