// GPT-2 on the CPU backend: the tiny random GPT2LMHeadModel made by real transformers
// (scripts/hf/make-gpt2-fixture.py) loads with transformers' logits, loss, tokenizer ids and greedy
// continuations; save → load round trips; incremental decoding against the whole-sequence forward;
// the text generator's sampling (seeded, top-k, top-p); and the errors.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ArgumentError,
  GPT2LMHeadModel,
  GPT2Model,
  Graph,
  type ParameterStore,
  PretrainedError,
  SafetensorsFile,
  ShapeError,
  type Tensor,
  type Tokenizer,
  type Var,
  Xoshiro128,
  createCpuBackend,
  createTextGenerator,
  execute,
  gradients,
  sampleToken,
  savePretrained,
  writeSafetensors,
} from '../../src/index.js';
import { TOLERANCE, compare } from './pretrained-check.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/hf/tiny-gpt2-lm/', import.meta.url));
const backend = createCpuBackend();

/** What scripts/hf/make-gpt2-fixture.py wrote into expected.json. */
interface Expected {
  texts: string[];
  input_ids: number[][];
  attention_mask: number[][];
  labels: number[][];
  /** [B, T, V] in eval mode. */
  logits: number[][][];
  loss: number;
  /** Unpadded prompts, and transformers' greedy continuations of them batched with left padding (6 tokens, no stop). */
  prompts: number[][];
  greedy: number[][];
}

let expected: Expected;
let fixture: { model: GPT2LMHeadModel; parameters: ParameterStore; tokenizer: Tokenizer };

beforeAll(async () => {
  expected = JSON.parse(await readFile(join(FIXTURE, 'expected.json'), 'utf8'));
  const { model, parameters, tokenizer } = await GPT2LMHeadModel.fromPretrained(FIXTURE, { backend });
  fixture = { model, parameters, tokenizer: tokenizer! };
});
afterAll(() => fixture?.parameters.dispose());

/** Every file of the fixture as name → bytes (expected.json left out). */
async function fixtureFiles(): Promise<Record<string, Uint8Array>> {
  const out: Record<string, Uint8Array> = {};
  for (const file of await readdir(FIXTURE)) if (file !== 'expected.json') out[file] = new Uint8Array(await readFile(join(FIXTURE, file)));
  return out;
}

/** [rows, length] i32 tensor from rows of ids. */
const ids = (rows: readonly (readonly number[])[]) => backend.tensor(Int32Array.from(rows.flat()), [rows.length, rows[0]!.length], 'i32');

/** The fixture batch through `model.forward` in eval mode: flat logits [B·T·V] and the loss. */
async function forward(model: GPT2LMHeadModel, parameters: ParameterStore): Promise<{ logits: Float32Array; loss: number }> {
  const [rows, length] = [expected.input_ids.length, expected.input_ids[0]!.length];
  const g = new Graph();
  const input = (name: string) => g.input(name, [rows, length], 'i32') as Var<'i32', 2>;
  model.eval();
  const out = model.forward({ input_ids: input('input_ids'), attention_mask: input('attention_mask'), labels: input('labels') });
  const feed = { input_ids: ids(expected.input_ids), attention_mask: ids(expected.attention_mask), labels: ids(expected.labels) };
  const [logits, loss] = execute(g, [out.logits, out.loss!], { backend, inputs: feed, parameter: (p) => parameters.tensor(p) });
  const result = { logits: (await logits!.data()) as Float32Array, loss: ((await loss!.data()) as Float32Array)[0]! };
  for (const t of [logits!, loss!, ...Object.values(feed)]) t.dispose();
  return result;
}

