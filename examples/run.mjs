// Entry point of `npm run example`: Node 20 runs no TypeScript, so Vite's SSR module loader (a
// devDependency) compiles examples/run.ts on the fly, with 'shaderformer' resolved to src/index.ts
// as the package resolves to dist/index.js for users.
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
// The same .wgsl-as-text transform as wgslText() in vite.config.ts.
const wgslText = {
  name: 'shaderformer-wgsl-text',
  transform: (code, id) => (id.endsWith('.wgsl') ? { code: `export default ${JSON.stringify(code)};`, map: null } : null),
};

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
  // run.ts runs on import and reads its arguments from process.argv.
  await server.ssrLoadModule('/examples/run.ts');
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await server.close();
}
