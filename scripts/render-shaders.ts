// `npm run shaders -- [kernel] [variant JSON] [--out DIR]`: writes the WGSL that actually runs, one
// file per kernel variant, so a reviewer reads generated code (attention's ROW_* blocks, GEMM's
// register blocks) instead of the TS that assembles it. Rendering is pure text: no GPU, no browser.
// package.json bundles this file with esbuild (`.wgsl` loaded as text, as tsup does for the
// library) and runs the bundle in Node; the test imports it through vitest's wgslText plugin.
import { mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { allKernels } from '../src/kernels/index.js';
import { type Kernel, renderKernel } from '../src/kernels/kernel.js';

/** Where the rendered files go unless `--out` says otherwise (git-ignored with the rest of .cache/). */
export const DEFAULT_OUT_DIR = '.cache/shaders';

/** One rendered file, as listed in the output folder's index.json. */
export interface RenderedEntry {
  readonly kernel: string;
  readonly variant: unknown;
  /** Path relative to the output folder. */
  readonly file: string;
}

/** A command-line mistake: printed without a stack trace, exit status 1. */
export class UsageError extends Error {}

const USAGE = `usage: npm run shaders -- [kernel | family] [variant JSON] [--out DIR]
  npm run shaders                                   every variant of every kernel
  npm run shaders -- attention                      every kernel of a family (name before the /)
  npm run shaders -- attention/forward              every listed variant of one kernel
  npm run shaders -- reduce/sum '{"rows":8}'        one variant, listed or not`;

/**
 * A file name for a variant: `key-value` pairs joined by `_`, true flags by name alone, false flags
 * left out (the index and the file's first line give the full JSON); `default` for `{}`.
 */
export function variantSlug(variant: unknown): string {
  if (variant === null || typeof variant !== 'object') return sanitize(String(variant));
  const parts = Object.entries(variant as Record<string, unknown>).flatMap(([key, value]) =>
    value === true ? [key] : value === false ? [] : [`${key}-${typeof value === 'object' ? JSON.stringify(value) : String(value)}`],
  );
  return parts.length === 0 ? 'default' : sanitize(parts.join('_'));
}

function sanitize(name: string): string {
  return name.replace(/[^\w.-]+/g, '-');
}

/** The kernels a command-line name selects: an exact kernel name, or every kernel of a family. */
export function selectKernels(name: string | undefined, kernels: readonly Kernel<never>[] = allKernels): Kernel<never>[] {
  if (name === undefined) return [...kernels];
  const exact = kernels.filter((k) => k.name === name);
  if (exact.length > 0) return exact;
  const family = kernels.filter((k) => k.name.startsWith(`${name}/`));
  if (family.length > 0) return family;
  throw new UsageError(`unknown kernel '${name}'. Known kernels:\n${kernels.map((k) => `  ${k.name}`).join('\n')}`);
}

/** Parses a variant given on the command line and checks it names the same fields as the kernel's listed variants. */
export function parseVariant(kernel: Kernel<never>, text: string): unknown {
  let variant: unknown;
  try {
    variant = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`variant is not JSON (${(error as Error).message}): ${text}`);
  }
  const example = kernel.variants[0] as object | undefined;
  if (example && variant !== null && typeof variant === 'object') {
    const given = Object.keys(variant);
    const missing = Object.keys(example).filter((key) => !given.includes(key));
    // A missing field would render as `undefined` or a wrong default, not as what a model runs.
    if (missing.length > 0) {
      throw new UsageError(`${kernel.name}: variant lacks ${missing.join(', ')}; a listed variant: ${JSON.stringify(example)}`);
    }
  }
  return variant;
}

/** Renders `variants` of `kernel` into `outDir/<kernel name>/<slug>.wgsl`, each file headed by the kernel name and variant JSON. */
export function writeKernel(outDir: string, kernel: Kernel<never>, variants: readonly unknown[]): RenderedEntry[] {
  const used = new Set<string>();
  return variants.map((variant) => {
    const base = variantSlug(variant);
    let slug = base;
    for (let n = 2; used.has(slug); n++) slug = `${base}~${n}`;
    used.add(slug);
    const file = `${kernel.name}/${slug}.wgsl`;
    let code: string;
    try {
      code = renderKernel(kernel, variant as never).code;
    } catch (error) {
      throw new UsageError(`${kernel.name} ${JSON.stringify(variant)}: ${(error as Error).message}`);
    }
    mkdirSync(join(outDir, kernel.name), { recursive: true });
    const header = `// ${kernel.name} ${JSON.stringify(variant)}\n// Rendered by \`npm run shaders\` from the kernel's .wgsl and src/kernels; edit those, not this file.\n`;
    writeFileSync(join(outDir, file), header + code);
    return { kernel: kernel.name, variant, file };
  });
}

