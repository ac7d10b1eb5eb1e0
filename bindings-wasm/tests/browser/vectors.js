// Runs every conformance vector (signing, verification and diagnosis) against the package in the
// browser, after `await init()`, and leaves the results in window.glorycardResults for
// the driver (tests/browser/chromium.test.mjs).
import init, { canonicalize, diagnose, explain, isGlorycardError, sign, timestampNow, verify, Verifier } from '../../pkg/glorycard_wasm.js';

const results = [];
const check = (name, fn) => {
  try {
    fn();
    results.push({ name, ok: true });
  } catch (error) {
    results.push({ name, ok: false, detail: `${error?.code ?? ''} ${error?.message ?? error}` });
  }
};
const equal = (actual, expected, what) => {
  if (actual !== expected) throw new Error(`${what}: ${JSON.stringify(actual)} !== ${JSON.stringify(expected)}`);
};
const throwsCode = (fn, code) => {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof Error)) throw new Error(`threw a non-Error ${typeof error}`);
    equal(error.code, code, 'error code');
    return;
  }
  throw new Error(`expected ${code}, nothing thrown`);
};
const hexBytes = (hex) => new Uint8Array(hex.match(/../g).map((b) => parseInt(b, 16)));
const cstMillis = (ts) => {
  const [y, mo, d, h, mi, s] = [0, 4, 6, 8, 10, 12].map((i, k) => Number(ts.slice(i, i + (k ? 2 : 4))));
  return Date.UTC(y, mo - 1, d, h - 8, mi, s);
};

try {
  // Before init(): a GlorycardError naming `await init()`, not a TypeError about undefined.
  check('before init: not_initialized, and isGlorycardError answers', () => {
    try {
      sign('{}', 'k', '20210407155206');
    } catch (error) {
      equal(error.code, 'not_initialized', 'error code');
      equal(/await init\(\)/.test(error.message), true, 'message names await init()');
      equal(isGlorycardError(error), true, 'isGlorycardError');
      equal(isGlorycardError(undefined), false, 'isGlorycardError(undefined)');
      return;
    }
    throw new Error('sign before init did not throw');
  });
  await init();
  check('sign without a timestamp: now in UTC+8, as timestampNow()', () => {
    const before = timestampNow();
    const signed = sign('{"a":1}', 'k');
    const after = timestampNow();
    equal([before, after].some((ts) => sign('{"a":1}', 'k', ts) === signed), true, 'sign at now');
  });
  const [signing, verification, diagnosis] = await Promise.all(
    ['signing', 'verification', 'diagnosis'].map((n) => fetch(`/vectors/${n}.json`).then((r) => r.json()).then((j) => j.vectors)),
  );
  for (const v of signing) {
    check(`signing: ${v.name}`, () => {
      const body = v.bodyHex !== undefined ? hexBytes(v.bodyHex) : v.body;
      if (v.expect.error) {
        throwsCode(() => sign(body, v.key, v.timestamp), v.expect.error);
        return;
      }
      equal(canonicalize(body), v.expect.stringA, 'STRINGA');
      equal(sign(body, v.key, v.timestamp), v.expect.sign, 'sign');
      equal(explain(body, v.key, v.timestamp).md5Upper, v.expect.md5, 'MD5');
      equal(verify(body, v.key, v.timestamp, v.expect.sign), true, 'verify');
    });
  }
  for (const v of verification) {
    check(`verification: ${v.name}`, () => {
      const c = v.verify;
      const verifier = new Verifier({ keys: c.keys, maxSkewSeconds: c.maxSkewSeconds, replayCache: c.replayCache, clock: () => cstMillis(c.now) });
      let result;
      for (let i = 0; i < c.presentations; i++) {
        try {
          result = { ok: c.headers ? verifier.verifyHeaders(c.headers, v.body) : verifier.verify(c.sid, v.timestamp, c.sign, v.body) };
        } catch (error) {
          result = { error };
        }
      }
      if (v.expect.error) {
        if (!result.error) throw new Error(`expected ${v.expect.error}, got valid`);
        if (!(result.error instanceof Error)) throw new Error('threw a non-Error');
        equal(result.error.code, v.expect.error, 'error code');
      } else {
        if (result.error) throw result.error;
        equal(result.ok.keyIndex, v.expect.keyIndex, 'keyIndex');
      }
    });
  }
  // The GBK vectors need the glue's GB18030 encoder, built from Chromium's TextDecoder.
  for (const v of diagnosis) {
    check(`diagnosis: ${v.name}`, () => {
      const d = diagnose(v.body, v.key, v.timestamp, v.received);
      equal(d.match, v.expect.match, 'match');
      equal(d.departure, v.expect.departure, 'departure');
      equal(d.departureZh, v.expect.departureZh, 'departureZh');
    });
  }
  check('objects: nested, arrays, 0.1, 10.5, 1e21, -0', () => {
    equal(canonicalize({ a: 0.1, b: 10.5, c: 1e21, d: -0, n: { x: [1, { y: 'z' }] } }), 'a=0.1&b=10.5&c=1000000000000000000000&d=0&n.x[0]=1&n.x[1].y=z', 'STRINGA');
  });
  check('objects: undefined names its path', () => throwsCode(() => canonicalize({ a: [undefined] }), 'invalid_value'));
  window.glorycardResults = { signing: signing.length, verification: verification.length, diagnosis: diagnosis.length, results };
} catch (error) {
  window.glorycardResults = { fatal: `${error?.message ?? error}`, results };
}
const failed = results.filter((r) => !r.ok);
document.getElementById('log').textContent = `${results.length - failed.length} passed, ${failed.length} failed\n` + failed.map((f) => `${f.name}: ${f.detail}`).join('\n');
