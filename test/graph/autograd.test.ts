// Every gradient rule of src/graph/autograd.ts, and every branch of each, against central finite
// differences in float64 on the CPU backend: loss = Σ op(...) ⊙ R with R a random constant (so every
// output element counts), ∂loss/∂w from `gradients()` against (loss(w + h·e_i) − loss(w − h·e_i)) / 2h
// for every element i of every differentiated tensor (a sample of each for the whole BERT).
// Tolerance: |ad − fd| ≤ 1e-8 + 1e-6·|fd|, h = 1e-6. In float64 the difference quotient is good to
// ~1e-10 here (truncation ~h², rounding ~1e-16·|loss|/h), so this still catches any wrong term.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, test } from 'vitest';
import { ATOL, CONTEXT, Case, RTOL, check, cpu, randomValues, worst } from '../harness/gradient-check.js';
import {
  BertForMaskedLM,
  F,
  type Parameter,
  ParameterStore,
  ShaderformerError,
  ShapeError,
  Xoshiro128,
  execute,
  gradients,
  type Var,
} from '../../src/index.js';

/** Largest |ad − fd| seen per op family, printed at the end (the numbers quoted in reviews). */
afterAll(() => {
  const rows = [...worst].map(([family, error]) => `  ${family.padEnd(16)} ${error.toExponential(1)}`);
  console.log(`max |ad − fd| per op family (tolerance ${ATOL} + ${RTOL}·|fd|):\n${rows.join('\n')}`);
});

