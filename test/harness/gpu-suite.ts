// Turns a suite of GPU cases into vitest tests, twice: in headless Chromium and in Node through Dawn.
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, inject, test, type TestContext } from 'vitest';
import { type WebGPUBackend, createCpuBackend, createWebGPUBackend } from '../../src/index.js';
import { type CaseOutcome, type GpuSuite, decodeOutcome, runCase } from './cases.js';

/**
 * Connects to the run's shared Chromium and opens the test page, printing the page's errors, once
 * `window.shaderformerTest` is there. The caller closes the page and disconnects the browser.
 */
export async function openTestPage(connect: { protocolTimeout?: number } = {}): Promise<{ browser: Browser; page: Page }> {
  const browser = await puppeteer.connect({ browserWSEndpoint: inject('browserWSEndpoint'), ...connect });
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error(`[page] ${String(error)}`));
  await page.goto(inject('testPageUrl'));
  await page.waitForFunction('window.shaderformerTest !== undefined');
  return { browser, page };
}

/** A fresh seed per case, or $SHADERFORMER_SEED to replay a failure. */
function pickSeed(): number {
  const fixed = process.env.SHADERFORMER_SEED;
  return fixed ? Number(fixed) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
}

/** Fails the test with every failing check's max error and worst element, or skips with the case's reason. */
export function settle(outcome: CaseOutcome, seed: number, ctx: TestContext): void {
  const replay = `(seed ${seed}; replay with SHADERFORMER_SEED=${seed})`;
  if (outcome.error) throw new Error(`${outcome.error}\n${replay}`);
  if (outcome.gpuErrors) throw new Error(`WebGPU errors:\n${outcome.gpuErrors.join('\n')}\n${replay}`);
  if (outcome.skipped) {
    ctx.skip(outcome.skipped);
    return;
  }
  if (outcome.checks.length === 0) throw new Error(`the case made no checks ${replay}`);
  const failed = outcome.checks.filter((c) => !c.ok);
  if (failed.length === 0) return;
  const lines = failed.map((c) => {
    if (c.message) return `${c.label}: ${c.message}`;
    const { atol, rtol } = c.tolerance;
    const worst = c.worst ? `; worst [${c.worst.index}]: got ${c.worst.got}, want ${c.worst.want}` : '';
    return `${c.label}: max |err| = ${c.maxAbsErr.toExponential(3)} over ${c.count} values, tolerance ${atol} + ${rtol}·|ref|${worst}`;
  });
  throw new Error(`${lines.join('\n')}\n${replay}`);
}

/** What a suite needs around its cases: e.g. a server the cases read, whose URL the page must know. */
export interface GpuSuiteOptions {
  /** Runs in Node before any case (e.g. starts a server and sets a global the Dawn cases read). */
  beforeAll?: () => Promise<void> | void;
  /** Runs in Node after every case. */
  afterAll?: () => Promise<void> | void;
  /** JavaScript evaluated in the test page once it is loaded, after `beforeAll` (e.g. `window.X = "http://…"`). */
  pageScript?: () => string;
}

/** Registers `suite`'s cases as tests in Chromium and, when a Vulkan driver is found, in Node/Dawn. */
export function gpuSuite(suite: GpuSuite, options: GpuSuiteOptions = {}): void {
  if (options.beforeAll) beforeAll(options.beforeAll);
  if (options.afterAll) afterAll(options.afterAll);
  describe(`${suite.name} · chromium`, () => {
    let browser: Browser;
    let page: Page;
    beforeAll(async () => {
      ({ browser, page } = await openTestPage());
      if (options.pageScript) await page.evaluate(options.pageScript());
    });
    afterAll(async () => {
      await page?.close();
      await browser?.disconnect();
    });
    for (const c of suite.cases) {
      test(c.name, async (ctx) => {
        const seed = pickSeed();
        // A string, not a function: vitest rewrites code inside functions passed to the page.
        const call = `window.shaderformerTest.run(${JSON.stringify(suite.name)}, ${JSON.stringify(c.name)}, ${seed})`;
        settle(decodeOutcome((await page.evaluate(call)) as string), seed, ctx);
      });
    }
  });

  const skipReason = inject('dawnSkipReason');
  if (skipReason) {
    describe.skip(`${suite.name} · dawn — skipped: ${skipReason}`, () => {
      for (const c of suite.cases) test(c.name, () => {});
    });
    return;
  }
  describe(`${suite.name} · dawn`, () => {
    let gpu: WebGPUBackend;
    const cpu = createCpuBackend();
    beforeAll(async () => {
      gpu = await createWebGPUBackend({ poisonOutputs: true });
    });
    afterAll(() => gpu?.destroy());
    for (const c of suite.cases) {
      test(c.name, async (ctx) => {
        if (c.skipOnDawn) return ctx.skip(c.skipOnDawn);
        const seed = pickSeed();
        settle(await runCase(suite, c.name, gpu, cpu, seed), seed, ctx);
      });
    }
  });
}
