// The page the GPU tests drive in headless Chromium: every *.cases.ts suite, one shared backend.
import { type ByteMlmConfig, type WebGPUBackend, createCpuBackend, createWebGPUBackend, trainByteMlm } from '../../src/index.js';
import { type GpuSuite, encodeOutcome, runCase } from '../harness/cases.js';

const modules = import.meta.glob<GpuSuite>('../**/*.cases.ts', { eager: true, import: 'default' });
const suites = new Map(Object.values(modules).map((suite) => [suite.name, suite]));
const cpu = createCpuBackend();
let backend: Promise<WebGPUBackend> | undefined;

function gpu(): Promise<WebGPUBackend> {
  return (backend ??= createWebGPUBackend({ poisonOutputs: true }));
}

/** What the page's byte-MLM run returns (plain JSON). */
export interface ByteMlmRun {
  losses: number[];
  evaluations: { step: number; metrics: Record<string, number> }[];
  wallSeconds: number;
}

declare global {
  interface Window {
    shaderformerTest: {
      adapter(): Promise<WebGPUBackend['report']>;
      /** Runs one case; the outcome as `encodeOutcome` JSON. */
      run(suite: string, caseName: string, seed: number): Promise<string>;
      /** The byte-level MLM recipe on `text` on the WebGPU backend: every step's loss and every held-out evaluation. */
      trainByteMlm(text: string, config: Partial<ByteMlmConfig>, seed: number, evaluateEvery: number): Promise<ByteMlmRun>;
      /** Steps done by a trainByteMlm run in progress (for progress reports). */
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
  trainByteMlm: async (text, config, seed, evaluateEvery) => {
    // A backend of its own: no NaN poisoning, nothing shared with the kernel cases.
    const training = await createWebGPUBackend();
    try {
      window.shaderformerTest.mlmProgress = 0;
      const onStep = (p: { step: number }) => void (window.shaderformerTest.mlmProgress = p.step);
      const result = await trainByteMlm({ backend: training, text, config, seed, evaluateEvery, onStep });
      result.parameters.dispose();
      return { losses: result.training.losses, evaluations: result.evaluations, wallSeconds: result.wallSeconds };
    } finally {
      training.destroy();
    }
  },
  mlmProgress: 0,
};