describe('matmul', () => {
  const transposes = [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const;
  test.each([...transposes.map(([ta, tb]) => [[], ta, tb] as const), ...transposes.map(([ta, tb]) => [[2], ta, tb] as const)])(
    'A and B with batch dims %j, transposeA %s, transposeB %s: dA and dB',
    (batch, ta, tb) => {
      const c = new Case(1);
      const a = c.param('a', [...batch, ...(ta ? [4, 3] : [3, 4])]);
      const b = c.param('b', [...batch, ...(tb ? [5, 4] : [4, 5])]);
      check('matmul', c, F.matmul(a, b, { transposeA: ta, transposeB: tb }));
    },
  );

  test('2-D with bias: dA, dB and dbias (summed over rows)', () => {
    const c = new Case(2);
    const a = c.param('a', [3, 4]);
    const b = c.param('b', [4, 5]);
    const bias = c.param('bias', [5]) as Var<'f32', 1>;
    check('matmul', c, F.matmul(a, b, { bias }));
  });

  test.each([false, true])('batched A [2, 3, 4] with a 2-D B (transposeB %s), bias: dB and dbias summed over the batch', (tb) => {
    const c = new Case(3);
    const a = c.param('a', [2, 3, 4]);
    const b = c.param('b', tb ? [5, 4] : [4, 5]);
    const bias = c.param('bias', [5]) as Var<'f32', 1>;
    check('matmul', c, F.matmul(a, b, { transposeB: tb, bias }));
  });

  test('batched A [2, 2, 3, 4] (rank 4) with a 2-D B, as linear', () => {
    const c = new Case(4);
    const x = c.param('x', [2, 2, 3, 4]);
    const w = c.param('w', [3, 4]) as Var<'f32', 2>;
    check('matmul', c, F.linear(x, w));
  });

  test('batched, transposed A with a constant 2-D B: dA (dB of that case is refused, see below)', () => {
    const c = new Case(5);
    const a = c.param('a', [2, 4, 3]);
    check('matmul', c, F.matmul(a, c.constant([4, 5]), { transposeA: true }));
  });

  test('2-D constant A with a batched B: dB per batch', () => {
    const c = new Case(7);
    const b = c.param('b', [2, 4, 5]);
    check('matmul', c, F.matmul(c.constant([3, 4]), b));
  });

  test('the unsupported combinations are refused by name, not answered wrongly', () => {
    const c = new Case(8);
    const a = c.param('a', [3, 4]);
    const b = c.param('b', [2, 4, 5]);
    const y = c.weighted(F.matmul(a, b));
    expect(() => gradients(y, [a])).toThrowError(/^gradients: matmul: the gradient of a 2-D A shared by a batched B is not supported$/);
    const d = new Case(9);
    const at = d.param('a', [2, 4, 3]);
    const w = d.param('w', [4, 5]);
    const z = d.weighted(F.matmul(at, w, { transposeA: true }));
    expect(() => gradients(z, [w])).toThrowError(/^gradients: matmul: the gradient of a 2-D B shared by a batched, transposed A is not supported$/);
  });

  test('linear: x [2, 3, 4] · Wᵀ + b, W [5, 4]', () => {
    const c = new Case(10);
    const x = c.param('x', [2, 3, 4]);
    const w = c.param('w', [5, 4]) as Var<'f32', 2>;
    const b = c.param('b', [5]) as Var<'f32', 1>;
    check('matmul', c, F.linear(x, w, b));
  });
});

describe('elementwise and layout', () => {
  test.each([
    ['add', [3, 4], [3, 4]],
    ['add', [2, 3, 4], [4]],
    ['add', [2, 3, 4], [3, 4]],
    ['mul', [3, 4], [3, 4]],
    ['mul', [2, 3, 4], [4]],
    ['mul', [2, 3, 4], [3, 4]],
  ] as const)('%s: a %j, b %j (b broadcast over the leading dims: its gradient summed over them)', (op, aShape, bShape) => {
    const c = new Case(11);
    const [a, b] = [c.param('a', aShape), c.param('b', bShape)];
    check(op, c, op === 'add' ? F.add(a, b) : F.mul(a, b));
  });

  test('scale by -2.5', () => {
    const c = new Case(15);
    check('scale', c, F.scale(c.param('x', [3, 4]), -2.5));
  });

  test('reshape [3, 4] → [2, -1] and [2, 3, 2] → [-1, 4, 1]', () => {
    const c = new Case(16);
    check('reshape', c, F.reshape(c.param('x', [3, 4]), [2, -1]));
    const d = new Case(17);
    check('reshape', d, F.reshape(d.param('x', [2, 3, 2]), [-1, 4, 1]));
  });

  test.each([
    [
      [3, 5],
      [1, 0],
    ],
    [
      [2, 3, 2, 4],
      [0, 2, 1, 3],
    ],
    [
      [2, 3, 4],
      [1, 2, 0],
    ],
    [
      [2, 3, 4],
      [2, 0, 1],
    ],
  ])('transpose %j by %j (the last two are not their own inverse)', (shape, perm) => {
    const c = new Case(18);
    check('transpose', c, F.transpose(c.param('x', shape), perm));
  });

  test.each([0, 1, 2, -1])('sum over axis %d of [3, 4, 5]', (axis) => {
    const c = new Case(19);
    check('sum', c, F.sum(c.param('x', [3, 4, 5]), axis));
  });

  test('sum of a vector to a scalar, and of a [1, 4] along its unit axis', () => {
    const c = new Case(20);
    check('sum', c, F.sum(c.param('x', [6]), 0));
    const d = new Case(21);
    check('sum', d, F.sum(d.param('x', [1, 4]), 0));
  });
});

describe('activations and normalisation', () => {
  test.each(['none', 'tanh'] as const)('gelu (approximate %s)', (approximate) => {
    const c = new Case(22);
    check('gelu', c, F.gelu(c.param('x', [3, 5], 0.05, 2.5), approximate));
  });

  test('relu (inputs at least 0.1 away from the kink)', () => {
    const c = new Case(23);
    check('relu', c, F.relu(c.param('x', [3, 5])));
  });

  test('layerNorm: x [2, 3, 5], γ and β all differentiated', () => {
    const c = new Case(24);
    const x = c.param('x', [2, 3, 5]);
    const gamma = c.param('gamma', [5]) as Var<'f32', 1>;
    const beta = c.param('beta', [5]) as Var<'f32', 1>;
    check('layerNorm', c, F.layerNorm(x, gamma, beta));
  });

  test('layerNorm with BERT ε = 1e-12', () => {
    const c = new Case(25);
    check('layerNorm', c, F.layerNorm(c.param('x', [4, 6]), c.param('gamma', [6]) as Var<'f32', 1>, c.param('beta', [6]) as Var<'f32', 1>, 1e-12));
  });

  test('softmax over the last dim of [2, 3, 5]', () => {
    const c = new Case(26);
    check('softmax', c, F.softmax(c.param('x', [2, 3, 5], 0.1, 2)));
  });

  test('softmax with a constant additive mask that holds -1e9', () => {
    const c = new Case(27);
    const mask = new Float32Array(15);
    mask[3] = -1e9;
    mask[7] = -1e9;
    mask[8] = -1e9;
    check('softmax', c, F.softmax(c.param('x', [3, 5], 0.1, 2), c.g.constant(mask, [3, 5])));
  });

  test.each([[[3, 5]], [[5]]])('softmax with a learned additive mask %j (a relative-position bias): the mask gets a gradient too', (shape) => {
    const c = new Case(28);
    check('softmax', c, F.softmax(c.param('x', [2, 3, 5], 0.1, 2), c.param('mask', shape)));
  });
});

describe('embedding and dropout', () => {
  test('embedding: the table gradient sums the rows of repeated ids', () => {
    const c = new Case(29);
    const table = c.param('table', [6, 4]) as Var<'f32', 2>;
    const ids = c.ids('ids', [2, 3], [1, 3, 1, 5, 1, 0]);
    check('embedding', c, F.embedding(table, ids));
  });

  test('dropout p = 0.3 with a fixed context: same mask on every run, some elements dropped, kept ones scaled by 1/(1 − p)', () => {
    const c = new Case(30);
    const x = c.param('x', [6, 8]);
    const y = F.dropout(x, 0.3);
    const store = ParameterStore.create(cpu, c.params);
    const run = { backend: cpu, inputs: {}, parameter: (p: Parameter) => store.tensor(p), context: CONTEXT };
    const [first] = execute(c.g, [y], run);
    const [second] = execute(c.g, [y], run);
    const xs = cpu.readF64(store.tensor(c.params[0]!));
    const ys = cpu.readF64(first!);
    expect(Array.from(cpu.readF64(second!))).toEqual(Array.from(ys));
    const dropped = ys.filter((v) => v === 0).length;
    expect(dropped).toBeGreaterThan(4);
    expect(dropped).toBeLessThan(26);
    ys.forEach((v, i) => {
      if (v !== 0) expect(v).toBeCloseTo(xs[i]! / 0.7, 12);
    });
    first!.dispose();
    second!.dispose();
    store.dispose();
    check('dropout', c, y);
  });
});

describe('attention', () => {
  const qkv = (c: Case, b: number, h: number, tq: number, tk: number, dh: number) =>
    [c.param('q', [b, h, tq, dh]), c.param('k', [b, h, tk, dh]), c.param('v', [b, h, tk, dh])] as [Var<'f32', 4>, Var<'f32', 4>, Var<'f32', 4>];

  test.each([
    ['plain: B1 H2 T5 Dh4, dq dk dv', [1, 2, 5, 5], {}],
    ['causal', [1, 2, 5, 5], { causal: true }],
    ['keyMask with padded keys (their dk and dv are zero), scale 0.7', [2, 1, 5, 5], { keyMask: [1, 1, 1, 1, 0, 1, 1, 1, 0, 0], scale: 0.7 }],
    ['cross-attention Tq 3 ≠ Tk 5', [1, 2, 3, 5], {}],
    ['dropout 0.2 on the probabilities (fixed context), causal', [1, 2, 5, 5], { dropout: 0.2, causal: true }],
  ] as const)('%s', (_, [b, h, tq, tk], { keyMask, ...options }: { keyMask?: readonly number[]; causal?: boolean; scale?: number; dropout?: number }) => {
    const c = new Case(31);
    const [q, k, v] = qkv(c, b, h, tq, tk, 4);
    const mask = keyMask && (c.ids('keyMask', [b, tk], keyMask) as Var<'i32', 2>);
    check('attention', c, F.attention(q, k, v, { ...options, ...(mask ? { keyMask: mask } : {}) }));
  });

  test('only v differentiated (q and k constants)', () => {
    const c = new Case(36);
    const q = c.constant([1, 2, 5, 4]) as Var<'f32', 4>;
    const k = c.constant([1, 2, 5, 4]) as Var<'f32', 4>;
    const v = c.param('v', [1, 2, 5, 4]) as Var<'f32', 4>;
    check('attention', c, F.attention(q, k, v));
  });
});

describe('crossEntropy', () => {
  const logitsAndLabels = (c: Case, labels: readonly number[]) =>
    [c.param('logits', [labels.length, 5], 0.1, 2) as Var<'f32', 2>, c.ids('labels', [labels.length], labels) as Var<'i32', 1>] as const;

  test('the root loss: its cotangent 1 folds into the kernel', () => {
    const c = new Case(37);
    const [logits, labels] = logitsAndLabels(c, [2, 0, 4, 1]);
    check('crossEntropy', c, F.crossEntropy(logits, labels), { root: true });
  });

  test('ignoreIndex: rows labelled -100 (default) or a custom ignoreIndex get zero gradient', () => {
    const c = new Case(38);
    const [logits, labels] = logitsAndLabels(c, [2, -100, 4, -100]);
    check('crossEntropy', c, F.crossEntropy(logits, labels), { root: true });
    const d = new Case(39);
    const [logits2, labels2] = logitsAndLabels(d, [2, 3, 4, 3]);
    check('crossEntropy', d, F.crossEntropy(logits2, labels2, { ignoreIndex: 3 }), { root: true });
  });

  test('every row ignored: loss 0, gradient zeros', () => {
    const c = new Case(40);
    const [logits, labels] = logitsAndLabels(c, [-100, -100]);
    check('crossEntropy', c, F.crossEntropy(logits, labels), { root: true, zero: c.params });
  });

  test('labelSmoothing 0.1', () => {
    const c = new Case(41);
    const [logits, labels] = logitsAndLabels(c, [2, 0, -100, 1]);
    check('crossEntropy', c, F.crossEntropy(logits, labels, { labelSmoothing: 0.1 }), { root: true });
  });

  test('a non-constant upstream cotangent: ce², and ce · Σw through another path', () => {
    const c = new Case(42);
    const [logits, labels] = logitsAndLabels(c, [2, 0, 4, 1]);
    const ce = F.crossEntropy(logits, labels, { labelSmoothing: 0.1 });
    check('crossEntropy', c, F.mul(ce, ce), { root: true });
    const d = new Case(43);
    const [logits2, labels2] = logitsAndLabels(d, [1, 1, 3]);
    const w = d.param('w', [3]);
    check('crossEntropy', d, F.mul(F.crossEntropy(logits2, labels2), F.sum(w, 0)), { root: true });
  });

  test('weighted by R (the generic harness: upstream through mul, reshape and sum)', () => {
    const c = new Case(44);
    const [logits, labels] = logitsAndLabels(c, [2, 0, 4]);
    check('crossEntropy', c, F.crossEntropy(logits, labels));
  });

  test('a constant upstream cotangent folds: 3·ce runs crossEntropyBackward with scale 3 and no extra mul', () => {
    const c = new Case(45);
    const [logits, labels] = logitsAndLabels(c, [2, 0, 4, 1]);
    const loss = F.scale(F.crossEntropy(logits, labels), 3);
    const before = c.g.nodes.length;
    gradients(loss, [logits]);
    const backward = c.g.nodes.slice(before);
    const ce = backward.find((n) => n.op === 'crossEntropyBackward')!;
    expect((ce.attrs as { scale: number }).scale).toBe(3);
    expect(backward.some((n) => n.op === 'mul' && n.inputs.includes(ce.outputs[0]!))).toBe(false);
    check('crossEntropy', c, loss, { root: true });
  });
});

describe('graph structure', () => {
  test('a value used twice: the contributions are summed (x·x, and W in two products)', () => {
    const c = new Case(46);
    const x = c.param('x', [3, 4]);
    check('fan-out', c, F.mul(x, x));
    const d = new Case(47);
    const a = d.param('a', [3, 4]);
    const w = d.param('w', [4, 4]);
    const h = F.matmul(a, w);
    check('fan-out', d, F.add(F.matmul(F.gelu(h), w), F.scale(h, 0.5)));
  });

  test('a parameter that does not reach the loss has a zero gradient of its shape', () => {
    const c = new Case(48);
    const x = c.param('x', [3, 4]);
    c.param('unused', [2, 5]);
    check('fan-out', c, F.relu(x), { zero: [c.params[1]!] });
  });

  test('a small chain: linear → gelu → layerNorm → linear → softmax', () => {
    const c = new Case(49);
    const x = c.param('x', [2, 3, 4]);
    const h = F.gelu(F.linear(x, c.param('w1', [6, 4]) as Var<'f32', 2>, c.param('b1', [6]) as Var<'f32', 1>));
    const n = F.layerNorm(h, c.param('gamma', [6]) as Var<'f32', 1>, c.param('beta', [6]) as Var<'f32', 1>);
    check('chain', c, F.softmax(F.linear(n, c.param('w2', [5, 6]) as Var<'f32', 2>)));
  });

  test('reaching a backward op with a cotangent is an error (no higher-order gradients)', () => {
    for (const [op, build] of [
      ['geluBackward', (c: Case, x: Var) => c.g.apply('geluBackward', [c.constant([3, 4]), x], { approximate: 'none' })[0]!],
      ['reluBackward', (c: Case, x: Var) => c.g.apply('reluBackward', [x, c.constant([3, 4])], {})[0]!],
      ['softmaxBackward', (c: Case, x: Var) => c.g.apply('softmaxBackward', [c.constant([3, 4]), x], {})[0]!],
    ] as const) {
      const c = new Case(50);
      const x = c.param('x', [3, 4]);
      const loss = c.weighted(build(c, x) as Var<'f32'>);
      expect(() => gradients(loss, [x])).toThrowError(ShaderformerError);
      expect(() => gradients(loss, [x])).toThrowError(`gradients: ${op} has no gradient rule (higher-order gradients are not supported)`);
    }
  });

  test('gradients() rejects a non-scalar loss, an i32 wrt and a wrt from another graph', () => {
    const c = new Case(51);
    const x = c.param('x', [3, 4]);
    const y = F.relu(x);
    expect(() => gradients(y, [x])).toThrowError(ShapeError);
    expect(() => gradients(y, [x])).toThrowError(/^gradients: the loss must be an f32 scalar \(shape \[\]\), got f32\[3, 4\] \(relu\)$/);
    const ids = c.ids('ids', [2], [0, 1]);
    const loss = c.weighted(y);
    expect(() => gradients(loss, [ids])).toThrowError(/^gradients: can only differentiate with respect to f32 values, got i32\[2\] \(input\)$/);
    const other = new Case(52);
    expect(() => gradients(loss, [other.param('z', [2])])).toThrowError(/belongs to another graph than the loss/);
  });
});

describe('BertForMaskedLM (tiny, dropout on with a fixed context)', () => {
  test('~5 random elements of every parameter against finite differences', () => {
    const model = new BertForMaskedLM({
      vocab_size: 11,
      hidden_size: 8,
      num_hidden_layers: 1,
      num_attention_heads: 2,
      intermediate_size: 16,
      max_position_embeddings: 6,
      type_vocab_size: 2,
      hidden_dropout_prob: 0.1,
      attention_probs_dropout_prob: 0.1,
    });
    const c = new Case(53);
    const input_ids = c.ids('input_ids', [2, 5], [2, 7, 4, 9, 1, 3, 3, 10, 0, 0]) as Var<'i32', 2>;
    const attention_mask = c.ids('attention_mask', [2, 5], [1, 1, 1, 1, 1, 1, 1, 1, 0, 0]) as Var<'i32', 2>;
    const token_type_ids = c.ids('token_type_ids', [2, 5], [0, 0, 1, 1, 1, 0, 0, 1, 1, 1]) as Var<'i32', 2>;
    const labels = c.ids('labels', [2, 5], [-100, 5, -100, 9, 2, 8, -100, -100, -100, -100]) as Var<'i32', 2>;
    const loss = model.loss({ input_ids, attention_mask, token_type_ids, labels });
    expect(c.g.randomStreamSize).toBeGreaterThan(0);
    const params = model.parameters();
    const store = ParameterStore.create(cpu, params, { seed: 5 });
    // Weights of order 0.5 rather than 0.02, so every path carries a gradient well above the tolerance.
    const rng = new Xoshiro128(54);
    for (const p of params) {
      const values = Float64Array.from(randomValues(rng, p.size, 0.05, 0.8));
      if (p.name.endsWith('LayerNorm.weight')) values.forEach((v, i) => (values[i] = 1 + 0.5 * v));
      cpu.write(store.tensor(p), values);
    }
    // The key bias adds q·b to every score of a row, which the softmax ignores: its gradient is 0.
    check('bert', c, loss, { root: true, store, params, sample: 5, flat: (p) => p.name.endsWith('key.bias') });
    store.dispose();
  });
});

describe('the rule table is exhaustive at compile time', () => {
  test('tsc accepts src/graph/autograd.ts, and rejects it with one rule removed ("relu" missing)', () => {
    const file = fileURLToPath(new URL('../../src/graph/autograd.ts', import.meta.url));
    const config = fileURLToPath(new URL('../../tsconfig.json', import.meta.url));
    const { options } = ts.parseJsonConfigFileContent(ts.readConfigFile(config, ts.sys.readFile).config, ts.sys, dirname(config));
    const source = readFileSync(file, 'utf8');
    expect(source).toMatch(/const GRAD_RULES: \{ \[K in ComputeOp\]: GradRule<K> \} = \{/);
    const withoutRelu = source.replace(/^ {2}relu: .*\n/m, '');
    expect(withoutRelu.length).toBeLessThan(source.length);
    const diagnose = (text: string, old?: ts.Program) => {
      const host = ts.createCompilerHost(options);
      const read = host.getSourceFile.bind(host);
      host.getSourceFile = (name, language, ...rest) => (name === file ? ts.createSourceFile(name, text, language) : read(name, language, ...rest));
      const program = ts.createProgram([file], options, host, old);
      const messages = program.getSemanticDiagnostics(program.getSourceFile(file)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      return { program, messages };
    };
    const intact = diagnose(source);
    expect(intact.messages).toEqual([]);
    const broken = diagnose(withoutRelu, intact.program);
    expect(broken.messages.join('\n')).toMatch(/Property 'relu' is missing/);
  }, 60_000);
});
