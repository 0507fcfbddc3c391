// Hugging Face folders on WebGPU, in headless Chromium and in Node/Dawn: the fixtures are read from the
// static server pretrained.test.ts starts (its URL in globalThis.HF_FIXTURES: another origin, so CORS
// and byte ranges are real), as a base URL, as File[] (a dropped folder), and saved → loaded through a
// zip and through OPFS. Logits against transformers': f32, atol 1e-4 + rtol 1e-4.
import { unzipSync } from 'fflate';
import { BertForMaskedLM, type ParameterStore, savePretrained, savePretrainedZip } from '../../src/index.js';
import { type CaseContext, defineSuite } from '../harness/cases.js';
import { type Expected, TOLERANCE, forward } from './pretrained-check.js';

const FILES: Record<string, string[]> = {
  'bert-mlm': ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'],
  'bert-sharded': [
    'config.json',
    'model.safetensors.index.json',
    'model-00001-of-00003.safetensors',
    'model-00002-of-00003.safetensors',
    'model-00003-of-00003.safetensors',
    'vocab.txt',
  ],
};

function base(): string {
  const url = (globalThis as { HF_FIXTURES?: string }).HF_FIXTURES;
  if (!url) throw new Error('globalThis.HF_FIXTURES is not set: run these cases from test/models/pretrained.test.ts');
  return url;
}

async function expectedOf(name: string): Promise<Expected> {
  return (await fetch(`${base()}${name}/expected.json`)).json();
}

/** Loads `source` on the GPU, checks the logits against transformers' and returns them (the parameters disposed). */
async function checkLogits(ctx: CaseContext, label: string, source: Parameters<typeof BertForMaskedLM.fromPretrained>[0], expected: Expected) {
  const { model, parameters, report } = await BertForMaskedLM.fromPretrained(source, { backend: ctx.gpu });
  ctx.expectTrue(
    `${label}: report`,
    report.missingKeys.length === 0 && report.unexpectedKeys.length === 0,
    JSON.stringify(report.missingKeys.concat(report.unexpectedKeys)),
  );
  const logits = await forward(model, parameters, ctx.gpu, expected);
  ctx.expectClose(`${label}: logits vs transformers`, logits, expected.logits!.flat(2), TOLERANCE);
  return { model, parameters, logits };
}

async function filesOf(name: string): Promise<File[]> {
  return Promise.all(FILES[name]!.map(async (file) => new File([await (await fetch(`${base()}${name}/${file}`)).blob()], file)));
}

function dispose(parameters: ParameterStore): void {
  parameters.dispose();
}

export default defineSuite('pretrained', [
  {
    name: 'base URL (another origin, ranges): bert-mlm and the sharded bert give transformers logits on WebGPU; no GPU bytes left',
    async run(ctx) {
      const live = ctx.gpu.stats().liveBytes;
      for (const name of ['bert-mlm', 'bert-sharded']) {
        const { parameters } = await checkLogits(ctx, name, `${base()}${name}/`, await expectedOf(name));
        dispose(parameters);
      }
      ctx.expectTrue('live bytes', ctx.gpu.stats().liveBytes === live, `${ctx.gpu.stats().liveBytes} live after, ${live} before`);
    },
  },
  {
    name: 'File[] (a dropped folder) gives transformers logits on WebGPU',
    async run(ctx) {
      const { parameters } = await checkLogits(ctx, 'bert-sharded', await filesOf('bert-sharded'), await expectedOf('bert-sharded'));
      dispose(parameters);
    },
  },
  {
    name: 'save → zip → unzip → load on WebGPU gives the same logits',
    async run(ctx) {
      const expected = await expectedOf('bert-mlm');
      const first = await checkLogits(ctx, 'bert-mlm', `${base()}bert-mlm/`, expected);
      const zip = await savePretrainedZip(first);
      dispose(first.parameters);
      const again = await checkLogits(ctx, 'from zip', unzipSync(new Uint8Array(await zip.arrayBuffer())), expected);
      ctx.expectClose('round trip: same logits', again.logits, first.logits, { atol: 0, rtol: 0 });
      dispose(again.parameters);
    },
  },
  {
    name: 'save → OPFS directory handle → load its files on WebGPU gives the same logits',
    skipOnDawn: 'OPFS exists only in a page',
    async run(ctx) {
      const expected = await expectedOf('bert-sharded');
      const first = await checkLogits(ctx, 'bert-sharded', await filesOf('bert-sharded'), expected);
      const root = await navigator.storage.getDirectory();
      const folder = await root.getDirectoryHandle('sf-pretrained-case', { create: true });
      try {
        const written = await savePretrained(folder, first);
        dispose(first.parameters);
        const files = await Promise.all(written.map(async (name) => (await folder.getFileHandle(name)).getFile()));
        const again = await checkLogits(ctx, 'from OPFS', files, expected);
        ctx.expectClose('round trip: same logits', again.logits, first.logits, { atol: 0, rtol: 0 });
        dispose(again.parameters);
      } finally {
        await root.removeEntry('sf-pretrained-case', { recursive: true });
      }
    },
  },
]);
