// The Chromium suite: Debian's Chromium driven by playwright-core loads the package from a
// page served on 127.0.0.1, runs every conformance vector in the page, then drives the
// signing tool page (www/) like a user, once with the browser's language set to English
// and once to Chinese, and checks that nothing leaves the page, that every text is in the
// page's language and that nothing overflows, at a phone's width and a desktop's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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

/** The browser languages of the two runs, as a Chinese and an American browser send them. */
const LOCALES = [
  { lang: 'en', acceptLanguage: 'en-US,en', htmlLang: 'en', file: 'en' },
  { lang: 'zh', acceptLanguage: 'zh-CN,zh', htmlLang: 'zh-CN', file: 'zh-CN' },
];
/** Texts that are the same in both languages: names of the spec (fields, stages,
 * algorithms), the switch's own labels (each language named in itself), the example body. */
const SAME_IN_BOTH = new Set([
  'STRINGA', 'STRINGSignTemp', 'MD5', 'HMAC-SHA256', 'sid', 'sign', 'timestamp', 'UTC+8',
  '中文', 'English', '{"dataID":0,"orgCode":"106607"}',
]);
const sameInBoth = (text) => SAME_IN_BOTH.has(text) || /^[\d\s.,:+-]+$/.test(text);
const HAN = /\p{Script=Han}/u;
/** Viewport widths checked for overflow: a small phone, a desktop. */
const WIDTHS = [{ width: 360, height: 740 }, { width: 1280, height: 720 }];

/** What each run saw, compared across languages at the end. */
const seen = {};

/** A new page whose navigator.language(s), Accept-Language and Intl locale are those of a
 * browser set to `acceptLanguage`: what Playwright's `locale` option sends, per page,
 * because one persistent context serves both runs. (`--lang` does not change
 * navigator.language in headless Chromium; `Emulation.setLocaleOverride` changes Intl only.) */
async function pageInLanguage(acceptLanguage) {
  const page = await browser.context.newPage();
  const cdp = await browser.context.newCDPSession(page);
  const userAgent = await page.evaluate(() => navigator.userAgent);
  await cdp.send('Network.setUserAgentOverride', { userAgent, acceptLanguage });
  await cdp.send('Emulation.setLocaleOverride', { locale: acceptLanguage.split(',')[0] });
  return page;
}

/** The page's dictionary, from app.js (the module instance the page runs). */
const dictionary = (page) => page.evaluate(async () => (await import('/www/app.js')).MESSAGES);

/** Every text of the page a reader sees or hears, hidden panels included, but not the
 * user's data (inputs, outputs, the excerpt of the body under an error). */
