// The BERT and RoBERTa model classes against real transformers (fixtures by scripts/hf/make-model-fixtures.py):
// parameter names and order of a 2-layer config of each class, forward outputs and losses of tiny random
// models on the CPU backend (f32: atol 1e-4 + rtol 1e-4), the gathered masked-LM form, RoBERTa's
// positions with right padding, hidden_act errors, save → load round trips, and a few training steps.
// The WebGPU cases are in heads.cases.ts, run below in Chromium and Node/Dawn.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import {
  AdamW,
  ArgumentError,
  BertForMaskedLM,
  BertForPreTraining,
  BertForQuestionAnswering,
  BertForSequenceClassification,
  BertForTokenClassification,
  BertModel,
  Graph,
  type Module,
  ParameterStore,
  PretrainedError,
  RobertaForMaskedLM,
  RobertaForSequenceClassification,
  RobertaModel,
  type Var,
  createCpuBackend,
  createTrainStep,
  robertaPositionIds,
  savePretrained,
} from '../../src/index.js';
import { gpuSuite } from '../harness/gpu-suite.js';
import suite from './heads.cases.js';
import { type FeedEntry, TOLERANCE, type TinyExpected, feedOf, gatheredOf, realPositions, run } from './heads-check.js';
import { type StaticServer, serveFolder } from './static-server.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/hf/', import.meta.url));
const dir = (name: string) => join(FIXTURES, name);
const expectedOf = async (name: string): Promise<TinyExpected> => JSON.parse(await readFile(join(dir(name), 'expected.json'), 'utf8'));
const backend = createCpuBackend();

const BERT = { vocab_size: 40, hidden_size: 8, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 16, max_position_embeddings: 16 };
const ROBERTA = { ...BERT, max_position_embeddings: 10, type_vocab_size: 1 };
const BERT_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'];
const ROBERTA_INPUTS = ['input_ids', 'attention_mask'];

function expectClose(label: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
  expect(got.length, `${label}: length`).toBe(want.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i]! - want[i]!);
    const excess = d - (TOLERANCE.atol + TOLERANCE.rtol * Math.abs(want[i]!));
    if (!(excess <= worst)) {
      worst = Number.isNaN(excess) ? Number.POSITIVE_INFINITY : excess;
      at = i;
    }
  }
  expect(at, `${label}: element ${at} got ${got[at]}, want ${want[at]} (atol ${TOLERANCE.atol} + rtol ${TOLERANCE.rtol})`).toBe(-1);
}

const flat = (value: unknown) => [value].flat(3) as number[];

describe("parameter names and order equal transformers' named_parameters() (2-layer config of each class)", () => {
  const classes: Record<string, () => Module> = {
    BertModel: () => new BertModel(BERT),
    BertForMaskedLM: () => new BertForMaskedLM(BERT),
    BertForPreTraining: () => new BertForPreTraining(BERT),
    BertForSequenceClassification: () => new BertForSequenceClassification({ ...BERT, num_labels: 3 }),
    BertForTokenClassification: () => new BertForTokenClassification({ ...BERT, num_labels: 4 }),
    BertForQuestionAnswering: () => new BertForQuestionAnswering(BERT),
    RobertaModel: () => new RobertaModel(ROBERTA),
    RobertaForMaskedLM: () => new RobertaForMaskedLM(ROBERTA),
    RobertaForSequenceClassification: () => new RobertaForSequenceClassification({ ...ROBERTA, num_labels: 3 }),
  };
  test.each(Object.keys(classes))('%s', async (name) => {
    const lists: Record<string, [string, number[]][]> = JSON.parse(await readFile(join(FIXTURES, 'named-parameters.json'), 'utf8'));
    const want = lists[name]!;
    // transformers' bare base models name their weights without the prefix; ours carry it (as in a model with a head).
    const strip = name === 'BertModel' ? 'bert.' : name === 'RobertaModel' ? 'roberta.' : '';
    const got = classes[name]!()
      .parameters()
      .map((p) => [p.name.startsWith(strip) ? p.name.slice(strip.length) : p.name, [...p.shape]]);
    expect(got).toEqual(want);
    expect(want.length).toBeGreaterThan(30);
  });
});

/** A model class with `fromPretrained`. */
interface LoadableClass<M extends Module = Module> {
  fromPretrained(
    source: string,
    options: { backend: typeof backend },
  ): Promise<{ model: M; parameters: ParameterStore; report: { missingKeys: string[]; unexpectedKeys: string[] } }>;
}