describe('GPT-2 from a transformers folder', () => {
  test('tiny-gpt2-lm: logits and loss equal transformers (atol 1e-4 + rtol 1e-4); names, tied lm_head, tokenizer ids', async () => {
    const { model, parameters } = fixture;
    const { logits, loss } = await forward(model, parameters);
    const result = compare(logits, expected.logits.flat(2));
    expect(result.ok, `max |Δ logits| ${result.maxAbs} over ${result.count} (tolerance ${TOLERANCE.atol} + ${TOLERANCE.rtol}·|want|)`).toBe(true);
    expect(Math.abs(loss - expected.loss)).toBeLessThan(TOLERANCE.atol + TOLERANCE.rtol * expected.loss);
    // transformers' named_parameters() order, and the file holds exactly these (lm_head.weight is tied, not saved).
    const names = model.parameters().map((p) => p.name);
    expect(names.slice(0, 8)).toEqual([
      'transformer.wte.weight',
      'transformer.wpe.weight',
      'transformer.h.0.ln_1.weight',
      'transformer.h.0.ln_1.bias',
      'transformer.h.0.attn.c_attn.weight',
      'transformer.h.0.attn.c_attn.bias',
      'transformer.h.0.attn.c_proj.weight',
      'transformer.h.0.attn.c_proj.bias',
    ]);
    expect(names.slice(-2)).toEqual(['transformer.ln_f.weight', 'transformer.ln_f.bias']);
    const file = await SafetensorsFile.open(join(FIXTURE, 'model.safetensors'));
    expect(names.slice().sort()).toEqual([...file.entries.keys()].sort());
    expect(file.entries.get('transformer.h.1.mlp.c_fc.weight')!.shape).toEqual([8, 32]); // Conv1D [in, out], n_inner null → 4·n_embd
    await file.close();
    // The tokenizer (tokenizer.json) gives transformers' ids; <|endoftext|> is one special token.
    const { tokenizer } = fixture;
    expected.texts.forEach((text, i) => {
      expect([...tokenizer.encode(text).ids]).toEqual(expected.input_ids[i]!.filter((_, j) => expected.attention_mask[i]![j]));
    });
    expect([...tokenizer.encode('the cat<|endoftext|>').ids]).toEqual([...tokenizer.encode('the cat').ids, 0]);
  });

  test('the report: nothing missing, unexpected or tied; vocab.json + merges.txt read the same ids without tokenizer.json', async () => {
    const files = await fixtureFiles();
    const { parameters, report } = await GPT2LMHeadModel.fromPretrained(files, { backend });
    expect(report.missingKeys).toEqual([]);
    expect(report.unexpectedKeys).toEqual([]);
    expect(report.tiedKeys).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(report.tokenizerFile).toBe('tokenizer.json');
    parameters.dispose();
    delete files['tokenizer.json'];
    const classic = await GPT2LMHeadModel.fromPretrained(files, { backend });
    expect(classic.report.tokenizerFile).toBe('vocab.json');
    expect([...classic.tokenizer!.encode(expected.texts[1]!).ids]).toEqual(expected.input_ids[1]);
    expect([...classic.tokenizer!.encode('mat<|endoftext|>').ids]).toEqual([...classic.tokenizer!.encode('mat').ids, 0]);
    classic.parameters.dispose();
  });

  test("the Hub's older layout (names without transformer., lm_head.weight stored, attn.bias buffers) loads with the same logits", async () => {
    const files = await fixtureFiles();
    const original = await SafetensorsFile.open(files['model.safetensors']!);
    const tensors = [];
    for await (const t of original.tensors())
      tensors.push({ name: t.name.replace(/^transformer\./, ''), shape: t.entry.shape, dtype: 'F32' as const, data: t.data });
    const wte = tensors.find((t) => t.name === 'wte.weight')!;
    tensors.push({ ...wte, name: 'lm_head.weight' });
    for (const layer of [0, 1]) tensors.push({ name: `h.${layer}.attn.bias`, shape: [1, 1, 16, 16], dtype: 'F32' as const, data: new Float32Array(256) });
    await original.close();
    const chunks: Uint8Array[] = [];
    await writeSafetensors({ write: async (c) => void chunks.push(c.slice()) }, tensors, { format: 'pt' });
    const { model, parameters, report } = await GPT2LMHeadModel.fromPretrained(
      { ...files, 'model.safetensors': new Blob(chunks as Uint8Array<ArrayBuffer>[]) },
      { backend },
    );
    expect(report.tiedKeys).toEqual(['lm_head.weight']);
    expect(report.unexpectedKeys).toEqual(['h.0.attn.bias', 'h.1.attn.bias']);
    expect(report.missingKeys).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(compare((await forward(model, parameters)).logits, expected.logits.flat(2)).ok).toBe(true);
    parameters.dispose();
  });

  test('savePretrained → fromPretrained: identical logits, config.json as transformers writes it, the tokenizer round trips', async () => {
    const target = await mkdtemp(join(tmpdir(), 'gpt2-'));
    try {
      const { model, parameters, tokenizer } = fixture;
      const written = await savePretrained(target, { model, parameters, tokenizer });
      expect(written).toEqual(expect.arrayContaining(['config.json', 'model.safetensors', 'tokenizer.json', 'vocab.json', 'merges.txt']));
      const theirs = JSON.parse(await readFile(join(FIXTURE, 'config.json'), 'utf8'));
      delete theirs.transformers_version;
      expect(JSON.parse(await readFile(join(target, 'config.json'), 'utf8'))).toEqual(theirs);
      const special = JSON.parse(await readFile(join(target, 'special_tokens_map.json'), 'utf8'));
      expect(special).toEqual({ bos_token: '<|endoftext|>', eos_token: '<|endoftext|>', unk_token: '<|endoftext|>' });
      expect(JSON.parse(await readFile(join(target, 'tokenizer_config.json'), 'utf8')).model_max_length).toBe(16);
      const saved = await SafetensorsFile.open(join(target, 'model.safetensors'));
      const original = await SafetensorsFile.open(join(FIXTURE, 'model.safetensors'));
      expect([...saved.entries.keys()]).toEqual([...original.entries.keys()]);
      await Promise.all([saved.close(), original.close()]);
      const loaded = await GPT2LMHeadModel.fromPretrained(target, { backend });
      expect((await forward(loaded.model, loaded.parameters)).logits).toEqual((await forward(model, parameters)).logits);
      expect([...loaded.tokenizer!.encode(expected.texts[1]!).ids]).toEqual(expected.input_ids[1]);
      loaded.parameters.dispose();
      // The bare GPT2Model saves without the transformer. prefix, as transformers does.
      const bare = await GPT2Model.fromPretrained(FIXTURE, { backend, tokenizer: false });
      expect(bare.report.missingKeys).toEqual([]);
      const bareTarget = join(target, 'bare');
      await savePretrained(bareTarget, { model: bare.model, parameters: bare.parameters });
      const bareFile = await SafetensorsFile.open(join(bareTarget, 'model.safetensors'));
      expect([...bareFile.entries.keys()].every((n) => !n.startsWith('transformer.'))).toBe(true);
      await bareFile.close();
      expect(JSON.parse(await readFile(join(bareTarget, 'config.json'), 'utf8')).architectures).toEqual(['GPT2Model']);
      bare.parameters.dispose();
    } finally {
      await rm(target, { recursive: true, force: true });
    }
  });

  test('config.json variants this model does not compute are refused, naming the field', async () => {
    const files = await fixtureFiles();
    const config = JSON.parse(new TextDecoder().decode(files['config.json']));
    const load = (change: Record<string, unknown>) =>
      GPT2LMHeadModel.fromPretrained({ ...files, 'config.json': new TextEncoder().encode(JSON.stringify({ ...config, ...change })) }, { backend });
    await expect(load({ scale_attn_by_inverse_layer_idx: true })).rejects.toThrow(PretrainedError);
    await expect(load({ scale_attn_by_inverse_layer_idx: true })).rejects.toThrow(
      /field scale_attn_by_inverse_layer_idx is true; GPT2LMHeadModel supports only false/,
    );
    await expect(load({ activation_function: 'swish' })).rejects.toThrow(/config\.json: GPT2LMHeadModel: activation_function must be one of 'gelu_new'/);
    await expect(load({ n_inner: 'big' })).rejects.toThrow(/field n_inner must be an integer or null/);
    await expect(load({ model_type: 'bert' })).rejects.toThrow(/model_type is "bert", but GPT2LMHeadModel reads 'gpt2' folders/);
  });
});

