import { type AdamWOptions, type SgdOptions, type Tensor, adamwUpdate, clipByGlobalNorm, globalNorm, sgdUpdate } from '../../src/index.js';
import { adamStepValues, adamwUpdateInStep, sgdUpdateInStep, updateGuard } from '../../src/ops/optim.js';
import { adamwReference, clipByGlobalNormReference, sgdReference } from '../../src/reference/optim.js';
import { type GpuCase, type Tolerance, defineSuite } from '../harness/cases.js';

// f32 on the GPU against the reference (f64 arithmetic, each state rounded to f32 when stored).
// m and v differ by about one rounding per step, and the averages contract those differences
// (β < 1). The step lr·m̂/(√v̂ + ε) is O(lr) whatever the gradient scale, with a relative error of
// a few ulps; p also rounds once per step. So after up to 6 steps:
//   p: 1e-6 + 1e-6·|ref|    (a step, lr ≥ 1e-3, is 1000× larger; the decay term lr·λ·p is
//                            ≥ 3e-4·|p| in every case but the BERT-sized one, so a lost or
//                            coupled weight decay, or a wrong bias correction, fails it)
//   m: 1e-6·G + 1e-6·|ref|  (G the gradient scale; m = β1·m + (1 − β1)·g can cancel towards 0)
//   v: 1e-6·|ref|           (a sum of positive terms: relative error stays a few ulps)
const PARAM_TOLERANCE: Tolerance = { atol: 1e-6, rtol: 1e-6 };
const momentTolerance = (gradScale: number): Tolerance => ({ atol: 1e-6 * gradScale, rtol: 1e-6 });
const SECOND_MOMENT_TOLERANCE: Tolerance = { atol: 0, rtol: 1e-6 };

interface AdamWCase {
  shape: number[];
  steps: number;
  /** The options of the k-th update of the case, k = 1, 2, … (a schedule may change lr every step). */
  options: (k: number) => AdamWOptions;
  /** Gradients are uniform in ±[0.1, 1)·gradScale. */
  gradScale?: number;
  /** Start from random moments (mid-training) rather than zeros. */
  warmState?: boolean;
}

function adamwCase(name: string, { shape, steps, options, gradScale = 1, warmState = false }: AdamWCase): GpuCase {
  return {
    name: `adamw ${name} [${shape.join(', ')}] × ${steps} steps`,
    async run(ctx) {
      const n = shape.reduce((x, y) => x * y, 1);
      const scaled = (values: Float32Array, s: number) => values.map((x) => x * s);
      const wantParam = ctx.rng.nonZeroFloats(n);
      const wantM = warmState ? scaled(ctx.rng.nonZeroFloats(n), 0.1 * gradScale) : new Float32Array(n);
      const wantV = warmState ? scaled(ctx.rng.nonZeroFloats(n), gradScale).map((x) => x * x) : new Float32Array(n);
      const param = ctx.gpu.tensor(wantParam, shape);
      const m = ctx.gpu.tensor(wantM, shape);
      const v = ctx.gpu.tensor(wantV, shape);
      let pipelines = -1;
      for (let k = 1; k <= steps; k++) {
        const g = scaled(ctx.rng.nonZeroFloats(n), gradScale);
        const grad = ctx.gpu.tensor(g, shape);
        const stepOptions = options(k);
        adamwUpdate(param, grad, m, v, stepOptions);
        grad.dispose();
        // Every step reuses the first step's pipeline: the hyper-parameters live in the uniform.
        if (pipelines < 0) pipelines = ctx.gpu.stats().pipelines;
        const { lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0.01, step } = stepOptions;
        adamwReference(wantParam, g, wantM, wantV, { lr, beta1, beta2, eps, weightDecay, step });
        ctx.expectClose(`param after step ${step}`, await param.data(), wantParam, PARAM_TOLERANCE);
        ctx.expectClose(`m after step ${step}`, await m.data(), wantM, momentTolerance(gradScale));
        ctx.expectClose(`v after step ${step}`, await v.data(), wantV, SECOND_MOMENT_TOLERANCE);
      }
      const now = ctx.gpu.stats().pipelines;
      ctx.expectTrue('no recompile', now === pipelines, `${now - pipelines} pipelines created after the first step`);
      [param, m, v].forEach((t) => t.dispose());
    },
  };
}

