// The activation references against values worked out independently (mpmath, 30 digits), and
// every backward against float64 central differences of its forward.
import { describe, expect, test } from 'vitest';
import {
  type ActivationName,
  activationBackwardReference,
  activationReference,
  biasActivationBackwardReference,
  erf,
  geluBackwardReference,
  geluReference,
  reluBackwardReference,
  reluReference,
  tanhBackwardReference,
  tanhReference,
} from '../../src/reference/activation.js';
import { biasActivationBackward, createCpuBackend, gelu, geluBackward, relu, reluBackward, ShapeError, tanh, tanhBackward } from '../../src/index.js';
import { randomFloat64, vjpError } from '../harness/finite-diff.js';
import { Rng } from '../harness/cases.js';

const ACTIVATIONS: ActivationName[] = ['gelu', 'gelu_tanh', 'relu', 'none'];

function apply(f: (x: ArrayLike<number>, y: Float64Array) => void, x: number[]): number[] {
  const y = new Float64Array(x.length);
  f(x, y);
  return Array.from(y);
}

function expectAllClose(got: number[], want: number[], tolerance: number): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(Math.abs(g - want[i]!), `[${i}] got ${g}, want ${want[i]}`).toBeLessThanOrEqual(tolerance));
}

describe('erf (float64 series)', () => {
  test('table values', () => {
    const table: [number, number][] = [
      [0.5, 0.52049987781304654],
      [1, 0.84270079294971487],
      [2, 0.99532226501895273],
      [3, 0.99997790950300141],
      [-1.5, -0.96610514647531073],
      [5, 0.99999999999846254],
      [1e-3, 0.0011283787909692364],
    ];
    for (const [x, want] of table) expect(Math.abs(erf(x) - want), `erf(${x})`).toBeLessThan(2e-16 + 1e-15 * Math.abs(want));
  });

  test('odd, 0 at 0, ±1 in the tails, NaN stays NaN', () => {
    expect(erf(0)).toBe(0);
    expect(erf(-0.7)).toBe(-erf(0.7));
    expect(erf(6)).toBe(1);
    expect(erf(-40)).toBe(-1);
    expect(erf(Infinity)).toBe(1);
    expect(erf(NaN)).toBeNaN();
  });
});

describe('activation forward, hand-worked', () => {
  test('exact GELU = x·Φ(x)', () => {
    expectAllClose(
      apply((x, y) => geluReference(x, y), [0, 1, -1, 2, -3, 0.5]),
      [0, 0.84134474606854295, -0.15865525393145705, 1.9544997361036416, -0.0040496940948902836, 0.34573123063700655],
      1e-15,
    );
  });

  test('tanh GELU', () => {
    expectAllClose(
      apply((x, y) => geluReference(x, y, 'tanh'), [0, 1, -1, 2, -3, 0.5]),
      [0, 0.84119199060827672, -0.15880800939172328, 1.954597694087775, -0.0036373920817730197, 0.34571400982514392],
      1e-15,
    );
  });

  test('GELU tails: x for large x, 0 for very negative x, no NaN', () => {
    const y = apply((x, out) => geluReference(x, out), [40, -40, -1e30]);
    expect(y[0]).toBe(40);
    expect(Math.abs(y[1]!)).toBe(0);
    expect(Math.abs(y[2]!)).toBe(0);
    const t = apply((x, out) => geluReference(x, out, 'tanh'), [40, -40]);
    expect(t).toEqual([40, -0]);
  });

  test('ReLU and identity', () => {
    expect(apply(reluReference, [-2, 0, 3, -0.5])).toEqual([0, 0, 3, 0]);
    expect(apply((x, y) => activationReference('none', x, y), [-2, 0, 3])).toEqual([-2, 0, 3]);
  });
});

