// Values whose reading runs code that throws (getters, Proxy traps, a revoked Proxy, a
// detached buffer): each is a proper GlorycardError with a code, never the raw exception
// unwinding through the module, and the module (and the Signer/Verifier in use) keeps
// working afterwards. Expected signs are computed from JSON text with the same data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalize, sign, verify, Signer, Verifier } from 'glorycard-wasm';
import { cstMillis, expectCode } from './helpers.mjs';

const KEY = '4fd6b8105f894d0da964b1e80b07b136';
const TS = '20210407155206';
const BODY = '{"dataID":0,"orgCode":"106607"}';

const boom = () => {
  throw new Error('boom from user code');
};

/** A validator: GlorycardError `code`, a message naming `path` (for invalid_value) and
 * saying that reading threw, not the user's exception. */
const threw = (code, path) => (error) => {
  expectCode(code)(error);
  assert.notEqual(error.message, 'boom from user code');
  assert.match(error.message, /threw an exception/);
  if (code === 'invalid_value') {
    assert.equal(error.name, 'GlorycardError');
    assert.ok(error.message.startsWith(`value at ${path} cannot be signed`), `${error.message} should name ${path}`);
  } else {
    assert.ok(error instanceof TypeError);
  }
  return true;
};

/** The module still signs, verifies and canonicalizes correctly. */
function stillWorks() {
  const expected = sign(BODY, KEY, TS);
  assert.equal(sign(JSON.parse(BODY), KEY, TS), expected);
  assert.equal(verify(BODY, KEY, TS, expected), true);
  assert.equal(canonicalize({ b: [1, { c: 'd' }], a: 0.5 }), 'a=0.5&b[0]=1&b[1].c=d');
}

test('bodies: a throwing getter or Proxy trap is invalid_value naming its path', () => {
  const arrayWithGetter = [1, 2];
  Object.defineProperty(arrayWithGetter, 1, { get: boom, enumerable: true });
  const revocable = Proxy.revocable({}, {});
  revocable.revoke();
  const cases = [
    [{ a: { get b() { return boom(); } } }, 'a.b'],
    [{ list: arrayWithGetter }, 'list[1]'],
    [{ p: new Proxy({ x: 1 }, { get: boom }) }, 'p.x'],
    [{ p: new Proxy({ x: 1 }, { ownKeys: boom }) }, 'p'],
    [{ p: new Proxy({ x: 1 }, { getOwnPropertyDescriptor: boom }) }, 'p'],
    [{ p: new Proxy({ x: 1 }, { getPrototypeOf: boom }) }, 'p'],
    [{ list: new Proxy([1, 2], { get: boom }) }, 'list'],
    [{ list: [0, new Proxy([1], { get: (t, k) => (k === 'length' ? 1 : boom()) })] }, 'list[1][0]'],
    [{ revoked: revocable.proxy }, 'revoked'],
    [new Proxy({ a: 1 }, { ownKeys: boom }), '(top level)'],
  ];
  for (const [body, path] of cases) {
    assert.throws(() => sign(body, KEY, TS), threw('invalid_value', path));
    assert.throws(() => canonicalize(body), threw('invalid_value', path));
    stillWorks();
  }
});

test('bodies: a Proxy that reads without throwing signs like its data', () => {
  const proxied = new Proxy({ orgCode: '106607', dataID: 0 }, {});
  assert.equal(sign(proxied, KEY, TS), sign(BODY, KEY, TS));
  assert.equal(canonicalize({ l: new Proxy([1, 2], {}) }), 'l[0]=1&l[1]=2');
});

test('bodies: a Uint8Array is read from its bytes; a detached one is refused', () => {
  const bytes = new TextEncoder().encode(BODY);
  // A `length` getter on the caller's array is never consulted.
  Object.defineProperty(bytes, 'length', { get: boom });
  assert.equal(sign(bytes, KEY, TS), sign(BODY, KEY, TS));
  const detached = new TextEncoder().encode(BODY);
  structuredClone(detached.buffer, { transfer: [detached.buffer] });
  assert.equal(detached.byteLength, 0);
  assert.throws(() => sign(detached, KEY, TS), threw('invalid_value', '(top level)'));
  stillWorks();
});

