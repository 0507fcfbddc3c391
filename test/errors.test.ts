// Plain-JavaScript misuse of every public function gives an ArgumentError naming the function and
// the argument, never an engine message (`Cannot read properties of undefined`). Node, CPU backend.
import { describe, expect, test } from 'vitest';
import {
  AdamW,
  ArgumentError,
  BertForMaskedLM,
  DecoderLayer,
  Dropout,
  Embedding,
  EncoderLayer,
  F,
  FeedForward,
  Graph,
  LayerNorm,
  LearnedPositions,
  Linear,
  MultiHeadAttention,
  Parameter,
  ParameterStore,
  SGD,
  ShaderformerError,
  ShapeError,
  SinusoidalPositions,
  type Var,
  accumulate,
  adamwUpdate,
  add,
  addScaled,
  attention,
  attentionBackward,
  attentionWithProbabilities,
  biasActivationBackward,
  clipByGlobalNorm,
  constantSchedule,
  createCpuBackend,
  crossEntropy,
  crossEntropyBackward,
  dropout,
  dropoutBackward,
  embedding,
  embeddingBackward,
  gatherRows,
  gatherRowsBackward,
  filled,
  gelu,
  geluBackward,
  globalNorm,
  gradients,
  layerNorm,
  layerNormBackward,
  linearWarmupDecay,
  maskTokens,
  matmul,
  mlmBatches,
  mul,
  noamSchedule,
  normal,
  normalInit,
  padBatch,
  relu,
  reluBackward,
  slice,
  sliceBackward,
  tanh,
  tanhBackward,
  scale,
  sgdUpdate,
  softmax,
  softmaxBackward,
  sum,
  transpose,
  xavier,
  xavierUniform,
  Xoshiro128,
} from '../src/index.js';

/** Expects `call` to throw an ArgumentError whose message matches `message`. */
function expectArgumentError(call: () => unknown, message: RegExp): void {
  let caught: unknown;
  try {
    call();
  } catch (error) {
    caught = error;
  }
  expect(caught, 'expected a throw').toBeInstanceOf(ArgumentError);
  expect((caught as Error).message).toMatch(message);
}

/** Escapes a string for a RegExp. */
const re = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const cpu = createCpuBackend();
const f32 = (shape: number[], fill = 0.5) => cpu.tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(fill), shape);
const i32 = (values: number[]) => cpu.tensor(Int32Array.from(values), [values.length]);

describe('the error classes', () => {
  test('ShapeError is a kind of ArgumentError, which is a ShaderformerError', () => {
    expect(new ShapeError('x')).toBeInstanceOf(ArgumentError);
    expect(new ArgumentError('x')).toBeInstanceOf(ShaderformerError);
    expect(new ArgumentError('x').name).toBe('ArgumentError');
    expect(new ShapeError('x').name).toBe('ShapeError');
  });

  test('a wrong shape is still a ShapeError, and an ArgumentError', () => {
    const call = () => add(f32([2, 3]), f32([2]));
    expect(call).toThrow(ShapeError);
    expect(call).toThrow(ArgumentError);
  });
});

describe("the issue's three misuses", () => {
  test('layerNorm without beta', () => {
    const x = f32([2, 3]);
    const gamma = f32([3]);
    expectArgumentError(() => (layerNorm as (...a: unknown[]) => unknown)(x, gamma), /^layerNorm: beta must be a Tensor, got undefined$/);
  });

  test('add with a Float32Array', () => {
    expectArgumentError(() => add(new Float32Array(6) as never, f32([2, 3])), /^add: a must be a Tensor, got Float32Array\(6\)$/);
  });

  test('a Float32Array of non-integers for dtype i32', () => {
    expectArgumentError(
      () => cpu.tensor(Float32Array.from([1.5, 2]), [2], 'i32'),
      /^tensor: dtype i32 needs integers in \[-2147483648, 2147483647\], got 1\.5 at index 0$/,
    );
  });
});

// Each public op with valid arguments; every tensor argument, by name, is then replaced by a non-tensor
// and by undefined. A tensor argument inside an options object is named by its key.
type OpCase = { op: string; names: string[]; args: () => unknown[]; call: (...args: never[]) => unknown };

const x23 = () => f32([2, 3]);
const q = () => f32([1, 1, 2, 4]);

