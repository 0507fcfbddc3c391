// What the types catch before anything runs: dtypes and ranks of graph values. Each
// `@ts-expect-error` line must fail to type-check (`npm run typecheck` covers test files), and the
// same mistakes are also caught at build time for untyped JavaScript callers.
import { expect, test } from 'vitest';
import { F, Graph, Parameter, ShapeError, type Var } from '../../src/index.js';

test('dtype and rank in the types of graph values', () => {
  const g = new Graph();
  const ids = g.input('ids', [2, 3], 'i32');
  const x = g.input('x', [2, 3, 4], 'f32');
  const table = g.param(new Parameter('table', [10, 4])) as Var<'f32', 2>;
  const rank3: Var<'f32', 3> = x; // inputs carry their rank
  const rank2ids: Var<'i32', 2> = ids;
  expect(F.embedding(table, ids).shape).toEqual([2, 3, 4]);
  expect(F.gelu(rank3).rank).toBe(3);
  // @ts-expect-error ids must be i32
  expect(() => F.embedding(table, x)).toThrow(ShapeError);
  // @ts-expect-error a float input where i32 labels are wanted
  expect(() => F.crossEntropy(F.reshape(x, [6, 4]), F.reshape(x, [24]))).toThrow(ShapeError);
  // @ts-expect-error an i32 value is not differentiable data for gelu
  expect(() => F.gelu(ids)).toThrow(ShapeError);
  // @ts-expect-error attention wants rank-4 [B, H, T, Dh] values
  expect(() => F.attention(rank3, rank3, rank3)).toThrow(ShapeError);
  // @ts-expect-error a rank-3 value is not a [B, Tk] key mask
  expect(() => F.attention(F.reshape(x, [1, 2, 3, 4]), F.reshape(x, [1, 2, 3, 4]), F.reshape(x, [1, 2, 3, 4]), { keyMask: x })).toThrow(ShapeError);
  void rank2ids;
});
