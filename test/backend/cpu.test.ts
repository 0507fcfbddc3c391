// The CPU backend and the checked op layer: results, errors at the boundary, scopes.
import { describe, expect, test } from 'vitest';
import { DisposedTensorError, ShapeError, add, createCpuBackend, keep, matmul, mul, scope } from '../../src/index.js';

const cpu = createCpuBackend();

describe('cpu backend', () => {
  test('add, mul and matmul compute', async () => {
    const a = cpu.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = cpu.tensor([7, 8, 9, 10, 11, 12], [3, 2]);
    expect(Array.from(await add(a, a).data())).toEqual([2, 4, 6, 8, 10, 12]);
    expect(Array.from(await mul(a, a).data())).toEqual([1, 4, 9, 16, 25, 36]);
    const c = matmul(a, b);
    expect(c.shape).toEqual([2, 2]);
    expect(Array.from(await c.data())).toEqual([58, 64, 139, 154]);
    // Transposed operands, bias and ReLU, and a batch sharing one B.
    const bt = cpu.tensor([7, 9, 11, 8, 10, 12], [2, 3]); // Bᵀ
    const fused = matmul(a, bt, { transposeB: true, bias: cpu.tensor([-100, -200], [2]), activation: 'relu' });
    expect(Array.from(await fused.data())).toEqual([0, 0, 39, 0]);
    const batched = matmul(cpu.tensor([1, 2, 3, 4, 5, 6, 1, 0, 0, 0, 0, 1], [2, 2, 3]), b);
    expect(batched.shape).toEqual([2, 2, 2]);
    expect(Array.from(await batched.data())).toEqual([58, 64, 139, 154, 7, 8, 11, 12]);
  });

  test('dtypes: inferred from the array, integers wrap, f16 rounds', async () => {
    const i = cpu.tensor(Int32Array.from([2 ** 31 - 1]), [1]);
    expect(i.dtype).toBe('i32');
    expect(Array.from(await add(i, i).data())).toEqual([-2]);
    const h = cpu.tensor([1, 2049], [2], 'f16');
    expect(Array.from(await h.data())).toEqual([1, 2048]); // 2049 is not a half; ties to even
    expect(Array.from(await add(h, h).data())).toEqual([2, 4096]);
  });

  test('data() returns a copy', async () => {
    const t = cpu.tensor([1, 2], [2]);
    const copy = await t.data();
    copy[0] = 99;
    expect(Array.from(await t.data())).toEqual([1, 2]);
  });
});

describe('errors name the op and the shapes', () => {
  const a = cpu.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
  test.each([
    [
      'add shape',
      () => add(a, cpu.tensor([1, 2, 3, 4, 5, 6], [3, 2])),
      /^add: a \[2, 3\] and b \[3, 2\] do not broadcast: sizes 3 and 2 meet at dim -1 \(aligned from the last dim, sizes must be equal or 1\)$/,
    ],
    ['mul dtype', () => mul(a, cpu.tensor(Int32Array.from([1, 2, 3, 4, 5, 6]), [2, 3])), /^mul: dtypes differ: f32\[2, 3\] on cpu and i32\[2, 3\] on cpu$/],
    ['matmul inner', () => matmul(a, a), /^matmul: expected A \[M, K\] and B \[K, N\] with the same K, got A \[2, 3\] and B \[2, 3\]$/],
    [
      'matmul inner, transposed',
      () => matmul(a, cpu.zeros([3, 2]), { transposeA: true }),
      /^matmul: expected A \[K, M\] \(transposeA\) and B \[K, N\] with the same K, got A \[2, 3\] and B \[3, 2\]$/,
    ],
    ['matmul rank', () => matmul(cpu.tensor([1, 2], [2]), a), /^matmul: A and B need at least 2 dims, got A \[2\] and B \[2, 3\]$/],
    ['matmul batch', () => matmul(cpu.zeros([2, 2, 3]), cpu.zeros([3, 3, 2])), /^matmul: batch dims differ: A \[2, 2, 3\] and B \[3, 3, 2\]/],
    ['matmul bias', () => matmul(a, a, { transposeB: true, bias: cpu.zeros([3]) }), /^matmul: bias must have shape \[2\], got \[3\]$/],
    ['matmul dtype', () => matmul(cpu.tensor(Int32Array.from([1]), [1, 1]), a), /^matmul: A must be f32, got i32\[1, 1\] on cpu$/],
    ['matmul variant', () => matmul(a, cpu.zeros([3, 2]), { variant: 'fast' as never }), /^matmul: unknown variant "fast"/],
    ['tensor size', () => cpu.tensor([1, 2, 3], [2, 2]), /^tensor: shape \[2, 2\] holds 4 elements but data has 3$/],
    ['tensor shape', () => cpu.tensor([1], [1.5]), /^tensor: shape must be a list of non-negative integers/],
    ['tensor dtype', () => cpu.tensor([1], [1], 'f64' as never), /^tensor: unknown dtype "f64"/],
    ['tensor data', () => cpu.tensor('abc' as never, [3]), /^tensor: data must be a number\[\] or a typed array, got string "abc"$/],
  ])('%s', (_name, fn, message) => {
    expect(fn).toThrowError(ShapeError);
    expect(fn).toThrowError(message);
  });

  test('a disposed tensor', () => {
    const t = cpu.tensor([1], [1]);
    t.dispose();
    expect(() => add(t, t)).toThrowError(DisposedTensorError);
    expect(() => add(t, t)).toThrowError(/^add: tensor f32\[1\] on cpu was disposed$/);
  });
});

describe('scope', () => {
  test('disposes what it does not return; keep() exempts; nested scopes hand results outward', () => {
    const x = cpu.tensor([1, 2], [2]);
    let inner!: ReturnType<typeof add>;
    let kept!: ReturnType<typeof add>;
    let innerResult!: ReturnType<typeof add>;
    const outer = scope(() => {
      innerResult = scope(() => {
        inner = add(x, x);
        return mul(inner, inner);
      });
      kept = keep(add(x, x));
      add(x, x); // dropped
      return innerResult;
    });
    expect(inner.disposed).toBe(true);
    expect(innerResult.disposed).toBe(false);
    expect(outer).toBe(innerResult);
    expect(kept.disposed).toBe(false);
    expect(x.disposed).toBe(false);
  });

  test('a throwing function still releases its tensors', () => {
    let made!: ReturnType<typeof add>;
    const x = cpu.tensor([1], [1]);
    expect(() =>
      scope(() => {
        made = add(x, x);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(made.disposed).toBe(true);
  });

  test('an async function is refused with a clear error', () => {
    expect(() => scope(async () => 1)).toThrowError(/scope: the function returned a Promise/);
  });
});