describe('incremental decoding', () => {
  test('decodeStep with its caches gives the forward logits at every position, left-padded rows included', async () => {
    const { model, parameters } = fixture;
    const [V, T] = [model.config.vocab_size, 6];
    // Row 1 is left-padded by 2: masked, and its positions count from its first real token.
    const tokens = [
      [5, 80, 17, 260, 9, 33],
      [0, 0, 71, 140, 6, 290],
    ];
    const mask = [
      [1, 1, 1, 1, 1, 1],
      [0, 0, 1, 1, 1, 1],
    ];
    const positions = [
      [0, 1, 2, 3, 4, 5],
      [0, 0, 0, 1, 2, 3],
    ];
    const full = new Graph();
    const input = (name: string, length = T) => full.input(name, [2, length], 'i32') as Var<'i32', 2>;
    const out = model.forward({ input_ids: input('ids'), attention_mask: input('mask'), position_ids: input('positions') });
    const feed = { ids: ids(tokens), mask: ids(mask), positions: ids(positions) };
    const [fullLogits] = execute(full, [out.logits], { backend, inputs: feed, parameter: (p) => parameters.tensor(p) });
    const want = (await fullLogits!.data()) as Float32Array;
    let past: Tensor[] | undefined;
    for (let t = 0; t < T; t++) {
      const g = new Graph();
      const kv = (name: string) => g.input(name, [2, 2, t, 4], 'f32') as Var<'f32', 4>;
      const pastVars = t === 0 ? undefined : model.transformer.h.map((_, i) => ({ key: kv(`k${i}`), value: kv(`v${i}`) }));
      const step = model.decodeStep(g.input('ids', [2, 1], 'i32') as Var<'i32', 2>, t, pastVars, {
        attention_mask: g.input('mask', [2, t + 1], 'i32') as Var<'i32', 2>,
        position_ids: g.input('positions', [2, 1], 'i32') as Var<'i32', 2>,
      });
      const inputs: Record<string, Tensor> = {
        ids: ids(tokens.map((r) => [r[t]!])),
        mask: ids(mask.map((r) => r.slice(0, t + 1))),
        positions: ids(positions.map((r) => [r[t]!])),
      };
      past?.forEach((p, i) => {
        inputs[`${i % 2 === 0 ? 'k' : 'v'}${i >> 1}`] = p;
      });
      const [logits, ...caches] = execute(g, [step.logits, ...step.caches.flatMap((c) => [c.key, c.value])], {
        backend,
        inputs,
        parameter: (p) => parameters.tensor(p),
      });
      expect(caches[0]!.shape).toEqual([2, 2, t + 1, 4]);
      const got = (await logits!.data()) as Float32Array;
      for (let b = 0; b < 2; b++) {
        for (let v = 0; v < V; v++) {
          const w = want[(b * T + t) * V + v]!;
          expect(Math.abs(got[b * V + v]! - w), `row ${b} position ${t} token ${v}`).toBeLessThan(1e-4 + 1e-4 * Math.abs(w));
        }
      }
      for (const x of [logits!, ...Object.values(inputs)]) x.dispose();
      past = caches;
    }
    for (const x of [fullLogits!, ...(past ?? []), ...Object.values(feed)]) x.dispose();
  });

  test("greedy generation equals transformers' generate on left-padded prompts, cached and recomputed", async () => {
    const generator = createTextGenerator(fixture.model, fixture.parameters);
    const options = { temperature: 0, maxNewTokens: 6, eosTokenId: null };
    expect(await generator.generate(expected.prompts, options)).toEqual(expected.greedy);
    expect(await generator.generate(expected.prompts, { ...options, cache: false })).toEqual(expected.greedy);
    // A prompt alone gives what it gives in the batch (the padding changes nothing).
    expect(await generator.generate([expected.prompts[1]!], options)).toEqual([expected.greedy[1]]);
    generator.dispose();
  });

  test('sampled generation: cached = recomputed, the same seed the same tokens, another seed others, batch size changes nothing', async () => {
    const generator = createTextGenerator(fixture.model, fixture.parameters);
    const prompts = [[259, 267], [65, 293, 287, 260, 14], [263]];
    const options = { maxNewTokens: 10, temperature: 1.5, topK: 50, topP: 0.95, seed: 7, eosTokenId: null };
    const sampled = await generator.generate(prompts, options);
    expect(sampled.map((s) => s.length)).toEqual([10, 10, 10]);
    expect(await generator.generate(prompts, { ...options, cache: false })).toEqual(sampled);
    expect(await generator.generate(prompts, options)).toEqual(sampled);
    expect(await generator.generate(prompts, { ...options, batchSize: 1 })).toEqual(sampled);
    expect(await generator.generate(prompts, { ...options, seed: 8 })).not.toEqual(sampled);
    expect(sampled).not.toEqual(await generator.generate(prompts, { ...options, temperature: 0 }));
    // top-k 1 leaves only the most probable token: greedy, whatever the seed and temperature.
    const greedy = await generator.generate(prompts, { maxNewTokens: 6, temperature: 0, eosTokenId: null });
    expect(await generator.generate(prompts, { maxNewTokens: 6, topK: 1, temperature: 3, seed: 99, eosTokenId: null })).toEqual(greedy);
    const live = backend.stats().liveBytes;
    await generator.generate(prompts, options);
    expect(backend.stats().liveBytes, 'a second run holds no more memory').toBe(live);
    generator.dispose();
  });

  test('generation stops after the end token, which ends the returned tokens', async () => {
    const generator = createTextGenerator(fixture.model, fixture.parameters);
    const free = await generator.generate([expected.prompts[1]!], { temperature: 0, maxNewTokens: 6, eosTokenId: null });
    // Make a later greedy token the end token: generation stops at its first appearance, which it includes.
    const stopped = await generator.generate([expected.prompts[1]!], { temperature: 0, maxNewTokens: 6, eosTokenId: free[0]![3]! });
    expect(stopped[0]).toEqual(free[0]!.slice(0, free[0]!.indexOf(free[0]![3]!) + 1));
    generator.dispose();
  });
});

