// The CPU backend in float64 (createCpuBackend({ precision: 'f64' })): what the graph's gradient
// checks run on. Each op's result is compared with the same math done by hand in float64: f64 mode
// must agree to ~1e-12, where f32 mode is off by ~1e-7 (which also shows f32 mode still rounds).
import { describe, expect, test } from 'vitest';
import {
  ShapeError,
  accumulate,
  add,
  attentionWithProbabilities,
  createCpuBackend,
  crossEntropy,
  layerNorm,
  layerNormBackward,
  matmul,
  mul,
  scale,
  softmax,
  type CpuBackend,
  type Tensor,
} from '../../src/index.js';

const f64 = createCpuBackend({ precision: 'f64' });
const f32 = createCpuBackend();

/** Values that are not float32 numbers, so any rounding to f32 shows (|v| in [0.1, 1]). */
function values(n: number, seed: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.sin(seed * 7.3 + i * 1.7) * 0.9 + (i % 2 ? 0.1 : -0.1));
}

function maxAbsDiff(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  return worst;
}

/** f64 mode matches the hand float64 values to 1e-12; f32 mode is off by more than 1e-9 (it rounds). */
function expectF64Only(run: (cpu: CpuBackend) => Tensor, want: ArrayLike<number>): void {
  const exact = run(f64);
  expect(maxAbsDiff(f64.readF64(exact), want)).toBeLessThan(1e-12);
  const rounded = run(f32);
  const err32 = maxAbsDiff(f32.readF64(rounded), want);
  expect(err32).toBeGreaterThan(1e-9);
  expect(err32).toBeLessThan(1e-5);
}

describe('precision', () => {
  test('f32 by default, f64 on request, anything else refused', () => {
    expect(createCpuBackend().precision).toBe('f32');
    expect(f64.precision).toBe('f64');
    expect(() => createCpuBackend({ precision: 'f16' as never })).toThrowError(ShapeError);
    expect(() => createCpuBackend({ precision: 'f16' as never })).toThrowError(/^createCpuBackend: precision must be 'f32' or 'f64', got "f16"$/);
  });

  test('tensor() keeps number[] and Float64Array at full precision in f64 mode, rounds them in f32 mode', async () => {
    for (const data of [[0.1, 1 / 3], Float64Array.from([0.1, 1 / 3])]) {
      const t = f64.tensor(data, [2]);
      expect(t.dtype).toBe('f32');
      expect(Array.from(f64.readF64(t))).toEqual([0.1, 1 / 3]);
      // data() keeps its type: a Float32Array, rounded.
      const read = await t.data();
      expect(read).toBeInstanceOf(Float32Array);
      expect(Array.from(read)).toEqual([Math.fround(0.1), Math.fround(1 / 3)]);
      const r = f32.tensor(data, [2]);
      expect(Array.from(f32.readF64(r))).toEqual([Math.fround(0.1), Math.fround(1 / 3)]);
      expect(await r.data()).toBeInstanceOf(Float32Array);
    }
  });

  test('readF64 is a copy; zeros, integer and f16 tensors behave as in f32 mode', async () => {
    const t = f64.tensor([0.1], [1]);
    f64.readF64(t)[0] = 5;
    expect(f64.readF64(t)[0]).toBe(0.1);
    expect(Array.from(f64.readF64(f64.zeros([2])))).toEqual([0, 0]);
    const i = f64.tensor(Int32Array.from([2 ** 31 - 1]), [1]);
    expect(Array.from(await add(i, i).data())).toEqual([-2]);
    expect(Array.from(await mul(f64.tensor([3, 4], [2], 'u32'), f64.tensor([5, 6], [2], 'u32')).data())).toEqual([15, 24]);
    const h = f64.tensor([1, 2049], [2], 'f16');
    expect(Array.from(await add(h, h).data())).toEqual([2, 4096]);
  });
});