describe('activation backward', () => {
  test('hand-worked derivatives (dy = 1), ReLU′(0) = 0', () => {
    const ones = [1, 1, 1, 1, 1];
    const x = [1, -1, 2, -3, 0.5];
    expectAllClose(
      apply((x, dx) => geluBackwardReference(ones, x, dx), x),
      [1.0833154705876863, -0.083315470587686298, 1.0852318010781969, -0.011945647204183927, 0.86749512465616284],
      1e-15,
    );
    expectAllClose(
      apply((x, dx) => geluBackwardReference(ones, x, dx, 'tanh'), x),
      [1.0829640838457826, -0.082964083845782554, 1.0860992566236184, -0.011584166630969727, 0.86736990353464231],
      1e-15,
    );
    expect(apply((x, dx) => reluBackwardReference([5, 5, 5, 5], x, dx), [-1, 0, 2, -0])).toEqual([0, 0, 5, 0]);
  });

  test.each(ACTIVATIONS)('%s: dx = dy·act′(x) matches central differences', (activation) => {
    const rng = new Rng(7);
    // ±[0.1, 4): away from ReLU's kink at 0, across the GELU's curved part.
    const x = randomFloat64(rng, 200, 0.1, 4);
    const dy = randomFloat64(rng, 200);
    const dx = new Float64Array(200);
    activationBackwardReference(activation, dy, x, dx);
    const forward = (probe: Float64Array) => {
      const y = new Float64Array(probe.length);
      activationReference(activation, probe, y);
      return y;
    };
    expect(vjpError(forward, dy, x, dx)).toBeLessThan(1e-8);
  });

  test.each(ACTIVATIONS)('%s: biasActivationBackward gives dz and dbias = ∂L/∂b of L = Σ dy·act(z + b)', (activation) => {
    const rng = new Rng(11);
    const rows = 5;
    const n = 7;
    const z = randomFloat64(rng, rows * n, 0.1, 3);
    const dy = randomFloat64(rng, rows * n);
    const dz = new Float64Array(rows * n);
    const dbias = new Float64Array(n);
    biasActivationBackwardReference(activation, dy, z, n, dz, dbias);
    const expectedDz = new Float64Array(rows * n);
    activationBackwardReference(activation, dy, z, expectedDz);
    expect(Array.from(dz)).toEqual(Array.from(expectedDz));
    const forward = (bias: Float64Array) => {
      const shifted = z.map((v, i) => v + bias[i % n]!);
      const y = new Float64Array(rows * n);
      activationReference(activation, shifted, y);
      return y;
    };
    expect(vjpError(forward, dy, new Float64Array(n), dbias)).toBeLessThan(1e-8);
  });

  test('biasActivationBackward by hand: none sums the columns, relu masks first', () => {
    const dy = [1, 2, 3, 4, 5, 6];
    const z = [-1, 2, 0, 3, -4, 5];
    const dz = new Float64Array(6);
    const dbias = new Float64Array(3);
    biasActivationBackwardReference('none', dy, z, 3, dz, dbias);
    expect(Array.from(dz)).toEqual(dy);
    expect(Array.from(dbias)).toEqual([5, 7, 9]);
    biasActivationBackwardReference('relu', dy, z, 3, dz, dbias);
    expect(Array.from(dz)).toEqual([0, 2, 0, 4, 0, 6]);
    expect(Array.from(dbias)).toEqual([4, 2, 6]);
  });
});

