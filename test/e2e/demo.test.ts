// The demo pages, built and served as `npm run demo` does, opened in the shared headless Chromium.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { KANT as KANT_FILE } from '../harness/data.js';

const outputDir = fileURLToPath(new URL('../output', import.meta.url));
const KANT = KANT_FILE.path;
const kantPresent = KANT_FILE.present;
if (!kantPresent) console.warn(`[e2e] skipping the MLM pretraining demo run: ${KANT_FILE.missing}`);
/** Steps of the demo run in the test: enough for the loss to fall, few enough for SwiftShader (~1 s each, plus ~1 min of compiles). */
const DEMO_STEPS = 8;

describe('demos in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  beforeAll(async () => {
    // The MLM demo's wait for 'done' can outlast puppeteer's default 180 s protocol timeout on a loaded machine.
    browser = await puppeteer.connect({ browserWSEndpoint: inject('browserWSEndpoint'), protocolTimeout: 900_000 });
    page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    await page.setViewport({ width: 1000, height: 1400 });
  });
  afterAll(async () => {
    await page?.close();
    await browser?.disconnect();
  });

  test('the index links to every demo', async () => {
    await page.goto(inject('demoUrl'));
    const links = await page.$$eval('a', (as) => as.map((a) => a.getAttribute('href')));
    expect(links).toContain('./gemm-check/');
    expect(links).toContain('./mlm-pretraining/');
  });

  test('GPU check: shows the adapter and a GEMM max error under 1e-4', async () => {
    await page.goto(`${inject('demoUrl')}gemm-check/`);
    await page.waitForFunction('document.body.dataset.state !== undefined', { timeout: 100_000 });
    mkdirSync(outputDir, { recursive: true });
    await page.screenshot({ path: `${outputDir}/demo-gemm-check.png`, fullPage: true });
    const status = await page.$eval('#status', (el) => el.textContent ?? '');
    expect(await page.evaluate('document.body.dataset.state'), status).toBe('done');
    const architecture = await page.$eval('[data-key="architecture"]', (el) => el.textContent ?? '');
    const features = await page.$eval('[data-key="features"]', (el) => el.textContent ?? '');
    expect(architecture.length).toBeGreaterThan(0);
    expect(features.length).toBeGreaterThan(0);
    const tuned = await page.$$eval('#tuning td', (cells) => cells.map((c) => c.textContent ?? ''));
    expect(tuned.length).toBeGreaterThan(1);
    expect(tuned.filter((t) => t.includes('chosen'))).toHaveLength(1);
    const limits = await page.$$eval('#limits tr', (rows) => rows.length);
    expect(limits).toBeGreaterThan(5);
    const maxError = Number(await page.evaluate('document.body.dataset.maxError'));
    expect(maxError).toBeLessThan(1e-4);
    expect(maxError).toBeGreaterThanOrEqual(0);
    expect(status).toMatch(/^OK: the GPU matches the CPU reference/);
    expect(pageErrors).toEqual([]);
  });

  test('MLM pretraining: without WebGPU the page says so', async () => {
    const bare = await browser.newPage();
    try {
      await bare.evaluateOnNewDocument(() => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined }));
      await bare.goto(`${inject('demoUrl')}mlm-pretraining/`);
      await bare.waitForFunction('document.body.dataset.state === "error"');
      expect(await bare.$eval('#status', (el) => el.textContent ?? '')).toMatch(/^Error: WebGPU is not available: navigator\.gpu is missing/);
      expect(await bare.$eval('#start', (el) => (el as HTMLButtonElement).disabled)).toBe(true);
    } finally {
      await bare.close();
    }
  });

  test('MLM pretraining: an unreachable URL and a text shorter than one window are refused with clear messages', async () => {
    await page.goto(`${inject('demoUrl')}mlm-pretraining/`);
    await page.waitForFunction('document.body.dataset.state === "idle" && document.getElementById("adapter").textContent !== ""', { timeout: 100_000 });
    await page.type('#url', 'http://127.0.0.1:1/kant.txt');
    await page.click('#load-url');
    await page.waitForFunction('document.body.dataset.state === "error"');
    expect(await page.$eval('#status', (el) => el.textContent ?? '')).toMatch(
      /^Error: Could not fetch http:\/\/127\.0\.0\.1:1\/kant\.txt: .*file picker instead\.$/,
    );
    mkdirSync(outputDir, { recursive: true });
    const tiny = `${outputDir}/demo-mlm-tiny.txt`;
    writeFileSync(tiny, 'Too short to train on.');
    await (await page.$('input#file'))!.uploadFile(tiny);
    await page.waitForFunction('!document.getElementById("start").disabled');
    await page.click('#start');
    await page.waitForFunction('document.body.dataset.state === "error"');
    const status = await page.$eval('#status', (el) => el.textContent ?? '');
    expect(status).toMatch(/The text has 22 bytes, fewer than one training window of 64/);
    expect(pageErrors).toEqual([]);
  });

  test.skipIf(!kantPresent)(
    `MLM pretraining: ${DEMO_STEPS} steps on the Kant text, a falling loss chart, and the mask filled in`,
    { timeout: 900_000 },
    async () => {
      await page.goto(`${inject('demoUrl')}mlm-pretraining/`);
      await page.waitForFunction('document.body.dataset.state === "idle" && document.getElementById("adapter").textContent !== ""', { timeout: 100_000 });
      await (await page.$('input#file'))!.uploadFile(KANT);
      await page.waitForFunction('!document.getElementById("start").disabled', { timeout: 30_000 });
      expect(await page.$eval('#text-info', (el) => el.textContent ?? '')).toMatch(
        /critique_of_pure_reason\.txt: [\d,]+ bytes \(Project Gutenberg header and footer stripped\)/,
      );
      await page.$eval('#steps', (el, steps) => ((el as HTMLInputElement).value = steps), String(DEMO_STEPS));
      const started = Date.now();
      await page.click('#start');
      expect(await page.evaluate('document.body.dataset.state')).toBe('training');
      await page.waitForFunction('document.body.dataset.state !== "training"', { timeout: 840_000, polling: 1000 });
      console.log(
        `[e2e] demo: ${DEMO_STEPS} steps in ${((Date.now() - started) / 1000).toFixed(0)} s · ${await page.$eval('#progress', (el) => el.textContent ?? '')}`,
      );
      mkdirSync(outputDir, { recursive: true });
      await page.screenshot({ path: `${outputDir}/demo-mlm-pretraining.png`, fullPage: true });
      const status = await page.$eval('#status', (el) => el.textContent ?? '');
      expect(await page.evaluate('document.body.dataset.state'), status).toBe('done');
      const data = (await page.evaluate('({ ...document.body.dataset })')) as Record<string, string>;
      expect(Number(data.step)).toBe(DEMO_STEPS);
      const first = Number(data.firstLoss);
      const last = Number(data.loss);
      expect(Number.isFinite(first) && Number.isFinite(last)).toBe(true);
      expect(last, `loss ${first} → ${last}`).toBeLessThan(first);
      // After training only the parameters stay on the GPU (kept for fill-the-mask): the step freed everything else.
      expect(Number(data.liveBytes)).toBe(Number(data.parameterLiveBytes));
      const linePixels = await page.$eval('#chart', (el) => {
        const canvas = el as HTMLCanvasElement;
        const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let count = 0;
        for (let i = 0; i < pixels.length; i += 4) if (pixels[i + 2]! > 180 && pixels[i]! < 100) count++; // the blue loss line
        return count;
      });
      expect(linePixels).toBeGreaterThan(50);
      const sentence = await page.$eval('#mask-input', (el) => (el as HTMLInputElement).value);
      const filled = await page.$eval('#mask-filled', (el) => el.textContent ?? '');
      expect(filled).toHaveLength(sentence.length);
      expect(filled).not.toContain('_');
      expect(await page.$$eval('#mask-filled mark', (marks) => marks.length)).toBe(sentence.split('_').length - 1);

      // A second, longer run stopped after two steps ends cleanly and frees the first run's parameters (same backend, shaders compiled).
      await page.$eval('#steps', (el) => ((el as HTMLInputElement).value = '300'));
      await page.click('#start');
      await page.waitForFunction('Number(document.body.dataset.step) >= 2', { timeout: 120_000, polling: 200 });
      await page.click('#stop');
      await page.waitForFunction('document.body.dataset.state !== "training"', { timeout: 120_000, polling: 200 });
      const stopped = (await page.evaluate('({ ...document.body.dataset })')) as Record<string, string>;
      expect(stopped.state).toBe('done');
      expect(await page.$eval('#status', (el) => el.textContent ?? '')).toMatch(/^Stopped after \d+ of 300 steps/);
      expect(Number(stopped.step)).toBeGreaterThanOrEqual(2);
      expect(Number(stopped.step)).toBeLessThan(300);
      expect(Number(stopped.liveBytes)).toBe(Number(stopped.parameterLiveBytes));
      expect(Number(stopped.liveBytes)).toBe(Number(data.liveBytes));
      expect(pageErrors).toEqual([]);
    },
  );
});