describe('ops compute in float64', () => {
  test('add, mul, scale (s not rounded to f32), accumulate', () => {
    const [a, b] = [values(5, 1), values(5, 2)];
    expectF64Only(
      (cpu) => add(cpu.tensor(a, [5]), cpu.tensor(b, [5])),
      a.map((x, i) => x + b[i]!),
    );
    expectF64Only(
      (cpu) => mul(cpu.tensor(a, [5]), cpu.tensor(b, [5])),
      a.map((x, i) => x * b[i]!),
    );
    expectF64Only(
      (cpu) => scale(cpu.tensor(a, [5]), 0.1),
      a.map((x) => 0.1 * x),
    );
    expectF64Only(
      (cpu) => {
        const into = cpu.tensor(a, [5]);
        accumulate(into, cpu.tensor(b, [5]), 1 / 3);
        return into;
      },
      a.map((x, i) => x + (1 / 3) * b[i]!),
    );
  });

  test('matmul [3, 4] · [4, 2]', () => {
    const [m, k, n] = [3, 4, 2];
    const [a, b] = [values(m * k, 3), values(k * n, 4)];
    const want: number[] = [];
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) sum += a[i * k + p]! * b[p * n + j]!;
        want.push(sum);
      }
    }
    expectF64Only((cpu) => matmul(cpu.tensor(a, [m, k]), cpu.tensor(b, [k, n])), want);
  });

  test('layerNorm over rows of 5', () => {
    const [rows, dim, eps] = [3, 5, 1e-5];
    const [x, gamma, beta] = [values(rows * dim, 5), values(dim, 6), values(dim, 7)];
    const want: number[] = [];
    for (let r = 0; r < rows; r++) {
      const row = x.slice(r * dim, (r + 1) * dim);
      const mean = row.reduce((s, v) => s + v, 0) / dim;
      const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / dim;
      row.forEach((v, j) => want.push(((v - mean) / Math.sqrt(variance + eps)) * gamma[j]! + beta[j]!));
    }
    expectF64Only((cpu) => layerNorm(cpu.tensor(x, [rows, dim]), cpu.tensor(gamma, [dim]), cpu.tensor(beta, [dim]), eps).y, want);
  });

  test('softmax and crossEntropy', () => {
    const [rows, classes] = [3, 4];
    const logits = values(rows * classes, 8).map((v) => 3 * v);
    const labels = [2, 0, 3];
    const probs: number[] = [];
    let loss = 0;
    for (let r = 0; r < rows; r++) {
      const row = logits.slice(r * classes, (r + 1) * classes);
      const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
      row.forEach((v) => probs.push(Math.exp(v - lse)));
      loss += (lse - row[labels[r]!]!) / rows;
    }
    expectF64Only((cpu) => softmax(cpu.tensor(logits, [rows, classes])), probs);
    expectF64Only((cpu) => crossEntropy(cpu.tensor(logits, [rows, classes]), cpu.tensor(Int32Array.from(labels), [rows])).loss, [loss]);
  });

  test('attention [1, 2, 3, 2] (B, H, T, Dh)', () => {
    const [heads, t, dh] = [2, 3, 2];
    const [q, k, v] = [values(heads * t * dh, 9), values(heads * t * dh, 10), values(heads * t * dh, 11)];
    const s = 1 / Math.sqrt(dh);
    const want: number[] = [];
    for (let h = 0; h < heads; h++) {
      const at = (x: number[], i: number, d: number) => x[(h * t + i) * dh + d]!;
      for (let i = 0; i < t; i++) {
        const scores = Array.from({ length: t }, (_, j) => s * (at(q, i, 0) * at(k, j, 0) + at(q, i, 1) * at(k, j, 1)));
        const z = scores.reduce((acc, x) => acc + Math.exp(x), 0);
        for (let d = 0; d < dh; d++) want.push(scores.reduce((acc, x, j) => acc + (Math.exp(x) / z) * at(v, j, d), 0));
      }
    }
    const shape = [1, heads, t, dh];
    expectF64Only((cpu) => attentionWithProbabilities(cpu.tensor(q, shape), cpu.tensor(k, shape), cpu.tensor(v, shape)).out, want);
  });

  test('a backward matches float64 central differences of its forward (what the graph checks rely on)', () => {
    const [rows, dim] = [2, 4];
    const [x, gamma, beta, dy] = [values(rows * dim, 12), values(dim, 13), values(dim, 14), values(rows * dim, 15)];
    const lossAt = (probe: number[]): number => {
      const y = f64.readF64(layerNorm(f64.tensor(probe, [rows, dim]), f64.tensor(gamma, [dim]), f64.tensor(beta, [dim])).y);
      return y.reduce((sum, v, i) => sum + v * dy[i]!, 0);
    };
    const xt = f64.tensor(x, [rows, dim]);
    const forward = layerNorm(xt, f64.tensor(gamma, [dim]), f64.tensor(beta, [dim]));
    const dx = f64.readF64(layerNormBackward(f64.tensor(dy, [rows, dim]), xt, f64.tensor(gamma, [dim]), forward.mean, forward.rstd).dx);
    const h = 1e-6;
    const numeric = x.map((_, i) => {
      const up = [...x];
      const down = [...x];
      up[i] = x[i]! + h;
      down[i] = x[i]! - h;
      return (lossAt(up) - lossAt(down)) / (2 * h);
    });
    expect(maxAbsDiff(dx, numeric)).toBeLessThan(1e-8);
  });
});
