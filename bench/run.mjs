// Entry point of `npm run bench`: Node 20 cannot run TypeScript, so Vite's SSR module loader
// (already a devDependency) compiles bench/cli.ts and what it imports on the fly; no build step,
// no output files.
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
// The same .wgsl-as-text transform as wgslText() in vite.config.ts (which this loader compiles
// for the page build, so it cannot be imported here).
const wgslText = {
  name: 'shaderformer-wgsl-text',
  transform: (code, id) => (id.endsWith('.wgsl') ? { code: `export default ${JSON.stringify(code)};`, map: null } : null),
};

const server = await createServer({
  configFile: false,
  root,
  logLevel: 'warn',
  plugins: [wgslText],
  // The examples the startup bench runs import the package by name: the source, as in the tests.
  resolve: { alias: [{ find: /^shaderformer$/, replacement: `${root}src/index.ts` }] },
  appType: 'custom',
  server: { middlewareMode: true, hmr: false, ws: false, watch: null },
  optimizeDeps: { noDiscovery: true, include: [] },
});
try {
  const { main } = await server.ssrLoadModule('/bench/cli.ts');
  await main(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await server.close();
}
