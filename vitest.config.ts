import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { wgslText } from './vite.config.js';

export default defineConfig({
  plugins: [wgslText()],
  // The examples import the package by name, as users do; the tests run them on the source.
  resolve: { alias: [{ find: /^shaderformer$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) }] },
  test: {
    include: ['test/**/*.test.ts'],
    // One headless Chromium serves every file; SwiftShader already uses both cores, so files run one at a time.
    fileParallelism: false,
    pool: 'forks',
    globalSetup: ['test/harness/global-setup.ts'],
    reporters: ['verbose'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
