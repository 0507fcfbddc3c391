// The encoder-decoder Transformer on the CPU backend: its parameters and config checks, the loss, the
// incremental decoder against the whole-prefix decoder (logits at every position, and the tokens of
// greedy and beam search with and without the KV cache), F.concat's gradient against finite
// differences, and the generator's errors.
import { describe, expect, test } from 'vitest';
import {
  ArgumentError,
  F,
  Graph,
  ParameterStore,
  ShapeError,
  Transformer,
  type TransformerConfig,
  type Var,
  Xoshiro128,
  createCpuBackend,
  createSeq2SeqGenerator,
  execute,
} from '../../src/index.js';
import { Case, check, randomValues } from '../harness/gradient-check.js';
import { SMALL } from './tiny-transformer.js';

const backend = createCpuBackend();

/** A model whose weights are ±[0.2, 0.8): at the default scale the logits barely depend on the input, so decoding would not tell paths apart. */
function boldModel(config: TransformerConfig, seed: number) {
  const model = new Transformer(config);
  const rng = new Xoshiro128(seed);
  const parameters = ParameterStore.create(backend, model.parameters(), {
    values: (p) => (p.name.endsWith('LayerNorm.weight') || p.name.endsWith('layer_norm.weight') ? undefined : randomValues(rng, p.size, 0.2, 0.8)),
  });
  return { model, parameters };
}

/** Random ids in [lo, hi) for a [rows, length] input. */
function randomIds(rng: Xoshiro128, rows: number, length: number, lo: number, hi: number): Int32Array {
  return Int32Array.from({ length: rows * length }, () => lo + rng.nextInt(hi - lo));
}

