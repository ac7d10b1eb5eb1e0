#!/usr/bin/env node
// The Node benchmark (a measurement, not a test): sign of the spec example and of a
// 500-record roster page with the WebAssembly package, with crypto-js as a front-end
// developer would write it, and with node:crypto; all three must agree first.
// Usage: node bench/node.mjs [milliseconds per measurement, default 1500]
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import CryptoJS from 'crypto-js';
import { sign } from 'glorycard-wasm';
import { cryptoJsSigner, measure, rosterPage, SPEC_KEY, SPEC_SIGN, SPEC_TIMESTAMP, stringAByHand } from './common.mjs';

const budget = Number(process.argv[2] ?? 1500);
const spec = readFileSync(new URL('../../tests/vectors/spec-example.body.json', import.meta.url), 'utf8');
const roster = rosterPage(500);

const implementations = {
  wasm: sign,
  'crypto-js': cryptoJsSigner(CryptoJS),
  'node:crypto': (text, key, timestamp) => {
    const md5 = createHash('md5').update(`${stringAByHand(text)}&key=${key}&timestamp=${timestamp}`).digest('hex').toUpperCase();
    return createHmac('sha256', key).update(md5).digest('hex');
  },
};

const bodies = { 'spec example': spec, 'roster page, 500 records': roster };
for (const [name, body] of Object.entries(bodies)) {
  const signs = Object.entries(implementations).map(([impl, f]) => [impl, f(body, SPEC_KEY, SPEC_TIMESTAMP)]);
  if (new Set(signs.map(([, s]) => s)).size !== 1) throw new Error(`implementations disagree on ${name}: ${JSON.stringify(signs)}`);
  if (name === 'spec example' && signs[0][1] !== SPEC_SIGN) throw new Error('the spec example does not give the document sign');
}
console.log(`Node ${process.version}; all implementations give the same sign on both bodies (spec example: the document's).`);

const now = () => performance.now();
const rows = [];
for (const [name, body] of Object.entries(bodies)) {
  const us = {};
  for (const [impl, f] of Object.entries(implementations)) us[impl] = measure(() => f(body, SPEC_KEY, SPEC_TIMESTAMP), budget, now);
  rows.push({ body: name, bytes: Buffer.byteLength(body), ...us });
}
const fmt = (us) => (us < 100 ? us.toFixed(1) : us.toFixed(0));
console.log('\n| body | bytes | wasm µs | crypto-js µs | node:crypto µs | wasm vs crypto-js | wasm vs node:crypto |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.body} | ${r.bytes.toLocaleString('en')} | ${fmt(r.wasm)} | ${fmt(r['crypto-js'])} | ${fmt(r['node:crypto'])} | ` +
      `**${(r['crypto-js'] / r.wasm).toFixed(2)}×** | ${(r['node:crypto'] / r.wasm).toFixed(2)}× |`,
  );
}
