// The gradient rules of the ops the model heads need (tanh, gatherRows, slice, add and mul with
// NumPy broadcasting of both sides) against central
// finite differences in float64 on the CPU backend, with the harness of autograd.test.ts:
// |ad − fd| ≤ 1e-8 + 1e-6·|fd|, h = 1e-6, every element of every differentiated tensor.
import { afterAll, describe, expect, test } from 'vitest';
import { ATOL, Case, RTOL, check, worst } from '../harness/gradient-check.js';
import { F, ShaderformerError, ShapeError, type Var, gradients } from '../../src/index.js';

afterAll(() => {
  const rows = [...worst].map(([family, error]) => `  ${family.padEnd(16)} ${error.toExponential(1)}`);
  console.log(`max |ad − fd| per op family (tolerance ${ATOL} + ${RTOL}·|fd|):\n${rows.join('\n')}`);
});

describe('tanh', () => {
  test('x [3, 5] with values in ±[0.1, 3) (the tails included)', () => {
    const c = new Case(101);
    check('tanh', c, F.tanh(c.param('x', [3, 5], 0.1, 3)));
  });

  test('the pooler: tanh(linear(x[:, 0]))', () => {
    const c = new Case(102);
    const hidden = c.param('hidden', [2, 4, 3]);
    const w = c.param('w', [3, 3]) as Var<'f32', 2>;
    const b = c.param('b', [3]) as Var<'f32', 1>;
    const first = F.reshape(F.slice(hidden, 1, 0, 1), [2, 3]);
    check('tanh', c, F.tanh(F.linear(first, w, b)));
  });
});

describe('gatherRows', () => {
  test('repeated rows sum their cotangents, rows never gathered get 0', () => {
    const c = new Case(103);
    const x = c.param('x', [6, 4]) as Var<'f32', 2>;
    const index = c.ids('index', [5], [4, 0, 4, 2, 4]) as Var<'i32', 1>;
    check('gatherRows', c, F.gatherRows(x, index));
  });

  test('masked positions of [B·T, D] hidden states from a computed x (the gradient flows on through reshape and mul)', () => {
    const c = new Case(104);
    const h = c.param('h', [2, 3, 4]);
    const flat = F.reshape(F.mul(h, h), [6, 4]) as Var<'f32', 2>;
    const index = c.ids('positions', [3], [5, 1, 2]) as Var<'i32', 1>;
    check('gatherRows', c, F.gatherRows(flat, index));
  });

  test('shape errors at build time name the op and the shapes', () => {
    const c = new Case(105);
    const x = c.param('x', [2, 3, 4]) as unknown as Var<'f32', 2>;
    const index = c.ids('index', [2], [0, 1]) as Var<'i32', 1>;
    expect(() => F.gatherRows(x, index)).toThrowError(ShapeError);
    expect(() => F.gatherRows(x, index)).toThrowError(/^gatherRows: x must have shape \[N, D\], got \[2, 3, 4\]/);
    const ids2 = c.ids('index2', [2, 1], [0, 1]) as unknown as Var<'i32', 1>;
    expect(() => F.gatherRows(c.param('y', [3, 4]) as Var<'f32', 2>, ids2)).toThrowError(/^gatherRows: index must have shape \[M\], got \[2, 1\]/);
  });
});

