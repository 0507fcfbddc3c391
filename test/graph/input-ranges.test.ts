// The ranges a graph's integer inputs may hold, derived from the embeddings and losses that read
// them, and the one-pass batch check built on them (what TrainStep and inference call on upload).
import { describe, expect, test } from 'vitest';
import { ArgumentError, BertForMaskedLM, F, Graph, Parameter, type Var } from '../../src/index.js';
import { checkBatchRanges, inputRanges } from '../../src/graph/input-ranges.js';

const VOCAB = 260;

/** A BERT masked-LM loss graph over [B, T] inputs (built, never run). */
function bertGraph(B: number, T: number): Graph {
  const model = new BertForMaskedLM({
    vocab_size: VOCAB,
    hidden_size: 16,
    num_hidden_layers: 1,
    num_attention_heads: 2,
    intermediate_size: 32,
    max_position_embeddings: T,
    type_vocab_size: 2,
  });
  const graph = new Graph();
  const spec = [B, T] as const;
  model.loss({
    input_ids: graph.input('input_ids', spec, 'i32'),
    labels: graph.input('labels', spec, 'i32'),
    token_type_ids: graph.input('token_type_ids', spec, 'i32'),
    attention_mask: graph.input('attention_mask', spec, 'i32'),
  });
  return graph;
}

/** Random values in [0, end) for every position, from a fixed LCG (the tests need no statistics). */
function ids(n: number, end: number, seed = 1): Int32Array {
  let s = seed;
  return new Int32Array(n).map(() => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s % end;
  });
}

describe('inputRanges', () => {
  test('ids get the rows of their table, labels the classes of the loss and its ignore index; masks get none', () => {
    const ranges = inputRanges(bertGraph(2, 8));
    expect(ranges.get('input_ids')).toEqual({ end: VOCAB, ignore: undefined, reason: 'the rows of bert.embeddings.word_embeddings.weight' });
    expect(ranges.get('token_type_ids')).toEqual({ end: 2, ignore: undefined, reason: 'the rows of bert.embeddings.token_type_embeddings.weight' });
    expect(ranges.get('labels')).toMatchObject({ end: VOCAB, ignore: -100 });
    expect(ranges.get('labels')!.reason).toMatch(/^the classes of crossEntropy in \S+/);
    expect(ranges.has('attention_mask')).toBe(false);
  });

  test('through reshapes; an input read by two tables gets the smaller', () => {
    const graph = new Graph();
    const small = new Parameter('small.weight', [5, 3]);
    const large = new Parameter('large.weight', [9, 3]);
    const x = graph.input('ids', [2, 4], 'i32');
    const flat = F.reshape(x, [8]);
    F.embedding(graph.param(large) as Var<'f32', 2>, flat);
    F.embedding(graph.param(small) as Var<'f32', 2>, F.reshape(flat, [4, 2]));
    expect(inputRanges(graph).get('ids')).toEqual({ end: 5, ignore: undefined, reason: 'the rows of small.weight' });
  });
});

