// Hugging Face folders in and out on the CPU backend (Node): the fixtures made by real transformers
// (scripts/hf/make-fixtures.py) load with transformers' logits, every Node source kind, the loading
// report, save → load round trips (folder and zip), and malformed folders. The WebGPU and page
// sources (URL from headless Chromium, File[], OPFS) are in pretrained.cases.ts, run below.
import { mkdtemp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  BertForMaskedLM,
  BertModel,
  PretrainedError,
  SafetensorsFile,
  createCpuBackend,
  readTokenizerJson,
  savePretrained,
  savePretrainedZip,
  trainByteLevelBpe,
  writeSafetensors,
} from '../../src/index.js';
import { gpuSuite } from '../harness/gpu-suite.js';
import suite from './pretrained.cases.js';
import { type Expected, TOLERANCE, compare, forward } from './pretrained-check.js';
import { type StaticServer, serveFolder } from './static-server.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/hf/', import.meta.url));
const dir = (name: string) => join(FIXTURES, name);
const expectedOf = async (name: string): Promise<Expected> => JSON.parse(await readFile(join(dir(name), 'expected.json'), 'utf8'));
const backend = createCpuBackend();

/** Every file of a fixture as name → ArrayBuffer (expected.json left out). */
async function filesOf(name: string): Promise<Record<string, ArrayBuffer>> {
  const out: Record<string, ArrayBuffer> = {};
  for (const file of await readdir(dir(name))) {
    if (file === 'expected.json') continue;
    const bytes = await readFile(join(dir(name), file));
    out[file] = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  }
  return out;
}

const text = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value)).buffer as ArrayBuffer;

async function expectLogits(name: string, source: Parameters<typeof BertForMaskedLM.fromPretrained>[0]) {
  const expected = await expectedOf(name);
  const { model, parameters, tokenizer, report } = await BertForMaskedLM.fromPretrained(source, { backend });
  const logits = await forward(model, parameters, backend, expected);
  const result = compare(logits, expected.logits!.flat(2));
  expect(result.ok, `${name}: max |Δ logits| ${result.maxAbs} over ${result.count} (tolerance ${TOLERANCE.atol} + ${TOLERANCE.rtol}·|want|)`).toBe(true);
  parameters.dispose();
  return { logits, tokenizer, report, expected, maxAbs: result.maxAbs };
}

