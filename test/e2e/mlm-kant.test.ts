// The end-to-end check: the small BERT MLM trained on the Kant text in headless Chromium on
// the WebGPU backend (the compiled step). Its first 5 losses must equal the CPU backend's from the
// same seed within 1e-3 relative, and after 300 steps the loss must be below 60% of the first.
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCpuBackend } from '../../src/index.js';
import { trainMlmOnText } from './mlm-kant.js';
import { KANT as KANT_FILE } from '../harness/data.js';
import { openTestPage } from '../harness/gpu-suite.js';

const KANT = KANT_FILE.path;
const present = KANT_FILE.present;
if (!present) console.warn(`[e2e] skipping the Kant MLM run: ${KANT_FILE.missing}`);

const STEPS = 300;
const SEED = 1;
const COMPARED = 5;

describe.skipIf(!present)('MLM on Kant, end to end', () => {
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    // One evaluate runs the whole training: longer than puppeteer's default 180 s protocol timeout.
    ({ browser, page } = await openTestPage({ protocolTimeout: 1_800_000 }));
  });
  afterAll(async () => {
    await page?.close();
    await browser?.disconnect();
  });

  test(`${STEPS} steps in Chromium (WebGPU, compiled) agree with the CPU backend, and the loss falls below 60%`, { timeout: 1_800_000 }, async () => {
    const text = readFileSync(KANT, 'utf8');
    const cpuLosses = await trainMlmOnText(createCpuBackend(), text, { steps: COMPARED, totalSteps: STEPS, seed: SEED });
    const progress = setInterval(() => {
      page.evaluate('window.shaderformerTest.mlmProgress').then(
        (done) => console.log(`[e2e] MLM step ${String(done)}/${STEPS}`),
        () => {},
      );
    }, 30_000);
    let gpuLosses: number[];
    try {
      gpuLosses = (await page.evaluate(`window.shaderformerTest.trainMlm(${JSON.stringify(text)}, ${STEPS}, ${STEPS}, ${SEED})`)) as number[];
    } finally {
      clearInterval(progress);
    }
    expect(gpuLosses).toHaveLength(STEPS);
    for (let i = 0; i < COMPARED; i++) {
      const relative = Math.abs(gpuLosses[i]! - cpuLosses[i]!) / Math.abs(cpuLosses[i]!);
      expect(relative, `step ${i}: WebGPU ${gpuLosses[i]} vs CPU ${cpuLosses[i]}`).toBeLessThan(1e-3);
    }
    // The last 10 steps' mean, so one lucky batch cannot pass it.
    const last = gpuLosses.slice(-10).reduce((a, b) => a + b, 0) / 10;
    console.log(
      `[e2e] MLM loss ${gpuLosses[0]!.toFixed(4)} → ${last.toFixed(4)} (mean of the last 10; ${((100 * last) / gpuLosses[0]!).toFixed(1)}%); CPU first ${COMPARED}: ${cpuLosses.map((l) => l.toFixed(5)).join(', ')}`,
    );
    expect(last).toBeLessThan(0.6 * gpuLosses[0]!);
  });
});
