// Building graphs: shape errors at build time (named op, both shapes, module scope), the inferred
// shapes of every op, the random-stream placement of dropout, BertForMaskedLM's parameter names
// against Hugging Face's, and execute()'s disposal of intermediates (CPU backend, Node).
import { describe, expect, test } from 'vitest';
import {
  BertForMaskedLM,
  F,
  Graph,
  MultiHeadAttention,
  Parameter,
  ParameterStore,
  ShapeError,
  createCpuBackend,
  execute,
  gradients,
  type Tensor,
  type Var,
} from '../../src/index.js';

/** Expects `build` to throw a ShapeError with exactly `message`, adding no node to `g`. */
function expectBuildError(g: Graph, build: () => unknown, message: string): void {
  const nodes = g.nodes.length;
  let caught: unknown;
  try {
    build();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ShapeError);
  expect((caught as Error).message).toBe(message);
  expect(g.nodes.length).toBe(nodes);
}

describe('shape errors at build time (no backend involved)', () => {
  test('matmul with mismatched K names the op and both shapes', () => {
    const g = new Graph();
    const a = g.input('a', [2, 3], 'f32');
    const b = g.input('b', [4, 5], 'f32');
    expectBuildError(g, () => F.matmul(a, b), 'matmul: expected A [M, K] and B [K, N] with the same K, got A [2, 3] and B [4, 5]');
    const w = g.param(new Parameter('w', [5, 4]));
    expectBuildError(
      g,
      () => F.linear(a, w as Var<'f32', 2>),
      'matmul: expected A [M, K] and B [N, K] (transposeB) with the same K, got A [2, 3] and B [5, 4]',
    );
  });

  test('layerNorm with a γ of the wrong size', () => {
    const g = new Graph();
    const x = g.input('x', [2, 3, 8], 'f32');
    const gamma = g.param(new Parameter('gamma', [7])) as Var<'f32', 1>;
    const beta = g.param(new Parameter('beta', [8])) as Var<'f32', 1>;
    expectBuildError(g, () => F.layerNorm(x, gamma, beta), 'layerNorm: gamma must have shape [8], got [7]');
  });

  test('attention with a different number of heads in k than in q', () => {
    const g = new Graph();
    const q = g.input('q', [1, 2, 5, 4], 'f32');
    const k = g.input('k', [1, 3, 5, 4], 'f32');
    expectBuildError(g, () => F.attention(q, k, k), 'attention: k must have shape [1, 2, 5, 4], got [1, 3, 5, 4]');
  });

  test('crossEntropy with labels of the wrong length', () => {
    const g = new Graph();
    const logits = g.input('logits', [4, 5], 'f32');
    const labels = g.input('labels', [3], 'i32');
    expectBuildError(g, () => F.crossEntropy(logits, labels), 'crossEntropy: labels must have shape [4], got [3]');
  });

  test('reshape to a size that differs (with and without -1)', () => {
    const g = new Graph();
    const x = g.input('x', [2, 3, 8], 'f32');
    expectBuildError(g, () => F.reshape(x, [5, 4]), 'reshape: f32[2, 3, 8] (input) cannot be viewed as [5, 4]');
    expectBuildError(g, () => F.reshape(x, [5, -1]), 'reshape: f32[2, 3, 8] (input) cannot be viewed as [5, -1]');
    expectBuildError(g, () => F.reshape(x, [-1, -1]), 'reshape: shape must be non-negative integers with at most one -1, got [-1,-1]');
  });

  test('values from two different graphs', () => {
    const g = new Graph();
    const a = g.input('a', [2, 3], 'f32');
    const other = new Graph().input('a', [2, 3], 'f32');
    expectBuildError(g, () => F.add(a, other), 'add: f32[2, 3] (input) belongs to another graph');
  });

  test('two inputs with one name, two different Parameter objects with one name', () => {
    const g = new Graph();
    g.input('a', [2], 'f32');
    expectBuildError(g, () => g.input('a', [3], 'i32'), 'graph.input: an input named "a" exists already');
    const w = new Parameter('w', [2]);
    const v = g.param(w);
    expect(g.param(w)).toBe(v); // the same parameter is one var
    expectBuildError(g, () => g.param(new Parameter('w', [2])), 'graph.param: two different parameters are named "w"');
  });

  test('inside a module the message names the module scope; nested modules do not repeat their prefix', () => {
    const g = new Graph();
    const attention = new MultiHeadAttention('bert.encoder.layer.0.attention', { hiddenSize: 8, numHeads: 2 });
    const x = g.input('x', [2, 5, 8], 'f32');
    const keyMask = g.input('keyMask', [2, 4], 'i32');
    // (the projections before the failing op are added; the error comes from the attention op itself)
    expect(() => attention.forward(x, { keyMask })).toThrowError('attention: keyMask must have shape [2, 5], got [2, 4] (in bert.encoder.layer.0.attention)');
    const narrow = g.input('narrow', [2, 5, 6], 'f32');
    expect(() => attention.forward(narrow)).toThrowError(
      'matmul: expected A [M, K] and B [N, K] (transposeB) with the same K, got A [2, 5, 6] and B [8, 8] (in bert.encoder.layer.0.attention.self.query)',
    );
    // Node labels carry the innermost module's full name.
    const h = new Graph();
    attention.forward(h.input('x', [2, 5, 8], 'f32'));
    const labels = new Set(h.nodes.filter((n) => n.op !== 'input').map((n) => n.label));
    expect([...labels]).toEqual([
      'param in bert.encoder.layer.0.attention.self.query',
      'matmul in bert.encoder.layer.0.attention.self.query',
      'reshape in bert.encoder.layer.0.attention',
      'transpose in bert.encoder.layer.0.attention',
      'param in bert.encoder.layer.0.attention.self.key',
      'matmul in bert.encoder.layer.0.attention.self.key',
      'param in bert.encoder.layer.0.attention.self.value',
      'matmul in bert.encoder.layer.0.attention.self.value',
      'attention in bert.encoder.layer.0.attention',
      'param in bert.encoder.layer.0.attention.output.dense',
      'matmul in bert.encoder.layer.0.attention.output.dense',
    ]);
  });

  test('a model checks its own limits: a sequence longer than max_position_embeddings', () => {
    const g = new Graph();
    const bert = new BertForMaskedLM({
      vocab_size: 11,
      hidden_size: 8,
      num_hidden_layers: 1,
      num_attention_heads: 2,
      intermediate_size: 16,
      max_position_embeddings: 6,
    });
    const input_ids = g.input('input_ids', [2, 7], 'i32');
    expect(() => bert.logits({ input_ids })).toThrowError(/^bert\.embeddings\.position_embeddings: sequence length must be in \[1, 6\], got 7$/);
  });
});