describe('Transformer', () => {
  test('parameter names: separate or shared embeddings, tied or separate output, pre-LN final norms', () => {
    const names = new Transformer({ ...SMALL, encoderLayers: 1, decoderLayers: 1 }).parameters().map((p) => p.name);
    expect(names.slice(0, 2)).toEqual(['encoder.embed_tokens.weight', 'decoder.embed_tokens.weight']);
    expect(names).toContain('encoder.layer.0.attention.self.query.weight');
    expect(names).toContain('decoder.layer.0.cross_attention.self.key.weight');
    expect(names).toContain('decoder.layer.0.output.LayerNorm.bias');
    expect(names.some((n) => n.startsWith('lm_head') || n.includes('layer_norm'))).toBe(false);
    const shared = new Transformer({ ...SMALL, targetVocabSize: 23, shareEmbeddings: true, tieOutput: false, preLayerNorm: true })
      .parameters()
      .map((p) => p.name);
    expect(shared[0]).toBe('shared.weight');
    expect(shared.filter((n) => n.includes('embed_tokens'))).toEqual([]);
    expect(shared).toEqual(expect.arrayContaining(['lm_head.weight', 'encoder.layer_norm.weight', 'decoder.layer_norm.bias']));
  });

  test('config errors name the field', () => {
    expect(() => new Transformer({ ...SMALL, dModel: 18 })).toThrow(/^Transformer: dModel 18 must be a multiple of numHeads 4/);
    expect(() => new Transformer({ ...SMALL, shareEmbeddings: true })).toThrow(
      /^Transformer: shareEmbeddings needs one vocabulary, got sourceVocabSize 23 and targetVocabSize 19/,
    );
    expect(() => new Transformer({ ...SMALL, labelSmoothing: 1 })).toThrow(/^Transformer: labelSmoothing must be in \[0, 1\)/);
    expect(() => new Transformer({ ...SMALL, eosId: 19 })).toThrow(/^Transformer: eosId 19 is outside the target vocabulary of 19/);
    expect(() => new Transformer({ sourceVocabSize: 0 })).toThrow(ArgumentError);
  });

  test('forward: logits [B, T, V]; the loss is the label-smoothed cross-entropy of the logits over labelled positions', async () => {
    const { model, parameters } = boldModel({ ...SMALL, labelSmoothing: 0.1 }, 5);
    const rng = new Xoshiro128(6);
    const g = new Graph();
    const [B, S, T, V] = [2, 5, 4, 19];
    const vars = {
      source_ids: g.input('source_ids', [B, S], 'i32') as Var<'i32', 2>,
      source_mask: g.input('source_mask', [B, S], 'i32') as Var<'i32', 2>,
      target_ids: g.input('target_ids', [B, T], 'i32') as Var<'i32', 2>,
      labels: g.input('labels', [B, T], 'i32') as Var<'i32', 2>,
    };
    const { logits, loss } = model.forward(vars);
    expect(logits.shape).toEqual([B, T, V]);
    const labels = Int32Array.from([3, 4, 5, -100, 6, 7, -100, -100]);
    const inputs = {
      source_ids: backend.tensor(randomIds(rng, B, S, 3, 23), [B, S], 'i32'),
      source_mask: backend.tensor(Int32Array.from([1, 1, 1, 1, 1, 1, 1, 1, 0, 0]), [B, S], 'i32'),
      target_ids: backend.tensor(randomIds(rng, B, T, 3, 19), [B, T], 'i32'),
      labels: backend.tensor(labels, [B, T], 'i32'),
    };
    const [l, lossValue] = execute(g, [logits, loss!], { backend, inputs, parameter: (p) => parameters.tensor(p) });
    const values = (await l!.data()) as Float32Array;
    // Label smoothing ε = 0.1 over V classes: −Σ_c ((1 − ε)·[c = y] + ε/V)·log p_c, averaged over the labelled rows.
    let expected = 0;
    let rows = 0;
    labels.forEach((y, r) => {
      if (y === -100) return;
      const row = Array.from(values.subarray(r * V, (r + 1) * V));
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
      expected += row.reduce((s, x, c) => s - ((c === y ? 0.9 : 0) + 0.1 / V) * (x - lse), 0);
      rows++;
    });
    expect(((await lossValue!.data()) as Float32Array)[0]).toBeCloseTo(expected / rows, 4);
    parameters.dispose();
  });

  test.each([false, true])(
    'decodeStep with its caches gives the logits of the whole-prefix decoder at every position (preLayerNorm %s)',
    async (preLayerNorm) => {
      const { model, parameters } = boldModel({ ...SMALL, preLayerNorm }, preLayerNorm ? 7 : 8);
      const rng = new Xoshiro128(9);
      const [B, S, T, V] = [3, 6, 5, 19];
      const sourceIds = randomIds(rng, B, S, 3, 23);
      const sourceMask = Int32Array.from({ length: B * S }, (_, i) => (i % S < S - (i < S ? 0 : 2) ? 1 : 0)); // rows 2 and 3 padded
      const targetIds = randomIds(rng, B, T, 3, 19);
      const tensors = {
        source_ids: backend.tensor(sourceIds, [B, S], 'i32'),
        source_mask: backend.tensor(sourceMask, [B, S], 'i32'),
        target_ids: backend.tensor(targetIds, [B, T], 'i32'),
      };
      const full = new Graph();
      const fullVars = {
        source_ids: full.input('source_ids', [B, S], 'i32') as Var<'i32', 2>,
        source_mask: full.input('source_mask', [B, S], 'i32') as Var<'i32', 2>,
        target_ids: full.input('target_ids', [B, T], 'i32') as Var<'i32', 2>,
      };
      const [fullLogits] = execute(full, [model.forward(fullVars).logits], { backend, inputs: tensors, parameter: (p) => parameters.tensor(p) });
      const expected = (await fullLogits!.data()) as Float32Array;
      // The same positions one at a time, each step's caches fed to the next as inputs.
      let past: ReturnType<typeof backend.tensor>[] | undefined;
      for (let t = 0; t < T; t++) {
        const g = new Graph();
        const srcIds = g.input('source_ids', [B, S], 'i32') as Var<'i32', 2>;
        const srcMask = g.input('source_mask', [B, S], 'i32') as Var<'i32', 2>;
        const ids = g.input('ids', [B, 1], 'i32') as Var<'i32', 2>;
        const memory = model.memoryCaches(model.encode(srcIds, srcMask));
        const heads = (name: string) => g.input(name, [B, 4, t, 4], 'f32') as Var<'f32', 4>;
        const pastVars = t === 0 ? undefined : model.decoder.map((_, i) => ({ key: heads(`k${i}`), value: heads(`v${i}`) }));
        const step = model.decodeStep(ids, t, memory, pastVars, srcMask);
        const inputs: Record<string, ReturnType<typeof backend.tensor>> = {
          source_ids: tensors.source_ids,
          source_mask: tensors.source_mask,
          ids: backend.tensor(
            Int32Array.from({ length: B }, (_, b) => targetIds[b * T + t]!),
            [B, 1],
            'i32',
          ),
        };
        past?.forEach((p, i) => {
          inputs[`${i % 2 === 0 ? 'k' : 'v'}${i >> 1}`] = p;
        });
        const [logits, ...caches] = execute(g, [step.logits, ...step.caches.flatMap((c) => [c.key, c.value])], {
          backend,
          inputs,
          parameter: (p) => parameters.tensor(p),
        });
        expect(caches[0]!.shape).toEqual([B, 4, t + 1, 4]);
        const got = (await logits!.data()) as Float32Array;
        for (let b = 0; b < B; b++) {
          for (let v = 0; v < V; v++) {
            const want = expected[(b * T + t) * V + v]!;
            expect(Math.abs(got[b * V + v]! - want), `row ${b} position ${t} token ${v}`).toBeLessThan(1e-4 + 1e-4 * Math.abs(want));
          }
        }
        past = caches;
      }
      parameters.dispose();
    },
  );

  test('a position beyond the sinusoidal table is a clear error', () => {
    const model = new Transformer(SMALL);
    const g = new Graph();
    expect(() => model.encode(g.input('ids', [1, 25], 'i32') as Var<'i32', 2>)).toThrow(
      /^Transformer\.encode: positions 0\.\.24 are beyond the 24 positions of the model \(config\.maxPositions\)/,
    );
  });
});

