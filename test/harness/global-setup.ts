// Builds the test page and the demos, serves both on 127.0.0.1, launches one headless Chromium
// for the whole run, prints the adapters (Chromium's, and Dawn's or why it is skipped).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, preview, type PreviewServer } from 'vite';
import type { TestProject } from 'vitest/node';
import { createWebGPUBackend } from '../../src/index.js';
import { wgslText } from '../../vite.config.js';
import { launchChromium } from './chromium.js';
import { describeAdapter } from './report.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

async function buildAndServe(configFile: string | false, pageRoot: string, outDir: string): Promise<PreviewServer> {
  const shared = { configFile, root: pageRoot, logLevel: 'warn' as const, plugins: configFile ? [] : [wgslText()] };
  await build({ ...shared, build: { outDir, emptyOutDir: true, target: 'es2022' } });
  return preview({ ...shared, build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false } });
}

function urlOf(server: PreviewServer): string {
  const address = server.httpServer.address();
  if (!address || typeof address === 'string') throw new Error('preview server has no port');
  return `http://127.0.0.1:${address.port}/`;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // A folder per run, so two runs side by side do not rebuild each other's pages.
  const runDir = join(root, '.cache', `run-${process.pid}`);
  const testServer = await buildAndServe(false, join(root, 'test/browser'), join(runDir, 'test-page'));
  const demoServer = await buildAndServe(join(root, 'vite.config.ts'), join(root, 'demos'), join(runDir, 'demos'));
  const browser = await launchChromium();
  const testPageUrl = urlOf(testServer);

  const page = await browser.newPage();
  await page.goto(testPageUrl);
  const report = await page.evaluate('window.shaderformerTest.adapter()');
  await page.close();
  console.log(`[chromium] ${await browser.version()} · ${describeAdapter(report as never)}`);

  let dawnSkipReason = '';
  if (process.env.SHADERFORMER_DAWN === '0') {
    dawnSkipReason = 'disabled by SHADERFORMER_DAWN=0';
  } else {
    try {
      const dawn = await createWebGPUBackend();
      console.log(`[dawn]     Node ${process.version} · ${describeAdapter(dawn.report)}`);
      dawn.destroy();
    } catch (error) {
      dawnSkipReason = error instanceof Error ? error.message : String(error);
    }
  }
  if (dawnSkipReason) console.log(`[dawn]     GPU cases in Node are SKIPPED: ${dawnSkipReason}`);

  project.provide('browserWSEndpoint', browser.wsEndpoint());
  project.provide('testPageUrl', testPageUrl);
  project.provide('demoUrl', urlOf(demoServer));
  project.provide('dawnSkipReason', dawnSkipReason);

  return async () => {
    await browser.close();
    await Promise.all([testServer.close(), demoServer.close()]);
    rmSync(runDir, { recursive: true, force: true });
  };
}