const OP_CASES: OpCase[] = [
  { op: 'add', names: ['a', 'b'], args: () => [x23(), x23()], call: add },
  { op: 'mul', names: ['a', 'b'], args: () => [x23(), x23()], call: mul },
  { op: 'scale', names: ['x'], args: () => [x23(), 2], call: scale },
  { op: 'addScaled', names: ['a', 'b'], args: () => [x23(), x23(), 2], call: addScaled },
  { op: 'accumulate', names: ['into', 'x'], args: () => [x23(), x23(), 1], call: accumulate },
  { op: 'matmul', names: ['a', 'b'], args: () => [x23(), f32([3, 2])], call: matmul },
  { op: 'layerNorm', names: ['x', 'gamma', 'beta'], args: () => [x23(), f32([3]), f32([3])], call: layerNorm },
  {
    op: 'layerNormBackward',
    names: ['dy', 'x', 'gamma', 'mean', 'rstd'],
    args: () => [x23(), x23(), f32([3]), f32([2]), f32([2])],
    call: layerNormBackward,
  },
  { op: 'softmax', names: ['x', 'mask?'], args: () => [x23(), f32([3], 0)], call: softmax },
  { op: 'softmaxBackward', names: ['dy', 'y'], args: () => [x23(), x23()], call: softmaxBackward },
  { op: 'crossEntropy', names: ['logits', 'labels'], args: () => [x23(), i32([0, 2])], call: crossEntropy },
  {
    op: 'crossEntropyBackward',
    names: ['logits', 'labels', 'logSumExp'],
    args: () => [x23(), i32([0, 2]), f32([2])],
    call: crossEntropyBackward,
  },
  { op: 'embedding', names: ['table', 'ids'], args: () => [f32([4, 3]), i32([0, 3])], call: embedding },
  { op: 'embeddingBackward', names: ['dOut', 'ids'], args: () => [x23(), i32([0, 3]), 4], call: embeddingBackward },
  { op: 'gelu', names: ['x'], args: () => [x23()], call: gelu },
  { op: 'geluBackward', names: ['dy', 'x'], args: () => [x23(), x23()], call: geluBackward },
  { op: 'relu', names: ['x'], args: () => [x23()], call: relu },
  { op: 'reluBackward', names: ['dy', 'x'], args: () => [x23(), x23()], call: reluBackward },
  { op: 'biasActivationBackward', names: ['dy', 'z'], args: () => [x23(), x23(), 'gelu'], call: biasActivationBackward },
  { op: 'sum', names: ['x'], args: () => [x23(), 0], call: sum },
  { op: 'transpose', names: ['x'], args: () => [x23(), [1, 0]], call: transpose },
  { op: 'slice', names: ['x'], args: () => [x23(), 1, 1, 2], call: slice },
  { op: 'sliceBackward', names: ['dy'], args: () => [x23(), 1, 0, 4], call: sliceBackward },
  { op: 'tanh', names: ['x'], args: () => [x23()], call: tanh },
  { op: 'tanhBackward', names: ['dy', 'x'], args: () => [x23(), x23()], call: tanhBackward },
  { op: 'gatherRows', names: ['x', 'index'], args: () => [x23(), i32([1, 0, 1])], call: gatherRows },
  { op: 'gatherRowsBackward', names: ['dOut', 'index'], args: () => [x23(), i32([1, 0]), 3], call: gatherRowsBackward },
  { op: 'dropout', names: ['x'], args: () => [x23(), { p: 0.5, seed: 1 }], call: dropout },
  { op: 'dropoutBackward', names: ['dy'], args: () => [x23(), { p: 0.5, seed: 1 }], call: dropoutBackward },
  { op: 'attention', names: ['q', 'k', 'v'], args: () => [q(), q(), q()], call: attention },
  { op: 'attentionWithProbabilities', names: ['q', 'k', 'v'], args: () => [q(), q(), q()], call: attentionWithProbabilities },
  {
    op: 'attentionBackward',
    names: ['dOut', 'q', 'k', 'v'],
    args: () => {
      const [qq, kk, vv] = [q(), q(), q()];
      const { out, lse } = attention(qq, kk, vv);
      return [q(), qq, kk, vv, { out, lse }];
    },
    call: attentionBackward,
  },
  { op: 'adamwUpdate', names: ['param', 'grad', 'm', 'v'], args: () => [x23(), x23(), x23(), x23(), { lr: 0.1, step: 1 }], call: adamwUpdate },
  { op: 'sgdUpdate', names: ['param', 'grad', 'buf'], args: () => [x23(), x23(), x23(), { lr: 0.1, step: 1 }], call: sgdUpdate },
];

describe('every public op names a non-tensor or missing tensor argument', () => {
  test.each(OP_CASES.map((c) => [c.op, c] as const))('%s: the valid call runs', (_op, c) => {
    expect(() => c.call(...(c.args() as never[]))).not.toThrow();
  });

  const cases = OP_CASES.flatMap((c) =>
    c.names.flatMap((label, index) => {
      // An optional argument (`mask?`) may be undefined: only a wrong value is an error.
      const name = label.replace('?', '');
      return [
        [`${c.op}(${name} = Float32Array)`, c, index, new Float32Array(6), `${c.op}: ${name} must be a Tensor, got Float32Array(6)`] as const,
        ...(label.endsWith('?') ? [] : [[`${c.op}(${name} = undefined)`, c, index, undefined, `${c.op}: ${name} must be a Tensor, got undefined`] as const]),
        [`${c.op}(${name} = 3)`, c, index, 3, `${c.op}: ${name} must be a Tensor, got number 3`] as const,
      ];
    }),
  );
  test.each(cases)('%s', (_name, c, index, value, message) => {
    const args = c.args();
    args[index] = value;
    const call = () => c.call(...(args as never[]));
    expectArgumentError(call, new RegExp(`^${re(message)}$`));
    expect(call).not.toThrow(ShapeError); // the wrong kind of argument, not a wrong shape
  });

  test('an op called with no arguments at all names its first tensor', () => {
    expectArgumentError(() => (matmul as () => unknown)(), /^matmul: a must be a Tensor, got undefined$/);
    expectArgumentError(() => (gelu as () => unknown)(), /^gelu: x must be a Tensor, got undefined$/);
  });

  test('a Graph value (Var) passed to an eager op', () => {
    const g = new Graph();
    const v = g.input('x', [2, 3], 'f32');
    expectArgumentError(() => relu(v as never), /^relu: x must be a Tensor, got Var\(f32\[2, 3\] \(input\)\)$/);
  });
});

