// The model classes on WebGPU, in headless Chromium and in Node/Dawn: tiny transformers folders read from
// the static server heads.test.ts starts (its URL in globalThis.HF_FIXTURES). Outputs and losses against
// transformers': f32, atol 1e-4 + rtol 1e-4.
import { BertForPreTraining, BertForSequenceClassification, RobertaForMaskedLM } from '../../src/index.js';
import { defineSuite } from '../harness/cases.js';
import { TOLERANCE, type TinyExpected, feedOf, gatheredOf, run } from './heads-check.js';

function base(): string {
  const url = (globalThis as { HF_FIXTURES?: string }).HF_FIXTURES;
  if (!url) throw new Error('globalThis.HF_FIXTURES is not set: run these cases from test/models/heads.test.ts');
  return url;
}

async function expectedOf(name: string): Promise<TinyExpected> {
  return (await fetch(`${base()}${name}/expected.json`)).json();
}

const flat = (value: unknown) => [value].flat(3) as number[];

export default defineSuite('model heads', [
  {
    name: 'RobertaForMaskedLM on WebGPU: logits (position_ids), full and gathered loss equal transformers; no GPU bytes left',
    async run(ctx) {
      const live = ctx.gpu.stats().liveBytes;
      const e = await expectedOf('tiny-roberta-mlm');
      const { model, parameters } = await RobertaForMaskedLM.fromPretrained(`${base()}tiny-roberta-mlm/`, { backend: ctx.gpu });
      model.eval();
      const [logits, loss] = await run(ctx.gpu, parameters, feedOf(e, ['input_ids', 'attention_mask', 'position_ids', 'labels']), (x) => {
        const out = model.forward(x as never);
        return [out.logits, out.loss!];
      });
      ctx.expectClose('logits vs transformers', logits!, flat(e.logits), TOLERANCE);
      ctx.expectClose('loss vs transformers', loss!, [e.loss as number], TOLERANCE);
      const g = gatheredOf(e.labels as number[][], 4);
      const feed = { ...feedOf(e, ['input_ids', 'attention_mask', 'position_ids']), masked_positions: g.masked_positions, masked_labels: g.masked_labels };
      const [gathered] = await run(ctx.gpu, parameters, feed, (x) => [model.loss(x as never)]);
      ctx.expectClose('gathered loss vs transformers', gathered!, [e.loss as number], TOLERANCE);
      parameters.dispose();
      ctx.expectTrue('live bytes', ctx.gpu.stats().liveBytes === live, `${ctx.gpu.stats().liveBytes} live after, ${live} before`);
    },
  },
  {
    name: 'BertForPreTraining (pooler, tanh, NSP) and BertForSequenceClassification on WebGPU equal transformers',
    async run(ctx) {
      const inputs = ['input_ids', 'attention_mask', 'token_type_ids'];
      let e = await expectedOf('tiny-bert-pretraining');
      const pre = await BertForPreTraining.fromPretrained(`${base()}tiny-bert-pretraining/`, { backend: ctx.gpu });
      pre.model.eval();
      const [logits, nsp, loss] = await run(ctx.gpu, pre.parameters, feedOf(e, [...inputs, 'labels', 'next_sentence_label']), (x) => {
        const out = pre.model.forward(x as never);
        return [out.logits, out.seqRelationshipLogits, out.loss!];
      });
      ctx.expectClose('prediction logits', logits!, flat(e.prediction_logits), TOLERANCE);
      ctx.expectClose('seq relationship logits', nsp!, flat(e.seq_relationship_logits), TOLERANCE);
      ctx.expectClose('pre-training loss', loss!, [e.loss as number], TOLERANCE);
      pre.parameters.dispose();
      e = await expectedOf('tiny-bert-seqcls');
      const cls = await BertForSequenceClassification.fromPretrained(`${base()}tiny-bert-seqcls/`, { backend: ctx.gpu });
      cls.model.eval();
      const [clsLogits, clsLoss] = await run(ctx.gpu, cls.parameters, feedOf(e, [...inputs, 'labels']), (x) => {
        const out = cls.model.forward(x as never);
        return [out.logits, out.loss!];
      });
      ctx.expectClose('classifier logits', clsLogits!, flat(e.logits), TOLERANCE);
      ctx.expectClose('classifier loss', clsLoss!, [e.loss as number], TOLERANCE);
      cls.parameters.dispose();
    },
  },
]);