describe('checkBatchRanges', () => {
  const B = 3;
  const T = 20;
  const graph = bertGraph(B, T);
  const valid = () => ({
    input_ids: ids(B * T, VOCAB),
    labels: ids(B * T, VOCAB, 2).map((v, i) => (i % 3 === 0 ? v : -100)),
    token_type_ids: ids(B * T, 2, 3),
    attention_mask: new Int32Array(B * T).fill(1),
  });

  test('a valid batch passes (ignore index included)', () => {
    expect(() => checkBatchRanges('TrainStep.step', graph, valid())).not.toThrow();
  });

  test('a label = V names the input, the position, the value, the range and why', () => {
    const batch = valid();
    batch.labels[2 * T + 17] = VOCAB;
    expect(() => checkBatchRanges('TrainStep.step', graph, batch)).toThrow(ArgumentError);
    expect(() => checkBatchRanges('TrainStep.step', graph, batch)).toThrow(
      /^TrainStep\.step: batch\.labels\[2, 17\] = 260 is outside \[0, 260\) ∪ \{-100\} \(the classes of crossEntropy in \S+\)$/,
    );
  });

  test('an id = vocab, a negative id and a token type of 2 are refused; the first bad position is named', () => {
    const over = valid();
    over.input_ids[5] = VOCAB;
    over.input_ids[9] = VOCAB + 7;
    expect(() => checkBatchRanges('run', graph, over)).toThrow(
      'run: batch.input_ids[0, 5] = 260 is outside [0, 260) (the rows of bert.embeddings.word_embeddings.weight)',
    );
    const negative = valid();
    negative.input_ids[T] = -1;
    expect(() => checkBatchRanges('run', graph, negative)).toThrow('run: batch.input_ids[1, 0] = -1 is outside [0, 260)');
    const types = valid();
    types.token_type_ids[B * T - 1] = 2;
    expect(() => checkBatchRanges('run', graph, types)).toThrow(
      'run: batch.token_type_ids[2, 19] = 2 is outside [0, 2) (the rows of bert.embeddings.token_type_embeddings.weight)',
    );
    // -100 is only the labels' ignore index, never an id.
    const ignoredId = valid();
    ignoredId.input_ids[0] = -100;
    expect(() => checkBatchRanges('run', graph, ignoredId)).toThrow(/input_ids\[0, 0\] = -100/);
  });

  test('costs a few microseconds for a 16×512 batch (one pass over the ids and the labels)', () => {
    const big = bertGraph(16, 512);
    const n = 16 * 512;
    const batch = {
      input_ids: ids(n, VOCAB),
      labels: ids(n, VOCAB, 2).map((v, i) => (i % 7 === 0 ? v : -100)),
      token_type_ids: ids(n, 2, 3),
      attention_mask: new Int32Array(n).fill(1),
    };
    for (let i = 0; i < 200; i++) checkBatchRanges('run', big, batch); // warm up the JIT
    const runs = 2000;
    const started = performance.now();
    for (let i = 0; i < runs; i++) checkBatchRanges('run', big, batch);
    const us = ((performance.now() - started) * 1000) / runs;
    console.log(`checkBatchRanges, 16×512 BERT batch (input_ids, labels, token_type_ids): ${us.toFixed(1)} µs`);
    // A generous bound for a shared CI machine; measured far lower (see the log line).
    expect(us).toBeLessThan(1000);
  });
});

describe('gatherRows indices', () => {
  /** Masked positions [P] into the B·T rows of [B, T, D] hidden states, as the masked-LM heads gather them. */
  function gatherGraph(): Graph {
    const graph = new Graph();
    const hidden = graph.param(new Parameter('hidden', [2, 5, 3]));
    const positions = graph.input('masked_positions', [4], 'i32');
    graph.scoped('cls.predictions', () => F.gatherRows(F.reshape(hidden, [10, 3]) as Var<'f32', 2>, positions as Var<'i32', 1>));
    return graph;
  }

  test('get the rows of x, named by the op and its scope', () => {
    expect(inputRanges(gatherGraph()).get('masked_positions')).toEqual({
      end: 10,
      ignore: undefined,
      reason: 'the rows of x [10, 3] of gatherRows in cls.predictions',
    });
  });

  test('an index ≥ N is an error naming the input, the position, the value and the bound; [0, N) passes', () => {
    const graph = gatherGraph();
    expect(() => checkBatchRanges('TrainStep.step', graph, { masked_positions: Int32Array.from([0, 9, 3, 9]) })).not.toThrow();
    const call = () => checkBatchRanges('TrainStep.step', graph, { masked_positions: Int32Array.from([0, 9, 10, 2]) });
    expect(call).toThrow(ArgumentError);
    expect(call).toThrow('TrainStep.step: batch.masked_positions[2] = 10 is outside [0, 10) (the rows of x [10, 3] of gatherRows in cls.predictions)');
    expect(() => checkBatchRanges('run', graph, { masked_positions: Int32Array.from([-1, 0, 0, 0]) })).toThrow(
      'run: batch.masked_positions[0] = -1 is outside [0, 10)',
    );
  });

  test('through a slice of the index input', () => {
    const graph = new Graph();
    const x = graph.param(new Parameter('x', [6, 2])) as Var<'f32', 2>;
    const rows = graph.input('rows', [2, 3], 'i32');
    F.gatherRows(x, F.reshape(F.slice(rows, 1, 1, 2), [4]) as Var<'i32', 1>);
    expect(inputRanges(graph).get('rows')).toMatchObject({ end: 6 });
  });
});