describe('tensors inside options and arrays', () => {
  const a = x23();
  const b = f32([3, 2]);
  test.each([
    ['matmul bias', () => matmul(a, b, { bias: [1, 2] as never }), /^matmul: bias must be a Tensor, got Array\(2\)$/],
    ['matmul options', () => matmul(a, b, null as never), /^matmul: options must be an object, got null$/],
    [
      'attention keyMask',
      () => attention(q(), q(), q(), { keyMask: new Int32Array(2) as never }),
      /^attention: keyMask must be a Tensor, got Int32Array\(2\)$/,
    ],
    ['attention keyMask null', () => attention(q(), q(), q(), { keyMask: null as never }), /^attention: keyMask must be a Tensor, got null$/],
    ['attention options', () => attention(q(), q(), q(), 'causal' as never), /^attention: options must be an object, got string "causal"$/],
    [
      'attentionBackward saved.lse',
      () => {
        const { out } = attention(q(), q(), q());
        return attentionBackward(q(), q(), q(), q(), { out } as never);
      },
      /^attentionBackward: saved\.lse must be a Tensor, got undefined$/,
    ],
    [
      'attentionBackward saved.out',
      () => attentionBackward(q(), q(), q(), q(), { out: new Float32Array(8), lse: f32([1, 1, 2]) } as never),
      /^attentionBackward: saved\.out must be a Tensor, got Float32Array\(8\)$/,
    ],
    [
      'attentionBackward saved.probs',
      () => attentionBackward(q(), q(), q(), q(), { probs: [[0.5, 0.5]] } as never),
      /^attentionBackward: saved\.probs must be a Tensor, got Array\(1\)$/,
    ],
    ['attentionBackward saved', () => attentionBackward(q(), q(), q(), q(), undefined as never), /^attentionBackward: saved must be/],
    ['globalNorm element', () => globalNorm([a, 3 as never]), /^globalNorm: tensors\[1\] must be a Tensor, got number 3$/],
    ['globalNorm not an array', () => globalNorm(a as never), /^globalNorm: tensors must be an array of Tensors, got Tensor\(f32\[2, 3\] on cpu\)$/],
    ['clipByGlobalNorm element', () => clipByGlobalNorm([x23(), undefined as never], 1), /^clipByGlobalNorm: grads\[1\] must be a Tensor, got undefined$/],
    ['clipByGlobalNorm grads', () => (clipByGlobalNorm as (...a: unknown[]) => unknown)(undefined, 1), /^clipByGlobalNorm: grads must be an array/],
    ['clipByGlobalNorm maxNorm', () => (clipByGlobalNorm as (...a: unknown[]) => unknown)([x23()]), /^clipByGlobalNorm: maxNorm must be/],
  ] as const)('%s', (_name, call, message) => expectArgumentError(call, message));
});

describe('missing arguments and options name what is missing', () => {
  const x = x23();
  const t = () => [x23(), x23(), x23(), x23()] as const;
  test.each([
    ['dropout seed', () => dropout(x, { p: 0.5 } as never), /^dropout: seed is required$/],
    ['dropout p', () => dropout(x, { seed: 1 } as never), /^dropout: p is required$/],
    ['dropout options', () => (dropout as (...a: unknown[]) => unknown)(x), /^dropout: options \{ p, seed \} are required$/],
    ['dropoutBackward seed', () => dropoutBackward(x, { p: 0.5 } as never), /^dropoutBackward: seed is required$/],
    ['attention dropout seed', () => attention(q(), q(), q(), { dropout: { p: 0.1 } as never }), /^attention: dropout seed is required$/],
    ['adamwUpdate lr', () => adamwUpdate(...t(), { step: 1 } as never), /^adamwUpdate: lr is required$/],
    ['adamwUpdate step', () => adamwUpdate(...t(), { lr: 0.1 } as never), /^adamwUpdate: step is required$/],
    ['adamwUpdate options', () => (adamwUpdate as (...a: unknown[]) => unknown)(...t()), /^adamwUpdate: options \{ lr, step, … \} are required$/],
    ['sgdUpdate lr', () => sgdUpdate(x23(), x23(), x23(), { step: 1 } as never), /^sgdUpdate: lr is required$/],
    ['sgdUpdate step', () => sgdUpdate(x23(), x23(), x23(), { lr: 0.1 } as never), /^sgdUpdate: step is required$/],
    ['scale s', () => (scale as (...a: unknown[]) => unknown)(x), /^scale: s must be a finite number, got undefined$/],
    ['addScaled s', () => (addScaled as (...a: unknown[]) => unknown)(x, x), /^addScaled: s must be a finite number/],
    ['accumulate s', () => (accumulate as (...a: unknown[]) => unknown)(x23(), x), /^accumulate: s must be a finite number/],
    ['sum axis', () => (sum as (...a: unknown[]) => unknown)(x), /^sum: axis must be an integer/],
    ['transpose perm', () => (transpose as (...a: unknown[]) => unknown)(x), /^transpose: perm must be a permutation/],
    ['embeddingBackward vocabSize', () => (embeddingBackward as (...a: unknown[]) => unknown)(x, i32([0, 1])), /^embeddingBackward: vocabSize must be/],
    [
      'biasActivationBackward activation',
      () => (biasActivationBackward as (...a: unknown[]) => unknown)(x, x23()),
      /^biasActivationBackward: activation must be one of/,
    ],
    ['gelu options', () => gelu(x, null as never), /^gelu: options must be an object, got null$/],
    ['crossEntropy options', () => crossEntropy(x, i32([0, 1]), 3 as never), /^crossEntropy: options must be an object/],
  ] as const)('%s', (_name, call, message) => expectArgumentError(call, message));
});

