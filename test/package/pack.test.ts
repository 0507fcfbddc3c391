// The published artifact: `npm pack`, installed into a scratch app like a user would, run in Node.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'shaderformer-pack-'));

/** The README's example files: each `<!-- file: examples/… -->` marker and the fenced TypeScript after it. */
function readmeExamples(): Map<string, string> {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  return new Map([...readme.matchAll(/<!-- file: (\S+) -->\n```ts\n([\s\S]*?)```\n/g)].map((m) => [m[1]!, m[2]!]));
}

interface PackResult {
  filename: string;
  files: { path: string }[];
}

describe('npm pack', () => {
  let tarball = '';
  let files: string[] = [];
  beforeAll(() => {
    // What `prepack` does, run apart so that only npm pack's JSON reaches stdout.
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'pipe' });
    const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', scratch], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const [result] = JSON.parse(out) as PackResult[];
    tarball = join(scratch, result!.filename);
    files = result!.files.map((f) => f.path);
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  test('the tarball holds the built library and README, and no tests or sources', () => {
    expect(files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'README.md', 'package.json']));
    expect(files.filter((f) => /^(test|src|shaders|demos|bench)\//.test(f) || f.endsWith('.wgsl'))).toEqual([]);
    // Shaders are inlined as text: the bundle carries WGSL and never loads a .wgsl file.
    const bundle = readFileSync(join(root, 'dist/index.js'), 'utf8');
    expect(bundle).toContain('@compute @workgroup_size');
    expect(bundle).not.toMatch(/from\s+["'][^"']*\.wgsl["']/);
  });

  test('the published types stand alone (strict, no skipLibCheck) and carry no part of the backend contract', () => {
    const dts = readFileSync(join(root, 'dist/index.d.ts'), 'utf8');
    // The op tables, the contract interfaces and the internal step-aware op functions are private.
    expect(dts.match(/\b(BackendOps|OpBackend|opsOf|CpuContext|WebGPUContext|ProgramHost|CaptureSink|\w+InStep)\b/g) ?? []).toEqual([]);
    const program = ts.createProgram([join(root, 'dist/index.d.ts')], {
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      types: ['@webgpu/types'],
      typeRoots: [join(root, 'node_modules/@types'), join(root, 'node_modules')],
    });
    const errors = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(errors).toEqual([]);
  });

  test('a scratch app installs the tarball, without Dawn, and runs a CPU op', () => {
    const app = join(scratch, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: app, stdio: 'pipe' });
    // `webgpu` (Dawn, 130 MB of binaries) is an optional peer: a browser app does not get it.
    expect(existsSync(join(app, 'node_modules/webgpu')), 'node_modules/webgpu after installing the tarball alone').toBe(false);
    writeFileSync(
      join(app, 'main.mjs'),
      `import { createCpuBackend, add, matmul, ShapeError } from 'shaderformer';
const cpu = createCpuBackend();
const a = cpu.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
const b = cpu.tensor([7, 8, 9, 10, 11, 12], [3, 2]);
let error = '';
try { add(a, b); } catch (e) { error = e instanceof ShapeError ? e.message : 'wrong type'; }
console.log(JSON.stringify({ sum: Array.from(await add(a, a).data()), product: Array.from(await matmul(a, b).data()), error }));
`,
    );
    const printed = execFileSync('node', ['main.mjs'], { cwd: app, encoding: 'utf8' });
    expect(JSON.parse(printed)).toEqual({
      sum: [2, 4, 6, 8, 10, 12],
      product: [58, 64, 139, 154],
      error: 'add: a [2, 3] and b [3, 2] do not broadcast: sizes 3 and 2 meet at dim -1 (aligned from the last dim, sizes must be equal or 1)',
    });
  });

  test('without webgpu, createWebGPUBackend says to install it; the README examples run on the CPU', () => {
    const app = join(scratch, 'app');
    writeFileSync(
      join(app, 'no-dawn.mjs'),
      `import { createWebGPUBackend, WebGPUUnavailableError } from 'shaderformer';
try { await createWebGPUBackend(); console.log('opened'); } catch (e) { console.log(e instanceof WebGPUUnavailableError ? e.message : 'wrong type: ' + e); }
`,
    );
    const message = execFileSync('node', ['no-dawn.mjs'], { cwd: app, encoding: 'utf8' });
    expect(message).toContain('npm install webgpu');
    // The README's files, as an app would compile them (types erased), against the installed package.
    const examples = readmeExamples();
    expect([...examples.keys()]).toEqual(expect.arrayContaining(['examples/quick-start.ts', 'examples/run.ts', 'examples/train-mlm.ts']));
    mkdirSync(join(app, 'examples'), { recursive: true });
    for (const [file, source] of examples) {
      const { outputText } = ts.transpileModule(source, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
      });
      writeFileSync(join(app, file.replace(/\.ts$/, '.js')), outputText);
    }
    const printed = execFileSync('node', ['examples/run.js', 'quick-start', '--cpu'], { cwd: app, encoding: 'utf8' });
    expect(printed).toContain('Float32Array(4) [ 8, 10, 20, 22 ]');
  });

  test('with webgpu installed, the README example runs as written (Node, Dawn)', (ctx) => {
    const skip = inject('dawnSkipReason');
    if (skip) return ctx.skip(`no WebGPU in Node: ${skip}`);
    const app = join(scratch, 'app');
    const { peerDependencies } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { peerDependencies: Record<string, string> };
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', `webgpu@${peerDependencies.webgpu}`], { cwd: app, stdio: 'pipe' });
    const printed = execFileSync('node', ['examples/run.js', 'quick-start'], {
      cwd: app,
      encoding: 'utf8',
      env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
    });
    expect(printed).toMatch(/^WebGPU: /m);
    expect(printed).toContain('Float32Array(4) [ 8, 10, 20, 22 ]');
  });
});
