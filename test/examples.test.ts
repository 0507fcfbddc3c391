// The README's examples are the files in examples/, and these tests run them: on the CPU backend,
// and in Node on Dawn. They also check that README.md shows each file's exact text and names only
// paths that exist, so the README cannot drift from code that runs.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, test } from 'vitest';
import { fineTunePretrained } from '../examples/fine-tune-pretrained.js';
import { quickStart } from '../examples/quick-start.js';
import { trainMlm } from '../examples/train-mlm.js';
import { BertForMaskedLM, createCpuBackend, createWebGPUBackend, fillMask } from '../src/index.js';
import { KANT as KANT_FILE } from './harness/data.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');

// The Kant text the README trains on, where the data folder has it (test/harness/data.ts); a
// synthetic Gutenberg-framed text otherwise, so the training test always runs on something.
const KANT = KANT_FILE.path;
const TEXT_BYTES = 20_000;
function trainingText(): { text: string; source: string } {
  if (existsSync(KANT)) return { text: readFileSync(KANT, 'utf8').slice(0, TEXT_BYTES), source: `the first ${TEXT_BYTES} bytes of ${KANT}` };
  const body = Array.from({ length: 400 }, (_, i) => `Line ${i}: all our knowledge begins with experience, but it does not follow that it arises from it.`);
  const text = ['*** START OF THE PROJECT GUTENBERG EBOOK TEST ***', ...body, '*** END OF THE PROJECT GUTENBERG EBOOK TEST ***', 'licence'].join('\n');
  return { text, source: `a synthetic text (${KANT} is missing)` };
}

/** ln(260): the loss of a uniform guess over the byte vocabulary, near where a freshly initialised model starts. */
const UNIFORM_LOSS = Math.log(260);
// The example initialises with std 0.05, so its first logits spread (std ~0.6) and its first loss sits
// ~0.2 above ln(260) (about half the logits' variance); 0.4 still catches a broken head or loss.
const FIRST_LOSS_TOLERANCE = 0.4;

/** Runs `steps` steps of the training example on `backend`, checking the losses; returns them. */
async function checkTraining(backend: Parameters<typeof trainMlm>[0], steps: number): Promise<number[]> {
  const { text, source } = trainingText();
  const lines: string[] = [];
  const started = performance.now();
  const losses = await trainMlm(backend, text, steps, (line) => lines.push(line));
  const seconds = (performance.now() - started) / 1000;
  console.log(`[examples] train-mlm on ${backend.name}, ${source}: ${seconds.toFixed(1)} s; ${lines.join(' | ')}`);
  expect(losses).toHaveLength(steps);
  for (const loss of losses) expect(Number.isFinite(loss), `losses ${losses.join(', ')}`).toBe(true);
  expect(Math.abs(losses[0]! - UNIFORM_LOSS), `first loss ${losses[0]} vs ln(260) = ${UNIFORM_LOSS}`).toBeLessThan(FIRST_LOSS_TOLERANCE);
  expect(lines.some((line) => line.startsWith(`step ${steps}/${steps} · loss `))).toBe(true);
  return losses;
}

// The CPU losses, kept for the Dawn run to match (same seed, same batches).
let cpuLosses: number[] | undefined;
const STEPS = 2;

describe('examples on the CPU backend', () => {
  test('quick-start gives [8, 10, 20, 22]', async () => {
    const cpu = createCpuBackend();
    expect(Array.from(await quickStart(cpu))).toEqual([8, 10, 20, 22]);
    expect(cpu.stats().liveBytes).toBe(0);
    cpu.destroy();
  });

  test(`train-mlm: ${STEPS} steps, finite losses, the first near ln(260)`, async () => {
    const cpu = createCpuBackend();
    cpuLosses = await checkTraining(cpu, STEPS);
    expect(cpu.stats().liveBytes).toBe(0);
    cpu.destroy();
  });
});