describe('tensor() and write(): integer dtypes need integers in range', () => {
  test.each([
    ['i32 fraction', [0.5], 'i32', /^tensor: dtype i32 needs integers in \[-2147483648, 2147483647\], got 0\.5 at index 0$/],
    ['i32 NaN', [1, NaN], 'i32', /^tensor: dtype i32 needs integers in \[-2147483648, 2147483647\], got NaN at index 1$/],
    ['i32 Infinity', [1, 2, Infinity], 'i32', /got Infinity at index 2$/],
    ['i32 too large', [0, 2 ** 31], 'i32', /^tensor: dtype i32 needs integers in \[-2147483648, 2147483647\], got 2147483648 at index 1$/],
    ['i32 too small', [-(2 ** 31) - 1], 'i32', /^tensor: dtype i32 needs integers .* got -2147483649 at index 0$/],
    ['u32 negative', [3, -1], 'u32', /^tensor: dtype u32 needs integers in \[0, 4294967295\], got -1 at index 1$/],
    ['u32 too large', [2 ** 32], 'u32', /^tensor: dtype u32 needs integers in \[0, 4294967295\], got 4294967296 at index 0$/],
    ['u32 fraction', [1e-7], 'u32', /^tensor: dtype u32 needs integers .* got 1e-7 at index 0$/],
  ] as const)('%s', (_name, values, dtype, message) => {
    expectArgumentError(() => cpu.tensor([...values], [values.length], dtype), message);
    expectArgumentError(() => cpu.tensor(Float64Array.from(values), [values.length], dtype), message);
  });

  test('typed arrays of the other integer type are range-checked', () => {
    expectArgumentError(() => cpu.tensor(Int32Array.from([5, -2]), [2], 'u32'), /^tensor: dtype u32 needs integers .* got -2 at index 1$/);
    expectArgumentError(() => cpu.tensor(Uint32Array.from([2 ** 31]), [1], 'i32'), /^tensor: dtype i32 needs integers .* got 2147483648 at index 0$/);
  });

  test('a number[] with a non-number', () => {
    expectArgumentError(() => cpu.tensor([1, 'a' as never], [2]), /^tensor: data\[1\] must be a number, got string "a"$/);
    expectArgumentError(() => cpu.tensor([1, undefined as never], [2], 'i32'), /^tensor: dtype i32 needs integers .* got undefined at index 1$/);
  });

  test('data that is not an array', () => {
    expectArgumentError(() => cpu.tensor('abc' as never, [3]), /^tensor: data must be a number\[\] or a typed array, got string "abc"$/);
    expectArgumentError(() => cpu.tensor(undefined as never, [3]), /^tensor: data must be/);
  });

  test('write() checks the same way', () => {
    const t = cpu.tensor(Int32Array.from([1, 2]), [2]);
    expectArgumentError(() => cpu.write(t, [1, 2.5]), /^write: dtype i32 needs integers .* got 2\.5 at index 1$/);
    expectArgumentError(() => cpu.write(Float32Array.from([1]) as never, [1]), /^write: tensor must be a Tensor, got Float32Array\(1\)$/);
  });

  test('integers in any array are accepted; f32 keeps NaN and infinities', async () => {
    expect(await cpu.tensor(Float32Array.from([1, -2, 3]), [3], 'i32').data()).toEqual(Int32Array.from([1, -2, 3]));
    expect(await cpu.tensor([0, 2 ** 32 - 1], [2], 'u32').data()).toEqual(Uint32Array.from([0, 2 ** 32 - 1]));
    expect(await cpu.tensor([-(2 ** 31), 2 ** 31 - 1], [2], 'i32').data()).toEqual(Int32Array.from([-(2 ** 31), 2 ** 31 - 1]));
    expect(await cpu.tensor(Uint32Array.from([7]), [1], 'i32').data()).toEqual(Int32Array.from([7]));
    expect(Array.from(await cpu.tensor([NaN, Infinity, -Infinity, 1.5], [4]).data())).toEqual([NaN, Infinity, -Infinity, 1.5]);
  });
});

