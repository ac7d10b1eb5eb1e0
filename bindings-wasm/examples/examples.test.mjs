// The browser examples in Chromium: each app, built by run.sh from the packed package, is
// served on 127.0.0.1 and signs the spec example typed into its form. Also: Vite's dev
// servers (the .wasm served as itself, not as index.html), Vite 5 without its two settings
// (the failures the README's settings prevent), the plain page under a strict CSP with and
// without 'wasm-unsafe-eval', and `init` from one entry with `sign` from the other.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launchChromium } from '../tests/browser/launch.mjs';
import { startServer, STRICT_CSP } from './plain/server.mjs';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const vectors = JSON.parse(readFileSync(here('../../tests/vectors/signing.json'), 'utf8')).vectors;
const spec = vectors.find((v) => v.name === 'spec-example');
const WASM_MAGIC = '0061736d';

let browser;
const stops = [];

before(async () => {
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  for (const stop of stops.reverse()) await stop();
});

/** Serves `root` with the example server (and `csp`); stopped after the tests. */
async function serve(root, csp = STRICT_CSP) {
  const server = await startServer({ root: here(root), csp });
  stops.push(server.stop);
  return server.url;
}

/** A port of 127.0.0.1 free now (Vite takes port 0 as "the default, 5173"). */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Starts an example's own Vite (from its node_modules) in dev mode on 127.0.0.1. */
async function viteDev(example, inlineConfig = {}) {
  const vite = await import(pathToFileURL(here(`${example}/node_modules/vite/dist/node/index.js`)).href);
  const server = await vite.createServer({
    root: here(example),
    logLevel: 'error',
    server: { host: '127.0.0.1', port: await freePort(), strictPort: true },
    ...inlineConfig,
  });
  stops.push(() => server.close()); // before listen: its file watcher runs already
  await server.listen();
  return { url: server.resolvedUrls.local[0], version: vite.version };
}

/**
 * Opens `url`, types the spec example into the form like a user, and returns what the page
 * did: the sign shown, the error shown, every request, the .wasm responses (type, first
 * bytes), and the page's errors.
 */
async function useForm(url) {
  const page = await browser.context.newPage();
  const seen = { requests: [], wasm: [], errors: [] };
  let failed;
  const pageFailed = new Promise((resolve) => (failed = resolve));
  page.on('request', (request) => seen.requests.push(request.url()));
  page.on('pageerror', (error) => {
    seen.errors.push(error.message);
    failed();
  });
  page.on('response', async (response) => {
    if (!response.url().endsWith('.wasm')) return;
    const bytes = await response.body().catch(() => Buffer.alloc(0));
    seen.wasm.push({ type: response.headers()['content-type'], magic: bytes.subarray(0, 4).toString('hex') });
  });
  try {
    await page.goto(url);
    // Ready, or failed: an app whose `await init()` throws never gets ready.
    await Promise.race([page.waitForSelector('body[data-ready]', { timeout: 20_000 }), pageFailed]);
    seen.ready = await page.getAttribute('body', 'data-ready');
    if (seen.ready === 'true') {
      seen.defaultTimestamp = await page.inputValue('#timestamp');
      await page.fill('#body', spec.body);
      await page.fill('#key', spec.key);
      await page.fill('#timestamp', spec.timestamp);
      await page.waitForFunction(() => document.getElementById('sign').textContent !== '');
    }
    seen.sign = await page.textContent('#sign');
    seen.error = await page.textContent('#error');
    seen.keyInPage = (await page.content()).includes(spec.key);
    return seen;
  } finally {
    await page.close();
  }
}

/** The checks every working example passes: it signed, fetched a real .wasm, stayed home. */
function assertSigned(seen, url) {
  assert.deepEqual(seen.errors, []);
  assert.equal(seen.error, '');
  assert.equal(seen.sign, spec.expect.sign);
  assert.match(seen.defaultTimestamp, /^\d{14}$/);
  assert.equal(seen.wasm.length, 1, `one .wasm fetched: ${JSON.stringify(seen.wasm)}`);
  assert.equal(seen.wasm[0].type, 'application/wasm');
  assert.equal(seen.wasm[0].magic, WASM_MAGIC);
  const origin = new URL(url).origin;
  for (const request of seen.requests) assert.ok(request.startsWith(`${origin}/`), `request to ${request}`);
  assert.equal(seen.keyInPage, false, 'the key is in the page');
}

const versionOf = (example, name) =>
  JSON.parse(readFileSync(here(`${example}/node_modules/${name}/package.json`), 'utf8')).version;

test('vite: the build, served under the strict CSP, signs the spec example', async () => {
  const url = await serve('vite/dist');
  assertSigned(await useForm(url), url);
  console.log(`vite ${versionOf('vite', 'vite')} build: signed in Chromium under "${STRICT_CSP}"`);
});

test('vite: the dev server (no configuration) serves the .wasm and signs', async () => {
  const { url, version } = await viteDev('vite');
  assertSigned(await useForm(url), url);
  console.log(`vite ${version} dev: signed in Chromium`);
});

test('vite5: the build (build.target es2022), served under the strict CSP, signs', async () => {
  const url = await serve('vite5/dist');
  assertSigned(await useForm(url), url);
  console.log(`vite ${versionOf('vite5', 'vite')} build: signed in Chromium under "${STRICT_CSP}"`);
});