test('a Verifier whose call failed on a throwing value keeps working, and can be freed', () => {
  const good = sign(BODY, KEY, TS);
  const verifier = new Verifier({ keys: { s: KEY }, replayCache: true, clock: () => cstMillis(TS) });
  const headers = { sid: 's', timestamp: TS, sign: good };
  const hostileBody = { a: new Proxy({}, { ownKeys: boom }) };
  assert.throws(() => verifier.verify('s', TS, good, hostileBody), threw('invalid_value', 'a'));
  assert.throws(() => verifier.verifyHeaders(headers, hostileBody), threw('invalid_value', 'a'));
  // Headers that throw while read: invalid_argument.
  const hostileHeaders = [
    new Proxy(headers, { ownKeys: boom }),
    new Proxy(headers, { get: boom }),
    { sid: 's', timestamp: TS, get sign() { return boom(); } },
    { [Symbol.iterator]: boom },
    { [Symbol.iterator]: () => ({ next: boom }) },
    { [Symbol.iterator]: () => ({ next: () => ({ get done() { return boom(); } }) }) },
    [['sid', 's'], new Proxy(['sign', good], { get: boom })],
    { sid: 's', timestamp: TS, sign: new Proxy([good], { get: boom }) },
  ];
  for (const bad of hostileHeaders) {
    assert.throws(() => verifier.verifyHeaders(bad, BODY), threw('invalid_argument'));
  }
  // The same verifier accepts the good request once (replay cache intact), then refuses it.
  assert.deepEqual(verifier.verifyHeaders(headers, Buffer.from(BODY)), { sid: 's', timestamp: TS, keyIndex: 0 });
  assert.throws(() => verifier.verifyHeaders(headers, BODY), expectCode('replayed'));
  // free() would throw if a failed call had left the object borrowed.
  verifier.free();

  const signer = new Signer('s', KEY);
  assert.throws(() => signer.sign([new Proxy({}, { ownKeys: boom })], TS), threw('invalid_value', '[0]'));
  assert.deepEqual(signer.sign(BODY, TS), { sid: 's', timestamp: TS, sign: good });
  signer.free();
  stillWorks();
});

test('Verifier options and clock that throw are invalid_argument', () => {
  const options = [
    new Proxy({ keys: { s: KEY } }, { ownKeys: boom }),
    new Proxy({ keys: { s: KEY } }, { get: boom }),
    { keys: new Proxy({ s: KEY }, { ownKeys: boom }) },
    { keys: { get s() { return boom(); } } },
    { keys: { s: new Proxy([KEY], { get: boom }) } },
  ];
  for (const bad of options) {
    assert.throws(() => new Verifier(bad), threw('invalid_argument'));
  }
  // A clock that throws passes its exception on (it is the caller's own code); one that
  // returns a Proxy of a Date is refused; either way the verifier keeps working.
  let fail = true;
  const verifier = new Verifier({
    keys: { s: KEY },
    clock: () => {
      if (fail) boom();
      return cstMillis(TS);
    },
  });
  const good = sign(BODY, KEY, TS);
  assert.throws(() => verifier.verify('s', TS, good, BODY), /boom from user code/);
  fail = false;
  assert.equal(verifier.verify('s', TS, good, BODY).keyIndex, 0);
  const proxyDate = new Verifier({ keys: { s: KEY }, clock: () => new Proxy(new Date(cstMillis(TS)), {}) });
  assert.throws(() => proxyDate.verify('s', TS, good, BODY), expectCode('invalid_argument'));
  verifier.free();
  proxyDate.free();
  stillWorks();
});
