// Signs what is typed in the form. The import and `await init()` are all a Vite app needs.
// [readme:vite]
import init, { sign, timestampNow, isGlorycardError } from 'glorycard-wasm';

await init(); // once, before any other export: fetches the .wasm that Vite emitted
// [/readme:vite]

const fields = ['body', 'key', 'timestamp'].map((id) => document.getElementById(id));
const [body, key, timestamp] = fields;
const output = document.getElementById('sign');
const error = document.getElementById('error');

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