describe('Seq2SeqGenerator', () => {
  test.each([1, 3])('beam %i: the KV-cache decoder gives the same tokens as recomputing the prefix, in batches of 2', async (beamSize) => {
    const { model, parameters } = boldModel(SMALL, 11);
    const rng = new Xoshiro128(12);
    const sources = Array.from({ length: 5 }, (_, i) => Array.from(randomIds(rng, 1, 2 + i, 3, 23)));
    const generator = createSeq2SeqGenerator(model, parameters);
    const cached = await generator.generate(sources, { beamSize, maxLength: 8, batchSize: 2 });
    const recomputed = await generator.generate(sources, { beamSize, maxLength: 8, batchSize: 2, cache: false });
    expect(cached).toEqual(recomputed);
    // Outputs that differ between sources show the comparison is not between constant sequences.
    expect(new Set(cached.map((c) => c.join())).size).toBeGreaterThan(1);
    const live = backend.stats().liveBytes;
    await generator.generate(sources, { beamSize, maxLength: 8, batchSize: 2 });
    expect(backend.stats().liveBytes, 'a second run holds no more memory').toBe(live);
    generator.dispose();
    parameters.dispose();
  });

  test('errors: a beam larger than the vocabulary, an unknown token id, a source beyond the positions, a bad maxLength', async () => {
    const { model, parameters } = boldModel(SMALL, 13);
    const generator = createSeq2SeqGenerator(model, parameters);
    await expect(generator.generate([[3, 4]], { beamSize: 20 })).rejects.toThrow(
      /^Seq2SeqGenerator\.generate: beamSize 20 is larger than the target vocabulary \(19 tokens\)/,
    );
    await expect(generator.generate([[3, 23]])).rejects.toThrow(
      /^Seq2SeqGenerator\.generate: source 0 holds 23 at position 1, outside the source vocabulary \[0, 23\)/,
    );
    await expect(generator.generate([[3], Array(24).fill(4)])).rejects.toThrow(/source 1 is 25 tokens with <\/s>, longer than the model's 24 positions/);
    await expect(generator.generate([[3]], { maxLength: 24 })).rejects.toThrow(/maxLength must be an integer in \[1, 23\]/);
    await expect(generator.generate([[]])).rejects.toThrow(/source 0 must be a non-empty array of token ids/);
    generator.dispose();
    await expect(generator.generate([[3]])).rejects.toThrow(/the generator was disposed/);
    parameters.dispose();
  });
});

describe('F.concat', () => {
  test('joins along an axis, trains (gradient against finite differences), and names the shapes it cannot join', () => {
    const c = new Case(41);
    const a = c.param('a', [2, 3, 4]);
    const b = c.param('b', [2, 1, 4]);
    const joined = F.concat(a as Var<'f32', 3>, b as Var<'f32', 3>, 1);
    expect(joined.shape).toEqual([2, 4, 4]);
    check('concat', c, F.mul(joined, joined));
    expect(() => F.concat(a as Var<'f32', 3>, b as Var<'f32', 3>, 2)).toThrow(ShapeError);
    expect(() => F.concat(a as Var<'f32', 3>, b as Var<'f32', 3>, 2)).toThrow(/^concat: f32\[2, 3, 4\] .*and .* differ outside axis 2/);
  });
});
