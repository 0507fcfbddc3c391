// The nn modules end to end against float64 finite differences on the CPU (test/harness/gradient-check.ts):
// an encoder-decoder stack in both LayerNorm placements, with causal self-attention, cross-attention
// over a padded memory, dropout, ReLU and GELU feed-forwards, learned and sinusoidal positions.
import { afterAll, describe, expect, test } from 'vitest';
import {
  DecoderLayer,
  Embedding,
  EncoderLayer,
  F,
  LearnedPositions,
  Linear,
  MultiHeadAttention,
  SinusoidalPositions,
  ShapeError,
  type Initializer,
  type Var,
  Xoshiro128,
  sinusoidalPositions,
} from '../../src/index.js';
import { ATOL, Case, RTOL, check, cpu, randomValues, worst } from '../harness/gradient-check.js';

// Weights ±[0.3, 0.9) instead of BERT's normal(0, 0.02): at 0.02 the attention is uniform and the
// query weights' gradients vanish, so the check could not tell a wrong rule from a right one.
const bold: Initializer = (shape, seed) =>
  randomValues(
    new Xoshiro128(seed),
    shape.reduce((a, b) => a * b, 1),
    0.3,
    0.9,
  );

afterAll(() => {
  const rows = [...worst].map(([family, error]) => `  ${family.padEnd(16)} ${error.toExponential(1)}`);
  console.log(`max |ad − fd| per module test (tolerance ${ATOL} + ${RTOL}·|fd|):\n${rows.join('\n')}`);
});

const HIDDEN = 8;
const HEADS = 2;
const [B, TS, TT] = [2, 5, 4]; // batch, source length, target length

/** Source and target ids, a memory mask with padding in the second source row. */
function inputs(c: Case) {
  const source = c.ids('source', [B, TS], [1, 2, 3, 4, 5, 6, 7, 8, 1, 2]);
  const target = c.ids('target', [B, TT], [3, 1, 4, 1, 5, 9, 2, 6]);
  const memoryKeyMask = c.ids('memory_mask', [B, TS], [1, 1, 1, 1, 1, 1, 1, 1, 0, 0]) as Var<'i32', 2>;
  return { source, target, memoryKeyMask };
}

describe.each([false, true])('encoder-decoder stack, preLayerNorm %s', (preLayerNorm) => {
  test('every parameter against finite differences (sampled)', () => {
    const c = new Case(preLayerNorm ? 31 : 32);
    const options = { hiddenSize: HIDDEN, numHeads: HEADS, intermediateSize: 12, dropout: 0.1, layerNormEps: 1e-5, preLayerNorm, init: bold };
    const embed = new Embedding('embed', 10, HIDDEN, { init: bold });
    const positions = new SinusoidalPositions(16, HIDDEN);
    const encoder = new EncoderLayer('encoder.layer.0', { ...options, activation: 'gelu' });
    const decoder = new DecoderLayer('decoder.layer.0', { ...options, activation: 'relu' });
    const head = new Linear('head', HIDDEN, 10, { init: bold });
    const { source, target, memoryKeyMask } = inputs(c);
    const g = c.g;
    const memory = encoder.forward(F.add(embed.forward(source), positions.forward(TS, g)) as Var<'f32', 3>, memoryKeyMask);
    const decoded = decoder.forward(F.add(embed.forward(target), positions.forward(TT, g)) as Var<'f32', 3>, memory, { memoryKeyMask });
    const logits = head.forward(F.reshape(decoded, [-1, HIDDEN]) as Var<'f32', 2>);
    const labels = c.ids('labels', [B * TT], [1, 2, 3, 4, 5, 6, 7, -100]) as Var<'i32', 1>;
    const params = [embed, encoder, decoder, head].flatMap((m) => m.parameters());
    check(`stack ${preLayerNorm ? 'pre-LN' : 'post-LN'}`, c, F.crossEntropy(logits, labels), {
      root: true,
      sample: 4,
      params,
      // Pre-LN lets the residual stream grow: the loss is O(10) and the difference quotient's rounding noise ~2e-8.
      atol: 1e-7,
      flat: (p) => p.name.endsWith('.key.bias'), // shifts a whole row of scores: zero gradient in exact arithmetic
    });
  });
});

describe('modules', () => {
  test('MultiHeadAttention: parameter names, cross-attention shapes, head size check', () => {
    const mha = new MultiHeadAttention('block.attention', { hiddenSize: 8, numHeads: 2 });
    expect(mha.parameters().map((p) => p.name)).toEqual([
      'block.attention.self.query.weight',
      'block.attention.self.query.bias',
      'block.attention.self.key.weight',
      'block.attention.self.key.bias',
      'block.attention.self.value.weight',
      'block.attention.self.value.bias',
      'block.attention.output.dense.weight',
      'block.attention.output.dense.bias',
    ]);
    const c = new Case(40);
    const x = c.param('x', [2, 3, 8]) as Var<'f32', 3>;
    const memory = c.param('m', [2, 7, 8]) as Var<'f32', 3>;
    expect(mha.forward(x, { context: memory }).shape).toEqual([2, 3, 8]);
    expect(() => new MultiHeadAttention('bad', { hiddenSize: 10, numHeads: 4 })).toThrow(/hiddenSize 10 is not a multiple of numHeads 4/);
  });

  test('dropout is on in training and off after eval()', () => {
    const layer = new EncoderLayer('layer', { hiddenSize: 8, numHeads: 2, intermediateSize: 16, dropout: 0.2 });
    const count = (training: boolean) => {
      layer.train(training);
      const c = new Case(41);
      layer.forward(c.param('x', [1, 3, 8]) as Var<'f32', 3>);
      return c.g.nodes.filter((n) => n.op === 'dropout' || (n.op === 'attention' && (n.attrs as { dropout: number }).dropout > 0)).length;
    };
    expect(count(true)).toBe(3); // the attention probabilities, and after each of the two sublayers
    expect(count(false)).toBe(0);
  });

  test('positions: sinusoidal values, learned rows, length checks', () => {
    const c = new Case(42);
    const sinusoidal = new SinusoidalPositions(8, 6).forward(5, c.g);
    expect(sinusoidal.shape).toEqual([5, 6]);
    const node = sinusoidal.node;
    expect(node.op).toBe('constant');
    expect((node.attrs as { value: Float32Array }).value).toEqual(sinusoidalPositions(5, 6));
    const learned = new LearnedPositions('pos', 8, 6);
    expect(learned.forward(5, c.g).shape).toEqual([5, 6]);
    expect(learned.parameters().map((p) => [p.name, p.shape])).toEqual([['pos.weight', [8, 6]]]);
    expect(() => learned.forward(9, c.g)).toThrow(ShapeError);
    expect(() => new SinusoidalPositions(8, 6).forward(0, c.g)).toThrow(/sequence length must be in \[1, 8\]/);
    void cpu;
  });
});