/** Loads a tiny fixture folder (or an absolute path) with `cls`, checks nothing was missing or unexpected, and returns the model and parameters in eval mode. */
async function load<M extends Module>(cls: LoadableClass<M>, name: string) {
  const { model, parameters, report } = await cls.fromPretrained(name.startsWith('/') ? name : dir(name), { backend });
  expect(report.missingKeys, `${name}: missing`).toEqual([]);
  expect(report.unexpectedKeys, `${name}: unexpected`).toEqual([]);
  model.eval();
  return { model, parameters };
}

describe('forward outputs and losses equal transformers on the CPU (tiny random models, right padding)', () => {
  test('BertForMaskedLM: logits and loss; the gathered form gives the same loss and the same rows', async () => {
    const e = await expectedOf('tiny-bert-mlm');
    const { model, parameters } = await load(BertForMaskedLM, 'tiny-bert-mlm');
    const [logits, loss] = await run(backend, parameters, feedOf(e, [...BERT_INPUTS, 'labels']), (x) => {
      const out = model.forward(x as never);
      return [out.logits, out.loss!];
    });
    expectClose('logits', logits!, flat(e.logits));
    expectClose('loss', loss!, [e.loss as number]);
    const g = gatheredOf(e.labels as number[][], 4);
    const gatheredFeed = { ...feedOf(e, BERT_INPUTS), masked_positions: g.masked_positions, masked_labels: g.masked_labels };
    const [rows, gatheredLoss, viaLoss] = await run(backend, parameters, gatheredFeed, (x) => {
      const out = model.forward(x as never);
      return [out.logits, out.loss!, model.loss(x as never)];
    });
    expect(gatheredLoss![0]).toBeCloseTo(loss![0]!, 5);
    expect(viaLoss![0]).toBe(gatheredLoss![0]);
    // Slot s of the gathered logits is row masked_positions[s] of the full logits.
    const positions = g.masked_positions.data;
    const want = Array.from(positions).flatMap((p) => Array.from(logits!.subarray(p * 40, p * 40 + 40)));
    expectClose('gathered rows', rows!, want);
    parameters.dispose();
  });

  test('BertForPreTraining (gelu_new): prediction and NSP logits, mlmLoss, nspLoss, loss; loss() in the gathered form equals the total', async () => {
    const e = await expectedOf('tiny-bert-pretraining');
    const { model, parameters } = await load(BertForPreTraining, 'tiny-bert-pretraining');
    expect(model.bert.config.hidden_act).toBe('gelu_new');
    const [logits, nsp, mlmLoss, nspLoss, loss] = await run(backend, parameters, feedOf(e, [...BERT_INPUTS, 'labels', 'next_sentence_label']), (x) => {
      const out = model.forward(x as never);
      return [out.logits, out.seqRelationshipLogits, out.mlmLoss!, out.nspLoss!, out.loss!];
    });
    expectClose('prediction logits', logits!, flat(e.prediction_logits));
    expectClose('seq relationship logits', nsp!, flat(e.seq_relationship_logits));
    expectClose('mlm loss', mlmLoss!, [e.mlm_loss as number]);
    expectClose('nsp loss', nspLoss!, [e.nsp_loss as number]);
    expectClose('loss', loss!, [e.loss as number]);
    const g = gatheredOf(e.labels as number[][], 5);
    const feed = { ...feedOf(e, [...BERT_INPUTS, 'next_sentence_label']), masked_positions: g.masked_positions, masked_labels: g.masked_labels };
    const [gathered] = await run(backend, parameters, feed, (x) => [model.loss(x as never)]);
    expectClose('gathered total loss', gathered!, [e.loss as number]);
    parameters.dispose();
  });

  test('RobertaModel: robertaPositionIds is create_position_ids_from_input_ids; hidden states and pooler equal, with and without position_ids', async () => {
    const e = await expectedOf('tiny-roberta-model');
    const ids = e.input_ids as number[][];
    expect(Array.from(robertaPositionIds(Int32Array.from(ids.flat()), [ids.length, ids[0]!.length], 1))).toEqual(flat(e.position_ids));
    const { model, parameters } = await load(RobertaModel, 'tiny-roberta-model');
    const mask = e.attention_mask as number[][];
    const [hidden, pooled] = await run(backend, parameters, feedOf(e, ROBERTA_INPUTS), (x) => {
      const out = model.forwardWithOutputs(x as never);
      return [out.lastHiddenState, out.poolerOutput!];
    });
    // Without position_ids the padding positions count on (their rows differ; no real token attends to them).
    expectClose('last hidden state, real positions', realPositions(hidden!, mask, 8), realPositions(flat(e.last_hidden_state), mask, 8));
    expectClose('pooler output', pooled!, flat(e.pooler_output));
    const [all] = await run(backend, parameters, feedOf(e, [...ROBERTA_INPUTS, 'position_ids']), (x) => [model.forward(x as never)]);
    expectClose('last hidden state, every position (position_ids given)', all!, flat(e.last_hidden_state));
    parameters.dispose();
  });

  test('RobertaForMaskedLM (gelu_pytorch_tanh layers, exact-GELU head): logits, loss; gathered loss = full-label loss', async () => {
    const e = await expectedOf('tiny-roberta-mlm');
    const { model, parameters } = await load(RobertaForMaskedLM, 'tiny-roberta-mlm');
    expect(model.roberta.config.hidden_act).toBe('gelu_pytorch_tanh');
    const mask = e.attention_mask as number[][];
    const [logits, loss] = await run(backend, parameters, feedOf(e, [...ROBERTA_INPUTS, 'labels']), (x) => {
      const out = model.forward(x as never);
      return [out.logits, out.loss!];
    });
    expectClose('logits, real positions', realPositions(logits!, mask, 40), realPositions(flat(e.logits), mask, 40));
    expectClose('loss (labels on real positions only)', loss!, [e.loss as number]);
    const [all] = await run(backend, parameters, feedOf(e, [...ROBERTA_INPUTS, 'position_ids']), (x) => [model.forward(x as never).logits]);
    expectClose('logits, every position (position_ids given)', all!, flat(e.logits));
    const g = gatheredOf(e.labels as number[][], 4);
    const feed: Record<string, FeedEntry> = { ...feedOf(e, ROBERTA_INPUTS), masked_positions: g.masked_positions, masked_labels: g.masked_labels };
    const [gathered] = await run(backend, parameters, feed, (x) => [model.loss(x as never)]);
    expectClose('gathered loss', gathered!, [e.loss as number]);
    parameters.dispose();
  });

  // Each: the class, its fixture, the inputs it reads (f32 ones listed), and its outputs by the fixture's key.
  const heads: [string, LoadableClass, string, string[], string[], (out: Record<string, Var>) => Record<string, Var>][] = [
    [
      'BertForSequenceClassification (3 labels): logits and cross-entropy',
      BertForSequenceClassification,
      'tiny-bert-seqcls',
      [...BERT_INPUTS, 'labels'],
      [],
      (o) => ({ logits: o.logits!, loss: o.loss! }),
    ],
    [
      'BertForSequenceClassification (num_labels 1): a regression, MSE on f32 labels',
      BertForSequenceClassification,
      'tiny-bert-regression',
      [...BERT_INPUTS, 'labels'],
      ['labels'],
      (o) => ({ logits: o.logits!, loss: o.loss! }),
    ],
    [
      'BertForTokenClassification (relu, 4 labels): logits and the loss over labelled tokens',
      BertForTokenClassification,
      'tiny-bert-tokcls',
      [...BERT_INPUTS, 'labels'],
      [],
      (o) => ({ logits: o.logits!, loss: o.loss! }),
    ],
    [
      'BertForQuestionAnswering: start and end logits, span loss',
      BertForQuestionAnswering,
      'tiny-bert-qa',
      [...BERT_INPUTS, 'start_positions', 'end_positions'],
      [],
      (o) => ({ start_logits: o.startLogits!, end_logits: o.endLogits!, loss: o.loss! }),
    ],
    [
      'RobertaForSequenceClassification: logits and loss (head on <s>)',
      RobertaForSequenceClassification,
      'tiny-roberta-seqcls',
      [...ROBERTA_INPUTS, 'labels'],
      [],
      (o) => ({ logits: o.logits!, loss: o.loss! }),
    ],
  ];
  test.each(heads)('%s', async (_, cls, fixture, keys, floats, outputs) => {
    const e = await expectedOf(fixture);
    const { model, parameters } = await load(cls, fixture);
    let names: string[] = [];
    const values = await run(backend, parameters, feedOf(e, keys, floats), (x) => {
      const picked = outputs((model as unknown as { forward(x: unknown): Record<string, Var> }).forward(x));
      names = Object.keys(picked);
      return Object.values(picked);
    });
    names.forEach((name, i) => expectClose(name, values[i]!, flat(e[name])));
    // loss() is the same objective as forward's loss.
    const [loss] = await run(backend, parameters, feedOf(e, keys, floats), (x) => [(model as unknown as { loss(x: unknown): Var }).loss(x)]);
    expectClose('loss()', loss!, [e.loss as number]);
    parameters.dispose();
  });
});

