import { readdirSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

/** Loads `.wgsl` files as their source text, as tsup's `text` loader does for the library build. */
export function wgslText(): Plugin {
  return {
    name: 'shaderformer-wgsl-text',
    transform(code, id) {
      if (!id.endsWith('.wgsl')) return null;
      return { code: `export default ${JSON.stringify(code)};`, map: null };
    },
  };
}

const demosRoot = fileURLToPath(new URL('./demos', import.meta.url));

/** Every demo page: `demos/index.html` and `demos/<name>/index.html`. */
export function demoPages(): Record<string, string> {
  const pages: Record<string, string> = { index: join(demosRoot, 'index.html') };
  for (const entry of readdirSync(demosRoot, { withFileTypes: true })) {
    const page = join(demosRoot, entry.name, 'index.html');
    if (entry.isDirectory() && existsSync(page)) pages[entry.name] = page;
  }
  return pages;
}

// `npm run demo`: builds the demo pages into demos/dist and serves them on 127.0.0.1:5173.
export default defineConfig({
  root: demosRoot,
  plugins: [wgslText()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: { input: demoPages() },
  },
  preview: { host: '127.0.0.1', port: 5173 },
});
