import { defineConfig } from 'tsup';

// The library ships as one ESM file with every shader inlined as a string,
// so nothing fetches a .wgsl file at run time.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  // Members marked @internal (backend op tables, recorded programs, storage access) stay out of the published types.
  dts: { compilerOptions: { stripInternal: true } },
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  loader: { '.wgsl': 'text' },
  external: ['webgpu'],
});