describe('activation ops on the CPU backend', () => {
  const cpu = createCpuBackend();

  test('compute through the checked functions', async () => {
    const x = cpu.tensor([-1, 0, 2], [3]);
    const dy = cpu.tensor([1, 1, 1], [3]);
    expect(Array.from(await relu(x).data())).toEqual([0, 0, 2]);
    expect(Array.from(await reluBackward(dy, x).data())).toEqual([0, 0, 1]);
    expect((await gelu(x).data())[2]).toBeCloseTo(1.9544997361036416, 6);
    expect((await gelu(x, { approximate: 'tanh' }).data())[2]).toBeCloseTo(1.954597694087775, 6);
    expect((await geluBackward(dy, x).data())[2]).toBeCloseTo(1.0852318010781969, 6);
    const { dz, dbias } = biasActivationBackward(cpu.tensor([1, 2, 3, 4, 5, 6], [1, 2, 3]), cpu.tensor([-1, 2, 0, 3, -4, 5], [1, 2, 3]), 'relu');
    expect(dz.shape).toEqual([1, 2, 3]);
    expect(dbias.shape).toEqual([3]);
    expect(Array.from(await dbias.data())).toEqual([4, 2, 6]);
  });

  test.each([
    ['gelu dtype', () => gelu(cpu.tensor(Int32Array.from([1]), [1])), /^gelu: x must be f32, got i32\[1\] on cpu$/],
    ['gelu option', () => gelu(cpu.zeros([2]), { approximate: 'erf' as never }), /^gelu: approximate must be 'none' or 'tanh', got "erf"$/],
    ['geluBackward shape', () => geluBackward(cpu.zeros([2, 3]), cpu.zeros([3, 2])), /^geluBackward: dy must have shape \[3, 2\], got \[2, 3\]$/],
    ['reluBackward dtype', () => reluBackward(cpu.zeros([2], 'i32'), cpu.zeros([2])), /^reluBackward: dy must be f32, got i32\[2\] on cpu$/],
    [
      'biasActivationBackward shape',
      () => biasActivationBackward(cpu.zeros([4, 3]), cpu.zeros([4, 2]), 'gelu'),
      /^biasActivationBackward: dy must have shape \[4, 2\], got \[4, 3\]$/,
    ],
    [
      'biasActivationBackward rank',
      () => biasActivationBackward(cpu.zeros([]), cpu.zeros([]), 'gelu'),
      /^biasActivationBackward: expected z \[\.\.\., N\] of rank ≥ 1, got \[\]$/,
    ],
    [
      'biasActivationBackward activation',
      () => biasActivationBackward(cpu.zeros([2]), cpu.zeros([2]), 'tanh' as never),
      /^biasActivationBackward: activation must be one of gelu, gelu_tanh, relu, none, got "tanh"$/,
    ],
  ])('%s', (_name, call, message) => {
    expect(call).toThrowError(ShapeError);
    expect(call).toThrowError(message);
  });
});

describe('tanh (the pooler)', () => {
  test('hand-worked values: odd, ±1 in the tails', () => {
    const x = [0, 0.5, 1, -2, 3, 1e-4, 20, -40];
    expectAllClose(
      apply(tanhReference, x),
      [0, 0.46211715726000974, 0.7615941559557649, -0.9640275800758169, 0.9950547536867305, 9.9999999666666669e-5, 1, -1],
      1e-16,
    );
  });

  test('derivative 1 − tanh² by hand, keeping its relative accuracy far out (1/cosh², not 1 − tanh²)', () => {
    const x = [0, 0.5, 1, -2, 3, 20];
    const dx = apply((probe, out) => tanhBackwardReference([1, 1, 1, 1, 1, 1], probe, out), x);
    expectAllClose(dx.slice(0, 5), [1, 0.7864477329659275, 0.4199743416140261, 0.07065082485316447, 0.009866037165440192], 1e-15);
    // 4·e^(−40) = 1.6993e-17, where 1 − tanh²(20) would be 0.
    expect(Math.abs(dx[5]! - 4 * Math.exp(-40)) / dx[5]!).toBeLessThan(1e-12);
  });

  test('dx = dy·tanh′(x) matches central differences, over ±[0.01, 4)', () => {
    const rng = new Rng(13);
    const x = randomFloat64(rng, 200, 0.01, 4);
    const dy = randomFloat64(rng, 200);
    const dx = new Float64Array(200);
    tanhBackwardReference(dy, x, dx);
    const forward = (probe: Float64Array) => apply(tanhReference, Array.from(probe));
    expect(vjpError(forward, dy, x, dx)).toBeLessThan(1e-8);
  });

  test('the checked ops on the CPU, and their argument errors', async () => {
    const cpu = createCpuBackend();
    const x = cpu.tensor([-1, 0, 2], [3]);
    expect(Array.from(await tanh(x).data())).toEqual(Array.from(Float32Array.from([-0.7615941559557649, 0, 0.9640275800758169])));
    const dx = await tanhBackward(cpu.tensor([2, 2, 2], [3]), x).data();
    expect(Array.from(dx)).toEqual(Array.from(Float32Array.from([2 * 0.4199743416140261, 2, 2 * 0.07065082485316447])));
    expect(() => tanh(cpu.zeros([2], 'i32'))).toThrowError(/^tanh: x must be f32, got i32\[2\] on cpu$/);
    expect(() => tanhBackward(cpu.zeros([2, 3]), cpu.zeros([3, 2]))).toThrowError(ShapeError);
    expect(() => tanhBackward(cpu.zeros([2, 3]), cpu.zeros([3, 2]))).toThrowError(/^tanhBackward: dy must have shape \[3, 2\], got \[2, 3\]$/);
  });
});