describe('fine-tune-pretrained on the CPU backend', () => {
  // A BERT folder saved by Python transformers 5.18 (scripts/hf/make-fixtures.py) and a text in its 50-token vocabulary.
  const modelDir = join(root, 'test/fixtures/hf/bert-mlm');
  const text = 'the cat sat on the mat. the dog ran to the house. she was happy and the bird sat in the tree.\n'.repeat(8);

  test('loads the folder, fine-tunes it, and saves a folder that loads with the trained weights', async () => {
    const out = mkdtempSync(join(tmpdir(), 'shaderformer-fine-tune-'));
    const cpu = createCpuBackend();
    try {
      const lines: string[] = [];
      const losses = await fineTunePretrained(cpu, modelDir, text, out, 4, (line) => lines.push(line));
      console.log(`[examples] fine-tune-pretrained: ${lines.join(' | ')}`);
      expect(losses).toHaveLength(4);
      for (const loss of losses) expect(Number.isFinite(loss), `losses ${losses.join(', ')}`).toBe(true);
      expect(lines[0]).toMatch(/^loaded 42 tensors .* skipped none$/);
      expect(cpu.stats().liveBytes).toBe(0);
      // The saved folder: every parameter loaded back, and the same predictions as the trained model's (the log's last fill-mask line).
      const saved = await BertForMaskedLM.fromPretrained(out, { backend: cpu });
      expect(saved.report.missingKeys).toEqual([]);
      const prompt = 'the cat sat [MASK].';
      const predictions = (await fillMask(saved, saved.tokenizer!, prompt, { topK: 3 })) as { tokenStr: string; score: number }[];
      const line = `${prompt} → ${predictions.map((p) => `${p.tokenStr} ${p.score.toFixed(3)}`).join(', ')}`;
      expect(lines.filter((l) => l.startsWith(prompt))).toEqual([expect.any(String), line]);
      // Training moved the weights: the loaded fine-tuned model differs from the original folder's.
      const original = await BertForMaskedLM.fromPretrained(modelDir, { backend: cpu });
      const name = 'bert.encoder.layer.0.attention.self.query.weight';
      expect(Array.from(await saved.parameters.get(name))).not.toEqual(Array.from(await original.parameters.get(name)));
      saved.parameters.dispose();
      original.parameters.dispose();
    } finally {
      cpu.destroy();
      rmSync(out, { recursive: true, force: true });
    }
  });
});

const dawnSkip = inject('dawnSkipReason');
describe.skipIf(dawnSkip !== '')(`examples in Node on Dawn${dawnSkip ? ` — skipped: ${dawnSkip}` : ''}`, () => {
  test('quick-start gives [8, 10, 20, 22]', async () => {
    const gpu = await createWebGPUBackend();
    try {
      expect(Array.from(await quickStart(gpu))).toEqual([8, 10, 20, 22]);
      expect(gpu.stats().liveBytes).toBe(0);
    } finally {
      gpu.destroy();
    }
  });

  // A cold start compiles every GEMM variant the step uses; on lavapipe with an empty Mesa shader
  // cache that takes minutes (README: Benchmarks, startup), hence the long limit.
  test(`train-mlm: ${STEPS} steps, finite losses, the first near ln(260) and equal to the CPU's`, { timeout: 900_000 }, async () => {
    const gpu = await createWebGPUBackend();
    try {
      const losses = await checkTraining(gpu, STEPS);
      if (cpuLosses) {
        for (const [i, loss] of losses.entries()) {
          expect(Math.abs(loss - cpuLosses[i]!) / cpuLosses[i]!, `step ${i + 1}: Dawn ${loss} vs CPU ${cpuLosses[i]}`).toBeLessThan(1e-3);
        }
      }
      expect(gpu.stats().liveBytes).toBe(0);
    } finally {
      gpu.destroy();
    }
  });
});

describe('README.md', () => {
  // Each example appears after a `<!-- file: examples/… -->` marker as a fenced block of its exact text.
  const shown = new Map([...readme.matchAll(/<!-- file: (\S+) -->\n```ts\n([\s\S]*?)```\n/g)].map((m) => [m[1]!, m[2]!]));
  const exampleFiles = readdirSync(join(root, 'examples'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `examples/${f}`);

  test.each(exampleFiles)('shows %s verbatim', (file) => {
    expect(shown.has(file), `README.md has no "<!-- file: ${file} -->" block`).toBe(true);
    expect(shown.get(file)).toBe(readFileSync(join(root, file), 'utf8'));
  });

  test('every block it marks as a file is one', () => {
    for (const file of shown.keys()) expect(exampleFiles).toContain(file);
  });

  test('names only paths that exist, and nothing outside the repository', () => {
    expect(readme).not.toMatch(/\.\.\/shared|DESIGN\.md/);
    // Backticked paths and link targets under the repository's folders, e.g. `src/train/loop.ts`, (docs/architecture.md).
    const folders = 'src|test|bench|examples|demos|shaders|docs|scripts|\\.ci';
    const named = new Set(
      [...readme.matchAll(new RegExp(`[\`(]((?:${folders})/[^\`)\\s]*)[\`)]`, 'g'))]
        .map((m) => m[1]!)
        // `test/**/*.cases.ts`, `bench/results/<name>.json`: the folder before the pattern must exist.
        .map((path) => path.replace(/\/[^/]*[*<][\s\S]*$/, '/')),
    );
    // Written by the tests and the build, so absent from a fresh checkout.
    const generated = ['test/output/', 'demos/dist/'];
    const missing = [...named].filter((path) => !generated.some((g) => path.startsWith(g)) && !existsSync(join(root, path)));
    expect(named.size).toBeGreaterThan(10);
    expect(missing).toEqual([]);
  });

  test('keeps the quick start commands', () => {
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toContain('npm ci && npm test');
    const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    for (const [, name] of readme.matchAll(/npm run ([\w-]+)/g)) expect(Object.keys(scripts), `npm run ${name}`).toContain(name);
  });
});
