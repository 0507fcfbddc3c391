// The demo pages, built and served as `npm run demo` does, opened in the shared headless Chromium.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';

const outputDir = fileURLToPath(new URL('../output', import.meta.url));

describe('demos in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  beforeAll(async () => {
    browser = await puppeteer.connect({ browserWSEndpoint: inject('browserWSEndpoint') });
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
});
