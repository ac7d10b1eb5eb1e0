// The package as an application sees it: ESM exports for Node (no init call), the
// declarations, the API's classes and thread-free reentrancy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import init, * as g from 'glorycard-wasm';
import { cstMillis, expectCode } from './helpers.mjs';

const KEY = '4fd6b8105f894d0da964b1e80b07b136';
const TS = '20210407155206';
const BODY = '{"dataID":0,"orgCode":"106607","detail":{"amount":10.00,"note":""}}';
const require = createRequire(import.meta.url);
const pkgDir = new URL('../../pkg/', import.meta.url);

test('Node needs no init call, and init() resolves at once', async () => {
  assert.equal(typeof g.sign, 'function');
  assert.equal(g.canonicalize(BODY), 'dataID=0&detail.amount=10&orgCode=106607');
  await init();
  assert.equal(g.canonicalize('{}'), '');
});

test('package.json: ESM, exports for Node and browsers, Node >= 18', () => {
  const pkg = JSON.parse(readFileSync(new URL('package.json', pkgDir), 'utf8'));
  assert.equal(pkg.type, 'module');
  assert.equal(pkg.engines.node, '>=18');
  assert.equal(pkg.exports['.'].node, './node.js');
  assert.equal(pkg.exports['.'].default, './glorycard_wasm.js');
  assert.equal(pkg.exports['.'].types, './glorycard_wasm.d.ts');
  assert.equal(require.resolve('glorycard-wasm/package.json').endsWith('package.json'), true);
  const size = readFileSync(new URL('glorycard_wasm_bg.wasm', pkgDir)).length;
  // The budget is build.sh's MAX_WASM_BYTES, read from there so it is written once.
  const buildScript = readFileSync(new URL('../../build.sh', import.meta.url), 'utf8');
  const budget = Number(/^MAX_WASM_BYTES=(\d+)$/m.exec(buildScript)?.[1]);
  assert.ok(budget > 0, 'build.sh sets MAX_WASM_BYTES');
  assert.ok(size <= budget, `${size} bytes, budget ${budget}`);
});

test('require() on Node: the CommonJS entry signs as the ESM one, with no init call', () => {
  const pkg = JSON.parse(readFileSync(new URL('package.json', pkgDir), 'utf8'));
  // "browser" before "require", so a bundler for the browser never takes the Node glue.
  assert.deepEqual(Object.keys(pkg.exports['.']), ['browser', 'require', 'types', 'node', 'default']);
  const cjs = require('glorycard-wasm');
  assert.ok(require.resolve('glorycard-wasm').endsWith('/cjs/glorycard_wasm.js'));
  // The platform document's worked example and the sign it prints.
  const example = readFileSync(new URL('../../../tests/vectors/spec-example.body.json', import.meta.url));
  const expected = 'ec94361a53c7969b6affd6af4af9ba1db3283585fad69082750054c5be26157c';
  assert.equal(cjs.sign(example, KEY, TS), expected);
  assert.equal(g.sign(example, KEY, TS), expected);
  assert.throws(() => cjs.sign('{"a":', KEY, TS), (e) => e instanceof Error && e.code === 'invalid_json');
  const full = require('glorycard-wasm/full');
  assert.ok(require.resolve('glorycard-wasm/full').endsWith('/full/cjs/glorycard_wasm.js'));
  assert.equal(full.sign(example, KEY, TS), expected);
  assert.equal(typeof full.validateDeduction, 'function');
  // isGlorycardError is in the CommonJS glue too, and never throws.
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  for (const entry of [cjs, full]) {
    assert.equal(entry.isGlorycardError(revoked.proxy), false);
    assert.equal(entry.isGlorycardError(undefined), false);
    assert.throws(() => entry.sign('{', KEY, TS), (e) => entry.isGlorycardError(e) && g.isGlorycardError(e));
  }
});

