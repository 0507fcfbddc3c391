// The decode benchmark: greedy decoding of 64 new tokens with the KV cache (each step feeds one token
// and appends its keys and values to the cache on the GPU) against recomputing the decoder over the
// whole prefix every step, on the same randomly initialised model and sources. The row's value is new
// tokens per second (every source, every step); its check is that both give the same tokens.
import { type Backend, ParameterStore, TRANSFORMER_SIZES, Transformer, createSeq2SeqGenerator } from '../../src/index.js';
import { type Benchmark, type Row, errorMessage, round3, seededUniform, timeOperations } from '../lib/bench.js';

interface DecodeCase {
  case: string;
  detail: string;
  size: keyof typeof TRANSFORMER_SIZES;
  vocab: number;
  batch: number;
  sourceLength: number;
  newTokens: number;
}

const NEW_TOKENS = 64;

export const decodeCases: DecodeCase[] = [1, 16].map((batch) => ({
  case: `seq2seq-small-b${batch}`,
  detail: `Transformer small (d 256, 3+3 layers, V 8000), ${batch} source(s) of 16 tokens, greedy, ${NEW_TOKENS} new tokens`,
  size: 'small',
  vocab: 8000,
  batch,
  sourceLength: 16,
  newTokens: NEW_TOKENS,
}));

const IMPLS = { 'shaderformer/kv-cache': true, 'shaderformer/recompute': false } as const;

/** The decode benchmark on `gpu`: both of our decoders (there is no peer decoder to compare with). */
export function createDecodeBenchmark(gpu: Backend): Benchmark {
  const prepared = new Map<string, { model: Transformer; parameters: ParameterStore; sources: number[][]; tokens?: string }>();
  return {
    name: 'decode',
    cases: decodeCases.map((c) => ({ case: c.case, detail: c.detail })),
    impls: Object.keys(IMPLS),

    async prepare(caseName) {
      const spec = decodeCases.find((c) => c.case === caseName);
      if (!spec) throw new Error(`decode: no case ${caseName}`);
      const model = new Transformer({ sourceVocabSize: spec.vocab, ...TRANSFORMER_SIZES[spec.size], shareEmbeddings: true });
      const parameters = ParameterStore.create(gpu, model.parameters(), { seed: 1 });
      const uniform = seededUniform(20261207);
      const sources = Array.from({ length: spec.batch }, () => Array.from({ length: spec.sourceLength }, () => 4 + Math.floor(uniform() * (spec.vocab - 4))));
      prepared.set(caseName, { model, parameters, sources });
    },

    async run(caseName, impl, budgetMs) {
      const p = prepared.get(caseName);
      const spec = decodeCases.find((c) => c.case === caseName);
      if (!p || !spec) throw new Error(`decode: case ${caseName} was not prepared`);
      const row: Row = { case: caseName, impl, metric: 'tokens/s', value: null, maxAbsErr: null, ok: false };
      const generator = createSeq2SeqGenerator(p.model, p.parameters);
      try {
        const options = { cache: IMPLS[impl as keyof typeof IMPLS], maxLength: spec.newTokens, minLength: spec.newTokens, batchSize: spec.batch };
        const timing = await timeOperations<number[][]>(
          { launch: () => generator.generate(p.sources, options), wait: async () => {}, dispose: () => {} },
          budgetMs,
        );
        row.value = round3((spec.batch * spec.newTokens * 1000) / timing.ms);
        row.ms = round3(timing.ms);
        row.rounds = timing.rounds;
        row.perRound = timing.perRound;
        // Both decoders must produce the same tokens: the first one run sets them.
        const tokens = JSON.stringify(timing.last);
        p.tokens ??= tokens;
        row.ok = tokens === p.tokens && timing.last.every((t) => t.length === spec.newTokens);
        if (!row.ok) row.error = 'tokens differ from the other decoder (or fewer than the new tokens asked for)';
      } catch (error) {
        row.error = errorMessage(error);
      } finally {
        generator.dispose();
      }
      return row;
    },

    release(caseName) {
      prepared.get(caseName)?.parameters.dispose();
      prepared.delete(caseName);
    },
  };
}
