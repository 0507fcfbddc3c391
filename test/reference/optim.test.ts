// The AdamW reference against hand-worked steps and a closed form, and the checked op's errors.
import { describe, expect, test } from 'vitest';
import { ShapeError, adamwUpdate, clipByGlobalNorm, createCpuBackend, sgdUpdate } from '../../src/index.js';
import { type AdamWReferenceOptions, adamwReference, guardAllowsUpdate, sgdReference, updateGuardReference } from '../../src/reference/optim.js';
import { adamwUpdateInStep, adamStepValues, sgdUpdateInStep, updateGuard } from '../../src/ops/optim.js';

const defaults = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

describe('adamwReference', () => {
  test('step 1 by hand: m̂ = g, v̂ = g², so the step is lr·g/(|g| + ε) after decay by 1 − lr·λ', () => {
    const param = Float64Array.from([1, -3, 2]);
    const m = new Float64Array(3);
    const v = new Float64Array(3);
    adamwReference(param, [0.5, -2, 0], m, v, { ...defaults, lr: 0.1, weightDecay: 0.01, step: 1 });
    // m = 0.1·g, v = 0.001·g²
    expect(m[0]).toBeCloseTo(0.05, 15);
    expect(m[1]).toBeCloseTo(-0.2, 15);
    expect(v[0]).toBeCloseTo(0.00025, 15);
    expect(v[1]).toBeCloseTo(0.004, 15);
    // 1·0.999 − 0.1·0.5/(0.5 + 1e-8) = 0.999 − 0.099999998 = 0.899000002
    expect(param[0]).toBeCloseTo(0.899000002, 12);
    // −3·0.999 + 0.1·2/(2 + 1e-8) = −2.997 + 0.0999999995 = −2.8970000005
    expect(param[1]).toBeCloseTo(-2.8970000005, 12);
    // g = 0: only the decoupled decay acts, 2·(1 − 0.001)
    expect(param[2]).toBeCloseTo(1.998, 15);
  });

  test('step 2 by hand: the moments average the two gradients', () => {
    const param = Float64Array.from([0]);
    const m = new Float64Array(1);
    const v = new Float64Array(1);
    const options: AdamWReferenceOptions = { ...defaults, lr: 0.5, weightDecay: 0, step: 1 };
    adamwReference(param, [1], m, v, options);
    adamwReference(param, [3], m, v, { ...options, step: 2 });
    // m = 0.9·0.1 + 0.1·3 = 0.39; v = 0.999·0.001 + 0.001·9 = 0.009999
    expect(m[0]).toBeCloseTo(0.39, 15);
    expect(v[0]).toBeCloseTo(0.009999, 15);
    // m̂ = 0.39/0.19, v̂ = 0.009999/0.001999; step 1 moved the parameter by −0.5·1/(1 + 1e-8).
    const want = -0.5 / (1 + 1e-8) - (0.5 * (0.39 / 0.19)) / (Math.sqrt(0.009999 / 0.001999) + 1e-8);
    expect(param[0]).toBeCloseTo(want, 14);
  });

  test('a constant gradient for T steps has the closed form p_T = dᵀ·p₀ − lr·s·(1 − dᵀ)/(1 − d)', () => {
    // With g constant, m̂ = g and v̂ = g² at every step, so each step is p ← d·p − lr·s,
    // d = 1 − lr·λ, s = g/(|g| + ε).
    const [lr, weightDecay, g, p0, steps] = [0.05, 0.2, -0.3, 1.5, 25];
    const param = Float64Array.from([p0]);
    const m = new Float64Array(1);
    const v = new Float64Array(1);
    for (let step = 1; step <= steps; step++) adamwReference(param, [g], m, v, { ...defaults, beta2: 0.99, lr, weightDecay, step });
    const d = 1 - lr * weightDecay;
    const s = g / (Math.abs(g) + 1e-8);
    expect(param[0]).toBeCloseTo(d ** steps * p0 - (lr * s * (1 - d ** steps)) / (1 - d), 12);
  });
});

