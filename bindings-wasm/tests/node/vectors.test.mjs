// Every conformance vector of tests/vectors/ through the built npm package, imported by
// its name as an application would (node_modules/glorycard-wasm -> ../pkg).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { canonicalize, diagnose, sign, verify, explain, Verifier } from 'glorycard-wasm';
import { cstMillis, expectCode } from './helpers.mjs';

const vectorsDir = new URL('../../../tests/vectors/', import.meta.url);
const load = (name) => JSON.parse(readFileSync(new URL(name, vectorsDir), 'utf8')).vectors;

/** The body exactly as the vector gives it: its text, or its bytes. */
const bodyOf = (v) => (v.bodyHex !== undefined ? Buffer.from(v.bodyHex, 'hex') : v.body);

const signing = load('signing.json');
const verification = load('verification.json');
const diagnosis = load('diagnosis.json');

test('the vector files are there', () => {
  assert.ok(signing.length >= 80, `${signing.length} signing vectors`);
  assert.ok(verification.length >= 20, `${verification.length} verification vectors`);
  assert.ok(diagnosis.length >= 6, `${diagnosis.length} diagnosis vectors`);
});

// The GBK vectors need the GB18030 encoder the glue builds from Node's TextDecoder.
for (const v of diagnosis) {
  test(`diagnosis: ${v.name}`, () => {
    const expected = { match: v.expect.match, departure: v.expect.departure, departureZh: v.expect.departureZh };
    assert.deepEqual(diagnose(v.body, v.key, v.timestamp, v.received), expected);
    assert.deepEqual(diagnose(Buffer.from(v.body, 'utf8'), v.key, v.timestamp, v.received), expected);
  });
}

for (const v of signing) {
  test(`signing: ${v.name}`, () => {
    const body = bodyOf(v);
    if (v.expect.error) {
      assert.throws(() => sign(body, v.key, v.timestamp), expectCode(v.expect.error));
      assert.throws(() => explain(body, v.key, v.timestamp), expectCode(v.expect.error));
      return;
    }
    assert.equal(canonicalize(body), v.expect.stringA);
    assert.equal(sign(body, v.key, v.timestamp), v.expect.sign);
    const e = explain(body, v.key, v.timestamp);
    assert.equal(e.stringA, v.expect.stringA);
    assert.equal(e.md5Upper, v.expect.md5);
    assert.equal(e.sign, v.expect.sign);
    assert.equal(e.stringSignTempMasked, `${v.expect.stringA}&key=***&timestamp=${v.timestamp}`);
    assert.equal(verify(body, v.key, v.timestamp, v.expect.sign), true);
    assert.equal(verify(body, v.key, v.timestamp, v.expect.sign.toUpperCase()), true);
    // The same body as bytes signs the same.
    if (typeof body === 'string') {
      assert.equal(sign(new TextEncoder().encode(body), v.key, v.timestamp), v.expect.sign);
    }
  });
}

for (const v of verification) {
  test(`verification: ${v.name}`, () => {
    const c = v.verify;
    const verifier = new Verifier({
      keys: c.keys,
      maxSkewSeconds: c.maxSkewSeconds,
      replayCache: c.replayCache,
      clock: () => cstMillis(c.now),
    });
    const present = () =>
      c.headers !== undefined
        ? verifier.verifyHeaders(c.headers, v.body)
        : verifier.verify(c.sid, v.timestamp, c.sign, v.body);
    let result;
    for (let i = 0; i < c.presentations; i++) {
      try {
        result = { ok: present() };
      } catch (error) {
        result = { error };
      }
    }
    if (v.expect.error) {
      assert.ok(result.error, `expected ${v.expect.error}, got ${JSON.stringify(result.ok)}`);
      expectCode(v.expect.error)(result.error);
    } else {
      assert.ok(!result.error, result.error && `${result.error.code}: ${result.error.message}`);
      assert.equal(result.ok.keyIndex, v.expect.keyIndex);
      assert.equal(result.ok.timestamp, c.headers ? Object.entries(c.headers).find(([k]) => k.toLowerCase() === 'timestamp')[1] : v.timestamp);
    }
    // Header vectors also pass as a fetch Headers object (names lower-cased by it),
    // except those repeating a name: a Headers object joins the values ("S, S").
    const names = c.headers === undefined ? [] : Object.keys(c.headers).map((k) => k.toLowerCase());
    if (c.headers !== undefined && c.presentations === 1 && new Set(names).size === names.length) {
      const again = new Verifier({ keys: c.keys, maxSkewSeconds: c.maxSkewSeconds, clock: () => cstMillis(c.now) });
      const headers = new Headers(c.headers);
      if (v.expect.error) {
        assert.throws(() => again.verifyHeaders(headers, v.body), expectCode(v.expect.error));
      } else {
        assert.equal(again.verifyHeaders(headers, v.body).keyIndex, v.expect.keyIndex);
      }
    }
  });
}