describe('sampleToken', () => {
  const logits = Float32Array.from([0.1, 0.2, 0.3, 0.4], Math.log);
  const draws = (options: { temperature: number; topK: number; topP: number }, n = 4000) => {
    const rng = new Xoshiro128(3);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) counts[sampleToken(logits, options, rng)]!++;
    return counts.map((c) => c / n);
  };

  test('temperature 0 is the argmax; top-k and top-p cut as Hugging Face (k first, then the nucleus); the rest by probability', () => {
    expect(sampleToken(logits, { temperature: 0, topK: 0, topP: 1 }, new Xoshiro128(1))).toBe(3);
    const all = draws({ temperature: 1, topK: 0, topP: 1 });
    all.forEach((p, i) => expect(Math.abs(p - [0.1, 0.2, 0.3, 0.4][i]!)).toBeLessThan(0.03));
    // top-p 0.5: 0.4 is below it, so 0.3 joins; 0.7 reaches it, so nothing more.
    const nucleus = draws({ temperature: 1, topK: 0, topP: 0.5 });
    expect(nucleus[0]! + nucleus[1]!).toBe(0);
    expect(Math.abs(nucleus[3]! - 4 / 7)).toBeLessThan(0.03);
    expect(draws({ temperature: 1, topK: 2, topP: 1 }).slice(0, 2)).toEqual([0, 0]);
    // top-k 3 then top-p 0.8 of the renormalised 0.2/0.3/0.4: 0.4/0.9 + 0.3/0.9 = 0.78 < 0.8, so 0.2 stays.
    expect(draws({ temperature: 1, topK: 3, topP: 0.8 })[1]).toBeGreaterThan(0);
    // A high temperature flattens: token 0 comes up far more often than its 0.1.
    expect(draws({ temperature: 10, topK: 0, topP: 1 })[0]).toBeGreaterThan(0.2);
  });
});