describe('fromPretrained: the transformers fixtures on the CPU', () => {
  test('bert-mlm (tokenizer.json): logits equal transformers (f32: atol 1e-4 + rtol 1e-4), tokenizer ids equal, nothing missing or unexpected', async () => {
    const { tokenizer, report, expected, maxAbs } = await expectLogits('bert-mlm', dir('bert-mlm'));
    console.log(`bert-mlm: max |Δ logits| ${maxAbs.toExponential(2)}; fromPretrained ${report.milliseconds.toFixed(1)} ms`);
    expect(report.missingKeys).toEqual([]);
    expect(report.unexpectedKeys).toEqual([]);
    expect(report.tiedKeys).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(report.files).toEqual(['model.safetensors']);
    expect(report.tokenizerFile).toBe('tokenizer.json');
    expect(report.loaded.length).toBe(
      new BertForMaskedLM({ vocab_size: 50, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4 }).parameters().length,
    );
    const batch = tokenizer!.encodeBatch(expected.texts, { padding: { strategy: 'longest' } } as never);
    for (const [i, enc] of batch.entries()) expect([...enc.ids]).toEqual(expected.input_ids[i]!.slice(0, enc.ids.length));
  });

  test('bert-sharded (index + 3 shards, vocab.txt): logits equal transformers; each tensor names its shard', async () => {
    const { report, tokenizer, expected } = await expectLogits('bert-sharded', dir('bert-sharded'));
    expect(report.files).toEqual(['model-00001-of-00003.safetensors', 'model-00002-of-00003.safetensors', 'model-00003-of-00003.safetensors']);
    expect(new Set(report.loaded.map((l) => l.file))).toEqual(new Set(report.files));
    const index = JSON.parse(await readFile(join(dir('bert-sharded'), 'model.safetensors.index.json'), 'utf8'));
    for (const l of report.loaded) expect(l.file).toBe(index.weight_map[l.from]);
    expect(report.tokenizerFile).toBe('vocab.txt');
    expect([...tokenizer!.encode(expected.texts[0]!).ids]).toEqual(expected.input_ids[0]!.filter((_, j) => expected.attention_mask[0]![j]));
  });

  test('bert-tf-names (LayerNorm.gamma/beta, decoder written out, pooler + NSP): logits equal; pooler/NSP unexpected, decoder tied', async () => {
    const { report } = await expectLogits('bert-tf-names', dir('bert-tf-names'));
    expect(report.unexpectedKeys).toEqual(['bert.pooler.dense.bias', 'bert.pooler.dense.weight', 'cls.seq_relationship.bias', 'cls.seq_relationship.weight']);
    expect(report.missingKeys).toEqual([]);
    expect(report.tiedKeys.sort()).toEqual(['cls.predictions.decoder.bias', 'cls.predictions.decoder.weight']);
    expect(report.warnings).toEqual([]);
    expect(report.loaded.find((l) => l.name === 'bert.embeddings.LayerNorm.weight')?.from).toBe('bert.embeddings.LayerNorm.gamma');
    expect(report.tokenizerFile).toBe('vocab.txt');
  });

  test('bert-model as BertModel: hidden states equal transformers; the pooler loads (BertModel has one, as transformers)', async () => {
    const expected = await expectedOf('bert-model');
    const { model, parameters, report } = await BertModel.fromPretrained(dir('bert-model'), { backend });
    const hidden = await forward(model, parameters, backend, expected);
    const result = compare(hidden, expected.last_hidden_state!.flat(2));
    expect(result.ok, `max |Δ| ${result.maxAbs}`).toBe(true);
    expect(report.unexpectedKeys).toEqual([]);
    expect(report.missingKeys).toEqual([]);
    expect(report.loaded.find((l) => l.name === 'bert.pooler.dense.weight')?.from).toBe('pooler.dense.weight');
    expect(report.loaded.find((l) => l.name === 'bert.embeddings.word_embeddings.weight')?.from).toBe('embeddings.word_embeddings.weight');
    parameters.dispose();
  });

  test('bert-model into BertForMaskedLM: the head is missing (initialised, listed), the pooler unexpected; loaded tensors hold the file values', async () => {
    const { model, parameters, report } = await BertForMaskedLM.fromPretrained(dir('bert-model'), { backend, seed: 5 });
    expect(report.missingKeys).toEqual([
      'cls.predictions.bias',
      'cls.predictions.transform.dense.weight',
      'cls.predictions.transform.dense.bias',
      'cls.predictions.transform.LayerNorm.weight',
      'cls.predictions.transform.LayerNorm.bias',
    ]);
    expect(report.unexpectedKeys).toEqual(['pooler.dense.bias', 'pooler.dense.weight']);
    const file = await SafetensorsFile.open(join(dir('bert-model'), 'model.safetensors'));
    for (const l of report.loaded) expect(await parameters.get(l.name), l.name).toEqual(await file.read(l.from));
    await file.close();
    // The missing dense weight was drawn (normal, std 0.02): not zeros, not a file value.
    const dense = await parameters.get('cls.predictions.transform.dense.weight');
    expect(dense.some((v) => v !== 0)).toBe(true);
    expect(model.parameters().length).toBe(report.loaded.length + report.missingKeys.length);
    parameters.dispose();
  });

  test('bert-mlm into BertModel: the masked-LM head is unexpected, the pooler missing', async () => {
    const { parameters, report } = await BertModel.fromPretrained(dir('bert-mlm'), { backend });
    expect(report.unexpectedKeys).toEqual([
      'cls.predictions.bias',
      'cls.predictions.transform.LayerNorm.bias',
      'cls.predictions.transform.LayerNorm.weight',
      'cls.predictions.transform.dense.bias',
      'cls.predictions.transform.dense.weight',
    ]);
    expect(report.missingKeys).toEqual(['bert.pooler.dense.weight', 'bert.pooler.dense.bias']);
    parameters.dispose();
  });
});

describe('fromPretrained: sources in Node', () => {
  test('a map of ArrayBuffers, of Uint8Arrays and of Blobs', async () => {
    const files = await filesOf('bert-sharded');
    await expectLogits('bert-sharded', files);
    await expectLogits('bert-sharded', Object.fromEntries(Object.entries(files).map(([k, v]) => [k, new Uint8Array(v)])));
    await expectLogits('bert-mlm', Object.fromEntries(Object.entries(await filesOf('bert-mlm')).map(([k, v]) => [k, new Blob([v])])));
  });

  test('a base URL on a real HTTP server (fetch in Node): weights read by ranges; a server without ranges streams', async () => {
    for (const ranges of [true, false]) {
      const server = await serveFolder(FIXTURES, { ranges });
      try {
        await expectLogits('bert-mlm', `${server.url}bert-mlm/resolve/../`);
        await expectLogits('bert-sharded', new URL('bert-sharded', server.url));
        const ranged = server.log.filter((l) => l.includes('safetensors') && /bytes=\d+-\d+$/.test(l) && !l.endsWith('bytes=0-0'));
        if (ranges) expect(ranged.length).toBeGreaterThan(0);
      } finally {
        await server.close();
      }
    }
  });
});