describe('graph builder functions name a non-Var argument', () => {
  const g = new Graph();
  const x = g.input('x', [2, 3], 'f32') as Var<'f32', 2>;
  const w = g.input('w', [3, 3], 'f32') as Var<'f32', 2>;
  const v3 = g.input('v3', [3], 'f32') as Var<'f32', 1>;
  const ids = g.input('ids', [2], 'i32') as Var<'i32', 1>;
  const q4 = g.input('q', [1, 1, 2, 4], 'f32') as Var<'f32', 4>;
  const tensor = f32([2, 3]);
  const cases: [string, string[], unknown[], (...args: never[]) => unknown][] = [
    ['F.matmul', ['a', 'b'], [x, w], F.matmul],
    ['F.linear', ['x', 'weight'], [x, w], F.linear],
    ['F.add', ['a', 'b'], [x, x], F.add],
    ['F.mul', ['a', 'b'], [x, x], F.mul],
    ['F.scale', ['x'], [x, 2], F.scale],
    ['F.reshape', ['x'], [x, [6]], F.reshape],
    ['F.transpose', ['x'], [x, [1, 0]], F.transpose],
    ['F.sum', ['x'], [x, 0], F.sum],
    ['F.gelu', ['x'], [x], F.gelu],
    ['F.relu', ['x'], [x], F.relu],
    ['F.tanh', ['x'], [x], F.tanh],
    ['F.gatherRows', ['x', 'index'], [x, ids], F.gatherRows],
    ['F.slice', ['x'], [x, 1, 0, 2], F.slice],
    ['F.layerNorm', ['x', 'gamma', 'beta'], [x, v3, v3], F.layerNorm],
    ['F.softmax', ['x', 'mask?'], [x, v3], F.softmax],
    ['F.embedding', ['table', 'ids'], [w, ids], F.embedding],
    ['F.dropout', ['x'], [x, 0.1], F.dropout],
    ['F.attention', ['q', 'k', 'v'], [q4, q4, q4], F.attention],
    ['F.crossEntropy', ['logits', 'labels'], [x, ids], F.crossEntropy],
  ];
  test.each(cases.map((c) => [c[0], c] as const))('%s: the valid call builds', (_op, [, , args, fn]) => {
    expect(() => fn(...(args as never[]))).not.toThrow();
  });
  const misuse = cases.flatMap(([op, names, args, fn]) =>
    names.flatMap((label, index) => {
      const name = label.replace('?', '');
      return [
        ...(label.endsWith('?') ? [] : [[`${op}(${name} = undefined)`, op, name, args, fn, index, undefined, 'undefined'] as const]),
        [`${op}(${name} = Tensor)`, op, name, args, fn, index, tensor, 'Tensor(f32[2, 3] on cpu)'] as const,
      ];
    }),
  );
  test.each(misuse)('%s', (_label, op, name, args, fn, index, value, got) => {
    const bad = [...args];
    bad[index] = value;
    const nodes = g.nodes.length;
    expectArgumentError(() => fn(...(bad as never[])), new RegExp(`^${re(`${op}: ${name} must be a graph value (Var), got ${got}`)}$`));
    expect(g.nodes.length).toBe(nodes);
  });

  test('Vars inside options, and options that are not objects', () => {
    expectArgumentError(() => F.matmul(x, w, { bias: tensor as never }), /^F\.matmul: bias must be a graph value \(Var\), got Tensor/);
    expectArgumentError(() => F.matmul(x, w, null as never), /^F\.matmul: options must be an object, got null$/);
    expectArgumentError(
      () => F.attention(q4, q4, q4, { keyMask: new Int32Array(2) as never }),
      /^F\.attention: keyMask must be a graph value \(Var\), got Int32Array\(2\)$/,
    );
    expectArgumentError(() => F.crossEntropy(x, ids, 'mean' as never), /^F\.crossEntropy: options must be an object/);
    expectArgumentError(() => F.reshape(x, undefined as never), /^F\.reshape: shape must be an array of dims, got undefined$/);
    expectArgumentError(() => F.transpose(x, 'T' as never), /^F\.transpose: perm must be an array of dims, got string "T"$/);
  });

  test('graph.input, graph.param, graph.constant and gradients', () => {
    const h = new Graph();
    expectArgumentError(() => h.input('x', [2], 'f64' as never), /^graph\.input: dtype must be one of f32, f16, i32, u32, got string "f64"$/);
    expectArgumentError(() => h.input('x', [2], undefined as never), /^graph\.input: dtype must be one of .*, got undefined$/);
    expectArgumentError(() => h.input(undefined as never, [2], 'f32'), /^graph\.input: name must be a non-empty string/);
    expectArgumentError(() => h.input('y', undefined as never, 'f32'), /^graph\.input y: shape must be a list/);
    expectArgumentError(() => h.param(undefined as never), /^graph\.param: parameter must be a Parameter, got undefined$/);
    expectArgumentError(() => h.param({ name: 'w', shape: [2] } as never), /^graph\.param: parameter must be a Parameter, got object$/);
    expectArgumentError(() => h.constant(undefined as never, [2]), /^graph\.constant: value must be a finite number/);
    expectArgumentError(() => gradients(undefined as never, []), /^gradients: loss must be a graph value \(Var\), got undefined$/);
    expect(h.nodes).toHaveLength(0);
  });
});

describe('ParameterStore', () => {
  const w = new Parameter('w', [2]);
  const store = ParameterStore.create(cpu, [w]);
  test.each([
    ['create backend', () => ParameterStore.create(undefined as never, [w]), /^ParameterStore\.create: backend must be a Backend, got undefined$/],
    ['create parameters', () => (ParameterStore.create as (...a: unknown[]) => unknown)(cpu), /^ParameterStore\.create: parameters must be an iterable/],
    [
      'create parameters[1]',
      () => ParameterStore.create(cpu, [w, 'b' as never]),
      /^ParameterStore\.create: parameters\[1\] must be a Parameter, got string "b"$/,
    ],
    ['create options', () => ParameterStore.create(cpu, [w], null as never), /^ParameterStore\.create: options must be an object, got null$/],
    ['create seed', () => ParameterStore.create(cpu, [w], { seed: -1 }), /^ParameterStore\.create: seed must be a u32/],
    ['get name', () => (store.get as (...a: unknown[]) => unknown)(), /^ParameterStore\.get: name must be a parameter name \(a string\), got undefined$/],
    [
      'set values',
      () => (store.set as (...a: unknown[]) => unknown)('w'),
      /^ParameterStore\.set: values must be a Float32Array or a number\[\], got undefined$/,
    ],
    ['set values[1]', () => store.set('w', [1, '2' as never]), /^ParameterStore\.set: values\[1\] must be a number, got string "2"$/],
    ['set name', () => store.set(3 as never, [1, 2]), /^ParameterStore\.set: name must be a parameter name/],
    ['tensor parameter', () => store.tensor({} as never), /^ParameterStore\.tensor: parameter must be a Parameter or a name, got object$/],
  ] as const)('%s', (_name, call, message) => expectArgumentError(call, message));
});

