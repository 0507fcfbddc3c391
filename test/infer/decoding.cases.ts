// Incremental decoding on WebGPU (headless Chromium and Node/Dawn): the cached decoders record their
// step once per batch and replay it per token. Their tokens must equal recomputing the whole prefix
// every step, for the Transformer (greedy and beam search, batches of different source lengths) and
// for GPT-2 (left-padded prompts, greedy and seeded sampling); a second run creates no buffer and
// leaves no byte behind. Weights are ±[0.2, 0.8) so that the tokens depend on the input.
import { Xoshiro128 } from '../../src/data/rng.js';
import { GPT2LMHeadModel, type Module, ParameterStore, Transformer, type WebGPUBackend, createSeq2SeqGenerator, createTextGenerator } from '../../src/index.js';
import { type CaseContext, defineSuite } from '../harness/cases.js';
import { SMALL } from '../models/tiny-transformer.js';

/** Parameters of `model` on `gpu`, drawn ±[0.2, 0.8) except the LayerNorm gains (kept at 1). */
function boldParameters(gpu: WebGPUBackend, model: Module, seed: number): ParameterStore {
  const rng = new Xoshiro128(seed);
  return ParameterStore.create(gpu, model.parameters(), {
    values: (p) =>
      /(LayerNorm|layer_norm|ln_\d|ln_f)\.weight$/.test(p.name)
        ? undefined
        : Float32Array.from({ length: p.size }, () => (rng.nextFloat() < 0.5 ? -1 : 1) * (0.2 + 0.6 * rng.nextFloat())),
  });
}

/** Random token lists, lengths `lengths`, ids in [lo, hi). */
function randomLists(seed: number, lengths: readonly number[], lo: number, hi: number): number[][] {
  const rng = new Xoshiro128(seed);
  return lengths.map((n) => Array.from({ length: n }, () => lo + rng.nextInt(hi - lo)));
}

/** Runs `generate` twice more and checks the second creates no buffer and both leave the live bytes as they were. */
async function expectNoGrowth(ctx: CaseContext, generate: () => Promise<unknown>): Promise<void> {
  await generate();
  const before = ctx.gpu.stats();
  await generate();
  const after = ctx.gpu.stats();
  ctx.expectTrue(
    'no buffer created by a second run',
    after.createdBuffers === before.createdBuffers,
    `${after.createdBuffers - before.createdBuffers} created`,
  );
  ctx.expectTrue('live bytes flat', after.liveBytes === before.liveBytes, `${after.liveBytes} live after, ${before.liveBytes} before`);
}

export default defineSuite('incremental decoding', [
  {
    name: 'Transformer: the replayed cached step gives the tokens of recomputing the prefix, greedy and beam 3; no growth',
    async run(ctx) {
      const live = ctx.gpu.stats().liveBytes;
      const model = new Transformer(SMALL);
      const parameters = boldParameters(ctx.gpu, model, 11);
      const generator = createSeq2SeqGenerator(model, parameters);
      const sources = randomLists(32, [3, 7, 2, 5, 6], 3, 23);
      for (const beamSize of [1, 3]) {
        const options = { beamSize, maxLength: 9, batchSize: 2 };
        const cached = await generator.generate(sources, options);
        const recomputed = await generator.generate(sources, { ...options, cache: false });
        ctx.expectTrue(
          `beam ${beamSize}: cached = recomputed`,
          JSON.stringify(cached) === JSON.stringify(recomputed),
          `${JSON.stringify(cached)} vs ${JSON.stringify(recomputed)}`,
        );
        ctx.expectTrue(`beam ${beamSize}: outputs differ between sources`, new Set(cached.map((c) => c.join())).size > 1, JSON.stringify(cached));
      }
      await expectNoGrowth(ctx, () => generator.generate(sources.slice(0, 2), { beamSize: 3, maxLength: 9 }));
      generator.dispose();
      parameters.dispose();
      ctx.expectTrue('no GPU bytes left', ctx.gpu.stats().liveBytes === live, `${ctx.gpu.stats().liveBytes} live after, ${live} before`);
    },
  },
  {
    name: 'GPT-2: the replayed cached step gives the tokens of recomputing the sequence, left-padded prompts, greedy and sampled; no growth',
    async run(ctx) {
      const live = ctx.gpu.stats().liveBytes;
      const model = new GPT2LMHeadModel({ vocab_size: 40, n_positions: 32, n_embd: 16, n_layer: 2, n_head: 4 });
      const parameters = boldParameters(ctx.gpu, model, 41);
      const generator = createTextGenerator(model, parameters);
      const prompts = randomLists(42, [4, 1, 6], 0, 40);
      for (const sampling of [{ temperature: 0 }, { temperature: 0.8, topK: 10, seed: 7 }]) {
        const options = { ...sampling, maxNewTokens: 8, eosTokenId: null };
        const cached = await generator.generate(prompts, options);
        const recomputed = await generator.generate(prompts, { ...options, cache: false });
        const label = `temperature ${sampling.temperature}`;
        ctx.expectTrue(
          `${label}: cached = recomputed`,
          JSON.stringify(cached) === JSON.stringify(recomputed),
          `${JSON.stringify(cached)} vs ${JSON.stringify(recomputed)}`,
        );
        ctx.expectTrue(`${label}: outputs differ between prompts`, new Set(cached.map((c) => c.join())).size > 1, JSON.stringify(cached));
      }
      await expectNoGrowth(ctx, () => generator.generate(prompts, { temperature: 0, maxNewTokens: 8 }));
      generator.dispose();
      parameters.dispose();
      ctx.expectTrue('no GPU bytes left', ctx.gpu.stats().liveBytes === live, `${ctx.gpu.stats().liveBytes} live after, ${live} before`);
    },
  },
]);