describe('adamwUpdate on the cpu backend', () => {
  const cpu = createCpuBackend();

  test('updates param, m and v in place, with the PyTorch defaults', async () => {
    const param = cpu.tensor([1, -3], [2]);
    const grad = cpu.tensor([0.5, -2], [2]);
    const m = cpu.zeros([2]);
    const v = cpu.zeros([2]);
    const result = adamwUpdate(param, grad, m, v, { lr: 0.1, step: 1 });
    expect(result).toBeUndefined();
    const want = { param: Float32Array.from([1, -3]), m: new Float32Array(2), v: new Float32Array(2) };
    adamwReference(want.param, [0.5, -2], want.m, want.v, { ...defaults, lr: 0.1, weightDecay: 0.01, step: 1 });
    expect(await param.data()).toEqual(want.param);
    expect(await m.data()).toEqual(want.m);
    expect(await v.data()).toEqual(want.v);
    expect(await grad.data()).toEqual(Float32Array.from([0.5, -2]));
  });

  const t = () => cpu.zeros([2, 3]);
  const [param, grad, m, v] = [t(), t(), t(), t()];
  test.each([
    ['shape', () => adamwUpdate(param, cpu.zeros([3, 2]), m, v, { lr: 1, step: 1 }), /^adamwUpdate: grad must have shape \[2, 3\], got \[3, 2\]$/],
    ['rank', () => adamwUpdate(param, grad, m, cpu.zeros([6]), { lr: 1, step: 1 }), /^adamwUpdate: v must have shape \[2, 3\], got \[6\]$/],
    ['dtype', () => adamwUpdate(param, grad, cpu.zeros([2, 3], 'i32'), v, { lr: 1, step: 1 }), /^adamwUpdate: m must be f32, got i32\[2, 3\] on cpu$/],
    ['aliasing', () => adamwUpdate(param, grad, m, m, { lr: 1, step: 1 }), /^adamwUpdate: m and v must be different tensors$/],
    ['step 0', () => adamwUpdate(param, grad, m, v, { lr: 1, step: 0 }), /^adamwUpdate: step must be an integer ≥ 1, got 0$/],
    ['step fraction', () => adamwUpdate(param, grad, m, v, { lr: 1, step: 1.5 }), /^adamwUpdate: step must be an integer ≥ 1, got 1.5$/],
    ['lr negative', () => adamwUpdate(param, grad, m, v, { lr: -1, step: 1 }), /^adamwUpdate: lr must be a finite number ≥ 0, got -1$/],
    ['lr NaN', () => adamwUpdate(param, grad, m, v, { lr: NaN, step: 1 }), /^adamwUpdate: lr must be a finite number ≥ 0, got NaN$/],
    ['beta1 = 1', () => adamwUpdate(param, grad, m, v, { lr: 1, step: 1, beta1: 1 }), /^adamwUpdate: beta1 must be in \[0, 1\), got 1$/],
    ['beta2 < 0', () => adamwUpdate(param, grad, m, v, { lr: 1, step: 1, beta2: -0.5 }), /^adamwUpdate: beta2 must be in \[0, 1\), got -0.5$/],
    ['eps negative', () => adamwUpdate(param, grad, m, v, { lr: 1, step: 1, eps: -1e-8 }), /^adamwUpdate: eps must be a finite number ≥ 0/],
    [
      'weightDecay Infinity',
      () => adamwUpdate(param, grad, m, v, { lr: 1, step: 1, weightDecay: Infinity }),
      /^adamwUpdate: weightDecay must be a finite number ≥ 0/,
    ],
    ['options missing', () => adamwUpdate(param, grad, m, v, undefined as never), /^adamwUpdate: options \{ lr, step, … \} are required$/],
  ])('%s', (_name, fn, message) => {
    expect(fn).toThrowError(ShapeError);
    expect(fn).toThrowError(message);
  });
});

