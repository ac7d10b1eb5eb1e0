#!/usr/bin/env node
// Runs bench/bench.html once in Debian's Chromium (headless, fresh profile) from a page
// served on 127.0.0.1, and prints the figures. A measurement, not a test.
// Usage: node bench/chromium.mjs [milliseconds per measurement, default 1500]
import { launchChromium, startServer } from '../tests/browser/launch.mjs';

const budget = Number(process.argv[2] ?? 1500);
const server = await startServer();
let browser;
try {
  browser = await launchChromium();
  const page = await browser.context.newPage();
  await page.goto(`${server.url}/bench/bench.html?ms=${budget}`);
  await page.waitForFunction(() => window.glorycardBench !== undefined, null, { timeout: 120_000 });
  const result = await page.evaluate(() => window.glorycardBench);
  if (result.error) throw new Error(result.error);
  console.log(`Chromium ${browser.version} (headless); wasm and crypto-js give the same sign on both bodies.`);
  console.log('\n| body | bytes | wasm µs | crypto-js µs | wasm vs crypto-js |');
  console.log('|---|---:|---:|---:|---:|');
  const fmt = (us) => (us < 100 ? us.toFixed(1) : us.toFixed(0));
  for (const r of result.rows) {
    console.log(`| ${r.body} | ${r.bytes.toLocaleString('en')} | ${fmt(r.wasm)} | ${fmt(r['crypto-js'])} | **${(r['crypto-js'] / r.wasm).toFixed(2)}×** |`);
  }
} finally {
  await browser?.close();
  await server.stop();
}
