// BertForMaskedLM.forward and createInference on the CPU backend (the same checks run on WebGPU in
// inference.cases.ts), and their argument errors.
import { describe, expect, test } from 'vitest';
import { ArgumentError, BertForMaskedLM, Graph, ShapeError, type Var, createCpuBackend, createInference } from '../../src/index.js';
import { Rng, compare } from '../harness/cases.js';
import { gpuSuite } from '../harness/gpu-suite.js';
import { B, CONFIG, type Checks, T, checkForward, makeBatch, makeModel } from './bert-forward.js';
import suite from './inference.cases.js';

const checks: Checks = {
  expectClose: (label, got, want, tolerance) => {
    const c = compare(label, got, want, tolerance);
    expect(c.ok, `${label}: max |err| ${c.maxAbsErr} over ${c.count}, worst ${JSON.stringify(c.worst)} ${c.message ?? ''}`).toBe(true);
  },
  expectTrue: (label, ok, message) => expect(ok, `${label}: ${message}`).toBe(true),
};

describe('BertForMaskedLM.forward on the CPU', () => {
  test('logits [B, T, V] = logits(), loss = loss(), hidden states, attention probabilities against float64, live bytes flat', async () => {
    await checkForward(checks, createCpuBackend(), new Rng(11));
  });

  test('without labels and options: only the logits; the training loss graph has no extra attention ops', () => {
    const model = new BertForMaskedLM(CONFIG);
    const g = new Graph();
    const x = { input_ids: g.input('input_ids', [B, T], 'i32') as Var<'i32', 2>, attention_mask: g.input('attention_mask', [B, T], 'i32') as Var<'i32', 2> };
    const out = model.forward(x);
    expect(Object.keys(out)).toEqual(['logits']);
    expect(out.logits.shape).toEqual([B, T, CONFIG.vocab_size]);
    expect(Object.keys(model.bert.forwardWithOutputs(x))).toEqual(['lastHiddenState']);
    const lossGraph = new Graph();
    const labels = lossGraph.input('labels', [B, T], 'i32') as Var<'i32', 2>;
    model.loss({ input_ids: lossGraph.input('input_ids', [B, T], 'i32') as Var<'i32', 2>, labels });
    const ops = lossGraph.nodes.map((n) => n.op);
    expect(ops.filter((op) => op === 'attention')).toHaveLength(CONFIG.num_hidden_layers!);
    expect(ops).not.toContain('softmax');
  });

  test('bad options name the method and the option', () => {
    const model = new BertForMaskedLM(CONFIG);
    const g = new Graph();
    const x = { input_ids: g.input('input_ids', [B, T], 'i32') as Var<'i32', 2> };
    expect(() => model.forward(x, { outputAttentions: 'yes' as unknown as boolean })).toThrow(
      /BertForMaskedLM\.forward: options\.outputAttentions must be a boolean, got string "yes"/,
    );
    expect(() => model.forward({ ...x, labels: 3 as unknown as Var<'i32', 2> })).toThrow(/BertForMaskedLM\.forward: .*labels/);
    expect(() => model.bert.forwardWithOutputs(x, null as never)).toThrow(/BertModel\.forwardWithOutputs: options must be an object/);
  });
});

describe('createInference', () => {
  const cpu = createCpuBackend();
  const spec = { shape: [B, T], dtype: 'i32' } as const;

  test('the batch is checked like a training step: typed array type and size, by input name', async () => {
    const { model, parameters } = makeModel(cpu);
    const runner = createInference({ parameters, inputs: { input_ids: spec }, model, outputs: (x) => ({ logits: model.forward(x).logits }) });
    const good = makeBatch(new Rng(1)).input_ids;
    await expect(runner.run({ input_ids: new Float32Array(B * T) })).rejects.toThrow(ShapeError);
    await expect(runner.run({ input_ids: new Int32Array(B * T + 1) })).rejects.toThrow(
      'Inference.run: batch.input_ids must be a Int32Array of 14 values (i32[2, 7]), got Int32Array(15)',
    );
    await expect(runner.run({})).rejects.toThrow(/batch\.input_ids .* got undefined/);
    // Ids out of the embedding's range are named, not silently zero rows.
    const outOfRange = good.slice();
    outOfRange[T + 2] = CONFIG.vocab_size;
    await expect(runner.run({ input_ids: outOfRange })).rejects.toThrow(/Inference\.run: batch\.input_ids\[1, 2\] = 50 is outside \[0, 50\)/);
    const { logits } = await runner.run({ input_ids: good });
    expect(logits.shape).toEqual([B, T, CONFIG.vocab_size]);
    runner.dispose();
    await expect(runner.run({ input_ids: good })).rejects.toThrow('Inference.run: the inference was disposed');
    parameters.dispose();
  });

  test('dropout left in the graph, bad outputs and options are named errors', () => {
    const { model, parameters } = makeModel(cpu);
    expect(() => createInference({ parameters, inputs: { input_ids: spec }, outputs: (x) => ({ logits: model.forward(x).logits }) })).toThrow(
      /createInference: the outputs use dropout \(dropout\); pass the model as options\.model/,
    );
    model.eval();
    expect(() => createInference({ parameters, inputs: { input_ids: spec }, outputs: () => ({ logits: 3 as unknown as Var }) })).toThrow(
      'createInference: output logits must be a var of the inference graph, got number 3',
    );
    expect(() => createInference({ parameters, inputs: { input_ids: spec }, outputs: (x) => ({ ids: x.input_ids }) })).toThrow(
      /createInference: output ids must be f32/,
    );
    expect(() => createInference({ parameters: {} as never, inputs: {}, outputs: () => ({}) })).toThrow(/createInference: parameters must be a ParameterStore/);
    expect(() => createInference({ parameters, inputs: {}, outputs: () => ({}), model: [model, 5 as never] })).toThrow(
      'createInference: model[1] must be a Module, got number 5',
    );
    expect(() => createInference(undefined as never)).toThrow(ArgumentError);
    const other = new BertForMaskedLM(CONFIG).eval();
    expect(() => createInference({ parameters, inputs: { input_ids: spec }, outputs: (x) => ({ logits: other.forward(x).logits }) })).toThrow(
      'createInference: the outputs read parameter bert.embeddings.word_embeddings.weight, which options.parameters does not hold (made from another model?)',
    );
    parameters.dispose();
  });

  test('the model eval flag is switched only while building and restored', () => {
    const { model, parameters } = makeModel(cpu);
    model.eval();
    createInference({ parameters, inputs: { input_ids: spec }, model, outputs: (x) => ({ logits: model.forward(x).logits }) }).dispose();
    expect(model.training).toBe(false);
    parameters.dispose();
  });
});

gpuSuite(suite);