describe('inferred output shapes', () => {
  const g = new Graph();
  const x = g.input('x', [2, 3, 4], 'f32');
  const shapeOf = (v: Var) => [...v.shape];

  test('matmul and linear: plain, transposed, batched, shared 2-D operand, bias', () => {
    const m = g.input('m', [3, 4], 'f32');
    const n = g.input('n', [4, 5], 'f32');
    expect(shapeOf(F.matmul(m, n))).toEqual([3, 5]);
    expect(shapeOf(F.matmul(m, m, { transposeA: true }))).toEqual([4, 4]);
    expect(shapeOf(F.matmul(m, m, { transposeB: true }))).toEqual([3, 3]);
    expect(shapeOf(F.matmul(x, n))).toEqual([2, 3, 5]);
    expect(shapeOf(F.matmul(x, x, { transposeB: true }))).toEqual([2, 3, 3]);
    expect(shapeOf(F.matmul(m, g.input('nb', [2, 4, 6], 'f32')))).toEqual([2, 3, 6]);
    const w = g.param(new Parameter('w', [7, 4])) as Var<'f32', 2>;
    const b = g.param(new Parameter('b', [7])) as Var<'f32', 1>;
    const y = F.linear(x, w, b);
    expect(shapeOf(y)).toEqual([2, 3, 7]);
    expect(y.dtype).toBe('f32');
  });

  test('elementwise, layout, reductions, activations', () => {
    expect(shapeOf(F.add(x, g.input('bias', [4], 'f32')))).toEqual([2, 3, 4]);
    expect(shapeOf(F.mul(x, g.input('row', [3, 4], 'f32')))).toEqual([2, 3, 4]);
    expect(shapeOf(F.scale(x, 2))).toEqual([2, 3, 4]);
    expect(shapeOf(F.reshape(x, [-1, 4]))).toEqual([6, 4]);
    expect(shapeOf(F.reshape(x, [2, 12]))).toEqual([2, 12]);
    expect(F.reshape(x, [2, 3, -1])).toBe(x); // same shape: no node
    expect(shapeOf(F.transpose(x, [2, 0, 1]))).toEqual([4, 2, 3]);
    expect(shapeOf(F.sum(x, 0))).toEqual([3, 4]);
    expect(shapeOf(F.sum(x, 1))).toEqual([2, 4]);
    expect(shapeOf(F.sum(x, -1))).toEqual([2, 3]);
    expect(shapeOf(F.sum(F.reshape(x, [-1]), 0))).toEqual([]);
    expect(() => F.sum(x, 3)).toThrowError('sum: axis must be an integer in [-3, 2] for f32[2, 3, 4] (input), got 3');
    expect(shapeOf(F.gelu(x))).toEqual([2, 3, 4]);
    expect(shapeOf(F.gelu(x, 'tanh'))).toEqual([2, 3, 4]);
    expect(shapeOf(F.relu(x))).toEqual([2, 3, 4]);
    expect(shapeOf(F.softmax(x))).toEqual([2, 3, 4]);
    expect(shapeOf(F.softmax(x, g.input('mask', [4], 'f32')))).toEqual([2, 3, 4]);
    expect(shapeOf(F.dropout(x, 0.1))).toEqual([2, 3, 4]);
  });

  test('layerNorm saves mean and rstd of the leading shape', () => {
    const y = F.layerNorm(x, g.param(new Parameter('ln.weight', [4])) as Var<'f32', 1>, g.param(new Parameter('ln.bias', [4])) as Var<'f32', 1>);
    expect(shapeOf(y)).toEqual([2, 3, 4]);
    expect(y.node.outputs.map(shapeOf)).toEqual([
      [2, 3, 4],
      [2, 3],
      [2, 3],
    ]);
  });

  test('embedding, attention (self and cross) and crossEntropy', () => {
    const table = g.param(new Parameter('table', [10, 6])) as Var<'f32', 2>;
    const e = F.embedding(table, g.input('ids', [2, 5], 'i32'));
    expect(shapeOf(e)).toEqual([2, 5, 6]);
    expect(e.dtype).toBe('f32');
    const q = g.input('q', [2, 3, 4, 8], 'f32');
    const kv = g.input('kv', [2, 3, 7, 8], 'f32');
    const out = F.attention(q, kv, kv, { keyMask: g.input('keyMask', [2, 7], 'i32') });
    expect(shapeOf(out)).toEqual([2, 3, 4, 8]);
    expect(out.node.outputs.map(shapeOf)).toEqual([
      [2, 3, 4, 8],
      [2, 3, 4],
    ]); // out, log-sum-exp
    const ce = F.crossEntropy(g.input('logits', [6, 11], 'f32'), g.input('labels', [6], 'i32'));
    expect(shapeOf(ce)).toEqual([]);
    expect(ce.node.outputs.map(shapeOf)).toEqual([[], [6]]);
  });

  test('F.dropout(x, 0) is x itself, with no node', () => {
    const nodes = g.nodes.length;
    expect(F.dropout(x, 0)).toBe(x);
    expect(g.nodes.length).toBe(nodes);
  });
});

