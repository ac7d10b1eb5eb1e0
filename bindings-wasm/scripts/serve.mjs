#!/usr/bin/env node
// A static file server on 127.0.0.1 for the signing tool page, the browser tests and the
// browser benchmark. Serves bindings-wasm/ (www/, pkg/, tests/browser/, bench/,
// node_modules/crypto-js/) and the repository's tests/vectors/ under /vectors/.
// Usage: node scripts/serve.mjs [port]   (default 8787; 0 picks a free port)
// Prints the base URL on its first line. Nothing here has server logic: GET files only.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const vectors = fileURLToPath(new URL('../../tests/vectors/', import.meta.url));
const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ts': 'text/plain; charset=utf-8',
};

/** The file a URL path names, or null when it is outside what is served. */
function resolve(pathname) {
  let base = root;
  let rest = pathname;
  if (pathname.startsWith('/vectors/')) {
    base = vectors;
    rest = pathname.slice('/vectors'.length);
  }
  const file = normalize(join(base, decodeURIComponent(rest)));
  if (!file.startsWith(base) || file.split(sep).includes('.git')) return null;
  return file;
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405).end();
    return;
  }
  if (url.pathname === '/') {
    res.writeHead(302, { location: '/www/' }).end();
    return;
  }
  let file = resolve(url.pathname);
  try {
    if (file && (await stat(file)).isDirectory()) file = join(file, 'index.html');
    if (!file) throw new Error('outside');
    const body = await readFile(file);
    res.writeHead(200, {
      'content-type': types[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  }
});

const port = Number(process.argv[2] ?? 8787);
server.listen(port, '127.0.0.1', () => {
  const { port: actual } = server.address();
  console.log(`http://127.0.0.1:${actual}`);
  if (process.stdout.isTTY) console.log(`signing tool: http://127.0.0.1:${actual}/www/  (Ctrl-C to stop)`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