describe('configs and inputs checked', () => {
  test('hidden_act: gelu_pytorch_tanh is the tanh form; silu and others are an ArgumentError listing the supported ones', () => {
    expect(new BertForMaskedLM({ ...BERT, hidden_act: 'gelu_pytorch_tanh' }).bert.config.hidden_act).toBe('gelu_pytorch_tanh');
    for (const act of ['silu', 'gelu_fast', '', 3]) {
      expect(() => new RobertaForMaskedLM({ ...ROBERTA, hidden_act: act as never })).toThrow(ArgumentError);
    }
    expect(() => new BertForPreTraining({ ...BERT, hidden_act: 'silu' as never })).toThrow(
      /BertForPreTraining: hidden_act must be one of 'gelu', 'gelu_new', 'gelu_pytorch_tanh', 'relu' \(supported activations\), got string "silu"/,
    );
  });

  test('a config.json with hidden_act silu is a PretrainedError naming the file and field', async () => {
    const files: Record<string, ArrayBuffer> = {};
    for (const file of ['config.json', 'model.safetensors']) {
      const bytes = await readFile(join(dir('tiny-roberta-mlm'), file));
      files[file] = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    }
    const config = JSON.parse(new TextDecoder().decode(files['config.json']));
    files['config.json'] = new TextEncoder().encode(JSON.stringify({ ...config, hidden_act: 'silu' })).buffer as ArrayBuffer;
    await expect(RobertaForMaskedLM.fromPretrained(files, { backend })).rejects.toThrow(PretrainedError);
    await expect(RobertaForMaskedLM.fromPretrained(files, { backend })).rejects.toThrow(/config\.json: RobertaForMaskedLM: hidden_act must be one of/);
    files['config.json'] = new TextEncoder().encode(JSON.stringify({ ...config, model_type: 'bert' })).buffer as ArrayBuffer;
    await expect(RobertaForMaskedLM.fromPretrained(files, { backend })).rejects.toThrow(/model_type is "bert", but RobertaForMaskedLM reads 'roberta' folders/);
  });

  test('classifier fields: num_labels from id2label, disagreements, multi-label, QA num_labels, label dtypes', () => {
    expect(new BertForSequenceClassification({ ...BERT, id2label: { 0: 'no', 1: 'yes', 2: 'maybe' } }).classifierConfig.num_labels).toBe(3);
    expect(() => new BertForSequenceClassification({ ...BERT, num_labels: 2, id2label: { 0: 'a', 1: 'b', 2: 'c' } })).toThrow(
      /num_labels 2 disagrees with id2label's 3 classes/,
    );
    expect(() => new RobertaForSequenceClassification({ ...ROBERTA, problem_type: 'multi_label_classification' as never })).toThrow(
      /multi-label is not supported/,
    );
    expect(() => new BertForTokenClassification({ ...BERT, num_labels: 0 })).toThrow(/num_labels must be an integer ≥ 1, got 0/);
    expect(() => new BertForQuestionAnswering({ ...BERT, num_labels: 3 })).toThrow(/num_labels must be 2/);
    expect(() => new RobertaModel({ ...ROBERTA, max_position_embeddings: 2 })).toThrow(/leaves no position after pad_token_id 1/);
  });

  test('build-time errors: label forms, label dtypes, sequences longer than RoBERTa positions', () => {
    const g = new Graph();
    const ids = g.input('input_ids', [2, 5], 'i32');
    const labels = g.input('labels', [2, 5], 'i32');
    const positions = g.input('masked_positions', [3], 'i32');
    const maskedLabels = g.input('masked_labels', [4], 'i32');
    const mlm = new RobertaForMaskedLM(ROBERTA);
    expect(() => mlm.loss({ input_ids: ids })).toThrow(/labels \[B, T\] i32, or masked_positions \[P\] with masked_labels \[P\] \(i32\), are required/);
    expect(() => mlm.loss({ input_ids: ids, labels, masked_positions: positions } as never)).toThrow(/not both/);
    expect(() => mlm.loss({ input_ids: ids, masked_labels: maskedLabels } as never)).toThrow(/masked_labels needs masked_positions/);
    expect(() => mlm.loss({ input_ids: ids, masked_positions: positions, masked_labels: maskedLabels })).toThrow(/must have the same length/);
    const long = g.input('long_ids', [1, 9], 'i32');
    expect(() => mlm.logits({ input_ids: long })).toThrow(/a sequence of 9 tokens needs positions up to 10, but max_position_embeddings is 10/);
    const regression = new BertForSequenceClassification({ ...BERT, num_labels: 1 });
    expect(() => regression.loss({ input_ids: ids, labels: g.input('class', [2], 'i32') })).toThrow(/takes f32 labels \[2\]/);
    // A graph per model: two models' parameters share names.
    const g2 = new Graph();
    const ids2 = g2.input('input_ids', [2, 5], 'i32');
    const classifier = new BertForSequenceClassification(BERT);
    expect(() => classifier.loss({ input_ids: ids2, labels: g2.input('target', [2], 'f32') })).toThrow(/takes i32 class labels \[2\]/);
    const g3 = new Graph();
    const ids3 = g3.input('input_ids', [2, 5], 'i32');
    expect(() => new BertForPreTraining(BERT).loss({ input_ids: ids3, labels: g3.input('labels', [2, 5], 'i32') })).toThrow(/next_sentence_label/);
  });
});

