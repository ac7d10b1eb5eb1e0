// The benchmark in a browser page: the WebAssembly package against crypto-js (loaded by
// a <script> tag as a front-end would), after checking they agree. Results go to
// window.glorycardBench for bench/chromium.mjs.
import init, { sign } from '../pkg/glorycard_wasm.js';
import { cryptoJsSigner, measure, rosterPage, SPEC_KEY, SPEC_SIGN, SPEC_TIMESTAMP } from './common.mjs';

const budget = Number(new URLSearchParams(location.search).get('ms') ?? 1500);
try {
  await init();
  const spec = await fetch('/vectors/spec-example.body.json').then((r) => r.text());
  const bodies = { 'spec example': spec, 'roster page, 500 records': rosterPage(500) };
  const impls = { wasm: sign, 'crypto-js': cryptoJsSigner(window.CryptoJS) };
  for (const [name, body] of Object.entries(bodies)) {
    const a = impls.wasm(body, SPEC_KEY, SPEC_TIMESTAMP);
    const b = impls['crypto-js'](body, SPEC_KEY, SPEC_TIMESTAMP);
    if (a !== b) throw new Error(`wasm and crypto-js disagree on ${name}`);
    if (name === 'spec example' && a !== SPEC_SIGN) throw new Error('the spec example does not give the document sign');
  }
  const rows = [];
  for (const [name, body] of Object.entries(bodies)) {
    const row = { body: name, bytes: new TextEncoder().encode(body).length };
    for (const [impl, f] of Object.entries(impls)) row[impl] = measure(() => f(body, SPEC_KEY, SPEC_TIMESTAMP), budget, () => performance.now());
    rows.push(row);
  }
  window.glorycardBench = { userAgent: navigator.userAgent, rows };
} catch (error) {
  window.glorycardBench = { error: String(error?.message ?? error) };
}
document.getElementById('out').textContent = JSON.stringify(window.glorycardBench, null, 2);