const base =
  (lr: number, weightDecay: number) =>
  (k: number): AdamWOptions => ({ lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay, step: k });

// Step 1 from zero moments by hand (test/reference/optim.test.ts works the same numbers):
// m̂ = g and v̂ = g², so p ← p·(1 − lr·λ) − lr·g/(|g| + ε).
const handWorkedStep: GpuCase = {
  name: 'adamw step 1 by hand',
  async run(ctx) {
    const param = ctx.gpu.tensor([1, -3, 2], [3]);
    const grad = ctx.gpu.tensor([0.5, -2, 0], [3]);
    const m = ctx.gpu.zeros([3]);
    const v = ctx.gpu.zeros([3]);
    adamwUpdate(param, grad, m, v, { lr: 0.1, weightDecay: 0.01, step: 1 });
    // 0.999 − 0.1·0.5/(0.5 + 1e-8); −2.997 + 0.1·2/(2 + 1e-8); 2·0.999 (g = 0: decay only)
    ctx.expectClose('param', await param.data(), [0.899000002, -2.8970000005, 1.998], PARAM_TOLERANCE);
    ctx.expectClose('m', await m.data(), [0.05, -0.2, 0], momentTolerance(1));
    ctx.expectClose('v', await v.data(), [0.00025, 0.004, 0], SECOND_MOMENT_TOLERANCE);
    [param, grad, m, v].forEach((t) => t.dispose());
  },
};

// Clipping: the norm is an f32 sum of squares over ≤ 1e5 terms (a few ulp relative, as globalNorm's
// own cases), and each element is multiplied once by the f32 factor: rtol 1e-5 on both.
const CLIP_TOLERANCE: Tolerance = { atol: 0, rtol: 1e-5 };

/** clipByGlobalNorm over several tensors against the reference: the norm, and every tensor after clipping. */
function clipCase(shapes: number[][], maxNorm: number): GpuCase {
  return {
    name: `clipByGlobalNorm [${shapes.map((s) => `[${s.join(', ')}]`).join(', ')}] maxNorm ${maxNorm}`,
    async run(ctx) {
      const values = shapes.map((shape) => ctx.rng.nonZeroFloats(shape.reduce((a, b) => a * b, 1)));
      const tensors = values.map((v, i) => ctx.gpu.tensor(v, shapes[i]!));
      const norm = clipByGlobalNorm(tensors, maxNorm);
      const got = (await Promise.all([norm, ...tensors].map((t) => t.data()))) as Float32Array[];
      [norm, ...tensors].forEach((t) => t.dispose());
      const want = values.map((v) => Float64Array.from(v));
      const wantNorm = clipByGlobalNormReference(want, maxNorm);
      ctx.expectClose('norm', got[0]!, [wantNorm], CLIP_TOLERANCE);
      want.forEach((w, i) => ctx.expectClose(`tensor ${i}`, got[i + 1]!, w, CLIP_TOLERANCE));
      ctx.expectTrue(
        'clipped or not as expected',
        wantNorm > maxNorm === got.slice(1).some((g, i) => g.some((x, e) => x !== values[i]![e])),
        `norm ${wantNorm}, maxNorm ${maxNorm}`,
      );
    },
  };
}

// SGD: the reference keeps f64 state, the GPU f32; each step adds a few roundings of |p|, |b| ≤ ~10
// (b grows to at most g/(1 − μ)): atol 1e-6, rtol 1e-6 over up to 5 steps. A lost weight decay
// (λ·p·lr ≥ 1e-4 here), a wrong first-step buffer or Nesterov term is 100× larger.
const SGD_TOLERANCE: Tolerance = { atol: 1e-6, rtol: 1e-6 };