describe('fromPretrained: errors', () => {
  const load = (source: Record<string, ArrayBuffer | Blob>) => BertForMaskedLM.fromPretrained(source, { backend });

  test('a shape mismatch names the tensor, the file and both shapes; nothing stays allocated', async () => {
    const files = await filesOf('bert-mlm');
    const config = JSON.parse(new TextDecoder().decode(files['config.json']));
    const before = backend.stats().liveBytes;
    await expect(load({ ...files, 'config.json': text({ ...config, intermediate_size: 48 }) })).rejects.toThrow(
      /tensor bert\.encoder\.layer\.0\.intermediate\.dense\.bias \(in model\.safetensors\) has shape \[64\], but the model's bert\.encoder\.layer\.0\.intermediate\.dense\.bias has shape \[48\]/,
    );
    expect(backend.stats().liveBytes).toBe(before);
  });

  test('missing config.json, missing weights, only pytorch_model.bin, a shard the index names but the folder lacks', async () => {
    const files = await filesOf('bert-mlm');
    const { 'config.json': config, 'model.safetensors': weights, ...rest } = files;
    await expect(load({ 'model.safetensors': weights! })).rejects.toThrow(/has no config\.json \(the folder holds model\.safetensors\)/);
    await expect(load({ 'config.json': config!, ...rest })).rejects.toThrow(
      /has no model\.safetensors or model\.safetensors\.index\.json \(the folder holds config\.json, tokenizer\.json, tokenizer_config\.json\)/,
    );
    await expect(load({ 'config.json': config!, 'pytorch_model.bin': new ArrayBuffer(8) })).rejects.toThrow(
      /pytorch_model\.bin .*only safetensors weights are supported/,
    );
    const sharded = await filesOf('bert-sharded');
    delete sharded['model-00002-of-00003.safetensors'];
    await expect(load(sharded)).rejects.toThrow(/names the shard model-00002-of-00003\.safetensors, which <files> lacks/);
  });

  test('a tied decoder that differs from the embeddings is reported; a decoder.bias alone fills cls.predictions.bias', async () => {
    const files = await filesOf('bert-tf-names');
    const original = await SafetensorsFile.open(files['model.safetensors']!);
    const rewrite = async (change: (name: string, data: Float32Array) => Float32Array | undefined) => {
      const tensors = [];
      for await (const t of original.tensors()) {
        const data = change(t.name, t.data as Float32Array);
        if (data) tensors.push({ name: t.name, shape: t.entry.shape, dtype: 'F32' as const, data });
      }
      const chunks: Uint8Array[] = [];
      await writeSafetensors({ write: async (c) => void chunks.push(c.slice()) }, tensors, { format: 'pt' });
      return new Blob(chunks as Uint8Array<ArrayBuffer>[]);
    };
    const differs = await rewrite((name, data) => (name === 'cls.predictions.decoder.weight' ? data.map((v) => v + 1) : data));
    const { report, parameters } = await load({ ...files, 'model.safetensors': differs });
    expect(report.warnings).toEqual([
      'cls.predictions.decoder.weight differs from bert.embeddings.word_embeddings.weight: the model ties them and uses bert.embeddings.word_embeddings.weight (as transformers does when tie_word_embeddings is true)',
    ]);
    parameters.dispose();
    const biasOnlyInDecoder = await rewrite((name, data) => (name === 'cls.predictions.bias' ? undefined : data));
    const loaded = await load({ ...files, 'model.safetensors': biasOnlyInDecoder });
    expect(loaded.report.loaded.find((l) => l.name === 'cls.predictions.bias')?.from).toBe('cls.predictions.decoder.bias');
    expect(loaded.report.missingKeys).toEqual([]);
    expect(await loaded.parameters.get('cls.predictions.bias')).toEqual(await original.read('cls.predictions.decoder.bias'));
    loaded.parameters.dispose();
    await original.close();
  });

  // Malformed config.json files: each a clear PretrainedError naming the file and the field, no crash or hang.
  const MALFORMED: [string, (config: Record<string, unknown>) => unknown, RegExp][] = [
    ['a size given as a string', (c) => ({ ...c, hidden_size: '32' }), /config\.json: field hidden_size must be an integer, got string "32"/],
    ['a fractional size', (c) => ({ ...c, num_attention_heads: 2.5 }), /field num_attention_heads must be an integer, got number 2\.5/],
    ['null for a size', (c) => ({ ...c, vocab_size: null }), /field vocab_size must be an integer, got null/],
    ['layer_norm_eps as a string', (c) => ({ ...c, layer_norm_eps: '1e-12' }), /field layer_norm_eps must be a number/],
    ['hidden_act not a string', (c) => ({ ...c, hidden_act: ['gelu'] }), /field hidden_act must be a string/],
    ['model_type gpt2', (c) => ({ ...c, model_type: 'gpt2' }), /model_type is "gpt2", but BertForMaskedLM reads 'bert' folders/],
    [
      'hidden_size not a multiple of the heads',
      (c) => ({ ...c, hidden_size: 30 }),
      /config\.json: .*hidden_size 30 must be a multiple of num_attention_heads 4/,
    ],
    ['a negative size', (c) => ({ ...c, num_hidden_layers: -1 }), /config\.json: .*num_hidden_layers must be an integer ≥ 0, got -1/],
    ['a zero vocabulary', (c) => ({ ...c, vocab_size: 0 }), /vocab_size must be an integer ≥ 1, got 0/],
    ['no vocab_size', ({ vocab_size: _, ...c }) => c, /vocab_size must be an integer ≥ 1, got undefined/],
    [
      'an unknown activation',
      (c) => ({ ...c, hidden_act: 'swish' }),
      /hidden_act must be one of 'gelu', 'gelu_new', 'gelu_pytorch_tanh', 'relu' \(supported activations\), got string "swish"/,
    ],
    [
      'relative position embeddings',
      (c) => ({ ...c, position_embedding_type: 'relative_key' }),
      /position_embedding_type is "relative_key"; BertForMaskedLM supports only "absolute"/,
    ],
    ['a decoder BERT', (c) => ({ ...c, is_decoder: true }), /is_decoder is true; BertForMaskedLM supports only false/],
    ['a JSON array', () => [1, 2], /config\.json: must be a JSON object, got/],
  ];
  for (const [what, change, message] of MALFORMED) {
    test(`config.json with ${what}`, async () => {
      const files = await filesOf('bert-mlm');
      const config = JSON.parse(new TextDecoder().decode(files['config.json']));
      const error = await load({ ...files, 'config.json': text(change(config)) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PretrainedError);
      expect(String((error as Error).message)).toMatch(message);
    });
  }

  test('config.json that is not JSON, nests 10 000 deep, repeats a key, or is 100 MB', async () => {
    const files = await filesOf('bert-mlm');
    await expect(load({ ...files, 'config.json': text('{"vocab_size": 50,') })).rejects.toThrow(/config\.json is not valid JSON/);
    await expect(load({ ...files, 'config.json': text(`{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}`) })).rejects.toThrow(
      /config\.json nests \d+ deep \(at most 8 allowed\)/,
    );
    await expect(load({ ...files, 'config.json': text('{"vocab_size": 50, "vocab_size": 60}') })).rejects.toThrow(/field vocab_size appears twice/);
    // 100 MB on disk (a sparse file): refused from its size, before anything is read.
    const folder = await mkdtemp(join(tmpdir(), 'sf-hf-'));
    try {
      for (const [name, bytes] of Object.entries(files)) await writeFile(join(folder, name), new Uint8Array(bytes));
      await truncate(join(folder, 'config.json'), 100_000_000);
      await expect(BertForMaskedLM.fromPretrained(folder, { backend })).rejects.toThrow(/config\.json: .*100000000 bytes, more than the 4194304 allowed/);
    } finally {
      await rm(folder, { recursive: true });
    }
  });

  test('bad arguments', async () => {
    await expect(BertForMaskedLM.fromPretrained(dir('bert-mlm'), {} as never)).rejects.toThrow(/options\.backend must be a Backend/);
    await expect(BertForMaskedLM.fromPretrained(42 as never, { backend })).rejects.toThrow(/source must be a base URL/);
    await expect(BertForMaskedLM.fromPretrained({ 'config.json': 'text' } as never, { backend })).rejects.toThrow(/source\["config\.json"\] must be a Blob/);
    await expect(BertForMaskedLM.fromPretrained(join(FIXTURES, 'nope'), { backend })).rejects.toThrow(/cannot read the directory/);
  });
});

describe('savePretrained', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'sf-save-'));
  });
  afterAll(async () => {
    // SHADERFORMER_KEEP_SAVED=1 keeps the folders for the Python check.
    if (!process.env.SHADERFORMER_KEEP_SAVED) await rm(folder, { recursive: true });
  });

  test('save → load (Node folder) gives the same logits; model.safetensors has the fixture tensor names, shapes and dtypes; config.json as transformers writes it', async () => {
    const expected = await expectedOf('bert-mlm');
    const loaded = await BertForMaskedLM.fromPretrained(dir('bert-mlm'), { backend });
    const before = await forward(loaded.model, loaded.parameters, backend, expected);
    const target = join(folder, 'mlm');
    const written = await savePretrained(target, loaded);
    expect(written).toEqual(['config.json', 'model.safetensors', 'tokenizer.json', 'vocab.txt', 'tokenizer_config.json', 'special_tokens_map.json']);
    loaded.parameters.dispose();

    const again = await BertForMaskedLM.fromPretrained(target, { backend });
    const after = await forward(again.model, again.parameters, backend, expected);
    expect(after).toEqual(before); // the same bits: nothing was rounded on the way
    expect(again.report.missingKeys).toEqual([]);
    expect(again.report.unexpectedKeys).toEqual([]);
    expect([...again.tokenizer!.encode(expected.texts[1]!).ids]).toEqual(expected.input_ids[1]!.filter((_, j) => expected.attention_mask[1]![j]));
    again.parameters.dispose();

    const ours = await SafetensorsFile.open(join(target, 'model.safetensors'));
    const theirs = await SafetensorsFile.open(join(dir('bert-mlm'), 'model.safetensors'));
    const describe = (f: SafetensorsFile) => [...f.entries.values()].map((e) => [e.name, e.dtype, e.shape]).sort();
    expect(describe(ours)).toEqual(describe(theirs));
    expect(ours.metadata).toEqual({ format: 'pt' });
    for (const name of theirs.entries.keys()) expect(await ours.read(name), name).toEqual(await theirs.read(name));
    await ours.close();
    await theirs.close();

    const config = JSON.parse(await readFile(join(target, 'config.json'), 'utf8'));
    const { transformers_version: _, ...reference } = JSON.parse(await readFile(join(dir('bert-mlm'), 'config.json'), 'utf8'));
    expect(config).toEqual(reference);
    const tokenizerConfig = JSON.parse(await readFile(join(target, 'tokenizer_config.json'), 'utf8'));
    const { model_max_length: __, ...tokenizerReference } = JSON.parse(await readFile(join(dir('bert-mlm'), 'tokenizer_config.json'), 'utf8'));
    expect(tokenizerConfig).toEqual({ ...tokenizerReference, model_max_length: 16 });
    expect(JSON.parse(await readFile(join(target, 'special_tokens_map.json'), 'utf8'))).toEqual({
      cls_token: '[CLS]',
      mask_token: '[MASK]',
      pad_token: '[PAD]',
      sep_token: '[SEP]',
      unk_token: '[UNK]',
    });
    readTokenizerJson(await readFile(join(target, 'tokenizer.json'), 'utf8'));

    // For scripts/hf/check-roundtrip.py: the logits we computed, next to the folder.
    const [rows, length] = [expected.input_ids.length, expected.input_ids[0]!.length];
    const vocab = before.length / (rows * length);
    const nested = Array.from({ length: rows }, (_, b) =>
      Array.from({ length }, (_, t) => [...before.subarray((b * length + t) * vocab, (b * length + t + 1) * vocab)]),
    );
    await writeFile(join(target, 'expected.json'), JSON.stringify({ ...expected, logits: nested }));
    console.log(`saved for scripts/hf/check-roundtrip.py: ${target}`);
  });

  test('a BertModel saves without the bert. prefix, as transformers does', async () => {
    const loaded = await BertModel.fromPretrained(dir('bert-model'), { backend });
    const target = join(folder, 'base');
    await savePretrained(target, loaded);
    const ours = await SafetensorsFile.open(join(target, 'model.safetensors'));
    const theirs = await SafetensorsFile.open(join(dir('bert-model'), 'model.safetensors'));
    expect([...ours.entries.keys()].sort()).toEqual([...theirs.entries.keys()].sort());
    expect(JSON.parse(await readFile(join(target, 'config.json'), 'utf8')).architectures).toEqual(['BertModel']);
    await ours.close();
    await theirs.close();
    loaded.parameters.dispose();
  });

  test('a BPE tokenizer is saved as tokenizer.json + vocab.json + merges.txt and reads back from either', async () => {
    const tokenizer = trainByteLevelBpe(['the cat sat on the mat', 'a big dog ran fast', 'the cats sat'], { vocabSize: 300, minFrequency: 1 });
    const loaded = await BertForMaskedLM.fromPretrained(dir('bert-mlm'), { backend, tokenizer: false });
    const target = join(folder, 'bpe');
    const written = await savePretrained(target, { ...loaded, tokenizer });
    loaded.parameters.dispose();
    expect(written).toEqual([
      'config.json',
      'model.safetensors',
      'tokenizer.json',
      'vocab.json',
      'merges.txt',
      'tokenizer_config.json',
      'special_tokens_map.json',
    ]);
    const settings = JSON.parse(await readFile(join(target, 'tokenizer_config.json'), 'utf8'));
    expect(settings).toMatchObject({
      bos_token: '<s>',
      eos_token: '</s>',
      pad_token: '<pad>',
      mask_token: '<mask>',
      tokenizer_class: 'PreTrainedTokenizerFast',
    });
    expect(JSON.parse(await readFile(join(target, 'config.json'), 'utf8')).pad_token_id).toBe(tokenizer.tokenToId('<pad>'));
    const want = [...tokenizer.encode('the big cat sat').ids];
    const fromJson = await BertForMaskedLM.fromPretrained(target, { backend });
    expect(fromJson.report.tokenizerFile).toBe('tokenizer.json');
    expect([...fromJson.tokenizer!.encode('the big cat sat').ids]).toEqual(want);
    fromJson.parameters.dispose();
    await rm(join(target, 'tokenizer.json'));
    const fromMerges = await BertForMaskedLM.fromPretrained(target, { backend });
    expect(fromMerges.report.tokenizerFile).toBe('vocab.json');
    expect([...fromMerges.tokenizer!.encode('the big cat sat').ids]).toEqual(want);
    fromMerges.parameters.dispose();
  });

  test('zip: save → unzip (fflate) → load gives the same logits', async () => {
    const expected = await expectedOf('bert-sharded');
    const loaded = await BertForMaskedLM.fromPretrained(dir('bert-sharded'), { backend });
    const before = await forward(loaded.model, loaded.parameters, backend, expected);
    const zip = await savePretrainedZip(loaded);
    loaded.parameters.dispose();
    const files = unzipSync(new Uint8Array(await zip.arrayBuffer()));
    expect(Object.keys(files).sort()).toEqual([
      'config.json',
      'model.safetensors',
      'special_tokens_map.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'vocab.txt',
    ]);
    const again = await BertForMaskedLM.fromPretrained(files, { backend });
    expect(await forward(again.model, again.parameters, backend, expected)).toEqual(before);
    again.parameters.dispose();
  });

  test('bad arguments', async () => {
    const loaded = await BertForMaskedLM.fromPretrained(dir('bert-mlm'), { backend, tokenizer: false });
    expect(loaded.tokenizer).toBeUndefined();
    await expect(savePretrained(join(folder, 'x'), { ...loaded, model: {} as never })).rejects.toThrow(
      /options\.model must be a model with a Hugging Face format/,
    );
    await expect(savePretrained(join(folder, 'x'), { ...loaded, parameters: {} as never })).rejects.toThrow(/options\.parameters must be a ParameterStore/);
    await expect(savePretrained(42 as never, loaded)).rejects.toThrow(/target must be a directory path/);
    loaded.parameters.dispose();
  });
});

// The same suite runs on WebGPU: in Node through Dawn, and in headless Chromium where the page reads
// the fixtures from this static server by URL (another origin: CORS and ranges), as File[] and via OPFS.
let server: StaticServer | undefined;
gpuSuite(suite, {
  beforeAll: async () => {
    server = await serveFolder(FIXTURES);
    (globalThis as { HF_FIXTURES?: string }).HF_FIXTURES = server.url;
  },
  afterAll: () => server?.close(),
  pageScript: () => `window.HF_FIXTURES = ${JSON.stringify(server!.url)}`,
});