describe('random streams', () => {
  test('each dropout draws from its own stretch; its backward regenerates the same mask', () => {
    const g = new Graph();
    const x = g.param(new Parameter('x', [2, 3, 4]));
    const a = F.dropout(x, 0.1); // 24 positions
    const q = F.reshape(F.gelu(a), [1, 2, 3, 4]) as Var<'f32', 4>;
    const att = F.attention(q, q, q, { dropout: 0.2 }); // [1, 2, 3, 3] probabilities: 18 positions
    const b = F.dropout(att, 0.3); // 24 positions
    expect(g.randomStreamSize).toBe(68); // 24 + 18 + 24 positions, rounded up to whole Philox blocks of 4
    const stream = (op: string) => g.nodes.filter((n) => n.op === op).map((n) => (n.attrs as { stream: number }).stream);
    expect(stream('dropout')).toEqual([0, 42]);
    expect(stream('attention')).toEqual([24]);
    gradients(F.sum(F.reshape(b, [-1]), 0), [x]);
    expect(stream('dropoutBackward').sort((u, v) => u - v)).toEqual([0, 42]);
    expect(stream('attentionBackward')).toEqual([24]);
    expect(g.randomStreamSize).toBe(68); // 24 + 18 + 24 positions, rounded up to whole Philox blocks of 4 // the backward draws nothing new
  });
});