describe('GPT-2 model', () => {
  test("defaults are GPT-2 small's; HF's init: normal(0.02), c_proj scaled by 1/√(2·n_layer), LayerNorm ones", async () => {
    const small = new GPT2LMHeadModel();
    expect(small.config).toMatchObject({
      vocab_size: 50257,
      n_positions: 1024,
      n_embd: 768,
      n_layer: 12,
      n_head: 12,
      n_inner: null,
      activation_function: 'gelu_new',
    });
    expect(small.parameters().reduce((n, p) => n + p.size, 0)).toBe(124_439_808); // GPT-2 small's parameter count, embeddings tied
    const model = new GPT2LMHeadModel({ vocab_size: 64, n_positions: 32, n_embd: 64, n_layer: 8, n_head: 4 });
    const { ParameterStore } = await import('../../src/index.js');
    const store = ParameterStore.create(backend, model.parameters(), { seed: 1 });
    const std = async (name: string) => {
      const v = await store.get(name);
      return Math.sqrt(v.reduce((s, x) => s + x * x, 0) / v.length);
    };
    expect(Math.abs((await std('transformer.h.0.attn.c_attn.weight')) - 0.02)).toBeLessThan(0.001);
    expect(Math.abs((await std('transformer.h.3.mlp.c_proj.weight')) - 0.02 / 4)).toBeLessThan(0.0003);
    expect(Math.abs((await std('transformer.h.3.attn.c_proj.weight')) - 0.02 / 4)).toBeLessThan(0.0003);
    expect(await store.get('transformer.h.0.ln_1.weight')).toEqual(new Float32Array(64).fill(1));
    expect(await store.get('transformer.h.0.attn.c_attn.bias')).toEqual(new Float32Array(192));
    store.dispose();
  });

  test('cached generation up to the last position of a model whose n_positions is not a multiple of 8', async () => {
    const model = new GPT2LMHeadModel({ vocab_size: 40, n_positions: 30, n_embd: 16, n_layer: 1, n_head: 4 });
    const { ParameterStore } = await import('../../src/index.js');
    const parameters = ParameterStore.create(backend, model.parameters(), { seed: 3 });
    const generator = createTextGenerator(model, parameters);
    const options = { maxNewTokens: 27, temperature: 0, eosTokenId: null };
    const cached = await generator.generate([[1, 2, 3]], options);
    expect(cached[0]).toHaveLength(27);
    expect(cached).toEqual(await generator.generate([[1, 2, 3]], { ...options, cache: false }));
    generator.dispose();
    parameters.dispose();
  });

  test('the loss differentiates: every parameter gets a finite, nonzero gradient', async () => {
    const { model, parameters } = fixture;
    const g = new Graph();
    const input = g.input('ids', [2, 5], 'i32') as Var<'i32', 2>;
    const labels = g.input('labels', [2, 5], 'i32') as Var<'i32', 2>;
    model.train();
    const { loss } = model.forward({ input_ids: input, labels });
    model.eval();
    const params = model.parameters();
    const grads = gradients(
      loss!,
      params.map((p) => g.param(p)),
    );
    const feed = {
      ids: ids([
        [1, 2, 3, 4, 5],
        [6, 7, 8, 9, 10],
      ]),
      labels: ids([
        [1, 2, 3, 4, 5],
        [6, 7, -100, 9, 10],
      ]),
    };
    const out = execute(g, grads, { backend, inputs: feed, parameter: (p) => parameters.tensor(p) });
    for (const [i, t] of out.entries()) {
      const v = (await t.data()) as Float32Array;
      expect(v.every(Number.isFinite) && v.some((x) => x !== 0), params[i]!.name).toBe(true);
      t.dispose();
    }
    for (const t of Object.values(feed)) t.dispose();
  });
});