describe('nn modules', () => {
  const g = new Graph();
  test.each([
    ['Linear name', () => new Linear(undefined as never, 2, 3), /^Linear: name must be a string \('' at the root\), got undefined$/],
    ['Linear inFeatures', () => new Linear('l', undefined as never, 3), /^Linear: inFeatures must be an integer ≥ 1, got undefined \(in l\)$/],
    ['Linear outFeatures', () => new Linear('l', 2, 1.5), /^Linear: outFeatures must be an integer ≥ 1, got 1\.5 \(in l\)$/],
    ['Linear options', () => new Linear('l', 2, 3, null as never), /^Linear: options must be an object, got null \(in l\)$/],
    ['Linear init', () => new Linear('l', 2, 3, { init: 0.02 as never }), /^Linear: init must be an initialiser function/],
    ['Embedding count', () => new Embedding('e', 0, 3), /^Embedding: count must be an integer ≥ 1, got 0 \(in e\)$/],
    ['LayerNorm dim', () => new LayerNorm('n', '4' as never), /^LayerNorm: dim must be an integer ≥ 1, got string "4" \(in n\)$/],
    ['LayerNorm eps', () => new LayerNorm('n', 4, -1), /^LayerNorm: eps must be a finite number ≥ 0, got -1 \(in n\)$/],
    ['Dropout p', () => new Dropout(undefined as never), /^Dropout: p must be in \[0, 1\)/],
    [
      'MultiHeadAttention options',
      () => new MultiHeadAttention('a', undefined as never),
      /^MultiHeadAttention: options \{ … \} are required, got undefined \(in a\)$/,
    ],
    [
      'MultiHeadAttention numHeads',
      () => new MultiHeadAttention('a', { hiddenSize: 8 } as never),
      /^MultiHeadAttention: numHeads must be an integer ≥ 1, got undefined \(in a\)$/,
    ],
    [
      'MultiHeadAttention dropout',
      () => new MultiHeadAttention('a', { hiddenSize: 8, numHeads: 2, dropout: 1 }),
      /^MultiHeadAttention: dropout must be in \[0, 1\), got 1 \(in a\)$/,
    ],
    [
      'FeedForward intermediateSize',
      () => new FeedForward('f', { hiddenSize: 8 } as never),
      /^FeedForward: intermediateSize must be an integer ≥ 1, got undefined \(in f\)$/,
    ],
    [
      'FeedForward activation',
      () => new FeedForward('f', { hiddenSize: 8, intermediateSize: 4, activation: 'tanh' as never }),
      /^FeedForward: activation must be one of gelu, gelu_tanh, relu, got string "tanh" \(in f\)$/,
    ],
    ['EncoderLayer options', () => new EncoderLayer('l', undefined as never), /^EncoderLayer: options \{ … \} are required, got undefined \(in l\)$/],
    [
      'EncoderLayer intermediateSize',
      () => new EncoderLayer('l', { hiddenSize: 8, numHeads: 2 } as never),
      /^EncoderLayer: intermediateSize must be an integer ≥ 1, got undefined \(in l\)$/,
    ],
    [
      'EncoderLayer layerNormEps',
      () => new EncoderLayer('l', { hiddenSize: 8, numHeads: 2, intermediateSize: 4, layerNormEps: NaN }),
      /^EncoderLayer: layerNormEps must be/,
    ],
    [
      'DecoderLayer hiddenSize',
      () => new DecoderLayer('l', { numHeads: 2, intermediateSize: 4 } as never),
      /^DecoderLayer: hiddenSize must be an integer ≥ 1, got undefined \(in l\)$/,
    ],
    [
      'DecoderLayer dropout',
      () => new DecoderLayer('l', { hiddenSize: 8, numHeads: 2, intermediateSize: 4, dropout: -0.1 }),
      /^DecoderLayer: dropout must be in \[0, 1\)/,
    ],
    [
      'LearnedPositions maxPositions',
      () => new LearnedPositions('p', undefined as never, 4),
      /^LearnedPositions: maxPositions must be an integer ≥ 1, got undefined \(in p\)$/,
    ],
    ['SinusoidalPositions hiddenSize', () => new SinusoidalPositions(8, 0), /^SinusoidalPositions: hiddenSize must be an integer ≥ 1, got 0$/],
    [
      'LearnedPositions.forward graph',
      () => new LearnedPositions('p', 8, 4).forward(2, undefined as never),
      /^LearnedPositions\.forward: graph must be a Graph, got undefined$/,
    ],
    [
      'SinusoidalPositions.forward graph',
      () => new SinusoidalPositions(8, 4).forward(2, {} as never),
      /^SinusoidalPositions\.forward: graph must be a Graph, got object$/,
    ],
    ['Linear.forward x', () => new Linear('l', 2, 3).forward(undefined as never), /^Linear\.forward: x must be a graph value \(Var\), got undefined$/],
    [
      'Embedding.forward ids',
      () => new Embedding('e', 4, 3).forward(i32([1]) as never),
      /^Embedding\.forward: ids must be a graph value \(Var\), got Tensor\(i32\[1\] on cpu\)$/,
    ],
    ['LayerNorm.forward x', () => new LayerNorm('n', 4).forward(null as never), /^LayerNorm\.forward: x must be a graph value \(Var\), got null$/],
    [
      'MultiHeadAttention.forward keyMask',
      () => new MultiHeadAttention('a', { hiddenSize: 8, numHeads: 2 }).forward(g.input('h', [1, 2, 8], 'f32') as Var<'f32', 3>, { keyMask: [1, 1] as never }),
      /^MultiHeadAttention\.forward: keyMask must be a graph value \(Var\), got Array\(2\)$/,
    ],
    [
      'DecoderLayer.forward memory',
      () =>
        new DecoderLayer('d', { hiddenSize: 8, numHeads: 2, intermediateSize: 4 }).forward(
          g.input('dx', [1, 2, 8], 'f32') as Var<'f32', 3>,
          undefined as never,
        ),
      /^DecoderLayer\.forward: memory must be a graph value \(Var\), got undefined$/,
    ],
    ['normal std', () => normal(-1), /^normal: std must be a finite number > 0, got -1$/],
    ['xavier gain', () => xavier(0), /^xavier: gain must be a finite number > 0, got 0$/],
    ['filled value', () => filled('1' as never), /^filled: value must be a number, got string "1"$/],
  ] as const)('%s', (_name, call, message) => expectArgumentError(call, message));
});

