// `npm run example -- <quick-start | train-mlm | fine-tune> [--cpu] [--text FILE] [--steps N] [--model DIR] [--out DIR]`:
// runs an example on WebGPU (in Node: Dawn, from the `webgpu` package) or, with --cpu, on the CPU reference backend.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createCpuBackend, createWebGPUBackend } from 'shaderformer';
import { fineTunePretrained } from './fine-tune-pretrained.js';
import { quickStart } from './quick-start.js';
import { trainMlm } from './train-mlm.js';

const usage = 'usage: npm run example -- <quick-start | train-mlm | fine-tune> [--cpu] [--text FILE] [--steps N] [--model DIR] [--out DIR]';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      cpu: { type: 'boolean', default: false },
      text: { type: 'string' },
      steps: { type: 'string', default: '300' },
      model: { type: 'string' },
      out: { type: 'string', default: 'fine-tuned' },
    },
  });
  const [example] = positionals;
  const steps = Number(values.steps);
  if (!['quick-start', 'train-mlm', 'fine-tune'].includes(example ?? '') || !(Number.isSafeInteger(steps) && steps > 0)) throw new Error(usage);
  if (example !== 'quick-start' && !values.text)
    throw new Error(`${example} needs --text FILE, e.g. the plain text of https://www.gutenberg.org/ebooks/4280\n${usage}`);
  if (example === 'fine-tune' && !values.model) throw new Error(`fine-tune needs --model DIR, a BERT folder as transformers saves it\n${usage}`);
  const text = values.text ? readFileSync(values.text, 'utf8') : '';

  const started = performance.now();
  // navigator.gpu in a browser; Dawn from the `webgpu` package in Node.
  const backend = values.cpu ? createCpuBackend() : await createWebGPUBackend();
  if (backend.name === 'webgpu') console.log(`WebGPU: ${backend.report.vendor} ${backend.report.architecture} (${backend.report.features.join(', ')})`);
  try {
    if (example === 'quick-start') console.log(await quickStart(backend));
    else if (example === 'train-mlm') await trainMlm(backend, text, steps);
    else await fineTunePretrained(backend, values.model!, text, values.out!, steps);
    const { peakLiveBytes } = backend.stats();
    console.log(`done in ${((performance.now() - started) / 1000).toFixed(2)} s; peak tensor memory ${(peakLiveBytes / 2 ** 20).toFixed(2)} MiB`);
  } finally {
    backend.destroy();
  }
}

await main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
