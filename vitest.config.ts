import { defineConfig } from 'vitest/config';
import { wgslText } from './vite.config.js';

export default defineConfig({
  plugins: [wgslText()],
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