describe('initialisers', () => {
  test.each([
    ['normalInit options', () => (normalInit as (...a: unknown[]) => unknown)([2]), /^normalInit: options \{ std, seed \} are required, got undefined$/],
    ['normalInit std', () => normalInit([2], { seed: 1 } as never), /^normalInit: std is required$/],
    ['normalInit seed', () => normalInit([2], { std: 0.02 } as never), /^normalInit: seed is required$/],
    ['normalInit shape', () => normalInit(undefined as never, { std: 0.02, seed: 1 }), /^normalInit: shape must be non-negative integers/],
    ['xavierUniform seed', () => xavierUniform([2, 2], {} as never), /^xavierUniform: seed is required$/],
    ['xavierUniform seed range', () => xavierUniform([2, 2], { seed: -1 }), /^xavierUniform: seed must be a u32/],
  ] as const)('%s', (_name, call, message) => expectArgumentError(call, message));
});

describe('BertForMaskedLM config and inputs', () => {
  const tiny = { vocab_size: 11, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16, max_position_embeddings: 6 };
  test.each([
    ['config missing', () => new BertForMaskedLM(undefined as never), /^BertForMaskedLM: config \{ vocab_size, … \} is required, got undefined$/],
    ['vocab_size missing', () => new BertForMaskedLM({} as never), /^BertForMaskedLM: vocab_size must be an integer ≥ 1, got undefined$/],
    [
      'hidden_size undefined',
      () => new BertForMaskedLM({ ...tiny, hidden_size: undefined }),
      /^BertForMaskedLM: hidden_size must be an integer ≥ 1, got undefined$/,
    ],
    ['hidden_size fraction', () => new BertForMaskedLM({ ...tiny, hidden_size: 7.5 }), /^BertForMaskedLM: hidden_size must be an integer ≥ 1, got 7\.5$/],
    [
      'hidden_size string',
      () => new BertForMaskedLM({ ...tiny, hidden_size: '8' as never }),
      /^BertForMaskedLM: hidden_size must be an integer ≥ 1, got string "8"$/,
    ],
    [
      'heads divide hidden',
      () => new BertForMaskedLM({ ...tiny, num_attention_heads: 3 }),
      /^BertForMaskedLM: hidden_size 8 must be a multiple of num_attention_heads 3$/,
    ],
    ['num_hidden_layers', () => new BertForMaskedLM({ ...tiny, num_hidden_layers: -1 }), /^BertForMaskedLM: num_hidden_layers must be an integer ≥ 0, got -1$/],
    [
      'hidden_act',
      () => new BertForMaskedLM({ ...tiny, hidden_act: 'swish' as never }),
      /^BertForMaskedLM: hidden_act must be one of 'gelu', 'gelu_new', 'gelu_pytorch_tanh', 'relu' \(supported activations\), got string "swish"$/,
    ],
    [
      'hidden_dropout_prob',
      () => new BertForMaskedLM({ ...tiny, hidden_dropout_prob: 1 }),
      /^BertForMaskedLM: hidden_dropout_prob must be in \[0, 1\), got 1$/,
    ],
    ['layer_norm_eps', () => new BertForMaskedLM({ ...tiny, layer_norm_eps: -1 }), /^BertForMaskedLM: layer_norm_eps must be a finite number ≥ 0/],
    [
      'initializer_range',
      () => new BertForMaskedLM({ ...tiny, initializer_range: 0 }),
      /^BertForMaskedLM: initializer_range must be a finite number > 0, got 0$/,
    ],
  ] as const)('%s', (_name, call, message) => expectArgumentError(call, message));

  test('absent fields take their defaults; fields the model does not read are ignored', () => {
    expect(() => new BertForMaskedLM({ ...tiny, model_type: 'bert' } as never)).not.toThrow();
  });

  test('inputs', () => {
    const model = new BertForMaskedLM(tiny);
    const g = new Graph();
    const input_ids = g.input('input_ids', [1, 4], 'i32') as Var<'i32', 2>;
    expectArgumentError(() => model.logits(undefined as never), /^BertForMaskedLM\.logits: inputs \{ input_ids, … \} are required, got undefined$/);
    expectArgumentError(() => model.logits({} as never), /^BertForMaskedLM\.logits: input_ids must be a graph value \(Var\), got undefined$/);
    expectArgumentError(
      () => model.logits({ input_ids, attention_mask: i32([1, 1, 1, 1]) as never }),
      /^BertForMaskedLM\.logits: attention_mask must be a graph value \(Var\), got Tensor/,
    );
    expectArgumentError(
      () => model.loss({ input_ids } as never),
      /^BertForMaskedLM\.loss: labels \[B, T\] i32, or masked_positions \[P\] with masked_labels \[P\] \(i32\), are required$/,
    );
  });
});

