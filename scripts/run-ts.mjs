// Runs a TypeScript entry of the repository in Node 20, which runs no TypeScript: Vite's SSR module
// loader (a devDependency) compiles it and what it imports on the fly, with `.wgsl` files as text
// and 'shaderformer' resolved to src/index.ts (as the package resolves to dist/index.js for
// users). No build step, no output files. Used by `npm run bench` and `npm run example`.
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
// The same .wgsl-as-text transform as wgslText() in vite.config.ts (which this loader compiles
// for the page builds, so it cannot be imported here).
const wgslText = {
  name: 'shaderformer-wgsl-text',
  transform: (code, id) => (id.endsWith('.wgsl') ? { code: `export default ${JSON.stringify(code)};`, map: null } : null),
};

/** Loads `entry` (a path from the repository root, e.g. '/bench/cli.ts'), passes its module to `use`, and closes the loader; errors set the exit code. */
export async function runTs(entry, use = async () => {}) {
  const server = await createServer({
    configFile: false,
    root,
    logLevel: 'warn',
    plugins: [wgslText],
    resolve: { alias: [{ find: /^shaderformer$/, replacement: `${root}src/index.ts` }] },
    appType: 'custom',
    server: { middlewareMode: true, hmr: false, ws: false, watch: null },
    optimizeDeps: { noDiscovery: true, include: [] },
  });
  try {
    await use(await server.ssrLoadModule(entry));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  } finally {
    await server.close();
  }
}