describe('clipByGlobalNorm', () => {
  test('scales every tensor by maxNorm / (N + 1e-6) when the global norm N exceeds maxNorm, and returns N', async () => {
    const cpu = createCpuBackend();
    const a = cpu.tensor([3, 0], [2]);
    const b = cpu.tensor([4], [1]);
    const norm = clipByGlobalNorm([a, b], 1); // N = 5
    expect(Array.from(await norm.data())).toEqual([5]);
    const factor = 1 / (5 + 1e-6);
    expect(Array.from(await a.data())).toEqual([Math.fround(3 * factor), 0]);
    expect(Array.from(await b.data())).toEqual([Math.fround(4 * factor)]);
    const c = cpu.tensor([0.3], [1]);
    clipByGlobalNorm([c], 1);
    expect(Array.from(await c.data())).toEqual([Math.fround(0.3)]); // under the limit: unchanged
    expect(() => clipByGlobalNorm([c, c], 1)).toThrow(/^clipByGlobalNorm: a tensor appears twice/);
    expect(() => clipByGlobalNorm([c], 0)).toThrow(/^clipByGlobalNorm: maxNorm must be > 0/);
    expect(() => clipByGlobalNorm([], 1)).toThrow(/^globalNorm: expected a non-empty array/);
  });
});

describe('sgdUpdate', () => {
  test('torch.optim.SGD by hand: the buffer starts as the gradient, then μ·b + (1 − τ)·g; Nesterov adds μ·b to g', async () => {
    const cpu = createCpuBackend();
    const p = cpu.tensor([1], [1]);
    const b = cpu.tensor([99], [1]);
    sgdUpdate(p, cpu.tensor([0.5], [1]), b, { lr: 0.1, momentum: 0.9, weightDecay: 0.1, step: 1 });
    // g = 0.5 + 0.1·1 = 0.6; b = 0.6; p = 1 − 0.06
    expect((await b.data())[0]).toBeCloseTo(0.6, 6);
    expect((await p.data())[0]).toBeCloseTo(0.94, 6);
    sgdUpdate(p, cpu.tensor([0.5], [1]), b, { lr: 0.1, momentum: 0.9, weightDecay: 0.1, step: 2 });
    // g = 0.5 + 0.094 = 0.594; b = 0.54 + 0.594 = 1.134; p = 0.94 − 0.1134
    expect((await b.data())[0]).toBeCloseTo(1.134, 6);
    expect((await p.data())[0]).toBeCloseTo(0.8266, 6);
    const q = cpu.tensor([1], [1]);
    const c = cpu.tensor([0], [1]);
    sgdUpdate(q, cpu.tensor([1], [1]), c, { lr: 0.1, momentum: 0.5, nesterov: true, step: 1 });
    // b = 1; d = 1 + 0.5 = 1.5; p = 1 − 0.15
    expect((await q.data())[0]).toBeCloseTo(0.85, 6);
  });

  test('checks its arguments', () => {
    const cpu = createCpuBackend();
    const t = () => cpu.tensor([1, 2], [2]);
    const [p, g, b] = [t(), t(), t()];
    expect(() => sgdUpdate(p, g, b, { lr: 0.1, nesterov: true, step: 1 })).toThrow(/^sgdUpdate: nesterov needs momentum > 0 and dampening 0/);
    expect(() => sgdUpdate(p, g, p, { lr: 0.1, step: 1 })).toThrow(/^sgdUpdate: param, grad and buf must be different tensors$/);
    expect(() => sgdUpdate(p, g, b, { lr: 0.1, momentum: 1, step: 1 })).toThrow(/^sgdUpdate: momentum must be in \[0, 1\), got 1$/);
    expect(() => sgdUpdate(p, g, cpu.tensor([1], [1]), { lr: 0.1, step: 1 })).toThrow(/^sgdUpdate: buf must have shape \[2\], got \[1\]$/);
    expect(() => sgdUpdate(p, g, b, { lr: 0.1, step: 0 })).toThrow(ShapeError);
  });
});