function readIndex(path: string): RenderedEntry[] {
  try {
    const entries: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return Array.isArray(entries) ? (entries as RenderedEntry[]) : [];
  } catch {
    return [];
  }
}

/**
 * Runs the command line (`args` without node and the script): renders what it selects into `outDir`
 * and updates `outDir/index.json`. A whole run empties `outDir` first and a kernel run its kernel's
 * folder, so no stale variant stays; a single variant is added beside the others.
 */
export function renderShaders(args: readonly string[]): { outDir: string; written: RenderedEntry[]; index: string } {
  const positional: string[] = [];
  let outDir = DEFAULT_OUT_DIR;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--out') {
      const value = args[++i];
      if (!value) throw new UsageError(`--out needs a folder\n${USAGE}`);
      outDir = value;
    } else if (arg === '--help' || arg === '-h') {
      throw new UsageError(USAGE);
    } else if (arg.startsWith('--')) {
      throw new UsageError(`unknown option ${arg}\n${USAGE}`);
    } else {
      positional.push(arg);
    }
  }
  if (positional.length > 2) throw new UsageError(`too many arguments: ${positional.join(' ')}\n${USAGE}`);
  const [name, variantText] = positional;
  const kernels = selectKernels(name);
  if (variantText !== undefined && kernels.length !== 1) {
    throw new UsageError(`a variant needs one kernel; '${name}' names ${kernels.length}: ${kernels.map((k) => k.name).join(', ')}`);
  }
  const variant = variantText === undefined ? undefined : parseVariant(kernels[0]!, variantText);

  const indexPath = join(outDir, 'index.json');
  let kept = readIndex(indexPath);
  if (name === undefined) {
    rmSync(outDir, { recursive: true, force: true });
    kept = [];
  } else if (variant === undefined) {
    for (const kernel of kernels) rmSync(join(outDir, kernel.name), { recursive: true, force: true });
    kept = kept.filter((entry) => !kernels.some((k) => k.name === entry.kernel));
  }
  mkdirSync(outDir, { recursive: true });
  const written = kernels.flatMap((kernel) => writeKernel(outDir, kernel, variant === undefined ? kernel.variants : [variant]));
  const rewritten = new Set(written.map((entry) => entry.file));
  // Kernels in allKernels order, variants in their list order, unlisted ones after.
  const position = (entry: RenderedEntry): [number, number] => {
    const kernel = allKernels.findIndex((k) => k.name === entry.kernel);
    const variant = kernel < 0 ? -1 : allKernels[kernel]!.variants.findIndex((v) => JSON.stringify(v) === JSON.stringify(entry.variant));
    return [kernel < 0 ? Infinity : kernel, variant < 0 ? Infinity : variant];
  };
  const index = [...kept.filter((entry) => !rewritten.has(entry.file)), ...written]
    .map((entry) => ({ entry, at: position(entry) }))
    .sort((a, b) => a.at[0] - b.at[0] || a.at[1] - b.at[1])
    .map(({ entry }) => entry);
  // One entry a line: readable, and greppable by kernel or file.
  writeFileSync(indexPath, `[\n${index.map((entry) => JSON.stringify(entry)).join(',\n')}\n]\n`);
  return { outDir, written, index: indexPath };
}

/** Runs `renderShaders` on the process's arguments and prints where the files went. */
export function main(args: readonly string[]): number {
  try {
    const { outDir, written, index } = renderShaders(args);
    // npm runs scripts in the package root: paths under it are shown relative, others absolute.
    const shown = (path: string) => {
      const rel = relative(process.cwd(), resolve(path));
      return rel.startsWith('..') || isAbsolute(rel) ? resolve(path) : rel || '.';
    };
    const perKernel = new Map<string, number>();
    for (const entry of written) perKernel.set(entry.kernel, (perKernel.get(entry.kernel) ?? 0) + 1);
    if (written.length === 1) {
      console.log(`wrote ${shown(join(outDir, written[0]!.file))}`);
    } else {
      for (const [kernel, count] of perKernel) console.log(`${kernel}: ${count} variant${count === 1 ? '' : 's'} in ${shown(join(outDir, kernel))}/`);
      console.log(`wrote ${written.length} files for ${perKernel.size} kernel${perKernel.size === 1 ? '' : 's'} to ${shown(outDir)}/`);
    }
    console.log(`index: ${shown(index)}`);
    return 0;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`render-shaders: ${error.message}`);
    return 1;
  }
}

/** Whether this module is the process's entry point (the esbuild bundle run by node), not an import. */
function isEntryPoint(): boolean {
  const entry = process.argv[1];
  try {
    return entry !== undefined && import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) process.exitCode = main(process.argv.slice(2));
