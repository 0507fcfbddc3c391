// Each kernel's TS side declares its bindings; the WGSL declares them again. They must agree for
// every variant, or the pipeline's explicit bind group layout would not match the shader.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { allKernels } from '../../src/kernels/index.js';
import { type BindingKind, renderKernel } from '../../src/kernels/kernel.js';

const shadersDir = fileURLToPath(new URL('../../shaders', import.meta.url));
const kernelsDir = fileURLToPath(new URL('../../src/kernels', import.meta.url));

interface ParsedBinding {
  group: number;
  binding: number;
  name: string;
  kind: BindingKind | string;
}

/** Reads every `@group(g) @binding(b) var<space[, access]> name` in a WGSL text. */
function parseBindings(code: string): ParsedBinding[] {
  const pattern = /@group\((\d+)\)\s*@binding\((\d+)\)\s*var\s*<\s*(\w+)\s*(?:,\s*(\w+)\s*)?>\s*(\w+)/g;
  return [...code.matchAll(pattern)].map((m) => {
    const [space, access] = [m[3], m[4] ?? 'read'];
    const kind = space === 'uniform' ? 'uniform' : space === 'storage' ? (access === 'read' ? 'read-only-storage' : 'storage') : space!;
    return { group: Number(m[1]), binding: Number(m[2]), name: m[5]!, kind };
  });
}

function wgslFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? wgslFiles(join(dir, e.name)) : e.name.endsWith('.wgsl') ? [join(dir, e.name)] : [],
  );
}

describe('shader bindings match their kernels', () => {
  for (const kernel of allKernels) {
    test(`${kernel.name}: ${kernel.variants.length} variant(s)`, () => {
      expect(kernel.variants.length).toBeGreaterThan(0);
      for (const variant of kernel.variants) {
        const { code } = renderKernel(kernel, variant);
        const declared = kernel.bindings.map((b, i) => ({ group: 0, binding: i, name: b.name, kind: b.kind }));
        expect(parseBindings(code), `${kernel.name} ${JSON.stringify(variant)}`).toEqual(declared);
        expect(code, 'unrendered placeholder').not.toMatch(/\$\{|#if|#endif/);
      }
    });
  }

  test('the parser sees through access modes and spacing', () => {
    const code = `@group(0) @binding(0) var<storage, read> a: array<f32>;
      @group(0)@binding(1) var<storage,read_write> out: array<f32>;
      @group(1) @binding(2) var<uniform> p: P;`;
    expect(parseBindings(code)).toEqual([
      { group: 0, binding: 0, name: 'a', kind: 'read-only-storage' },
      { group: 0, binding: 1, name: 'out', kind: 'storage' },
      { group: 1, binding: 2, name: 'p', kind: 'uniform' },
    ]);
  });

  test('every .wgsl file under shaders/ belongs to a kernel (shaders/common/: is included by one)', () => {
    const used = new Set(allKernels.map((k) => k.source));
    const kernelSources = readdirSync(kernelsDir)
      .map((f) => readFileSync(join(kernelsDir, f), 'utf8'))
      .join('\n');
    const orphans = wgslFiles(shadersDir).filter((file) => {
      const name = relative(shadersDir, file);
      return name.startsWith('common/') ? !kernelSources.includes(`shaders/${name}'`) : !used.has(readFileSync(file, 'utf8'));
    });
    expect(orphans.map((f) => relative(shadersDir, f))).toEqual([]);
  });
});
