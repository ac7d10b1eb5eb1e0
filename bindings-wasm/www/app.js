// The signing tool: every stage of signing a body, and a verify tab, computed in the page
// by the glorycard WebAssembly package. No network request is made after the module has
// loaded, and nothing typed here is stored (no storage, no cookies, no URL).
import init, { diagnose, explain, isGlorycardError, timestampNow } from '../pkg/glorycard_wasm.js';

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

function showError(error) {
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
  let text = `${error.code}: ${error.message}`;
  if (error.offset !== undefined && ['invalid_json', 'invalid_utf8', 'duplicate_key', 'too_deep', 'number_out_of_range'].includes(error.code)) {
    const body = fields.body.value;
    const at = position(body, error.offset);
    text = `${error.code} at line ${at.line}, column ${at.column}: ${error.message}`;
    const lineText = body.split('\n')[at.line - 1] ?? '';
    context.textContent = `${lineText}\n${' '.repeat(Math.max(0, at.column - 1))}^`;
    context.hidden = false;
    fields.body.setSelectionRange(at.index, at.index + 1);
  }
  box.textContent = text;
}

function clear() {
  for (const output of outputs) output.textContent = '';
  $('verdict').textContent = '';
  $('verdict').className = 'verdict';
  $('diagnosis').textContent = '';
}

function update() {
  clear();
  const { body, key, timestamp, received } = fields;
  if (!body.value.trim() || !key.value || !timestamp.value) {
    showError(null);
    $('status').textContent = 'Paste a body, a key and a timestamp.';
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
    $('status').textContent = `Signed ${new TextEncoder().encode(body.value).length} bytes.`;
    const sign = received.value.trim();
    if (sign) {
      const d = diagnose(body.value, key.value, timestamp.value, sign);
      $('verdict').textContent = d.match ? 'match: the received sign is right' : 'mismatch';
      $('verdict').className = `verdict ${d.match ? 'match' : 'mismatch'}`;
      if (!d.match) {
        $('diagnosis').textContent = d.departure
          ? `The received sign is what you get with: ${d.departure}. Fix that on the side that signed.`
          : 'No common departure from the rules explains it: the key, the timestamp or the body bytes differ (compare STRINGA below with the other side\'s).';
      }
    }
  } catch (error) {
    showError(error);
    $('status').textContent = '';
  }
}

function selectTab(name) {
  for (const tab of ['sign', 'verify']) {
    $(`tab-${tab}`).setAttribute('aria-selected', String(tab === name));
    $(`panel-${tab}`).hidden = tab !== name;
  }
}

await init();
fields.timestamp.value = timestampNow();
for (const field of Object.values(fields)) field.addEventListener('input', update);
$('now').addEventListener('click', () => {
  fields.timestamp.value = timestampNow();
  update();
});
$('tab-sign').addEventListener('click', () => selectTab('sign'));
$('tab-verify').addEventListener('click', () => selectTab('verify'));
update();
document.body.dataset.ready = 'true';