describe('fromPretrained → savePretrained → fromPretrained', () => {
  // SHADERFORMER_KEEP_SAVED=1 keeps the saved folders for scripts/hf/check-saved-heads.py (transformers loads them).
  const keep = process.env.SHADERFORMER_KEEP_SAVED ? join(tmpdir(), 'sf-heads-saved') : undefined;
  const classes: [LoadableClass & { name: string }, string][] = [
    [RobertaForMaskedLM, 'tiny-roberta-mlm'],
    [BertForSequenceClassification, 'tiny-bert-seqcls'],
    [BertForSequenceClassification, 'tiny-bert-regression'],
    [BertForPreTraining, 'tiny-bert-pretraining'],
    [BertForTokenClassification, 'tiny-bert-tokcls'],
    [BertForQuestionAnswering, 'tiny-bert-qa'],
    [RobertaModel, 'tiny-roberta-model'],
    [RobertaForSequenceClassification, 'tiny-roberta-seqcls'],
  ];
  test.each(classes.map(([cls, fixture]) => [cls.name, fixture, cls] as const))(
    '%s from %s: config.json has every field transformers wrote, the same values; the same tensors',
    async (_, fixture, cls) => {
      const first = await load(cls, fixture);
      const folder = keep ? join(keep, fixture) : await mkdtemp(join(tmpdir(), 'sf-heads-'));
      try {
        await savePretrained(folder, first);
        const original = JSON.parse(await readFile(join(dir(fixture), 'config.json'), 'utf8'));
        const saved = JSON.parse(await readFile(join(folder, 'config.json'), 'utf8'));
        for (const [key, value] of Object.entries(original)) {
          if (key !== 'transformers_version') expect(saved[key], `config.json ${key}`).toEqual(value);
        }
        const again = await load(cls, folder);
        expect(again.model.parameters().map((p) => p.name)).toEqual(first.model.parameters().map((p) => p.name));
        for (const p of first.model.parameters()) expect(await again.parameters.get(p.name), p.name).toEqual(await first.parameters.get(p.name));
        first.parameters.dispose();
        again.parameters.dispose();
      } finally {
        if (keep) console.log(`saved for scripts/hf/check-saved-heads.py: ${folder}`);
        else await rm(folder, { recursive: true });
      }
    },
  );

  test.each([
    ['RobertaForMaskedLM', 'tiny-roberta-mlm', RobertaForMaskedLM, [...ROBERTA_INPUTS, 'position_ids']],
    ['BertForSequenceClassification', 'tiny-bert-seqcls', BertForSequenceClassification, BERT_INPUTS],
  ] as const)('%s from %s: the reloaded model gives the same logits, bit for bit', async (_, fixture, cls, keys) => {
    const e = await expectedOf(fixture);
    const logitsOf = (model: Module, parameters: ParameterStore) =>
      run(backend, parameters, feedOf(e, keys), (x) => [(model as unknown as { forward(x: unknown): { logits: Var } }).forward(x).logits]);
    const first = await load(cls as LoadableClass, fixture);
    const folder = await mkdtemp(join(tmpdir(), 'sf-heads-'));
    try {
      await savePretrained(folder, first);
      const again = await load(cls as LoadableClass, folder);
      const [a] = await logitsOf(first.model, first.parameters);
      const [b] = await logitsOf(again.model, again.parameters);
      expect(Array.from(b!)).toEqual(Array.from(a!));
      expectClose('logits vs transformers', a!, flat(e.logits));
      first.parameters.dispose();
      again.parameters.dispose();
    } finally {
      await rm(folder, { recursive: true });
    }
  });
});

