// What one cold start runs, the same in the Chromium page and in the Node child: open the WebGPU
// backend, run a README example, and time it from the start to the result.
import { quickStart } from '../../examples/quick-start.js';
import { trainMlm } from '../../examples/train-mlm.js';
import { type AdapterReport, createWebGPUBackend } from '../../src/index.js';

/** The README examples a cold start is timed on. */
export const STARTUP_EXAMPLES = ['readme-example', 'readme-training-first-loss'] as const;
export type StartupExample = (typeof STARTUP_EXAMPLES)[number];

/** One cold start's outcome. */
export interface StartupResult {
  /** Seconds from the example's start (before the backend opens) to its result. */
  seconds: number;
  /** Milliseconds from the process or page start (`performance.timeOrigin`) to the result. */
  sinceOriginMs: number;
  /** The quick start's values, or the training example's first loss. */
  result: number[];
  /** Whether the result is what the example must give: [8, 10, 20, 22], or a finite first loss. */
  ok: boolean;
  /** |result − expected|: the largest over the quick start's values, |first loss − ln 260| for training. */
  maxAbsErr: number;
  adapter: AdapterReport;
}

/** Runs `example` from a cold backend; `text` is the training text. */
export async function runStartup(example: StartupExample, text = ''): Promise<StartupResult> {
  const started = performance.now();
  const gpu = await createWebGPUBackend();
  try {
    if (example === 'readme-example') {
      const values = Array.from(await quickStart(gpu));
      const done = performance.now();
      const maxAbsErr = Math.max(...[8, 10, 20, 22].map((want, i) => Math.abs((values[i] ?? Number.NaN) - want)));
      return { seconds: (done - started) / 1000, sinceOriginMs: done, result: values, ok: maxAbsErr === 0, maxAbsErr, adapter: gpu.report };
    }
    // The first loss as a user sees it: the moment the example prints step 1. Two steps, so the loop
    // queues the second step behind the first readback, as it does in a long run.
    let done = 0;
    const losses = await trainMlm(gpu, text, 2, (line) => {
      if (done === 0 && line.startsWith('step 1/')) done = performance.now();
    });
    const first = losses[0] ?? Number.NaN;
    return {
      seconds: (done - started) / 1000,
      sinceOriginMs: done,
      result: [first],
      ok: Number.isFinite(first),
      maxAbsErr: Math.abs(first - Math.log(260)),
      adapter: gpu.report,
    };
  } finally {
    gpu.destroy();
  }
}
