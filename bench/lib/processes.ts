// What the benchmarks that run each case in a fresh process share: a page built and served on
// 127.0.0.1, a Node child bundled into one file (no TypeScript compiler in the measured process),
// and running that child for one JSON line.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type InlineConfig, type PreviewServer, build, preview } from 'vite';
import { wgslText } from '../../vite.config.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const alias = { alias: [{ find: /^shaderformer$/, replacement: join(root, 'src/index.ts') }] };

/** Builds the page in `pageDir` (relative to the repository) into `outDir` and serves it on 127.0.0.1. */
export async function servePage(pageDir: string, outDir: string): Promise<{ url: string; server: PreviewServer }> {
  const shared: InlineConfig = { configFile: false, root: join(root, pageDir), logLevel: 'warn', plugins: [wgslText()], resolve: alias };
  await build({ ...shared, build: { outDir, emptyOutDir: true, target: 'es2022' } });
  const server = await preview({ ...shared, build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false } });
  const address = server.httpServer.address();
  if (!address || typeof address === 'string') throw new Error(`${pageDir}: the page server has no port`);
  return { url: `http://127.0.0.1:${address.port}/`, server };
}

/** Bundles `entry` (relative to the repository) into one file in `outDir`, so a cold process loads one module; returns its path. */
export async function buildNodeChild(entry: string, outDir: string): Promise<string> {
  await build({
    configFile: false,
    root,
    logLevel: 'warn',
    plugins: [wgslText()],
    resolve: alias,
    ssr: { noExternal: true },
    build: { ssr: join(root, entry), outDir, emptyOutDir: true, target: 'node20', rollupOptions: { output: { format: 'es' } } },
  });
  return join(outDir, entry.split('/').pop()!.replace(/\.ts$/, '.js'));
}

/** Runs `node [nodeArgs] child args…` in the repository and parses the last line of its output that is a JSON object. */
export function runNodeChild<T>(child: string, args: readonly string[], env: NodeJS.ProcessEnv, what: string, nodeArgs: readonly string[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile('node', [...nodeArgs, child, ...args], { cwd: root, env, maxBuffer: 64 * 2 ** 20 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${what} in Node failed: ${error.message}\n${stderr}`));
      const line = stdout
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('{'));
      if (!line) return reject(new Error(`${what} in Node printed no result:\n${stdout}\n${stderr}`));
      resolve(JSON.parse(line) as T);
    });
  });
}
