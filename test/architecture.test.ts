// The layout's rules (.dependency-cruiser.cjs) over the import graph of src/, type-only imports
// included: no cycles, references stand alone, kernels know no model, tokenizers and data need no
// backend, the graph has no WebGPU code. And the backend contract stays out of the public API.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('architecture', () => {
  test('src/ keeps every rule of .dependency-cruiser.cjs (no import cycles, layers point down)', () => {
    let report = '';
    try {
      report = execFileSync('npx', ['depcruise', 'src', '--output-type', 'err'], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      const { stdout, stderr } = error as { stdout: string; stderr: string };
      throw new Error(`dependency rules broken:\n${stdout}${stderr}`);
    }
    expect(report).toContain('no dependency violations found');
  });

  test('a seeded cycle and a seeded layer break are caught (the check can fail)', () => {
    // The same rules on a scratch tree: proves the configuration is live, not vacuous.
    const config = `module.exports = { ...require(${JSON.stringify(`${root}.dependency-cruiser.cjs`)}), options: { doNotFollow: { path: 'node_modules' } } };`;
    const scratch = mkdtempSync(join(tmpdir(), 'shaderformer-arch-'));
    try {
      for (const dir of ['src/reference', 'src/graph', 'src/backend/webgpu']) mkdirSync(`${scratch}/${dir}`, { recursive: true });
      writeFileSync(`${scratch}/src/reference/a.js`, "import './b.js';\n");
      writeFileSync(`${scratch}/src/reference/b.js`, "import './a.js';\nimport '../graph/g.js';\n");
      writeFileSync(`${scratch}/src/graph/g.js`, "import '../backend/webgpu/w.js';\n");
      writeFileSync(`${scratch}/src/backend/webgpu/w.js`, 'export {};\n');
      writeFileSync(`${scratch}/config.cjs`, config);
      let output = '';
      try {
        execFileSync(`${root}node_modules/.bin/depcruise`, ['src', '--config', 'config.cjs', '--output-type', 'err'], {
          cwd: scratch,
          encoding: 'utf8',
          stdio: 'pipe',
        });
      } catch (error) {
        output = (error as { stdout: string }).stdout;
      }
      expect(output).toContain('no-cycles');
      expect(output).toContain('references-stand-alone');
      expect(output).toContain('graph-has-no-webgpu');
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  test('the package exports no part of the backend contract', () => {
    const program = ts.createProgram([`${root}src/index.ts`], {
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      target: ts.ScriptTarget.ES2022,
      noEmit: true,
      types: [],
    });
    const checker = program.getTypeChecker();
    const exportsOf = (file: string) => checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(`${root}${file}`)!)!).map((s) => s.name);
    const exported = new Set(exportsOf('src/index.ts'));
    // The result and option types public functions return or take are re-exported on purpose.
    const publicTypes =
      /^KernelTime$|^RecordedProgram$|^CompileProgress$|Result$|Grads$|Gradients$|^CrossEntropy(Backward)?Options$|^GEMM_VARIANTS$|^Gemm(Variant|Activation)$|^ActivationKind$|^GeluApproximation$/;
    const contract = [...exportsOf('src/backend/contract.ts'), ...exportsOf('src/backend/cpu/context.ts'), ...exportsOf('src/backend/webgpu/context.ts')];
    expect(contract.filter((name) => exported.has(name) && !publicTypes.test(name))).toEqual([]);
    expect([...exported]).toEqual(expect.arrayContaining(['Tensor', 'Backend', 'matmul', 'createWebGPUBackend', 'createCpuBackend']));
  });
});
