// The Chromium suite: Debian's Chromium driven by playwright-core loads the package from a
// page served on 127.0.0.1, runs every conformance vector in the page, then drives the
// signing tool page (www/) like a user and checks that nothing leaves the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchChromium, startServer } from './launch.mjs';

const vectorsDir = new URL('../../../tests/vectors/', import.meta.url);
const load = (name) => JSON.parse(readFileSync(new URL(name, vectorsDir), 'utf8')).vectors;
const artifacts = fileURLToPath(new URL('../../artifacts/', import.meta.url));

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchChromium();
  console.log(`Chromium ${browser.version}, pages from ${server.url}`);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('every conformance vector passes in the page', async () => {
  const page = await browser.context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${server.url}/tests/browser/vectors.html`);
  await page.waitForFunction(() => window.glorycardResults !== undefined, null, { timeout: 60_000 });
  const report = await page.evaluate(() => window.glorycardResults);
  await page.close();
  assert.deepEqual(errors, []);
  assert.equal(report.fatal, undefined, report.fatal);
  assert.equal(report.signing, load('signing.json').length);
  assert.equal(report.verification, load('verification.json').length);
  assert.equal(report.diagnosis, load('diagnosis.json').length);
  const failed = report.results.filter((r) => !r.ok);
  console.log(`in Chromium: ${report.results.length - failed.length} passed, ${failed.length} failed (${report.signing} signing + ${report.verification} verification + ${report.diagnosis} diagnosis vectors, 2 object checks, 2 init and timestamp checks)`);
  assert.deepEqual(failed, []);
  assert.equal(report.results.length, report.signing + report.verification + report.diagnosis + 4);
});

test('signing tool page: the spec example, verify tab, invalid JSON, nothing leaves the page', async () => {
  const spec = load('signing.json').find((v) => v.name === 'spec-example');
  const page = await browser.context.newPage();
  const origin = new URL(server.url).origin;
  const requests = [];
  page.on('request', (request) => requests.push(request.url()));
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });

  await page.goto(`${server.url}/www/`);
  await page.waitForSelector('body[data-ready="true"]');
  // Loading fetched only the page's own files from its origin.
  assert.ok(requests.length > 0);
  for (const url of requests) assert.ok(url.startsWith(`${origin}/`), `request to ${url}`);
  const loadRequests = requests.length;

  // The timestamp defaults to now, UTC+8.
  const defaultTs = await page.inputValue('#timestamp');
  assert.match(defaultTs, /^\d{14}$/);
  const [y, mo, d, h, mi, s] = [0, 4, 6, 8, 10, 12].map((i, k) => Number(defaultTs.slice(i, i + (k ? 2 : 4))));
  const skew = Math.abs(Date.UTC(y, mo - 1, d, h - 8, mi, s) - Date.now());
  assert.ok(skew < 60_000, `default timestamp ${defaultTs} is ${skew} ms from now`);

  // Type the spec example in: body, key, timestamp.
  await page.fill('#body', spec.body);
  await page.locator('#key').pressSequentially(spec.key);
  await page.fill('#timestamp', '');
  await page.locator('#timestamp').pressSequentially(spec.timestamp);
  await page.waitForFunction((sign) => document.getElementById('sign').textContent === sign, spec.expect.sign);
  assert.equal(await page.textContent('#stringA'), spec.expect.stringA);
  assert.equal(await page.textContent('#md5'), spec.expect.md5);
  const temp = await page.textContent('#stringSignTemp');
  assert.equal(temp, `${spec.expect.stringA}&key=***&timestamp=${spec.timestamp}`);
  assert.ok(!(await page.content()).includes(spec.key), 'the key appears in the page');
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: `${artifacts}tool-page.png`, fullPage: true });

  // Verify tab: the right sign matches.
  await page.click('#tab-verify');
  await page.locator('#received').pressSequentially(spec.expect.sign);
  await page.waitForFunction(() => document.getElementById('verdict').textContent.startsWith('match'));

  // A sign made with the numbers as written (10.00), computed here with node:crypto from
  // the vector's STRINGA: mismatch, and the diagnosis names that departure.
  const asWritten = spec.expect.stringA.replace(/=10(&|$)/g, '=10.00$1');
  const md5 = createHash('md5').update(`${asWritten}&key=${spec.key}&timestamp=${spec.timestamp}`).digest('hex').toUpperCase();
  const departed = createHmac('sha256', spec.key).update(md5).digest('hex');
  await page.fill('#received', departed);
  await page.waitForFunction(() => document.getElementById('verdict').textContent === 'mismatch');
  assert.match(await page.textContent('#diagnosis'), /numbers signed as written/);
  await page.fill('#received', 'ab'.repeat(32));
  await page.waitForFunction(() => /No common departure/.test(document.getElementById('diagnosis').textContent));
  await page.screenshot({ path: `${artifacts}tool-page-verify.png`, fullPage: true });

  // Invalid JSON: the error with its position.
  await page.click('#tab-sign');
  await page.fill('#body', '{\n  "a": 1,\n  "b": }');
  await page.waitForSelector('#error:not([hidden])');
  const message = await page.textContent('#error');
  assert.match(message, /^invalid_json at line 3, column 8: invalid JSON at byte 19/);
  assert.equal(await page.textContent('#sign'), '');
  assert.match(await page.textContent('#error-context'), /"b": }\n {7}\^/);
  await page.screenshot({ path: `${artifacts}tool-page-invalid-json.png`, fullPage: true });

  // Nothing left the page while it was used, and nothing was stored.
  assert.deepEqual(requests.slice(loadRequests), []);
  const stored = await page.evaluate(async () => ({
    local: localStorage.length,
    session: sessionStorage.length,
    cookie: document.cookie,
    databases: (await indexedDB.databases()).length,
    url: location.href,
  }));
  assert.deepEqual(stored, { local: 0, session: 0, cookie: '', databases: 0, url: `${server.url}/www/` });
  assert.deepEqual(errors, []);
  await page.close();
});
