// BertForMaskedLM.forward and the inference runner on WebGPU: the checks of bert-forward.ts, and
// the runner's outputs against the CPU backend's.
import type { Tolerance } from '../harness/cases.js';
import { defineSuite } from '../harness/cases.js';
import { type FillMaskPrediction, fillMask } from '../../src/index.js';
import { PROBABILITY_TOLERANCE, checkForward, makeBatch, makeModel, makeRunner } from './bert-forward.js';
import { TEXTS, makeTokenizer } from './fill-mask-fixture.js';

// f32 on both backends, different GEMM and reduction orders through two layers and the head: logits
// of size O(1–10) agree to ~1e-5 relative; hidden states (LayerNorm outputs, O(1)) to ~1e-5.
const LOGITS_TOLERANCE: Tolerance = { atol: 1e-4, rtol: 1e-4 };

export default defineSuite('inference', [
  {
    name: 'bert forward: logits, loss, hidden states, attentions; live bytes flat over 5 runs',
    run: (ctx) => checkForward(ctx, ctx.gpu, ctx.rng),
  },
  {
    name: 'runner on webgpu = runner on cpu',
    run: async (ctx) => {
      const batch = makeBatch(ctx.rng);
      const outputs = [];
      for (const backend of [ctx.gpu, ctx.cpu]) {
        const { model, parameters } = makeModel(backend);
        const runner = makeRunner(model, parameters);
        try {
          outputs.push(await runner.run(batch));
        } finally {
          runner.dispose();
          parameters.dispose();
        }
      }
      const [gpu, cpu] = outputs as [(typeof outputs)[0], (typeof outputs)[0]];
      ctx.expectClose('logits', gpu.logits.data, cpu.logits.data, LOGITS_TOLERANCE);
      ctx.expectClose('loss', gpu.loss.data, cpu.loss.data, { atol: 0, rtol: 1e-5 });
      gpu.hiddenStates.forEach((h, l) => ctx.expectClose(`hiddenStates[${l}]`, h.data, cpu.hiddenStates[l]!.data, LOGITS_TOLERANCE));
      gpu.attentions.forEach((a, l) => ctx.expectClose(`attentions[${l}]`, a.data, cpu.attentions[l]!.data, PROBABILITY_TOLERANCE));
    },
  },
  {
    name: 'fillMask on webgpu = fillMask on cpu (batched, padded)',
    run: async (ctx) => {
      const tokenizer = makeTokenizer();
      const results: FillMaskPrediction[][] = [];
      for (const backend of [ctx.gpu, ctx.cpu]) {
        const loaded = makeModel(backend);
        try {
          results.push((await fillMask(loaded, tokenizer, TEXTS, { topK: 5, batchSize: 3 })).flat(2));
        } finally {
          loaded.parameters.dispose();
        }
      }
      const [gpu, cpu] = results as [FillMaskPrediction[], FillMaskPrediction[]];
      ctx.expectClose(
        'scores',
        gpu.map((p) => p.score),
        cpu.map((p) => p.score),
        { atol: 1e-5, rtol: 0 },
      );
      // The same tokens in the same order, except where two scores are within the tolerance (a near-tie may swap).
      const swapped = gpu.filter((p, i) => p.token !== cpu[i]!.token && Math.abs(p.score - cpu[i]!.score) > 1e-5);
      ctx.expectTrue('tokens', gpu.length === cpu.length && swapped.length === 0, `${swapped.length} predictions differ beyond a near-tie`);
    },
  },
]);