test('vite5: the dev server (optimizeDeps.exclude) serves the .wasm itself and signs', async () => {
  const { url, version } = await viteDev('vite5');
  const wasmUrl = new URL('/node_modules/glorycard-wasm/glorycard_wasm_bg.wasm', url);
  const response = await fetch(wasmUrl);
  const magic = Buffer.from(await response.arrayBuffer()).subarray(0, 4).toString('hex');
  assert.equal(magic, WASM_MAGIC);
  assertSigned(await useForm(url), url);
  console.log(`vite ${version} dev: the .wasm starts with 00 61 73 6d; signed in Chromium`);
});

test('vite5 without its two settings: the build refuses top-level await, dev serves HTML as the .wasm', async () => {
  // The failures the README's settings prevent, so that they stay necessary and sufficient.
  const bare = mkdtempSync(join(tmpdir(), 'glorycard-vite5-bare-'));
  try {
    const emptyConfig = join(bare, 'vite.config.js');
    writeFileSync(emptyConfig, 'export default {};\n');
    const build = spawnSync(
      process.execPath,
      [here('vite5/node_modules/vite/bin/vite.js'), 'build', '--config', emptyConfig, '--outDir', join(bare, 'dist')],
      { cwd: here('vite5'), encoding: 'utf8' },
    );
    assert.notEqual(build.status, 0);
    assert.match(build.stderr + build.stdout, /Top-level await is not available in the configured target/);
  } finally {
    rmSync(bare, { recursive: true, force: true });
  }
  const cacheDir = mkdtempSync(join(tmpdir(), 'glorycard-vite5-deps-'));
  stops.push(() => rmSync(cacheDir, { recursive: true, force: true }));
  const { url } = await viteDev('vite5', { configFile: false, cacheDir });
  const seen = await useForm(url);
  assert.notEqual(seen.ready, 'true');
  assert.ok(seen.wasm.some((w) => w.magic === '3c21646f'), `the .wasm served as "<!do...": ${JSON.stringify(seen.wasm)}`);
  assert.ok(seen.errors.some((e) => /expected magic word 00 61 73 6d, found 3c 21 64 6f/.test(e)), seen.errors.join('\n'));
  console.log('vite 5 without the settings: build refuses top-level await; dev fails with "expected magic word" (as the README says)');
});

test('webpack: the build (no configuration), served under the strict CSP, signs', async () => {
  const url = await serve('webpack');
  assertSigned(await useForm(url), url);
  console.log(`webpack ${versionOf('webpack', 'webpack')}: signed in Chromium under "${STRICT_CSP}"`);
});

test('plain: the page with an import map signs under the strict CSP', async () => {
  const url = await serve('plain');
  assertSigned(await useForm(url), url);
  console.log(`plain page (import map): signed in Chromium under "${STRICT_CSP}" + the import map's hash`);
});

test("plain: without 'wasm-unsafe-eval' the page says why it cannot sign", async () => {
  const url = await serve('plain', "default-src 'self'; script-src 'self'");
  const seen = await useForm(url);
  assert.equal(seen.ready, 'failed');
  assert.equal(seen.sign, '');
  assert.match(
    seen.error,
    /^The signing module could not be loaded \(the page's Content-Security-Policy needs 'wasm-unsafe-eval' in script-src\): .*Content Security Policy/,
  );
  console.log(`plain page without 'wasm-unsafe-eval': "${seen.error.slice(0, 110)}..."`);
});

test('one entry or the other: init from /full leaves the default entry uninitialized (not_initialized)', async () => {
  // What a bundler ships for `import init from 'glorycard-wasm/full'` with `import { sign }
  // from 'glorycard-wasm'`: two modules, one initialized. The README says to take both from one.
  const url = await serve('plain');
  const page = await browser.context.newPage();
  try {
    // A page of the origin that loads neither module itself (index.html initializes the default one).
    await page.goto(new URL('no-such-page', url).href);
    const outcome = await page.evaluate(async ({ body, key, timestamp }) => {
      const full = await import('/node_modules/glorycard-wasm/full/glorycard_wasm.js');
      const main = await import('/node_modules/glorycard-wasm/glorycard_wasm.js');
      await full.default();
      const sameEntry = full.sign(body, key, timestamp);
      try {
        main.sign(body, key, timestamp);
        return { sameEntry, mixed: 'signed' };
      } catch (e) {
        return { sameEntry, mixed: { code: e.code, name: e.name, message: e.message, guard: main.isGlorycardError(e) } };
      }
    }, spec);
    assert.equal(outcome.sameEntry, spec.expect.sign);
    assert.equal(outcome.mixed.code, 'not_initialized', JSON.stringify(outcome.mixed));
    assert.equal(outcome.mixed.name, 'GlorycardError');
    assert.equal(outcome.mixed.guard, true);
    assert.match(outcome.mixed.message, /await init\(\)/);
    console.log(`init from glorycard-wasm/full, sign from glorycard-wasm: ${outcome.mixed.code}: "${outcome.mixed.message.slice(0, 100)}..."`);
  } finally {
    await page.close();
  }
});