describe('errors', () => {
  test('config fields name themselves', () => {
    expect(() => new GPT2LMHeadModel({ n_embd: 10, n_head: 4 })).toThrow(/^GPT2LMHeadModel: n_embd 10 must be a multiple of n_head 4/);
    expect(() => new GPT2LMHeadModel({ activation_function: 'swish' as never })).toThrow(ArgumentError);
    expect(() => new GPT2LMHeadModel({ n_inner: 0 })).toThrow(/n_inner must be an integer ≥ 1, got 0/);
    expect(() => new GPT2LMHeadModel({ resid_pdrop: 1 })).toThrow(/resid_pdrop must be in \[0, 1\), got 1/);
    expect(() => new GPT2LMHeadModel({ n_positions: undefined })).toThrow(/n_positions must be an integer ≥ 1/);
    expect(() => new GPT2Model({ layer_norm_epsilon: -1 })).toThrow(/^GPT2Model: layer_norm_epsilon must be a finite number ≥ 0/);
  });

  test('a sequence longer than n_positions, misshapen masks and labels, a step without its caches', () => {
    const { model } = fixture;
    const g = new Graph();
    const long = g.input('long', [1, 17], 'i32') as Var<'i32', 2>;
    expect(() => model.forward({ input_ids: long })).toThrow(ShapeError);
    expect(() => model.forward({ input_ids: long })).toThrow(
      /^GPT2LMHeadModel\.forward: a sequence of 17 tokens is longer than the model's 16 positions \(config\.n_positions\)/,
    );
    const x = g.input('x', [2, 4], 'i32') as Var<'i32', 2>;
    expect(() => model.forward({ input_ids: x, attention_mask: g.input('m', [2, 3], 'i32') as Var<'i32', 2> })).toThrow(
      /attention_mask must be \[2, 4\] \(past and new positions\), got i32\[2, 3\]/,
    );
    expect(() => model.forward({ input_ids: x, labels: g.input('l', [2, 5], 'i32') as Var<'i32', 2> })).toThrow(
      /labels i32\[2, 5\] \(input\) must be shaped like input_ids i32\[2, 4\]/,
    );
    expect(() => model.forward({ input_ids: g.input('one', [2, 1], 'i32') as Var<'i32', 2>, labels: g.input('l1', [2, 1], 'i32') as Var<'i32', 2> })).toThrow(
      /the loss needs at least 2 positions/,
    );
    const step = g.input('step', [2, 1], 'i32') as Var<'i32', 2>;
    expect(() => model.decodeStep(step, 3, undefined)).toThrow(/position 3 needs the past caches of the earlier positions/);
    expect(() => model.decodeStep(x, 0, undefined)).toThrow(/ids must be one position \[B, 1\], got i32\[2, 4\]/);
    const kv = g.input('kv', [2, 2, 16, 4], 'f32') as Var<'f32', 4>;
    const full = model.transformer.h.map(() => ({ key: kv, value: kv }));
    expect(() => model.decodeStep(step, 16, full)).toThrow(/a sequence of 17 tokens is longer than the model's 16 positions \(config\.n_positions\)/);
    expect(() => model.decodeStep(step, 2, full)).toThrow(/position 2 needs caches of 2 positions/);
  });

  test('generator: prompts beyond the positions, unknown token ids, bad options, a disposed generator', async () => {
    const generator = createTextGenerator(fixture.model, fixture.parameters);
    const op = /^TextGenerator\.generate: /;
    await expect(generator.generate([[1, 2]], { maxNewTokens: 0 })).rejects.toThrow(/maxNewTokens must be an integer ≥ 1, got 0/);
    await expect(generator.generate([Array(17).fill(3)], { maxNewTokens: 1 })).rejects.toThrow(
      /prompt 0 is 17 tokens, longer than the model's 16 positions \(config\.n_positions\)/,
    );
    await expect(generator.generate([[3], Array(12).fill(3)], { maxNewTokens: 5 })).rejects.toThrow(
      /prompt 1 is 12 tokens, with maxNewTokens 5 beyond the model's 16 positions \(config\.n_positions\)/,
    );
    await expect(generator.generate([[3, 297]])).rejects.toThrow(/prompt 0 holds 297 at position 1, outside the vocabulary \[0, 297\)/);
    await expect(generator.generate([[]])).rejects.toThrow(/prompt 0 must be a non-empty array of token ids/);
    await expect(generator.generate([[1]], { temperature: -1 })).rejects.toThrow(op);
    await expect(generator.generate([[1]], { topP: 0 })).rejects.toThrow(/topP must be in \(0, 1\]/);
    await expect(generator.generate([[1]], { topK: 1.5 })).rejects.toThrow(/topK must be an integer ≥ 0/);
    await expect(generator.generate([[1]], { seed: -1 })).rejects.toThrow(/seed must be an integer in \[0, 2\^32\)/);
    await expect(generator.generate([[1]], { eosTokenId: 300 })).rejects.toThrow(/eosTokenId 300 is outside the vocabulary \[0, 297\)/);
    await expect(generator.generate([[1]], { cache: 'yes' as never })).rejects.toThrow(/cache must be a boolean/);
    expect(() => createTextGenerator({} as never, fixture.parameters)).toThrow(/model must be a GPT2LMHeadModel/);
    generator.dispose();
    await expect(generator.generate([[1]])).rejects.toThrow(/the generator was disposed/);
  });
});
