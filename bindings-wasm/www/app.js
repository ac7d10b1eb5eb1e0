// The signing tool: every stage of signing a body, and a verify tab, computed in the page
// by the glorycard WebAssembly package, in English or Chinese. No network request is made
// after the module has loaded, and nothing typed here is stored (no cookies, no URL); the
// only thing stored is the language chosen with the switch.
import init, { diagnose, explain, isGlorycardError, timestampNow } from '../pkg/glorycard_wasm.js';

/**
 * Every text of the page, English and Simplified Chinese side by side: one entry per
 * string, `{name}` marks a value filled in. Terms follow the platform's Chinese document
 * (签名, 时间戳, 密钥, 请求体); field names (timestamp, sign), STRINGA, STRINGSignTemp,
 * MD5 and the error codes are the same in both languages.
 */
export const MESSAGES = {
  title: { en: 'glorycard signing tool', zh: 'glorycard 签名工具' },
  languageSwitch: { en: 'Language', zh: '语言' },
  warning: {
    en: 'Everything is computed in this page (WebAssembly): nothing is sent anywhere and the key is never stored. A secret key in a browser is for tools like this one and for trusted intranet front-ends only, never for a public web page.',
    zh: '所有计算都在本页内完成（WebAssembly）：不向任何地方发送数据，也从不保存密钥。只有本页这样的工具和受信任的内网前端才可以在浏览器中使用密钥，公开的网页绝不可以。',
  },
  bodyLabel: { en: 'JSON body', zh: 'JSON 请求体' },
  bodyHint: { en: '(exactly as sent)', zh: '（与实际发送的字节完全一致）' },
  keyLabel: { en: 'Secret key', zh: '密钥' },
  timestampLabel: { en: 'timestamp', zh: '时间戳 timestamp' },
  timestampHint: { en: '(yyyyMMddHHmmss, UTC+8)', zh: '（yyyyMMddHHmmss，北京时间 UTC+8）' },
  now: { en: 'now', zh: '当前时间' },
  nowTitle: { en: 'Set the timestamp to the current time, UTC+8', zh: '把时间戳设为当前北京时间（UTC+8）' },
  tabs: { en: 'Sign or verify', zh: '签名或验签' },
  tabSign: { en: 'Sign', zh: '签名' },
  tabVerify: { en: 'Verify', zh: '验签' },
  keyMasked: { en: '(key masked)', zh: '（密钥已隐去）' },
  upperCase: { en: '(upper case)', zh: '（大写）' },
  signTerm: { en: 'sign', zh: '签名 sign' },
  received: { en: 'Received', zh: '收到的' },
  expectedSign: { en: 'expected sign', zh: '本页算出的签名' },
  verifyStringA: { en: 'STRINGA signed here', zh: '本页签名所用的 STRINGA' },
  match: { en: 'match: the received sign is right', zh: '一致：收到的签名正确' },
  mismatch: { en: 'mismatch', zh: '不一致' },
  departure: {
    en: 'The received sign is what you get with: {departure}. Fix that on the side that signed.',
    zh: '收到的签名是这样算出来的：{departure}。请在签名的一方修正。',
  },
  noDeparture: {
    en: "No common departure from the rules explains it: the key, the timestamp or the body bytes differ (compare STRINGA below with the other side's).",
    zh: '没有哪种常见的规则偏差能解释这个签名：密钥、时间戳或请求体的字节不同（请把下方的 STRINGA 与对方的对照）。',
  },
  loading: { en: 'loading…', zh: '加载中…' },
  loadFailed: { en: 'The WebAssembly module failed to load: {message}', zh: 'WebAssembly 模块加载失败：{message}' },
  fillIn: { en: 'Paste a body, a key and a timestamp.', zh: '请粘贴请求体，并填写密钥和时间戳。' },
  signed: { en: 'Signed {bytes} bytes.', zh: '已签名 {bytes} 字节。' },
  error: { en: '{code}: {message}', zh: '{code}：{message}' },
  errorAt: {
    en: '{code} at line {line}, column {column}: {message}',
    zh: '{code}（第 {line} 行，第 {column} 列）：{message}',
  },
};

/** The languages of the page, by the code `<html lang>` takes. */
const HTML_LANG = { en: 'en', zh: 'zh-CN' };
const STORAGE_KEY = 'glorycard.lang';

let lang = 'en';

/** The entry `name` in the current language, with `{value}` filled in from `values`. */
function t(name, values = {}) {
  return MESSAGES[name][lang].replace(/\{(\w+)\}/g, (_, key) => String(values[key]));
}

/** What the module says in the current language: `object[field + 'Zh']` in Chinese when
 * the module provides it (`messageZh` beside `message`, `departureZh` beside
 * `departure`), else `object[field]`. */
function fromModule(object, field) {
  const zh = object[`${field}Zh`];
  return lang === 'zh' && typeof zh === 'string' && zh ? zh : object[field];
}

/** The language chosen with the switch, if any: storage may be refused (privacy modes,
 * sandboxed frames), then the browser's language decides. */
function storedLanguage() {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    return stored === 'zh' || stored === 'en' ? stored : null;
  } catch {
    return null;
  }
}

function storeLanguage(value) {
  try {
    localStorage.setItem(STORAGE_KEY, value);
  } catch {
    // Not remembered: the switch still works for this visit.
  }
}

