// What the types catch before anything runs: dtypes and ranks of graph values. Each
// `@ts-expect-error` line must fail to type-check (`npm run typecheck` covers test files), and the
// same mistakes are also caught at build time for untyped JavaScript callers.
import { expect, test } from 'vitest';
import { AdamW, F, Graph, Parameter, ParameterStore, ShapeError, type Var, createCpuBackend, createTrainStep } from '../../src/index.js';

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

test('createTrainStep types the loss inputs from their specs', () => {
  const table = new Parameter('table', [10, 4]);
  const parameters = ParameterStore.create(createCpuBackend(), [table]);
  const optimizer = new AdamW();
  const sumOf = (v: Var<'f32'>) => F.sum(F.reshape(v, [-1]), 0);
  // ids declared i32 of rank 2: the loss function sees Var<'i32', 2>.
  const step = createTrainStep({
    parameters,
    optimizer,
    inputs: { ids: { shape: [2, 3], dtype: 'i32' } },
    loss: ({ ids }) => {
      const typed: Var<'i32', 2> = ids;
      return sumOf(F.embedding(F.reshape(ids.graph.param(table), [10, 4]) as Var<'f32', 2>, typed));
    },
  });
  step.dispose();
  expect(() =>
    createTrainStep({
      parameters,
      optimizer,
      inputs: { ids: { shape: [2, 3], dtype: 'f32' } },
      // @ts-expect-error an f32 input cannot feed an embedding
      loss: ({ ids }) => sumOf(F.embedding(ids.graph.param(table) as Var<'f32', 2>, ids)),
    }),
  ).toThrow(ShapeError);
});