/** SGD over several steps against the reference: param and the momentum buffer after each step. */
function sgdCase(shape: number[], options: Omit<SgdOptions, 'step'>, steps = 4): GpuCase {
  return {
    name: `sgd ${JSON.stringify(options)} [${shape.join(', ')}] × ${steps} steps`,
    async run(ctx) {
      const n = shape.reduce((x, y) => x * y, 1);
      const wantParam = ctx.rng.nonZeroFloats(n);
      const wantBuf = ctx.rng.nonZeroFloats(n); // garbage: step 1 must overwrite it (or leave it, without momentum)
      const param = ctx.gpu.tensor(wantParam, shape);
      const buf = ctx.gpu.tensor(wantBuf, shape);
      for (let step = 1; step <= steps; step++) {
        const g = ctx.rng.nonZeroFloats(n);
        const grad = ctx.gpu.tensor(g, shape);
        sgdUpdate(param, grad, buf, { ...options, step });
        grad.dispose();
        const { momentum = 0, dampening = 0, weightDecay = 0, nesterov = false } = options;
        sgdReference(wantParam, g, wantBuf, { lr: options.lr, momentum, dampening, weightDecay, nesterov, step });
        ctx.expectClose(`param after step ${step}`, await param.data(), wantParam, SGD_TOLERANCE);
        ctx.expectClose(`buf after step ${step}`, await buf.data(), wantBuf, SGD_TOLERANCE);
      }
      [param, buf].forEach((t) => t.dispose());
    },
  };
}

/** The bits of a float array, so NaN and −0 compare exactly. */
function bitsEqual(a: Float32Array, b: Float32Array): boolean {
  const [x, y] = [new Uint32Array(a.buffer, a.byteOffset, a.length), new Uint32Array(b.buffer, b.byteOffset, b.length)];
  return x.length === y.length && x.every((w, i) => w === y[i]);
}

// Guards [loss, gradient norm] the guarded kernels must refuse: NaN, ±∞ in either word (the bits of
// a quiet NaN, a negative NaN and both infinities: the kernel tests the exponent, not x != x).
const REFUSED: [string, Float32Array][] = [
  ['loss NaN', Float32Array.from([Number.NaN, 1.5])],
  ['loss −∞', Float32Array.from([Number.NEGATIVE_INFINITY, 1.5])],
  ['norm +∞', Float32Array.from([0.25, Number.POSITIVE_INFINITY])],
  ['norm −NaN', new Float32Array(new Uint32Array([0x3f800000, 0xffc00001]).buffer)],
];

/**
 * The guarded AdamW and SGD kernels: with a finite guard (from `updateGuard` on the device) the
 * result is bit for bit the unguarded kernel's; with a refused one param and state are bit for bit
 * what they were.
 */
function guardedCase(optimizer: 'adamw' | 'sgd', shape: number[]): GpuCase {
  return {
    name: `${optimizer} guarded [${shape.join(', ')}]: finite guard = unguarded, non-finite guard writes nothing`,
    async run(ctx) {
      const n = shape.reduce((x, y) => x * y, 1);
      const start = [ctx.rng.nonZeroFloats(n), ctx.rng.nonZeroFloats(n).map((x) => 0.1 * x), ctx.rng.nonZeroFloats(n).map((x) => x * x)];
      const g = ctx.rng.nonZeroFloats(n);
      const values = adamStepValues(3, 0.01, 0.9, 0.999);
      /** One update from the start values with `guard` (null: the unguarded kernel); the resulting param and state. */
      const update = async (guard: Tensor | null): Promise<Float32Array[]> => {
        const [param, m, v] = start.map((x) => ctx.gpu.tensor(x, shape));
        const grad = ctx.gpu.tensor(g, shape);
        if (optimizer === 'adamw') adamwUpdateInStep(param!, grad, m!, v!, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 }, values, guard);
        else sgdUpdateInStep(param!, grad, m!, { momentum: 0.9, dampening: 0, weightDecay: 0.01, nesterov: true }, values, guard);
        const out = (await Promise.all([param!, m!, v!].map((t) => t.data()))) as Float32Array[];
        [param!, m!, v!, grad].forEach((t) => t.dispose());
        return optimizer === 'adamw' ? out : out.slice(0, 2);
      };
      const unguarded = await update(null);
      ctx.expectTrue('the unguarded update moves param', !bitsEqual(unguarded[0]!, start[0]!), 'param unchanged');
      // A finite guard made on the device from a loss and a real global norm.
      const loss = ctx.gpu.tensor([2.5], []);
      const gradients = ctx.gpu.tensor(g, shape);
      const norm = globalNorm([gradients]);
      const finite = updateGuard(loss, norm);
      const guardValues = (await finite.data()) as Float32Array;
      ctx.expectTrue('updateGuard packs [loss, norm]', guardValues[0] === 2.5 && guardValues[1] === (await norm.data())[0], `got [${guardValues.join(', ')}]`);
      const allowed = await update(finite);
      allowed.forEach((x, i) => ctx.expectTrue(`finite guard: tensor ${i} = unguarded, bit for bit`, bitsEqual(x, unguarded[i]!), 'differs'));
      [loss, gradients, norm, finite].forEach((t) => t.dispose());
      for (const [label, words] of REFUSED) {
        const guard = ctx.gpu.tensor(words, [2]);
        const refused = await update(guard);
        guard.dispose();
        refused.forEach((x, i) => ctx.expectTrue(`${label}: tensor ${i} untouched, bit for bit`, bitsEqual(x, start[i]!), 'changed'));
      }
    },
  };
}