describe('BertForMaskedLM parameters', () => {
  const config = {
    vocab_size: 11,
    hidden_size: 8,
    num_hidden_layers: 2,
    num_attention_heads: 2,
    intermediate_size: 16,
    max_position_embeddings: 6,
    type_vocab_size: 2,
  };

  test("names and shapes are Hugging Face's BertForMaskedLM named_parameters() (decoder tied to the word embeddings)", () => {
    const expected: Record<string, number[]> = {
      'bert.embeddings.word_embeddings.weight': [11, 8],
      'bert.embeddings.position_embeddings.weight': [6, 8],
      'bert.embeddings.token_type_embeddings.weight': [2, 8],
      'bert.embeddings.LayerNorm.weight': [8],
      'bert.embeddings.LayerNorm.bias': [8],
    };
    for (const i of [0, 1]) {
      const layer = `bert.encoder.layer.${i}`;
      for (const proj of ['query', 'key', 'value']) {
        expected[`${layer}.attention.self.${proj}.weight`] = [8, 8];
        expected[`${layer}.attention.self.${proj}.bias`] = [8];
      }
      expected[`${layer}.attention.output.dense.weight`] = [8, 8];
      expected[`${layer}.attention.output.dense.bias`] = [8];
      expected[`${layer}.attention.output.LayerNorm.weight`] = [8];
      expected[`${layer}.attention.output.LayerNorm.bias`] = [8];
      expected[`${layer}.intermediate.dense.weight`] = [16, 8];
      expected[`${layer}.intermediate.dense.bias`] = [16];
      expected[`${layer}.output.dense.weight`] = [8, 16];
      expected[`${layer}.output.dense.bias`] = [8];
      expected[`${layer}.output.LayerNorm.weight`] = [8];
      expected[`${layer}.output.LayerNorm.bias`] = [8];
    }
    expected['cls.predictions.bias'] = [11];
    expected['cls.predictions.transform.dense.weight'] = [8, 8];
    expected['cls.predictions.transform.dense.bias'] = [8];
    expected['cls.predictions.transform.LayerNorm.weight'] = [8];
    expected['cls.predictions.transform.LayerNorm.bias'] = [8];
    expect(Object.keys(expected)).toHaveLength(5 + 2 * 16 + 5);

    const model = new BertForMaskedLM(config);
    const params = model.parameters();
    const got = Object.fromEntries(params.map((p) => [p.name, [...p.shape]]));
    expect(params).toHaveLength(Object.keys(expected).length); // no duplicates
    expect(got).toEqual(expected);
    // And in named_parameters() order (module by module, a module's own parameters before its children's).
    expect(params.map((p) => p.name)).toEqual(Object.keys(expected));

    // A graph of the loss uses every one of them (the decoder is the word embedding, not a copy).
    const g = new Graph();
    model.loss({ input_ids: g.input('input_ids', [2, 5], 'i32'), labels: g.input('labels', [2, 5], 'i32') });
    expect(new Set([...g.parameters.keys()])).toEqual(new Set(params));
  });

  test('weight decay is off exactly for biases and LayerNorm parameters', () => {
    for (const p of new BertForMaskedLM(config).parameters()) {
      expect(p.decay, p.name).toBe(!(p.name.endsWith('.bias') || p.name.includes('LayerNorm')));
    }
  });

  test('type_vocab_size 0 leaves the segment embedding out', () => {
    const names = new BertForMaskedLM({ ...config, type_vocab_size: 0 }).parameters().map((p) => p.name);
    expect(names).not.toContain('bert.embeddings.token_type_embeddings.weight');
    expect(names).toHaveLength(5 + 2 * 16 + 5 - 1);
  });
});

