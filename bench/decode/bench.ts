// The decode benchmark: greedy decoding of 64 new tokens with the KV cache (each step feeds one token
// and writes its keys and values into its slot of a fixed-size cache on the GPU; the step is recorded
// once per batch and replayed) against recomputing the decoder over the whole prefix every step (op
// by op, a graph per length), on the same randomly initialised model and sources. The row's value is new
// tokens per second (every source, every step); its check is that both give the same tokens. Cases:
// the small Transformer (encoder-decoder) and a GPT-2-small-shaped decoder-only model.
import { type Backend, GPT2LMHeadModel, ParameterStore, TRANSFORMER_SIZES, Transformer, createSeq2SeqGenerator, createTextGenerator } from '../../src/index.js';
import { type Benchmark, type Row, errorMessage, round3, seededUniform, timeOperations } from '../lib/bench.js';

interface DecodeCase {
  case: string;
  detail: string;
  /** A Transformer size, or GPT-2 small's shape (124M parameters, V 50257). */
  size: keyof typeof TRANSFORMER_SIZES | 'gpt2-small';
  vocab: number;
  batch: number;
  sourceLength: number;
  newTokens: number;
}

const NEW_TOKENS = 64;

export const decodeCases: DecodeCase[] = [
  ...[1, 16].map((batch) => ({
    case: `seq2seq-small-b${batch}`,
    detail: `Transformer small (d 256, 3+3 layers, V 8000), ${batch} source(s) of 16 tokens, greedy, ${NEW_TOKENS} new tokens`,
    size: 'small' as const,
    vocab: 8000,
    batch,
    sourceLength: 16,
    newTokens: NEW_TOKENS,
  })),
  // Batch 1 only: recomputing 64 steps of GPT-2 small for 16 rows takes many minutes a run on a CPU adapter.
  {
    case: 'gpt2-small-b1',
    detail: `GPT-2 small's shape (d 768, 12 layers, V 50257), a prompt of 16 tokens, greedy, ${NEW_TOKENS} new tokens`,
    size: 'gpt2-small',
    vocab: 50257,
    batch: 1,
    sourceLength: 16,
    newTokens: NEW_TOKENS,
  },
];

/** A case's model behind one interface: generate greedily `newTokens` tokens (no early end) per source. */
function decoder(spec: DecodeCase, gpu: Backend) {
  if (spec.size === 'gpt2-small') {
    const model = new GPT2LMHeadModel({});
    const parameters = ParameterStore.create(gpu, model.parameters(), { seed: 1 });
    const generator = createTextGenerator(model, parameters);
    const generate = (sources: number[][], cache: boolean) =>
      generator.generate(sources, { maxNewTokens: spec.newTokens, temperature: 0, eosTokenId: null, cache, batchSize: spec.batch });
    return { parameters, generate, dispose: () => generator.dispose() };
  }
  const model = new Transformer({ sourceVocabSize: spec.vocab, ...TRANSFORMER_SIZES[spec.size], shareEmbeddings: true });
  const parameters = ParameterStore.create(gpu, model.parameters(), { seed: 1 });
  const generator = createSeq2SeqGenerator(model, parameters);
  const generate = (sources: number[][], cache: boolean) =>
    generator.generate(sources, { cache, maxLength: spec.newTokens, minLength: spec.newTokens, batchSize: spec.batch });
  return { parameters, generate, dispose: () => generator.dispose() };
}

const IMPLS = { 'shaderformer/kv-cache': true, 'shaderformer/recompute': false } as const;

/** The decode benchmark on `gpu`: both of our decoders (there is no peer decoder to compare with). */
export function createDecodeBenchmark(gpu: Backend): Benchmark {
  const prepared = new Map<string, { decoder: ReturnType<typeof decoder>; sources: number[][]; tokens?: string }>();
  return {
    name: 'decode',
    cases: decodeCases.map((c) => ({ case: c.case, detail: c.detail })),
    impls: Object.keys(IMPLS),

    async prepare(caseName) {
      const spec = decodeCases.find((c) => c.case === caseName);
      if (!spec) throw new Error(`decode: no case ${caseName}`);
      const uniform = seededUniform(20261207);
      const sources = Array.from({ length: spec.batch }, () => Array.from({ length: spec.sourceLength }, () => 4 + Math.floor(uniform() * (spec.vocab - 4))));
      prepared.set(caseName, { decoder: decoder(spec, gpu), sources });
    },

    async run(caseName, impl, budgetMs) {
      const p = prepared.get(caseName);
      const spec = decodeCases.find((c) => c.case === caseName);
      if (!p || !spec) throw new Error(`decode: case ${caseName} was not prepared`);
      const row: Row = { case: caseName, impl, metric: 'tokens_per_s', value: null, maxAbsErr: null, ok: false };
      try {
        const cache = IMPLS[impl as keyof typeof IMPLS];
        const timing = await timeOperations<number[][]>(
          { launch: () => p.decoder.generate(p.sources, cache), wait: async () => {}, dispose: () => {} },
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
      }
      return row;
    },

    release(caseName) {
      const p = prepared.get(caseName);
      p?.decoder.dispose();
      p?.decoder.parameters.dispose();
      prepared.delete(caseName);
    },
  };
}