describe('optimizers and schedules', () => {
  const schedule = constantSchedule(0.1);
  const p = x23();
  test.each([
    ['SGD no options', () => new (SGD as new (...a: unknown[]) => unknown)(), /^SGD: options \{ lr, … \} are required, got undefined$/],
    ['SGD no lr', () => new SGD({} as never), /^SGD: lr is required/],
    ['SGD lr', () => new SGD({ lr: '0.1' as never }), /^SGD: lr must be a finite number ≥ 0 or a schedule, got string "0\.1"$/],
    ['SGD momentum', () => new SGD({ lr: 0.1, momentum: 1 }), /^SGD: momentum must be in \[0, 1\), got 1$/],
    ['SGD nesterov', () => new SGD({ lr: 0.1, nesterov: true }), /^SGD: nesterov needs momentum > 0/],
    ['AdamW options', () => new AdamW(null as never), /^AdamW: options must be an object, got null$/],
    ['AdamW lr', () => new AdamW({ lr: -1 }), /^AdamW: lr must be a finite number ≥ 0 or a schedule, got -1$/],
    ['AdamW betas', () => new AdamW({ betas: 0.9 as never }), /^AdamW: betas must be two numbers in \[0, 1\), got number 0\.9$/],
    ['AdamW eps', () => new AdamW({ eps: -1 }), /^AdamW: eps must be a finite number ≥ 0, got -1$/],
    [
      'AdamW.update state',
      () => new AdamW().update(p, x23(), [x23()], { decay: true, step: new AdamW().stepValues(1) }),
      /^AdamW\.update: state must be an array of 2 tensors/,
    ],
    [
      'AdamW.update info',
      () => new AdamW().update(p, x23(), [x23(), x23()], undefined as never),
      /^AdamW\.update: info \{ decay, step \} is required, got undefined$/,
    ],
    [
      'AdamW.update param',
      () => new AdamW().update(undefined as never, x23(), [x23(), x23()], { decay: true, step: new AdamW().stepValues(1) }),
      /^adamwUpdate: param must be a Tensor, got undefined$/,
    ],
    [
      'SGD.update grad',
      () => new SGD({ lr: 0.1 }).update(p, {} as never, [x23()], { decay: true, step: new SGD({ lr: 0.1 }).stepValues(1) }),
      /^sgdUpdate: grad must be a Tensor, got object$/,
    ],
    [
      'noamSchedule options',
      () => (noamSchedule as (...a: unknown[]) => unknown)(),
      /^noamSchedule: options \{ dModel, warmupSteps \} are required, got undefined$/,
    ],
    ['noamSchedule warmupSteps', () => noamSchedule({ dModel: 8 } as never), /^noamSchedule: warmupSteps is required$/],
    ['linearWarmupDecay totalSteps', () => linearWarmupDecay({ peakLr: 1e-4, warmupSteps: 10 } as never), /^linearWarmupDecay: totalSteps is required$/],
    ['constantSchedule lr', () => (constantSchedule as (...a: unknown[]) => unknown)(), /^constantSchedule: lr must be a finite number > 0, got undefined$/],
    ['schedule step', () => schedule(undefined as never), /^constantSchedule: step must be an integer ≥ 1/],
  ] as const)('%s', (_name, call, message) => expectArgumentError(call, message));
});

describe('data helpers', () => {
  const tokens = Int32Array.from({ length: 32 }, (_, i) => i % 8);
  test.each([
    ['padBatch options', () => (padBatch as (...a: unknown[]) => unknown)([tokens]), /^padBatch: options \{ padId, length \} are required, got undefined$/],
    ['padBatch padId', () => padBatch([tokens], { length: 4 } as never), /^padBatch: padId must be an integer in \[0, 2147483647\], got undefined$/],
    ['padBatch sequences', () => padBatch(undefined as never, { padId: 0, length: 4 }), /^padBatch: sequences must be an array of Int32Array, got undefined$/],
    ['padBatch sequences[0]', () => padBatch([[1, 2] as never], { padId: 0, length: 4 }), /^padBatch: sequences\[0\] must be an Int32Array/],
    ['maskTokens options', () => (maskTokens as (...a: unknown[]) => unknown)(tokens), /^maskTokens: options must be an object, got undefined$/],
    ['maskTokens rng', () => maskTokens(tokens, { maskId: 9, randomTokenRange: 8 } as never), /^maskTokens: rng must be an Rng/],
    ['maskTokens maskId', () => maskTokens(tokens, { randomTokenRange: 8, rng: new Xoshiro128(1) } as never), /^maskTokens: maskId must be an integer/],
    [
      'maskTokens ids',
      () => maskTokens([1, 2] as never, { maskId: 9, randomTokenRange: 8, rng: new Xoshiro128(1) }),
      /^maskTokens: ids must be an Int32Array, got an array of length 2$/,
    ],
    ['mlmBatches options', () => (mlmBatches as (...a: unknown[]) => unknown)(tokens), /^mlmBatches: options must be an object, got undefined$/],
    [
      'mlmBatches seed',
      () => mlmBatches(tokens, { batchSize: 2, seqLength: 4, maskId: 9, randomTokenRange: 8 } as never),
      /^mlmBatches: seed must be an integer/,
    ],
    ['Xoshiro128 seed', () => new Xoshiro128(undefined as never), /^Xoshiro128: seed must be a u32, got undefined$/],
  ] as const)('%s', (_name, call, message) => expectArgumentError(call, message));
});