function pageTexts() {
  const name = (el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.dataset.i18n ? `[${el.dataset.i18n}]` : ''}`;
  const texts = [{ text: document.title, where: 'title' }];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    if (text && !node.parentElement.closest('output, textarea, script, #error-context')) {
      texts.push({ text, where: name(node.parentElement) });
    }
  }
  for (const el of document.querySelectorAll('[placeholder], [title], [aria-label], input[type="button"], input[type="submit"]')) {
    for (const attribute of ['placeholder', 'title', 'aria-label']) {
      if (el.hasAttribute(attribute)) texts.push({ text: el.getAttribute(attribute).trim(), where: `${name(el)}@${attribute}` });
    }
    if (el.matches('input[type="button"], input[type="submit"]')) texts.push({ text: el.value.trim(), where: `${name(el)}@value` });
  }
  return texts;
}

/** The page's texts are all in `lang`: none is the other language's entry (a template's
 * fixed words included), and each has Chinese characters in Chinese and none in English,
 * but for the texts the same in both. */
async function assertTranslated(page, lang, messages, state) {
  const other = lang === 'zh' ? 'en' : 'zh';
  const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const otherEntries = Object.values(messages).map((entry) => entry[other]);
  // A template matches its filled-in texts; one with no word of its own (`{code}: {message}`) matches
  // anything and is left to the Han check.
  const otherPatterns = otherEntries
    .filter((entry) => /\p{L}/u.test(entry.replace(/\{\w+\}/g, '')))
    .map((entry) => new RegExp(`^${escape(entry).replace(/\\\{\w+\\\}/g, '[\\s\\S]*')}$`));
  assert.equal(await page.evaluate(() => document.documentElement.lang), lang === 'zh' ? 'zh-CN' : 'en');
  const texts = await page.evaluate(pageTexts);
  assert.ok(texts.length > 25, `only ${texts.length} texts found`);
  for (const { text, where } of texts) {
    if (sameInBoth(text)) continue;
    const context = `${lang}, ${state}: ${where} ${JSON.stringify(text)}`;
    assert.ok(!otherPatterns.some((pattern) => pattern.test(text)), `${context} is in ${other}`);
    if (lang === 'zh') assert.match(text, HAN, `${context} is not in Chinese`);
    else assert.doesNotMatch(text, HAN, `${context} is not in English`);
  }
}

/** No horizontal overflow at a phone's width and at a desktop's: the page does not scroll
 * sideways, every box lies within the viewport, and no text box's content is wider than it
 * (form fields and boxes made to scroll sideways excepted). Leaves the desktop width. */
async function assertFits(page, lang, state) {
  for (const size of WIDTHS) {
    await page.setViewportSize(size);
    const problems = await page.evaluate(() => {
      const found = [];
      const root = document.documentElement;
      const name = (el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className ? `.${el.className}` : ''}`;
      if (root.scrollWidth > root.clientWidth) found.push(`the page scrolls sideways: ${root.scrollWidth} > ${root.clientWidth}`);
      for (const el of document.body.querySelectorAll('*')) {
        const rect = el.getBoundingClientRect();
        if (rect.width === 0 && rect.height === 0) continue;
        if (rect.left < -0.5 || rect.right > root.clientWidth + 0.5) found.push(`${name(el)} spans ${rect.left}..${rect.right} of ${root.clientWidth}`);
        const style = getComputedStyle(el);
        if (el.matches('input, textarea') || /auto|scroll/.test(style.overflowX) || style.display === 'inline') continue;
        if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth) found.push(`${name(el)} content ${el.scrollWidth} > box ${el.clientWidth}`);
      }
      return found;
    });
    assert.deepEqual(problems, [], `${lang}, ${state}, ${size.width} px wide`);
  }
}

/** A full-page screenshot at `width`; asserts that it is exactly as wide as the viewport
 * (a page wider than its viewport is captured at its scroll width). */
async function screenshot(page, path, size) {
  await page.setViewportSize(size);
  const png = await page.screenshot({ path, fullPage: true });
  // IHDR: width and height, big-endian, at bytes 16 and 20.
  assert.equal(png.toString('latin1', 1, 4), 'PNG');
  assert.equal(png.readUInt32BE(16), size.width, `${path} is wider than the viewport`);
  assert.ok(png.readUInt32BE(20) >= size.height, `${path} is shorter than the viewport`);
}

/** What the module itself says for a call in the page: an error's code and messages, a
 * diagnosis's departure in both languages. */
const fromModule = (page, call) =>
  page.evaluate(async ({ call }) => {
    const wasm = await import('/pkg/glorycard_wasm.js');
    try {
      const { explain, diagnose } = wasm;
      const result = call.diagnose ? diagnose(...call.diagnose) : explain(...call.explain);
      return { departure: result.departure, departureZh: result.departureZh };
    } catch (error) {
      return { code: error.code, message: error.message, messageZh: error.messageZh };
    }
  }, { call });

test('Chinese characters can be drawn (a CJK font is installed: test.sh installs fonts-wqy-microhei)', () => {
  const fonts = execFileSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8' }).trim();
  assert.notEqual(fonts, '', 'no font with Chinese characters: the zh-CN screenshots would show boxes');
});

test('every entry of the page dictionary differs between English and Chinese', async () => {
  const page = await pageInLanguage('en-US,en');
  await page.goto(`${server.url}/www/`);
  await page.waitForSelector('body[data-ready="true"]');
  const messages = await dictionary(page);
  await page.close();
  assert.ok(Object.keys(messages).length > 25);
  for (const [name, entry] of Object.entries(messages)) {
    assert.deepEqual(Object.keys(entry).sort(), ['en', 'zh'], name);
    assert.notEqual(entry.en, entry.zh, name);
    assert.doesNotMatch(entry.en, HAN, `${name}: ${entry.en}`);
    // Words in English, words in Chinese; a template of values and punctuation only
    // ('{code}: {message}') differs by its full-width colon.
    if (/\p{L}/u.test(entry.en.replace(/\{\w+\}/g, ''))) assert.match(entry.zh, HAN, `${name}: ${entry.zh}`);
  }
});

