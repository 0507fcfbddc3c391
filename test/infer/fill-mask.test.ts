// fillMask on the CPU backend with a real WordPiece tokenizer: scores against an independent softmax
// of the runner's logits, ordering and topK, batching with padding, several masks, named errors.
// The same pipeline on WebGPU against the CPU is a case in inference.cases.ts.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { ArgumentError, BertForMaskedLM, type FillMaskPrediction, createCpuBackend, createInference, fillMask } from '../../src/index.js';
import { compare } from '../harness/cases.js';
import { makeModel } from './bert-forward.js';
import { TEXTS, makeTokenizer } from './fill-mask-fixture.js';

const cpu = createCpuBackend();
const tokenizer = makeTokenizer();
const MASK = tokenizer.tokenToId('[MASK]')!;

describe('fillMask', () => {
  test('scores are the softmax of the runner logits at the mask, best first, topK of them', async () => {
    const loaded = makeModel(cpu);
    const text = TEXTS[0]!;
    const result = (await fillMask(loaded, tokenizer, text, { topK: 4 })) as FillMaskPrediction[];
    // Independently: the runner's logits for this text alone, softmax in float64 at the mask, sorted.
    const enc = tokenizer.encode(text);
    const t = enc.ids.length;
    const spec = { shape: [1, t], dtype: 'i32' } as const;
    const runner = createInference({
      parameters: loaded.parameters,
      inputs: { input_ids: spec },
      model: loaded.model,
      outputs: (x) => ({ logits: loaded.model.forward(x).logits }),
    });
    const { logits } = await runner.run({ input_ids: Int32Array.from(enc.ids) });
    runner.dispose();
    const V = logits.shape[2]!;
    const at = enc.ids.indexOf(MASK);
    const row = Array.from(logits.data.subarray(at * V, (at + 1) * V));
    const z = row.reduce((s, x) => s + Math.exp(x), 0);
    const want = row.map((x, token) => ({ token, score: Math.exp(x) / z })).sort((a, b) => b.score - a.score);
    expect(result).toHaveLength(4);
    expect(result.map((p) => p.token)).toEqual(want.slice(0, 4).map((p) => p.token));
    result.forEach((p, i) => {
      expect(p.score).toBeCloseTo(want[i]!.score, 12);
      expect(p.tokenStr).toBe(tokenizer.decode([p.token], { skipSpecialTokens: false }));
      expect(p.sequence).toBe(tokenizer.decode(enc.ids.map((id, k) => (k === at ? p.token : id))));
      expect(p.sequence).not.toContain('[MASK]');
      if (i > 0) expect(p.score).toBeLessThanOrEqual(result[i - 1]!.score);
    });
    // topK past the vocabulary gives the whole vocabulary, ranked; the default is 5.
    const all = (await fillMask(loaded, tokenizer, text, { topK: 1000 })) as FillMaskPrediction[];
    expect(all).toHaveLength(V);
    expect(all.reduce((s, p) => s + p.score, 0)).toBeCloseTo(1, 10);
    expect((await fillMask(loaded, tokenizer, text)) as FillMaskPrediction[]).toHaveLength(5);
    loaded.parameters.dispose();
  });

  test('a batch of texts of different lengths (padded) gives what each text gives alone; several masks give a list per mask', async () => {
    const loaded = makeModel(cpu);
    const batched = await fillMask(loaded, tokenizer, TEXTS, { topK: 3, batchSize: 3 });
    expect(batched).toHaveLength(TEXTS.length);
    for (const [i, text] of TEXTS.entries()) {
      const alone = await fillMask(loaded, tokenizer, text, { topK: 3, batchSize: 1 });
      const got = batched[i]!.flat();
      const want = alone.flat();
      expect(got.map((p) => p.token)).toEqual(want.map((p) => p.token));
      expect(got.map((p) => p.sequence)).toEqual(want.map((p) => p.sequence));
      got.forEach((p, k) => expect(Math.abs(p.score - want[k]!.score)).toBeLessThan(1e-6));
    }
    // Text 2 has two masks: a list per mask, each filling only its own; special tokens kept as Hugging Face does.
    const two = batched[2] as FillMaskPrediction[][];
    expect(two).toHaveLength(2);
    for (const perMask of two) {
      expect(perMask).toHaveLength(3);
      for (const p of perMask) expect(p.sequence.match(/\[MASK\]/g)).toHaveLength(1);
      expect(perMask[0]!.sequence.startsWith('[CLS]')).toBe(true);
    }
    expect(two[0]![0]!.sequence).not.toBe(two[1]![0]!.sequence);
    loaded.parameters.dispose();
  });

  test('bad arguments are named errors', async () => {
    const loaded = makeModel(cpu);
    await expect(fillMask(loaded, tokenizer, ['the [MASK] sat', 'no mask here'])).rejects.toThrow('fillMask: texts[1] has no mask token "[MASK]"');
    await expect(fillMask(loaded, makeTokenizer(false), 'the [MASK] sat')).rejects.toThrow('fillMask: the tokenizer has no mask token ([MASK] or <mask>)');
    await expect(fillMask(loaded, tokenizer, 'the [MASK]', { topK: 0 })).rejects.toThrow('fillMask: options.topK must be an integer ≥ 1, got 0');
    await expect(fillMask(loaded, tokenizer, 'the [MASK]', { batchSize: 1.5 })).rejects.toThrow(/fillMask: options\.batchSize must be an integer ≥ 1/);
    await expect(fillMask(loaded, tokenizer, 'the [MASK]', { maxLength: 99 })).rejects.toThrow(/fillMask: options\.maxLength 99 is more than .* 16/);
    await expect(fillMask(loaded, tokenizer, [])).rejects.toThrow(/fillMask: texts must be a string or a non-empty array/);
    await expect(fillMask(loaded, tokenizer, ['the [MASK]', 3 as never])).rejects.toThrow('fillMask: texts[1] must be a string, got number 3');
    await expect(fillMask({ model: {} } as never, tokenizer, 'the [MASK]')).rejects.toThrow(ArgumentError);
    await expect(fillMask(loaded, {} as never, 'the [MASK]')).rejects.toThrow('fillMask: tokenizer must be a Tokenizer, got object');
    // Truncated past the mask: the message says so.
    await expect(fillMask(loaded, tokenizer, 'the cat sat on the mat and the dog ran [MASK]', { maxLength: 6 })).rejects.toThrow(
      'fillMask: texts[0] has no mask token "[MASK]" within its first 6 tokens',
    );
    loaded.parameters.dispose();
  });

  test('a transformers folder: the runner logits [B, T, V] equal transformers and the loaded model and tokenizer plug into fillMask', async () => {
    const folder = fileURLToPath(new URL('../fixtures/hf/bert-mlm/', import.meta.url));
    const expected = JSON.parse(await readFile(`${folder}expected.json`, 'utf8')) as Record<'input_ids' | 'attention_mask' | 'token_type_ids', number[][]> & {
      logits: number[][][];
    };
    const loaded = await BertForMaskedLM.fromPretrained(folder, { backend: cpu });
    const [b, t] = [expected.input_ids.length, expected.input_ids[0]!.length];
    const spec = { shape: [b, t], dtype: 'i32' } as const;
    const runner = createInference({
      parameters: loaded.parameters,
      inputs: { input_ids: spec, attention_mask: spec, token_type_ids: spec },
      model: loaded.model,
      outputs: (x) => ({ logits: loaded.model.forward(x).logits }),
    });
    const batch = (key: 'input_ids' | 'attention_mask' | 'token_type_ids') => Int32Array.from(expected[key].flat());
    const { logits } = await runner.run({ input_ids: batch('input_ids'), attention_mask: batch('attention_mask'), token_type_ids: batch('token_type_ids') });
    runner.dispose();
    expect(logits.shape).toEqual([b, t, 50]);
    // f32 against transformers' f32 (PyTorch, other summation orders): as the fromPretrained tests, atol 1e-4 + rtol 1e-4.
    const check = compare('logits', logits.data, expected.logits.flat(2), { atol: 1e-4, rtol: 1e-4 });
    expect(check.ok, `max |Δ| ${check.maxAbsErr}, worst ${JSON.stringify(check.worst)}`).toBe(true);
    const result = (await fillMask(loaded, loaded.tokenizer!, 'The cat sat on the [MASK].', { topK: 3 })) as FillMaskPrediction[];
    expect(result).toHaveLength(3);
    // A random tiny model: the top token may be special ([PAD]), which the single-mask sequence leaves out, as transformers does.
    for (const p of result) {
      expect(p.tokenStr).toBe(loaded.tokenizer!.decode([p.token], { skipSpecialTokens: false }));
      expect(p.sequence).not.toContain('[MASK]');
    }
    expect(new Set(result.map((p) => p.token)).size).toBe(3);
    loaded.parameters.dispose();
  });
});