// The guard of a training step's update, [loss, gradient norm]: the update runs only when both are
// finite, and otherwise leaves every array bit for bit as it was.
describe('guarded updates', () => {
  const NOT_FINITE = [
    [Number.NaN, 1],
    [1, Number.POSITIVE_INFINITY],
    [Number.NEGATIVE_INFINITY, 2],
    [3, Number.NaN],
  ];
  const start = () => ({ param: Float64Array.from([0.7, -1.3, 2.1]), m: Float64Array.from([0.01, -0.02, 0.03]), v: Float64Array.from([1e-4, 2e-4, 3e-4]) });
  const grad = [0.5, -0.25, 0.125];
  const options = { ...defaults, lr: 0.1, weightDecay: 0.1, step: 3 };

  test('guardAllowsUpdate: both finite, or no update; updateGuardReference packs [loss, norm]', () => {
    expect(guardAllowsUpdate([2.5, 0.1])).toBe(true);
    expect(guardAllowsUpdate([-1e38, 3e38])).toBe(true);
    for (const g of NOT_FINITE) expect(guardAllowsUpdate(g)).toBe(false);
    const out = new Float64Array(2);
    updateGuardReference([1.5], [Number.POSITIVE_INFINITY], out);
    expect(Array.from(out)).toEqual([1.5, Number.POSITIVE_INFINITY]);
  });

  test('AdamW: a finite guard gives the unguarded update; a non-finite one touches nothing', () => {
    const want = start();
    adamwReference(want.param, grad, want.m, want.v, options);
    const got = start();
    adamwReference(got.param, grad, got.m, got.v, options, [2.3, 0.6]);
    expect(got).toEqual(want);
    for (const guard of NOT_FINITE) {
      const before = start();
      const after = start();
      adamwReference(after.param, grad, after.m, after.v, options, guard);
      expect(after).toEqual(before);
    }
  });

  test('SGD with momentum: the same', () => {
    const sgd = { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0.01, nesterov: true, step: 2 };
    const want = start();
    sgdReference(want.param, grad, want.m, sgd);
    const got = start();
    sgdReference(got.param, grad, got.m, sgd, [0.1, 7]);
    expect(got).toEqual(want);
    for (const guard of NOT_FINITE) {
      const after = start();
      sgdReference(after.param, grad, after.m, sgd, guard);
      expect(after).toEqual(start());
    }
  });

  test('on the cpu backend: updateGuard from a loss and a norm; guarded AdamW and SGD write nothing when it is not finite', async () => {
    const cpu = createCpuBackend();
    const hyper = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
    for (const [loss, norm, allowed] of [
      [0.5, 2, true],
      [Number.NaN, 2, false],
      [0.5, Number.POSITIVE_INFINITY, false],
    ] as const) {
      const guard = updateGuard(cpu.tensor([loss], []), cpu.tensor([norm], []));
      expect(guard.shape).toEqual([2]);
      expect(Array.from(await guard.data())).toEqual([loss, norm]);
      const [p, g, m, v, b] = [
        [0.7, -1.3],
        [0.5, -0.25],
        [0.01, 0.02],
        [1e-4, 2e-4],
        [0.3, 0.4],
      ].map((x) => cpu.tensor(x, [2]));
      const before = await Promise.all([p, m, v, b].map((t) => t!.data()));
      adamwUpdateInStep(p!, g!, m!, v!, hyper, adamStepValues(2, 0.1, 0.9, 0.999), guard);
      sgdUpdateInStep(p!, g!, b!, { momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false }, adamStepValues(2, 0.1, 0, 0), guard);
      const after = await Promise.all([p, m, v, b].map((t) => t!.data()));
      after.forEach((a, i) =>
        expect(
          a.some((x, e) => x !== before[i]![e]),
          `tensor ${i}`,
        ).toBe(allowed),
      );
    }
  });

  test('guards are checked', () => {
    const cpu = createCpuBackend();
    const [p, g, m, v] = [0, 1, 2, 3].map(() => cpu.zeros([2]));
    const hyper = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };
    const values = adamStepValues(1, 0.1, 0.9, 0.999);
    expect(() => adamwUpdateInStep(p!, g!, m!, v!, hyper, values, cpu.zeros([3]))).toThrow(/^adamwUpdate: guard must have shape \[2\], got \[3\]$/);
    expect(() => adamwUpdateInStep(p!, g!, m!, v!, hyper, values, cpu.zeros([2], 'i32'))).toThrow(/^adamwUpdate: guard must be f32/);
    expect(() => updateGuard(cpu.zeros([2]), cpu.zeros([]))).toThrow(/^updateGuard: loss must have one element, got shape \[2\]$/);
    expect(() => updateGuard(cpu.zeros([]), 3 as never)).toThrow(/^updateGuard: gradNorm must be a Tensor/);
  });
});
