// The tokenizers in a Web Worker in headless Chromium: no Node API, no DOM. The worker script is
// the library's tokenizers bundled by Vite (as an app would); it trains, encodes, decodes and
// round-trips tokenizer.json, and must give the ids Node gives.
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { trainByteLevelBpe, trainWordPiece } from '../../src/index.js';

const lines = [
  'Human reason has this peculiar fate, that in one species of its knowledge',
  'it is burdened by questions which it cannot dismiss; naïve, 1781 — and again 1787.',
  "It's the reason's own nature that poses them, Émile: 中文 and emoji 😀 too.",
];
const corpus = Array.from({ length: 40 }, (_, i) => lines[i % lines.length]!);
const probe = "Reason's questions, 1787: naïve 😀 and unseen words!";

async function workerSource(): Promise<string> {
  const output = await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      write: false,
      minify: false,
      target: 'es2022',
      lib: { entry: fileURLToPath(new URL('./worker-entry.ts', import.meta.url)), formats: ['iife'], name: 'tokenizerWorker' },
    },
  });
  const first = (Array.isArray(output) ? output[0] : output) as { output: { type: string; code?: string }[] };
  const chunk = first.output.find((o) => o.type === 'chunk');
  if (!chunk?.code) throw new Error('vite produced no worker chunk');
  return chunk.code;
}

describe('tokenizers in a Web Worker (headless Chromium)', () => {
  let browser: Browser;
  let page: Page;
  let source = '';
  beforeAll(async () => {
    source = await workerSource();
    browser = await puppeteer.connect({ browserWSEndpoint: inject('browserWSEndpoint') });
    page = await browser.newPage();
    await page.goto(inject('testPageUrl'));
  });
  afterAll(async () => {
    await page?.close();
    await browser?.disconnect();
  });

  test('the bundle uses no Node module', () => {
    expect(source).not.toMatch(/\bfrom\s*["']node:|require\(["'](node:)?(fs|path|buffer|crypto)["']\)/);
    expect(source).toContain('trainByteLevelBpe');
  });

  test('trains BPE and WordPiece, encodes, decodes and reads tokenizer.json in a worker, with the ids Node gets', async () => {
    const result = (await page.evaluate(
      (code: string, request: { lines: string[]; probe: string }) =>
        new Promise((resolve, reject) => {
          const worker = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
          worker.onmessage = (event) => {
            worker.terminate();
            resolve(event.data);
          };
          worker.onerror = (event) => reject(new Error(`worker error: ${event.message}`));
          worker.postMessage(request);
        }),
      source,
      { lines: corpus, probe },
    )) as Record<string, unknown>;
    expect(result.error).toBeUndefined();
    expect(result.inWorker).toBe(true);
    const bpe = trainByteLevelBpe(corpus, { vocabSize: 500 });
    const wordPiece = trainWordPiece(corpus, { vocabSize: 300 });
    expect(result.bpeIds).toEqual(bpe.encode(probe).ids);
    expect(result.bpeDecoded).toBe(probe);
    expect(result.wordPieceIds).toEqual(wordPiece.encode(probe, probe).ids);
    expect(result.wordPieceTypes).toEqual(wordPiece.encode(probe, probe).typeIds);
    expect((result.bpeIds as number[]).length).toBeGreaterThan(5);
  });
});
