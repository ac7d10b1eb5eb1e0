#!/usr/bin/env node
// A static file server for the plain page (and, in the tests, for the bundlers' dist/):
// GET and HEAD of the files under a folder on 127.0.0.1, with the two headers the package
// needs: `application/wasm` for the .wasm and a Content-Security-Policy that lets the page
// compile WebAssembly and nothing else it does not need.
// Usage: node server.mjs [port] [folder]   (port 0 picks a free one; prints the URL)
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// [readme:headers]
const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm', // else the slower fallback, with a console warning
};
export const STRICT_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'";
// [/readme:headers]

/**
 * The policy for an HTML page: `csp` with the hash of each inline import map added to
 * script-src, since the CSP treats an import map as an inline script (refused, the page's
 * `import 'glorycard-wasm'` then fails to resolve). Computed from the page itself, so that
 * editing the map cannot leave a stale hash.
 */
export function policyFor(html, csp) {
  const maps = html.matchAll(/<script type="importmap">([\s\S]*?)<\/script>/g);
  const hashes = [...maps].map(([, map]) => `'sha256-${createHash('sha256').update(map).digest('base64')}'`);
  if (hashes.length === 0) return csp;
  return csp.replace(/script-src ([^;]*)/, (directive) => `${directive} ${hashes.join(' ')}`);
}

/**
 * Starts the server; resolves to { url, stop }. `csp` replaces the policy (the tests give
 * one without 'wasm-unsafe-eval').
 */
export function startServer({ root, port = 0, csp = STRICT_CSP }) {
  const base = resolve(root) + sep;
  const server = createServer(async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    try {
      const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
      let file = normalize(join(base, pathname));
      if (!file.startsWith(base)) throw new Error('outside the folder');
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
        'content-security-policy': extname(file) === '.html' ? policyFor(body.toString('utf8'), csp) : csp,
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
    }
  });
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      const stop = () =>
        new Promise((closed) => {
          server.close(() => closed());
          server.closeAllConnections(); // a browser's idle keep-alive ones too
        });
      done({ url: `http://127.0.0.1:${server.address().port}/`, stop });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.argv[2] ?? 8080);
  const root = process.argv[3] ?? fileURLToPath(new URL('.', import.meta.url));
  const { url } = await startServer({ root, port });
  console.log(url);
}