/** updateGuard passes a non-finite loss or norm through unchanged (the words the step reads back). */
const guardPassesNonFinite: GpuCase = {
  name: 'updateGuard keeps NaN and ∞ as they are',
  async run(ctx) {
    const loss = ctx.gpu.tensor([Number.NaN], []);
    const grads = ctx.gpu.tensor([1, Number.POSITIVE_INFINITY, 2], [3]);
    const norm = globalNorm([grads]);
    const guard = updateGuard(loss, norm);
    const [l, g] = (await guard.data()) as Float32Array;
    ctx.expectTrue('[NaN, ∞]', Number.isNaN(l) && g === Number.POSITIVE_INFINITY, `got [${l}, ${g}]`);
    [loss, grads, norm, guard].forEach((t) => t.dispose());
  },
};

export default defineSuite('optim', [
  guardedCase('adamw', [7]),
  guardedCase('adamw', [129, 65]),
  guardedCase('sgd', [257]),
  guardPassesNonFinite,
  sgdCase([7], { lr: 0.1 }),
  sgdCase([33, 5], { lr: 0.05, momentum: 0.9, weightDecay: 0.01 }),
  sgdCase([257], { lr: 0.05, momentum: 0.9, nesterov: true }),
  sgdCase([1001], { lr: 0.01, momentum: 0.5, dampening: 0.3, weightDecay: 0.1 }),
  clipCase([[7], [33, 5], [257]], 1), // norm ≈ 10 > 1: scaled down
  clipCase([[3], [4]], 100), // below the limit: untouched
  clipCase([[768, 128]], 0.5),
  handWorkedStep,
  ...[[1], [7], [33], [257], [129, 65]].map((shape) => adamwCase('lr 1e-2 λ 0.1', { shape, steps: 5, options: base(1e-2, 0.1) })),
  // The PyTorch defaults (β 0.9/0.999, ε 1e-8, λ 0.01) by omission; lr·λ·|p| ≥ 1e-5 stays visible.
  adamwCase('defaults lr 0.1', { shape: [1001], steps: 4, options: (k) => ({ lr: 0.1, step: k }) }),
  // A schedule: lr changes every step, mid-training (step 1000 on, random moments), other betas.
  adamwCase('schedule from step 1000', {
    shape: [4099],
    steps: 6,
    warmState: true,
    options: (k) => ({ lr: 1e-3 * (1 + ((k * 7) % 5)), beta1: 0.8, beta2: 0.98, eps: 1e-6, weightDecay: 0.3, step: 999 + k }),
  }),
  // Gradients near ε: √v̂ ≈ 1e-7, so ε = 1e-8 changes the step by ~10%.
  adamwCase('tiny gradients', { shape: [513], steps: 3, gradScale: 1e-7, options: base(1e-2, 0.1) }),
  // A realistic weight: BERT-base's feed-forward matrix, 768 × 3072.
  adamwCase('bert ffn', { shape: [768, 3072], steps: 2, options: base(1e-3, 0.01) }),
]);