test('declarations: no any, and every core error code is in ErrorCode', () => {
  const dts = readFileSync(new URL('glorycard_wasm.d.ts', pkgDir), 'utf8');
  const code = (text) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  assert.doesNotMatch(code(dts), /\bany\b/);
  assert.doesNotMatch(code(readFileSync(new URL('glorycard_wasm_bg.wasm.d.ts', pkgDir), 'utf8')), /\bany\b/);
  const union = dts.slice(dts.indexOf('export type ErrorCode'), dts.indexOf(';', dts.indexOf('export type ErrorCode')));
  // The union is generated from the core's codes: exactly errorCodes(), in order, then
  // the package's own two.
  const members = [...union.matchAll(/"([a-z0-9_]+)"/g)].map((m) => m[1]);
  assert.deepEqual(members, [...g.errorCodes(), 'invalid_argument', 'internal', 'not_initialized']);
  assert.ok(g.errorCodes().includes('duplicate_header'));
});

test('declarations: doc comments hold no Rust (doctests, rustdoc links), in every entry', () => {
  for (const file of ['glorycard_wasm.d.ts', 'cjs/glorycard_wasm.d.ts', 'full/glorycard_wasm.d.ts', 'full/cjs/glorycard_wasm.d.ts']) {
    const dts = readFileSync(new URL(file, pkgDir), 'utf8');
    assert.doesNotMatch(dts, /```/, file);
    assert.doesNotMatch(dts, /\[`[\w:]+`\]/, file);
    assert.doesNotMatch(dts, /glorycard_core::|assert_eq!/, file);
  }
  // The models' own docs are kept.
  assert.match(readFileSync(new URL('full/glorycard_wasm.d.ts', pkgDir), 'utf8'), /An identity document number \(`certNo`, personal data\)\./);
});

test('errors are real Errors with a stable code; isGlorycardError recognizes them', () => {
  let caught;
  try {
    g.sign('{"a":', KEY, TS);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof Error);
  assert.equal(caught.name, 'GlorycardError');
  assert.equal(caught.code, 'invalid_json');
  assert.equal(caught.offset, 5);
  assert.match(caught.message, /invalid JSON at byte 5/);
  assert.ok(g.isGlorycardError(caught));
  assert.ok(!g.isGlorycardError(new Error('other')));
  assert.ok(!g.isGlorycardError('invalid_json'));
  // Wrong argument types are TypeErrors, and never echo the key.
  assert.throws(() => g.sign(BODY, 12345, TS), (e) => e instanceof TypeError && e.code === 'invalid_argument');
  assert.throws(() => g.sign(BODY, 'secret-key-xyz', 20210407155206), (e) => {
    assert.ok(e instanceof TypeError && e.code === 'invalid_argument');
    assert.ok(!e.message.includes('secret-key-xyz'));
    return true;
  });
  assert.throws(() => g.sign(BODY, 'secret-key-xyz', '2021'), (e) => !e.message.includes('secret-key-xyz') && e.code === 'invalid_timestamp');
});

test("every error carries messageZh, the core's Chinese, with the same code as in English", () => {
  const thrown = (call) => {
    try {
      call();
    } catch (error) {
      return error;
    }
    assert.fail('did not throw');
  };
  const broken = thrown(() => g.sign('{"a":1,}', KEY, TS));
  assert.equal(broken.code, 'invalid_json');
  assert.equal(broken.message, 'invalid JSON at byte 7: expected a string key');
  assert.equal(broken.messageZh, 'JSON 格式错误（第 7 字节）：此处应为字符串形式的键');
  const timestamp = thrown(() => g.sign(BODY, KEY, '20240230120000'));
  assert.equal(timestamp.code, 'invalid_timestamp');
  assert.equal(timestamp.messageZh, '时间戳无效：该月没有这一天（应为 14 位数字 yyyyMMddHHmmss，UTC+8）');
  const emptyKey = thrown(() => g.sign(BODY, '', TS));
  assert.equal(emptyKey.code, 'empty_key');
  assert.equal(emptyKey.messageZh, '密钥为空');
  // This package's own code: its Chinese, then the English detail; never the key.
  const argument = thrown(() => g.sign(BODY, 'secret-key-xyz', 20210407155206));
  assert.equal(argument.code, 'invalid_argument');
  assert.equal(argument.messageZh, `参数类型错误：${argument.message}`);
  assert.ok(!argument.messageZh.includes('secret-key-xyz'));
});

test('verify is false on a clean mismatch and throws on malformed input', () => {
  const good = g.sign(BODY, KEY, TS);
  assert.equal(g.verify(BODY, KEY, TS, good), true);
  assert.equal(g.verify(BODY, KEY + 'x', TS, good), false);
  assert.equal(g.verify(BODY.replace('106607', '106608'), KEY, TS, good), false);
  assert.throws(() => g.verify(BODY, KEY, TS, 'xyz'), expectCode('invalid_signature_format'));
  assert.throws(() => g.verify('{', KEY, TS, good), expectCode('invalid_json'));
});

test('diagnose names a common departure, or none', () => {
  const body = '{"amount":10.00,"id":"7"}';
  const right = g.sign(body, KEY, TS);
  assert.deepEqual(g.diagnose(body, KEY, TS, right), { match: true, departure: null, departureZh: null });
  // Signed with the number as written (10.00): the sign of the text where it is literal.
  const asWritten = g.sign('{"amount":"10.00","id":"7"}', KEY, TS);
  const d = g.diagnose(body, KEY, TS, asWritten);
  assert.equal(d.match, false);
  assert.match(d.departure, /numbers signed as written/);
  assert.match(d.departure, /signed as a string and sent as a number/);
  assert.match(d.departureZh, /^数字按原文（10\.00）而不是规范小数（10）签名/);
  // The reverse: the string "10.00" sent, the number 10.00 (STRINGA amount=10) signed.
  const sent = '{"amount":"10.00","id":"7"}';
  const r = g.diagnose(sent, KEY, TS, g.sign(body, KEY, TS));
  assert.equal(r.match, false);
  assert.match(r.departure, /^a value signed as a number and sent as a string/);
  assert.deepEqual(g.diagnose(body, KEY, TS, '0'.repeat(64)), { match: false, departure: null, departureZh: null });
});

test('the GBK encoder of the glue agrees with Python\'s gb18030 codec, all of Unicode', () => {
  // A body whose STRINGA has two-byte GBK (张), a four-byte BMP code (¥ U+00A5: 81 30 84 36)
  // and a supplementary one (𠀀 U+20000: 95 32 82 36): its GBK sign, computed with Python
  // (hmac.new(KEY, md5(temp.encode("gb18030")).hexdigest().upper(), sha256)), is named.
  const body = '{"a":"张¥𠀀"}';
  const key = '4fd6b8105f894d0da964b1e80b07b136';
  const gbk = '6d1e0cbe47c2047afb6d054879db9de83efdb76badff6b3bd6ee3c8aad553702';
  const d = g.diagnose(body, key, '20210407155206', gbk);
  assert.equal(d.match, false);
  assert.match(d.departure, /^STRINGSignTemp hashed as GBK \(GB18030\) bytes instead of UTF-8/);
  assert.match(d.departureZh, /^STRINGSignTemp 按 GBK（GB18030）编码的字节计算/);
});

test('sign without a timestamp signs at now in UTC+8, as timestampNow()', () => {
  // The timestamps read just before and after bound the one sign() took.
  const before = g.timestampNow();
  const signed = g.sign(BODY, KEY);
  const after = g.timestampNow();
  const candidates = new Set([before, after]);
  for (let s = cstMillis(before); s <= cstMillis(after); s += 1000) {
    const d = new Date(s + 8 * 3600 * 1000);
    const pad = (n, w = 2) => String(n).padStart(w, '0');
    candidates.add(`${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`);
  }
  assert.ok([...candidates].some((ts) => g.sign(BODY, KEY, ts) === signed), `not the sign at any of ${[...candidates]}`);
  // undefined and null are "omitted" too; a timestamp of another type is still refused.
  assert.match(g.sign(BODY, KEY, undefined), /^[0-9a-f]{64}$/);
  assert.match(g.sign(BODY, KEY, null), /^[0-9a-f]{64}$/);
  assert.throws(() => g.sign(BODY, KEY, 20210407155206), expectCode('invalid_argument'));
});

// The core names a leading UTF-8 BOM in its JSON error (EF BB BF is valid UTF-8, U+FEFF).
test('a body with a UTF-8 BOM: invalid_json whose message names the BOM', () => {
  const withBom = '\uFEFF{"dataID":0}';
  const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('{"dataID":0}')]);
  for (const body of [withBom, bytes]) {
    assert.throws(() => g.sign(body, KEY, TS), (error) => {
      expectCode('invalid_json')(error);
      assert.equal(error.offset, 0);
      assert.match(error.message, /byte order mark|BOM/i);
      return true;
    });
  }
});

test('timestampNow is the JS clock in UTC+8', () => {
  const before = Math.floor(Date.now() / 1000);
  const ts = g.timestampNow();
  const after = Math.floor(Date.now() / 1000);
  assert.match(ts, /^\d{14}$/);
  const seconds = cstMillis(ts) / 1000;
  assert.ok(seconds >= before && seconds <= after, `${ts} not between ${before} and ${after}`);
});

test('Signer.sign gives the three headers', () => {
  const signer = new g.Signer('47258258201708031835123456', KEY);
  assert.equal(signer.sid, '47258258201708031835123456');
  const headers = signer.sign(BODY, TS);
  assert.deepEqual(headers, { sid: '47258258201708031835123456', timestamp: TS, sign: g.sign(BODY, KEY, TS) });
  const now = signer.sign({ dataID: 0 });
  assert.match(now.timestamp, /^\d{14}$/);
  assert.equal(now.sign, g.sign('{"dataID":0}', KEY, now.timestamp));
  // The earlier names, kept as deprecated aliases: the same results.
  assert.deepEqual(signer.signRequest(BODY, TS), headers);
  const e = g.explain(BODY, KEY, TS);
  assert.equal(e.md5, e.md5Upper);
  assert.throws(() => new g.Signer('sid', ''), expectCode('empty_key'));
  assert.ok(!JSON.stringify(signer).includes(KEY));
  assert.ok(!String(signer).includes(KEY));
  signer.free();
});

test('Verifier: options are checked', () => {
  assert.throws(() => new g.Verifier({ keys: { s: 'k' }, maxSkew: 1 }), expectCode('invalid_argument'));
  assert.throws(() => new g.Verifier({ keys: { s: 5 } }), expectCode('invalid_argument'));
  assert.throws(() => new g.Verifier({ keys: { s: 'k' }, maxSkewSeconds: -1 }), expectCode('invalid_argument'));
  assert.throws(() => new g.Verifier({ keys: { s: 'k' }, replayCache: 0 }), expectCode('invalid_argument'));
  assert.throws(() => new g.Verifier({ keys: { s: 'k' }, clock: 5 }), expectCode('invalid_argument'));
  assert.throws(() => new g.Verifier({ keys: { s: '' } }), expectCode('empty_key'));
  assert.throws(() => new g.Verifier(), expectCode('invalid_argument'));
  const v = new g.Verifier({ keys: { s: ['a', 'b'] }, maxSkewSeconds: 60, clock: () => new Date(cstMillis(TS)) });
  assert.equal(v.maxSkewSeconds, 60);
  const sig = g.sign('{}', 'b', TS);
  assert.deepEqual(v.verify('s', TS, sig, '{}'), { sid: 's', timestamp: TS, keyIndex: 1 });
  // Node's req.headers shape: lower-case names, string values, arrays for repeated ones.
  assert.equal(v.verifyHeaders({ sid: 's', timestamp: TS, sign: sig, 'set-cookie': ['a', 'b'] }, Buffer.from('{}')).keyIndex, 1);
  // Node's req.headersDistinct shape: every value in an array.
  assert.equal(v.verifyHeaders({ sid: ['s'], timestamp: [TS], sign: [sig] }, '{}').keyIndex, 1);
  assert.throws(() => v.verify('s', TS, g.sign('{}', 'c', TS), '{}'), expectCode('signature_mismatch'));
});

test('a repeated sid, timestamp or sign header is refused with duplicate_header', () => {
  const sig = g.sign('{}', KEY, TS);
  const fresh = () => new g.Verifier({ keys: { s: KEY }, clock: () => cstMillis(TS) });
  const repeated = [
    // Names that differ only in case, in a plain object.
    { sid: 's', timestamp: TS, sign: sig, SIGN: sig },
    { sid: 's', Sid: 's', timestamp: TS, sign: sig },
    // Repeated pairs, in an array or any iterable.
    [['sid', 's'], ['timestamp', TS], ['sign', sig], ['Sign', '0'.repeat(64)]],
    new Map([['sid', 's'], ['timestamp', TS], ['TIMESTAMP', TS], ['sign', sig]]),
    // Two values of one header, as Node's req.headersDistinct gives them.
    { sid: 's', timestamp: TS, sign: [sig, sig] },
  ];
  for (const headers of repeated) {
    assert.throws(() => fresh().verifyHeaders(headers, '{}'), (error) => {
      expectCode('duplicate_header')(error);
      assert.equal(error.name, 'GlorycardError');
      assert.ok(g.isGlorycardError(error));
      return true;
    });
  }
  // Control: each header once passes, other headers may repeat.
  assert.equal(fresh().verifyHeaders([['sid', 's'], ['timestamp', TS], ['sign', sig], ['x-a', '1'], ['X-A', '2']], '{}').keyIndex, 0);
  // A fetch Headers cannot hold two: it joins them ("S, S"), which is no valid sign.
  const joined = new Headers([['sid', 's'], ['timestamp', TS], ['sign', sig], ['sign', sig]]);
  assert.equal(joined.get('sign'), `${sig}, ${sig}`);
  assert.throws(() => fresh().verifyHeaders(joined, '{}'), expectCode('invalid_signature_format'));
});

test('reentrancy: 10,000 interleaved calls, errors included, and calls from inside a callback', () => {
  const expected = g.sign(BODY, KEY, TS);
  const objectSign = g.sign({ a: 0.1, b: [1, { c: 'd' }] }, KEY, TS);
  let reentered = 0;
  // The clock re-enters the module while verify is running.
  const verifier = new g.Verifier({
    keys: { s: KEY },
    clock: () => {
      reentered++;
      assert.equal(g.sign(BODY, KEY, TS), expected);
      return cstMillis(TS);
    },
  });
  for (let i = 0; i < 10_000; i++) {
    switch (i % 5) {
      case 0:
        assert.equal(g.sign(BODY, KEY, TS), expected);
        break;
      case 1:
        assert.equal(g.sign({ a: 0.1, b: [1, { c: 'd' }] }, KEY, TS), objectSign);
        break;
      case 2:
        assert.throws(() => g.sign(i % 2 ? '{"a":' : { bad: undefined }, KEY, TS), (e) => e.code === (i % 2 ? 'invalid_json' : 'invalid_value'));
        break;
      case 3:
        assert.equal(verifier.verify('s', TS, expected, BODY).keyIndex, 0);
        break;
      case 4:
        assert.equal(g.verify(BODY, KEY, TS, expected), true);
        break;
    }
  }
  assert.equal(reentered, 2_000);
});