describe('slice', () => {
  test.each([
    [[5, 3], 0, 1, 3],
    [[2, 5, 3], 1, 2, 2],
    [[2, 5, 3], -1, 1, 2],
    [[2, 3, 4], 2, 0, 4],
    [[4], 0, 3, 1],
  ] as const)('x %j, axis %d, start %d, length %d: dy placed at the offset, zeros elsewhere', (shape, axis, start, length) => {
    const c = new Case(106);
    const out = F.slice(c.param('x', shape), axis, start, length);
    expect(out.shape[axis < 0 ? axis + shape.length : axis]).toBe(length);
    // Entries outside the slice must get exactly zero (the harness requires a parameter to matter, so
    // only a whole-axis slice is checked without `flat`).
    check('slice', c, out, { flat: () => length < shape[axis < 0 ? axis + shape.length : axis]! });
  });

  test('two overlapping slices of one x: the contributions add up', () => {
    const c = new Case(107);
    const x = c.param('x', [3, 6]);
    check('slice', c, F.add(F.slice(x, 1, 0, 4), F.slice(x, 1, 2, 4)));
  });

  test('bad arguments are build-time errors naming the op, the value and the bound', () => {
    const c = new Case(108);
    const x = c.param('x', [2, 5]);
    expect(() => F.slice(x, 2, 0, 1)).toThrowError(/^slice: axis must be an integer in \[-2, 1\] for shape \[2, 5\], got 2/);
    expect(() => F.slice(x, 1, 3, 3)).toThrowError(
      /^slice: start \+ length must be at most 5 \(the size of axis 1 of x \[2, 5\]\), got start 3 \+ length 3 = 6/,
    );
    expect(() => F.slice(x, 1, -1, 2)).toThrowError(/^slice: start must be a non-negative integer, got -1/);
    expect(() => F.slice(x, 0, 0, 1.5)).toThrowError(/^slice: length must be a non-negative integer, got 1.5/);
    expect(() => F.slice(x, 0, 0, 1.5)).toThrowError(ShapeError);
  });
});

describe('add and mul with NumPy broadcasting: each cotangent summed back to its own shape', () => {
  test.each([
    [
      [2, 1, 4],
      [3, 1],
    ],
    [
      [3, 1],
      [1, 4],
    ],
    [[4], [2, 3, 4]],
    [
      [2, 1, 3, 1],
      [1, 4, 1, 5],
    ],
    [
      [1, 3],
      [2, 1, 1],
    ],
    [[2, 3], []],
  ] as const)('a %j, b %j', (aShape, bShape) => {
    for (const op of ['add', 'mul'] as const) {
      const c = new Case(110);
      const [a, b] = [c.param('a', aShape), c.param('b', bShape)];
      const out = op === 'add' ? F.add(a, b) : F.mul(a, b);
      check(op, c, out);
    }
  });

  test('the inferred shape is the broadcast one; sizes that clash are a build-time error', () => {
    const c = new Case(111);
    expect(F.add(c.param('a', [2, 1]), c.param('b', [3])).shape).toEqual([2, 3]);
    expect(F.mul(c.param('c', [5]), c.param('d', [4, 1, 1])).shape).toEqual([4, 1, 5]);
    expect(() => F.add(c.param('e', [2, 3]), c.param('f', [2]))).toThrowError(ShapeError);
    expect(() => F.add(c.param('g', [2, 3]), c.param('h', [2]))).toThrowError(/^add: a \[2, 3\] and b \[2\] do not broadcast/);
  });
});

test('build-time errors carry the module scope', () => {
  const c = new Case(112);
  const x = c.param('x', [2, 5, 4]);
  expect(() => c.g.scoped('bert.pooler', () => F.slice(x, 1, 4, 2))).toThrowError(
    'slice: start + length must be at most 5 (the size of axis 1 of x [2, 5, 4]), got start 4 + length 2 = 6 (in bert.pooler)',
  );
  expect(() => c.g.scoped('lm_head', () => F.add(x, c.param('b', [5, 1, 3])))).toThrowError(
    'add: a [2, 5, 4] and b [5, 1, 3] do not broadcast: sizes 4 and 3 meet at dim -1 (aligned from the last dim, sizes must be equal or 1) (in lm_head)',
  );
});

// sliceBackward (zero-padding) does have one, the slice it was padded from: F.concat is built on it (test/models/transformer.test.ts).
test('the backward ops have no gradient rule of their own', () => {
  for (const [op, build] of [
    ['tanhBackward', (c: Case, x: Var) => c.g.apply('tanhBackward', [x, c.constant([3, 4])], {})[0]!],
    ['gatherRowsBackward', (c: Case, x: Var) => c.g.apply('gatherRowsBackward', [x, c.ids('i', [3], [0, 1, 0])], { rows: 2 })[0]!],
  ] as const) {
    const c = new Case(109);
    const x = c.param('x', [3, 4]);
    const loss = c.weighted(build(c, x) as Var<'f32'>);
    expect(() => gradients(loss, [x])).toThrowError(ShaderformerError);
    expect(() => gradients(loss, [x])).toThrowError(`gradients: ${op} has no gradient rule (higher-order gradients are not supported)`);
  }
});
