// Reload in Chromium: the test page trains K steps saving to OPFS, is reloaded (page.reload(): a new
// JS realm, a new WebGPU device; only OPFS survives), and resumes from OPFS; the halves are the cases
// of checkpoint-reload.cases.ts.
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeOutcome } from '../harness/cases.js';
import { openTestPage, settle } from '../harness/gpu-suite.js';

describe('checkpoint reload · chromium', () => {
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    ({ browser, page } = await openTestPage());
  });
  afterAll(async () => {
    await page?.close();
    await browser?.disconnect();
  });

  const run = async (caseName: string, ctx: Parameters<typeof settle>[2]) => {
    const seed = 1;
    const call = `window.shaderformerTest.run('checkpoint-reload', ${JSON.stringify(caseName)}, ${seed})`;
    settle(decodeOutcome((await page.evaluate(call)) as string), seed, ctx);
  };

  test('the OPFS checkpoint store', async (ctx) => {
    await run('the OPFS store: retention, replace, remove; a folder without its completion marker is ignored', ctx);
  });

  test('K steps saved to OPFS, the page reloaded, the run resumed from OPFS: the same losses and parameters as an uninterrupted run', async (ctx) => {
    await run('before the reload: an uninterrupted run and K steps of another, both saved to OPFS', ctx);
    await page.evaluate('window.beforeReload = true');
    await page.reload();
    await page.waitForFunction('window.shaderformerTest !== undefined');
    expect(await page.evaluate('window.beforeReload === undefined')).toBe(true);
    await run('after the reload: resumed from OPFS, the losses after K and the parameters equal the uninterrupted run', ctx);
  });
});