test('the default language is the first of the browser\'s languages the page has', async () => {
  for (const [acceptLanguage, expected] of [['ja,zh-CN;q=0.9,en;q=0.8', 'zh-CN'], ['zh-TW', 'zh-CN'], ['de-DE,en-GB;q=0.9,zh;q=0.8', 'en'], ['fr-FR', 'en']]) {
    const page = await pageInLanguage(acceptLanguage);
    await page.goto(`${server.url}/www/`);
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.evaluate(() => document.documentElement.lang), expected, acceptLanguage);
    await page.close();
  }
});

for (const locale of LOCALES) {
  test(`signing tool page, browser in ${locale.acceptLanguage}: ${locale.lang} by default, the spec example, verify tab, invalid JSON, the switch, no overflow, nothing leaves the page`, async (t) => {
    const { lang } = locale;
    const zh = lang === 'zh';
    const spec = load('signing.json').find((v) => v.name === 'spec-example');
    const page = await pageInLanguage(locale.acceptLanguage);
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
    assert.equal(await page.evaluate(() => navigator.language), locale.acceptLanguage.split(',')[0]);
    // Loading fetched only the page's own files from its origin.
    assert.ok(requests.length > 0);
    for (const url of requests) assert.ok(url.startsWith(`${origin}/`), `request to ${url}`);
    const loadRequests = requests.length;
    const messages = await dictionary(page);

    // The browser's language, with no choice stored.
    assert.equal(await page.evaluate(() => localStorage.length), 0);
    assert.equal(await page.title(), zh ? 'glorycard 签名工具' : 'glorycard signing tool');
    assert.equal(await page.textContent('#tab-verify'), zh ? '验签' : 'Verify');
    assert.equal(await page.getAttribute(`#lang-${lang}`, 'aria-pressed'), 'true');
    assert.equal(await page.textContent('#status'), zh ? '请粘贴请求体，并填写密钥和时间戳。' : 'Paste a body, a key and a timestamp.');
    await assertTranslated(page, lang, messages, 'empty');

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
    const bytes = Buffer.byteLength(spec.body);
    assert.equal(await page.textContent('#status'), zh ? `已签名 ${bytes} 字节。` : `Signed ${bytes} bytes.`);
    await assertTranslated(page, lang, messages, 'signed');
    await assertFits(page, lang, 'signed');
    mkdirSync(artifacts, { recursive: true });
    await screenshot(page, `${artifacts}tool-page.${locale.file}.png`, WIDTHS[1]);
    await screenshot(page, `${artifacts}tool-page.${locale.file}.narrow.png`, WIDTHS[0]);
    await page.setViewportSize(WIDTHS[1]);
    const run = { sign: await page.textContent('#sign') };

    // Verify tab: the right sign matches.
    await page.click('#tab-verify');
    await page.locator('#received').pressSequentially(spec.expect.sign);
    await page.waitForFunction((text) => document.getElementById('verdict').textContent === text,
      zh ? '一致：收到的签名正确' : 'match: the received sign is right');

    // A sign made with the numbers as written (10.00), computed here with node:crypto from
    // the vector's STRINGA: mismatch, and the diagnosis names that departure, in the
    // module's words for the page's language.
    const asWritten = spec.expect.stringA.replace(/=10(&|$)/g, '=10.00$1');
    const md5 = createHash('md5').update(`${asWritten}&key=${spec.key}&timestamp=${spec.timestamp}`).digest('hex').toUpperCase();
    const departed = createHmac('sha256', spec.key).update(md5).digest('hex');
    await page.fill('#received', departed);
    await page.waitForFunction((text) => document.getElementById('verdict').textContent === text, zh ? '不一致' : 'mismatch');
    const diagnosis = await page.textContent('#diagnosis');
    const said = await fromModule(page, { diagnose: [spec.body, spec.key, spec.timestamp, departed] });
    assert.match(said.departure, /numbers signed as written/);
    if (!zh) {
      assert.equal(diagnosis, `The received sign is what you get with: ${said.departure}. Fix that on the side that signed.`);
    } else {
      // The module gives every departure in Chinese: the page must show it, not the English.
      assert.match(said.departureZh, HAN);
      assert.equal(diagnosis, `收到的签名是这样算出来的：${said.departureZh}。请在签名的一方修正。`);
    }
    await page.fill('#received', 'ab'.repeat(32));
    await page.waitForFunction((text) => document.getElementById('diagnosis').textContent === text, messages.noDeparture[lang]);
    await assertTranslated(page, lang, messages, 'verify tab');
    await assertFits(page, lang, 'verify tab');
    await screenshot(page, `${artifacts}tool-page-verify.${locale.file}.png`, WIDTHS[1]);

    // Invalid JSON: the error with its position; the code as in every language, the message
    // in the page's language.
    await page.click('#tab-sign');
    const invalid = '{\n  "a": 1,\n  "b": }';
    await page.fill('#body', invalid);
    await page.waitForSelector('#error:not([hidden])');
    const shown = await page.textContent('#error');
    const error = await fromModule(page, { explain: [invalid, spec.key, spec.timestamp] });
    assert.equal(error.code, 'invalid_json');
    assert.match(error.message, /^invalid JSON at byte 19/);
    if (!zh) {
      assert.equal(shown, `invalid_json at line 3, column 8: ${error.message}`);
    } else {
      // Every error carries its Chinese message: the page must show it, not the English.
      assert.match(error.messageZh, HAN);
      assert.equal(shown, `invalid_json（第 3 行，第 8 列）：${error.messageZh}`);
    }
    run.error = { code: shown.match(/^[a-z_]+/)?.[0], shown };
    assert.equal(await page.textContent('#sign'), '');
    assert.match(await page.textContent('#error-context'), /"b": }\n {7}\^/);
    await assertTranslated(page, lang, messages, 'invalid JSON');
    await assertFits(page, lang, 'invalid JSON');
    await screenshot(page, `${artifacts}tool-page-invalid-json.${locale.file}.png`, WIDTHS[1]);

    // Nothing left the page while it was used, and nothing was stored.
    assert.deepEqual(requests.slice(loadRequests), []);
    const storage = () => page.evaluate(async () => ({
      local: { ...localStorage },
      session: sessionStorage.length,
      cookie: document.cookie,
      databases: (await indexedDB.databases()).length,
      url: location.href,
    }));
    const nothing = { local: {}, session: 0, cookie: '', databases: 0, url: `${server.url}/www/` };
    assert.deepEqual(await storage(), nothing);

    // The switch: the other language in place, inputs and results kept; the choice, and
    // only it, remembered across a reload; then back.
    const other = zh ? 'en' : 'zh';
    const values = async () => Promise.all(['#body', '#key', '#timestamp', '#received'].map((id) => page.inputValue(id)));
    const typed = await values();
    await page.click(`#lang-${other}`);
    await assertTranslated(page, other, messages, 'switched');
    assert.deepEqual(await values(), typed);
    assert.equal(await page.getAttribute(`#lang-${other}`, 'aria-pressed'), 'true');
    assert.equal(await page.getAttribute(`#lang-${lang}`, 'aria-pressed'), 'false');
    assert.match(await page.textContent('#error'), other === 'zh' ? /^invalid_json（第 3 行，第 8 列）：/ : /^invalid_json at line 3, column 8: /);
    await page.fill('#body', spec.body);
    await page.waitForFunction((sign) => document.getElementById('sign').textContent === sign, spec.expect.sign);
    await page.click('#tab-verify');
    assert.equal(await page.textContent('#verdict'), messages.mismatch[other]);
    assert.equal(await page.textContent('#diagnosis'), messages.noDeparture[other]);
    await assertFits(page, other, 'switched');
    assert.deepEqual(await storage(), { ...nothing, local: { 'glorycard.lang': other } });
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.evaluate(() => document.documentElement.lang), other === 'zh' ? 'zh-CN' : 'en');
    await assertTranslated(page, other, messages, 'reloaded');
    await page.click(`#lang-${lang}`);
    await assertTranslated(page, lang, messages, 'switched back');
    assert.deepEqual(await storage(), { ...nothing, local: { 'glorycard.lang': lang } });
    // The next run starts from the browser's language again.
    await page.evaluate(() => localStorage.clear());

    assert.deepEqual(requests.slice(loadRequests).filter((url) => !url.startsWith(`${origin}/`)), []);
    assert.deepEqual(errors, []);
    await page.close();
    seen[lang] = run;
  });
}

test('the same sign, and the same error code, in both languages', () => {
  assert.deepEqual(Object.keys(seen).sort(), ['en', 'zh'], 'a language run failed');
  assert.equal(seen.zh.sign, seen.en.sign);
  assert.equal(seen.zh.error.code, 'invalid_json');
  assert.equal(seen.zh.error.code, seen.en.error.code);
  assert.notEqual(seen.zh.error.shown, seen.en.error.shown);
});
