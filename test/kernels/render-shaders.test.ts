// `npm run shaders` (scripts/render-shaders.ts) in Node, no GPU: the files it writes are the fully
// rendered WGSL, and a wrong kernel name fails with the list of known ones. The command runs as a
// user runs it (npm, esbuild bundle, node), so the package.json line is tested too.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { type RenderedEntry, variantSlug } from '../../scripts/render-shaders.js';
import { allKernels } from '../../src/kernels/index.js';
import { attentionForwardKernel } from '../../src/kernels/attention.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'shaderformer-shaders-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function shaders(...args: string[]) {
  return spawnSync('npm', ['run', '--silent', 'shaders', '--', ...args], { cwd: root, encoding: 'utf8' });
}

describe('npm run shaders', () => {
  test('one kernel: a file per listed variant, fully rendered, and an index', () => {
    const out = join(scratch, 'one-kernel');
    const run = shaders('attention/forward', '--out', out);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(join(out, 'attention/forward'));
    const files = readdirSync(join(out, 'attention/forward'));
    expect(files).toHaveLength(attentionForwardKernel.variants.length);
    for (const file of files) {
      const code = readFileSync(join(out, 'attention/forward', file), 'utf8');
      expect(code, file).toContain('@compute');
      expect(code, file).not.toMatch(/\$\{|#if|#elif|#else|#endif/);
    }
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as RenderedEntry[];
    expect(index.map((entry) => entry.variant)).toEqual(attentionForwardKernel.variants);
    expect(new Set(index.map((entry) => entry.kernel))).toEqual(new Set(['attention/forward']));
  });

  test('one variant given as JSON, not in the list', () => {
    const out = join(scratch, 'one-variant');
    const variant = { ...attentionForwardKernel.variants[0]!, dh4: 2, rows: 3 };
    const run = shaders('attention/forward', JSON.stringify(variant), '--out', out);
    expect(run.status, run.stderr).toBe(0);
    const code = readFileSync(join(out, 'attention/forward', `${variantSlug(variant)}.wgsl`), 'utf8');
    expect(code).toContain(JSON.stringify(variant));
    expect(code).toContain('let q2_1 = '); // row 2, vec4 1: the generator ran for this variant
    expect(code).not.toMatch(/\$\{|#if|#endif/);
  });

  test('an unknown kernel exits non-zero and lists the known kernels', () => {
    const run = shaders('attention/nope', '--out', join(scratch, 'unknown'));
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("unknown kernel 'attention/nope'");
    for (const kernel of allKernels) expect(run.stderr).toContain(kernel.name);
  });

  test('a variant missing a field exits non-zero and shows a listed one', () => {
    const run = shaders('reduce/sum', '{"lanes":8}', '--out', join(scratch, 'bad-variant'));
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('variant lacks rows');
  });
});

test('every listed variant of a kernel gets its own file name', () => {
  for (const kernel of allKernels) {
    const slugs = kernel.variants.map(variantSlug);
    expect(new Set(slugs).size, kernel.name).toBe(slugs.length);
    for (const slug of slugs) expect(slug, kernel.name).toMatch(/^[\w.-]+$/);
  }
});
