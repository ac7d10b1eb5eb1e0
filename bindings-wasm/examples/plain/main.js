// Signs what is typed in the form. The import map in index.html says where the package is;
// the .wasm is fetched from next to glorycard_wasm.js.
import init, { sign, timestampNow, isGlorycardError } from 'glorycard-wasm';

const fields = ['body', 'key', 'timestamp'].map((id) => document.getElementById(id));
const [body, key, timestamp] = fields;
const output = document.getElementById('sign');
const error = document.getElementById('error');

try {
  await init(); // once, before any other export
} catch (e) {
  // Say why the page cannot sign instead of leaving a form that does nothing. Chromium's
  // own message names 'unsafe-eval', which would open far more than WebAssembly.
  const hint = /Content Security Policy/i.test(e.message)
    ? " (the page's Content-Security-Policy needs 'wasm-unsafe-eval' in script-src)"
    : '';
  error.textContent = `The signing module could not be loaded${hint}: ${e.message}`;
  document.body.dataset.ready = 'failed';
  throw e;
}

function update() {
  try {
    output.textContent = sign(body.value, key.value, timestamp.value);
    error.textContent = '';
  } catch (e) {
    output.textContent = '';
    error.textContent = isGlorycardError(e) ? `${e.code}: ${e.message}` : String(e);
  }
}

timestamp.value = timestampNow(); // China time, whatever the computer's zone
for (const field of fields) field.addEventListener('input', update);
document.body.dataset.ready = 'true';
