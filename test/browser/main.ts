// The page the GPU tests drive in headless Chromium: every *.cases.ts suite, one shared backend.
import { type WebGPUBackend, createCpuBackend, createWebGPUBackend } from '../../src/index.js';
import { type GpuSuite, encodeOutcome, runCase } from '../harness/cases.js';

const modules = import.meta.glob<GpuSuite>('../**/*.cases.ts', { eager: true, import: 'default' });
const suites = new Map(Object.values(modules).map((suite) => [suite.name, suite]));
const cpu = createCpuBackend();
let backend: Promise<WebGPUBackend> | undefined;

function gpu(): Promise<WebGPUBackend> {
  return (backend ??= createWebGPUBackend({ poisonOutputs: true }));
}

declare global {
  interface Window {
    shaderformerTest: {
      adapter(): Promise<WebGPUBackend['report']>;
      /** Runs one case; the outcome as `encodeOutcome` JSON. */
      run(suite: string, caseName: string, seed: number): Promise<string>;
    };
  }
}

window.shaderformerTest = {
  adapter: async () => (await gpu()).report,
  run: async (suiteName, caseName, seed) => {
    const suite = suites.get(suiteName);
    if (!suite) return encodeOutcome({ checks: [], error: `the test page has no suite ${suiteName} (known: ${[...suites.keys()].join(', ')})` });
    return encodeOutcome(await runCase(suite, caseName, await gpu(), cpu, seed));
  },
};
