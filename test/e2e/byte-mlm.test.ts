// End to end, in headless Chromium on the WebGPU backend (the compiled step): the byte-level MLM
// recipe on Kant's Critique. Its first losses equal the CPU backend's from the same seed, and the
// CI-sized run learns context: its held-out masked-byte loss ends below the unigram baseline of the
// same held-out bytes (a model that only learned byte frequencies would sit at that baseline).
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BYTE_MLM_CONFIGS, createCpuBackend, trainByteMlm } from '../../src/index.js';
import type { ByteMlmRun } from '../browser/main.js';
import { KANT } from '../harness/data.js';
import { openTestPage } from '../harness/gpu-suite.js';

if (!KANT.present) console.warn(`[e2e] skipping the byte-level MLM run: ${KANT.missing}`);

const SEED = 1;
const COMPARED = 3;
const CONFIG = BYTE_MLM_CONFIGS.ci;

describe.skipIf(!KANT.present)('byte-level MLM on Kant, end to end', () => {
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

  test(`the first ${COMPARED} WebGPU losses equal the CPU backend's`, { timeout: 600_000 }, async () => {
    const text = readFileSync(KANT.path, 'utf8');
    // Few steps, the CI schedule's warm-up: the same learning rates, parameters and batches on both.
    const config = { ...CONFIG, steps: COMPARED, evalTokens: 256 };
    const cpu = await trainByteMlm({ backend: createCpuBackend(), text, config, seed: SEED });
    cpu.parameters.dispose();
    const gpu = (await page.evaluate(
      `window.shaderformerTest.trainByteMlm(${JSON.stringify(text)}, ${JSON.stringify(config)}, ${SEED}, ${COMPARED})`,
    )) as ByteMlmRun;
    for (let i = 0; i < COMPARED; i++) {
      const relative = Math.abs(gpu.losses[i]! - cpu.training.losses[i]!) / Math.abs(cpu.training.losses[i]!);
      expect(relative, `step ${i + 1}: WebGPU ${gpu.losses[i]} vs CPU ${cpu.training.losses[i]}`).toBeLessThan(1e-3);
    }
    const gpuHeldOut = gpu.evaluations.at(-1)!.metrics.heldout_mlm_loss!;
    expect(Math.abs(gpuHeldOut - cpu.final.heldout_mlm_loss) / cpu.final.heldout_mlm_loss, 'held-out loss, WebGPU vs CPU').toBeLessThan(1e-3);
  });

  test(`${CONFIG.steps} steps get the held-out masked-byte loss below the unigram baseline`, { timeout: 1_800_000 }, async () => {
    const text = readFileSync(KANT.path, 'utf8');
    const progress = setInterval(() => {
      page.evaluate('window.shaderformerTest.mlmProgress').then(
        (done) => console.log(`[e2e] byte MLM step ${String(done)}/${CONFIG.steps}`),
        () => {},
      );
    }, 60_000);
    let run: ByteMlmRun;
    try {
      run = (await page.evaluate(
        `window.shaderformerTest.trainByteMlm(${JSON.stringify(text)}, ${JSON.stringify(CONFIG)}, ${SEED}, ${CONFIG.steps})`,
      )) as ByteMlmRun;
    } finally {
      clearInterval(progress);
    }
    expect(run.losses).toHaveLength(CONFIG.steps);
    const final = run.evaluations.at(-1)!;
    const { heldout_mlm_loss, unigram_loss, heldout_accuracy } = final.metrics as Record<string, number>;
    console.log(
      `[e2e] byte MLM after ${final.step} steps (${run.wallSeconds.toFixed(0)} s): held-out loss ${heldout_mlm_loss!.toFixed(4)} vs unigram ${unigram_loss!.toFixed(4)} (${(heldout_mlm_loss! / unigram_loss!).toFixed(3)}×), accuracy ${heldout_accuracy!.toFixed(3)}`,
    );
    expect(final.step).toBe(CONFIG.steps);
    expect(heldout_mlm_loss).toBeLessThan(unigram_loss!);
  });
});