/** The first of the browser's languages the page has: Chinese for any `zh…`, else English. */
function browserLanguage() {
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language ?? ''];
  for (const tag of preferred) {
    const primary = String(tag).toLowerCase().split('-')[0];
    if (primary === 'zh' || primary === 'en') return primary;
  }
  return 'en';
}

/** Writes every static text and attribute of the page in the current language. */
function applyLanguage() {
  document.documentElement.lang = HTML_LANG[lang];
  document.title = t('title');
  for (const element of document.querySelectorAll('[data-i18n]')) {
    element.textContent = t(element.dataset.i18n);
  }
  for (const element of document.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of element.dataset.i18nAttr.split(';')) {
      const [attribute, name] = pair.split(':').map((part) => part.trim());
      element.setAttribute(attribute, t(name));
    }
  }
  for (const value of ['zh', 'en']) $(`lang-${value}`).setAttribute('aria-pressed', String(value === lang));
}

const $ = (id) => document.getElementById(id);
const fields = { body: $('body'), key: $('key'), timestamp: $('timestamp'), received: $('received') };
const outputs = ['stringA', 'stringSignTemp', 'md5', 'sign', 'expected', 'verify-stringA'].map($);

/** Line and column (1-based, in characters) of a UTF-8 byte offset into `text`. */
function position(text, byteOffset) {
  const bytes = new TextEncoder().encode(text);
  const before = new TextDecoder().decode(bytes.subarray(0, Math.min(byteOffset, bytes.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1].length + 1, index: before.length };
}

/** Shows `error` (or hides the box); `select` marks the error's position in the body. */
function showError(error, select) {
  const box = $('error');
  const context = $('error-context');
  context.hidden = true;
  if (!error) {
    box.hidden = true;
    box.textContent = '';
    return;
  }
  box.hidden = false;
  if (!isGlorycardError(error)) {
    box.textContent = String(error);
    return;
  }
  // The code stays as the module gives it, whatever the language: it is what to search for.
  const message = fromModule(error, 'message');
  let text = t('error', { code: error.code, message });
  if (error.offset !== undefined && ['invalid_json', 'invalid_utf8', 'duplicate_key', 'too_deep', 'number_out_of_range'].includes(error.code)) {
    const body = fields.body.value;
    const at = position(body, error.offset);
    text = t('errorAt', { code: error.code, line: at.line, column: at.column, message });
    const lineText = body.split('\n')[at.line - 1] ?? '';
    context.textContent = `${lineText}\n${' '.repeat(Math.max(0, at.column - 1))}^`;
    context.hidden = false;
    if (select) fields.body.setSelectionRange(at.index, at.index + 1);
  }
  box.textContent = text;
}

function clear() {
  for (const output of outputs) output.textContent = '';
  $('verdict').textContent = '';
  $('verdict').className = 'verdict';
  $('diagnosis').textContent = '';
}

/** Recomputes every output from the inputs; `select` as in showError. */
function update(select = true) {
  clear();
  const { body, key, timestamp, received } = fields;
  if (!body.value.trim() || !key.value || !timestamp.value) {
    showError(null);
    $('status').textContent = t('fillIn');
    return;
  }
  try {
    const e = explain(body.value, key.value, timestamp.value);
    $('stringA').textContent = e.stringA;
    $('stringSignTemp').textContent = e.stringSignTempMasked;
    $('md5').textContent = e.md5Upper;
    $('sign').textContent = e.sign;
    $('expected').textContent = e.sign;
    $('verify-stringA').textContent = e.stringA;
    showError(null);
    $('status').textContent = t('signed', { bytes: new TextEncoder().encode(body.value).length });
    const sign = received.value.trim();
    if (sign) {
      const d = diagnose(body.value, key.value, timestamp.value, sign);
      $('verdict').textContent = d.match ? t('match') : t('mismatch');
      $('verdict').className = `verdict ${d.match ? 'match' : 'mismatch'}`;
      if (!d.match) {
        $('diagnosis').textContent = d.departure
          ? t('departure', { departure: fromModule(d, 'departure') })
          : t('noDeparture');
      }
    }
  } catch (error) {
    showError(error, select);
    $('status').textContent = '';
  }
}

function selectTab(name) {
  for (const tab of ['sign', 'verify']) {
    $(`tab-${tab}`).setAttribute('aria-selected', String(tab === name));
    $(`panel-${tab}`).hidden = tab !== name;
  }
}

lang = storedLanguage() ?? browserLanguage();
applyLanguage();
$('status').textContent = t('loading');
let ready = false;
for (const value of ['zh', 'en']) {
  $(`lang-${value}`).addEventListener('click', () => {
    lang = value;
    storeLanguage(value);
    applyLanguage();
    // Inputs are untouched; the outputs' texts are rewritten in the new language.
    if (ready) update(false);
    else $('status').textContent = t('loading');
  });
}

try {
  await init();
} catch (error) {
  $('status').textContent = t('loadFailed', { message: String(error) });
  throw error;
}
ready = true;
fields.timestamp.value = timestampNow();
for (const field of Object.values(fields)) field.addEventListener('input', () => update());
$('now').addEventListener('click', () => {
  fields.timestamp.value = timestampNow();
  update();
});
$('tab-sign').addEventListener('click', () => selectTab('sign'));
$('tab-verify').addEventListener('click', () => selectTab('verify'));
update();
document.body.dataset.ready = 'true';
