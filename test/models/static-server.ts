// A real static HTTP server for the URL-source tests: serves a folder with CORS and byte ranges (as
// the Hugging Face Hub does), so a page on another origin can read it; `ranges: false` makes it
// ignore Range headers, as some servers do.
import { readFile, stat } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import { join, normalize } from 'node:path';

export interface StaticServer {
  /** The base URL, ending in '/'. */
  url: string;
  /** Request lines seen (method, path, Range), for checking that weights were read by ranges. */
  log: string[];
  close(): Promise<void>;
}

export async function serveFolder(root: string, options: { ranges?: boolean } = {}): Promise<StaticServer> {
  const log: string[] = [];
  const server: Server = createServer(async (request, response) => {
    response.setHeader('Access-Control-Allow-Origin', '*');
    response.setHeader('Access-Control-Allow-Headers', 'Range');
    response.setHeader('Access-Control-Expose-Headers', 'Content-Range, Content-Length, Accept-Ranges');
    const range = request.headers.range;
    log.push(`${request.method} ${request.url}${range ? ` ${range}` : ''}`);
    if (request.method === 'OPTIONS') return void response.writeHead(204).end();
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname));
    const file = join(root, path);
    if (!file.startsWith(root) || !(await stat(file).catch(() => undefined))?.isFile()) return void response.writeHead(404).end('not found');
    const bytes = await readFile(file);
    const match = options.ranges !== false && range ? /^bytes=(\d+)-(\d*)$/.exec(range) : null;
    if (match) {
      const start = Number(match[1]);
      const end = Math.min(match[2] ? Number(match[2]) : bytes.length - 1, bytes.length - 1);
      if (start >= bytes.length) return void response.writeHead(416, { 'Content-Range': `bytes */${bytes.length}` }).end();
      response.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${bytes.length}`, 'Content-Length': end - start + 1, 'Accept-Ranges': 'bytes' });
      return void response.end(request.method === 'HEAD' ? undefined : bytes.subarray(start, end + 1));
    }
    response.writeHead(200, { 'Content-Length': bytes.length, ...(options.ranges !== false ? { 'Accept-Ranges': 'bytes' } : {}) });
    response.end(request.method === 'HEAD' ? undefined : bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the static server has no port');
  return {
    url: `http://127.0.0.1:${address.port}/`,
    log,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