describe('training steps run through every head (CPU, eager)', () => {
  test('RobertaForMaskedLM (gathered), BertForPreTraining (gathered + NSP), BertForSequenceClassification, BertForQuestionAnswering: the loss falls on a fixed batch', async () => {
    const B = 2;
    const T = 6;
    const ids = Int32Array.from({ length: B * T }, (_, i) => 3 + ((i * 7) % 30));
    const mask = new Int32Array(B * T).fill(1);
    const positions = Int32Array.from([1, 3, 7, 10]);
    const maskedLabels = Int32Array.from([5, 9, 11, -100]);
    const spec = (shape: number[], dtype: 'i32' | 'f32' = 'i32') => ({ shape, dtype }) as const;
    const runs: [string, Module, Record<string, { shape: number[]; dtype: 'i32' | 'f32' }>, Record<string, Int32Array | Float32Array>][] = [
      [
        'RobertaForMaskedLM',
        new RobertaForMaskedLM({ ...ROBERTA, type_vocab_size: 1 }),
        { input_ids: spec([B, T]), attention_mask: spec([B, T]), masked_positions: spec([4]), masked_labels: spec([4]) },
        { input_ids: ids, attention_mask: mask, masked_positions: positions, masked_labels: maskedLabels },
      ],
      [
        'BertForPreTraining',
        new BertForPreTraining(BERT),
        { input_ids: spec([B, T]), masked_positions: spec([4]), masked_labels: spec([4]), next_sentence_label: spec([B]) },
        { input_ids: ids, masked_positions: positions, masked_labels: maskedLabels, next_sentence_label: Int32Array.from([0, 1]) },
      ],
      [
        'BertForSequenceClassification',
        new BertForSequenceClassification({ ...BERT, num_labels: 3 }),
        { input_ids: spec([B, T]), labels: spec([B]) },
        { input_ids: ids, labels: Int32Array.from([2, 0]) },
      ],
      [
        'BertForQuestionAnswering',
        new BertForQuestionAnswering(BERT),
        { input_ids: spec([B, T]), start_positions: spec([B]), end_positions: spec([B]) },
        { input_ids: ids, start_positions: Int32Array.from([1, 2]), end_positions: Int32Array.from([3, T]) },
      ],
    ];
    for (const [name, model, inputs, batch] of runs) {
      model.eval(); // no dropout: the same batch must give a falling loss
      const parameters = ParameterStore.create(backend, model.parameters(), { seed: 3 });
      const step = createTrainStep({
        parameters,
        inputs,
        loss: (x) => (model as unknown as { loss(x: unknown): Var }).loss(x),
        optimizer: new AdamW({ lr: 1e-2 }),
      });
      const losses: number[] = [];
      for (let i = 0; i < 6; i++) losses.push(await step.step(batch));
      expect(losses.every(Number.isFinite), `${name}: ${losses}`).toBe(true);
      expect(losses.at(-1)!, `${name}: ${losses}`).toBeLessThan(losses[0]! * 0.9);
      step.dispose();
      parameters.dispose();
    }
  });
});

let server: StaticServer | undefined;
gpuSuite(suite, {
  beforeAll: async () => {
    server = await serveFolder(FIXTURES);
    (globalThis as { HF_FIXTURES?: string }).HF_FIXTURES = server.url;
  },
  afterAll: () => server?.close(),
  pageScript: () => `window.HF_FIXTURES = ${JSON.stringify(server!.url)}`,
});