describe('execute', () => {
  /** A CPU backend whose made tensors are recorded (constants go through backend.tensor). */
  function recordingBackend() {
    const cpu = createCpuBackend();
    const made: Tensor[] = [];
    const tensor = cpu.tensor.bind(cpu);
    cpu.tensor = ((...args: Parameters<typeof tensor>) => {
      const t = tensor(...args);
      made.push(t);
      return t;
    }) as typeof cpu.tensor;
    return { cpu, made };
  }

  test('every intermediate and temporary constant is disposed; outputs (one a reshaped intermediate) stay alive', () => {
    const g = new Graph();
    const x = g.input('x', [2, 3], 'f32');
    const w = new Parameter('w', [4, 3], { init: () => Float32Array.from({ length: 12 }, (_, i) => (i - 5) / 7) });
    const h = F.gelu(F.linear(x, g.param(w) as Var<'f32', 2>)); // [2, 4]
    const y = F.add(F.scale(h, 2), g.constant(0.5, [4]));
    const flat = F.reshape(F.softmax(y), [-1]); // a view of an intermediate, asked for
    const loss = F.sum(flat, 0);
    const [dw] = gradients(loss, [g.param(w)]);

    const { cpu, made } = recordingBackend();
    const store = ParameterStore.create(cpu, [w]);
    const xs = cpu.tensor(Float32Array.from([0.1, -0.2, 0.3, 0.4, 0.5, -0.6]), [2, 3]);
    made.length = 0;
    const produced: Tensor[] = [];
    const outputs = execute(g, [flat, loss, dw!], {
      backend: cpu,
      inputs: { x: xs },
      parameter: (p) => store.tensor(p),
      onNode: (_node, _inputs, run) => {
        const results = run();
        produced.push(...results);
        return results;
      },
    });
    expect(made.length).toBeGreaterThan(0); // the constants
    expect(produced.length).toBeGreaterThan(10);
    const kept = new Set(outputs);
    const alive = [...produced, ...made].filter((t) => !t.disposed && !kept.has(t));
    expect(alive.map((t) => t.describe())).toEqual([]);
    for (const t of outputs) expect(t.disposed).toBe(false);
    expect(cpu.readF64(outputs[0]!).reduce((a, b) => a + b, 0)).toBeCloseTo(2, 6); // two softmax rows
    expect(outputs[2]!.shape).toEqual([4, 3]);
    for (const t of outputs) t.dispose();
    expect(xs.disposed).toBe(false); // inputs and parameters belong to the caller
    expect(store.tensor(w).disposed).toBe(false);
  });

  test('a failing op mid-run frees what the run made so far and rethrows', () => {
    const g = new Graph();
    const x = g.input('x', [2, 3], 'f32');
    const y = F.relu(F.add(F.scale(x, 2), g.constant(1, [3])));
    const { cpu, made } = recordingBackend();
    const xs = cpu.tensor(new Float32Array(6), [2, 3]);
    made.length = 0;
    const produced: Tensor[] = [];
    const boom = new Error('boom');
    expect(() =>
      execute(g, [y], {
        backend: cpu,
        inputs: { x: xs },
        parameter: () => {
          throw new Error('no parameters here');
        },
        onNode: (node, _inputs, run) => {
          if (node.op === 'relu') throw boom;
          const results = run();
          produced.push(...results);
          return results;
        },
      }),
    ).toThrowError(boom);
    expect(produced.length).toBe(2);
    expect([...produced, ...made].every((t) => t.disposed)).toBe(true);
    expect(xs.disposed).toBe(false);
  });
});
