// The page the GPU tests drive in headless Chromium: every *.cases.ts suite, one shared backend.
import { type WebGPUBackend, createCpuBackend, createWebGPUBackend } from '../../src/index.js';
import { type GpuSuite, encodeOutcome, runCase } from '../harness/cases.js';
import { trainMlmOnText } from '../e2e/mlm-kant.js';

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
      /** The end-to-end MLM run on `text` (test/e2e/mlm-kant.ts) on the WebGPU backend; the loss of every step. */
      trainMlm(text: string, steps: number, totalSteps: number, seed: number): Promise<number[]>;
      /** Steps done by a trainMlm run in progress (for progress reports). */
      mlmProgress: number;
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
  trainMlm: async (text, steps, totalSteps, seed) => {
    // A backend of its own: no NaN poisoning, nothing shared with the kernel cases.
    const training = await createWebGPUBackend();
    try {
      window.shaderformerTest.mlmProgress = 0;
      return await trainMlmOnText(training, text, { steps, totalSteps, seed, onStep: (i) => (window.shaderformerTest.mlmProgress = i + 1) });
    } finally {
      training.destroy();
    }
  },
  mlmProgress: 0,
};
