// The ESM glue as a browser or a bundler loads it (not node.js, which initializes at
// once): every export called before `await init()` throws a GlorycardError with code
// not_initialized naming `await init()`, also when it is the other entry that was
// initialized; isGlorycardError never throws, before or after. node --test runs each file
// in its own process, so nothing here is initialized before the test does it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const pkgDir = new URL('../../pkg/', import.meta.url);
const lean = await import(new URL('glorycard_wasm.js', pkgDir));
const full = await import(new URL('full/glorycard_wasm.js', pkgDir));

const KEY = '4fd6b8105f894d0da964b1e80b07b136';
const TS = '20210407155206';

/** Every export a user can call: functions, and classes (constructed) with their static methods. */
function calls(module) {
  const list = [];
  for (const [name, value] of Object.entries(module)) {
    if (name === 'default' || name === 'initSync' || name === 'isGlorycardError' || typeof value !== 'function') continue;
    if (/^[A-Z]/.test(name)) {
      list.push([`new ${name}()`, () => new value({ keys: { s: KEY } })]);
      for (const member of Object.getOwnPropertyNames(value)) {
        if (typeof value[member] === 'function' && !['length', 'name', 'prototype'].includes(member)) {
          list.push([`${name}.${member}()`, () => value[member]('{}')]);
        }
      }
    } else {
      list.push([`${name}()`, () => value('{"a":1}', KEY, TS, '0'.repeat(64))]);
    }
  }
  return list;
}

/** Values isGlorycardError must answer without throwing. */
function oddValues() {
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  const throwingCode = new Error('x');
  Object.defineProperty(throwingCode, 'code', { get() { throw new Error('getter'); } });
  const trapProto = new Proxy({}, { getPrototypeOf() { throw new Error('trap'); } });
  const coded = new Error('coded');
  coded.code = 'invalid_json';
  // [value, whether it is a GlorycardError]
  return [[undefined, false], [null, false], [0, false], ['invalid_json', false], [Symbol('s'), false], [10n, false],
    [{}, false], [{ code: 'invalid_json' }, false], [new Error('plain'), false], [revoked.proxy, false],
    [throwingCode, false], [trapProto, false], [Object.create(null), false], [() => 1, false], [coded, true]];
}

function assertNotInitialized(entry, what, call, otherEntryNamed) {
  assert.throws(call, (error) => {
    assert.ok(error instanceof Error, `${entry} ${what}: ${error}`);
    assert.equal(error.name, 'GlorycardError', `${entry} ${what}`);
    assert.equal(error.code, 'not_initialized', `${entry} ${what}: ${error.message}`);
    assert.match(error.message, /await init\(\)/, `${entry} ${what}`);
    assert.match(error.messageZh, /尚未初始化：必须等 `await init\(\)` 完成后/, `${entry} ${what}`);
    assert.equal(/separate modules/.test(error.message), otherEntryNamed, `${entry} ${what}: ${error.message}`);
    assert.ok(lean.isGlorycardError(error) && full.isGlorycardError(error));
    return true;
  });
}

test('before init(): every export of both entries throws not_initialized, isGlorycardError never throws', async () => {
  const leanCalls = calls(lean);
  const fullCalls = calls(full);
  // Both classes and the model functions are among them (the list is read from the module).
  assert.ok(leanCalls.length >= 9, leanCalls.map(([w]) => w).join(', '));
  assert.ok(fullCalls.some(([what]) => what === 'validateDeduction()'));
  assert.ok(fullCalls.some(([what]) => what === 'new Signer()'));
  for (const [value, expected] of oddValues()) {
    assert.equal(lean.isGlorycardError(value), expected);
    assert.equal(full.isGlorycardError(value), expected);
  }
  for (const [what, call] of leanCalls) assertNotInitialized('default entry', what, call, false);
  for (const [what, call] of fullCalls) assertNotInitialized('full entry', what, call, false);
  // The message names the call.
  assert.throws(() => lean.sign('{}', KEY, TS), /before sign\(\)/);
  assert.throws(() => new lean.Signer('s', KEY), /before new Signer\(\)/);

  // The full entry initialized, the default one not: its errors say they are two modules.
  await full.default({ module_or_path: readFileSync(new URL('full/glorycard_wasm_bg.wasm', pkgDir)) });
  assert.equal(full.canonicalize('{"b":1,"a":2}'), 'a=2&b=1');
  for (const [what, call] of leanCalls) assertNotInitialized('default entry, full initialized', what, call, true);
  assert.throws(() => lean.sign('{}', KEY, TS), /'glorycard-wasm\/full' was initialized.*one entry or the other/);

  await lean.default({ module_or_path: readFileSync(new URL('glorycard_wasm_bg.wasm', pkgDir)) });
  assert.equal(lean.canonicalize('{"b":1,"a":2}'), 'a=2&b=1');
  assert.equal(lean.sign('{}', KEY, TS), full.sign('{}', KEY, TS));
  for (const [value, expected] of oddValues()) {
    assert.equal(lean.isGlorycardError(value), expected);
  }
  // After init, errors are the module's own, recognized by both entries.
  assert.throws(() => lean.sign('{', KEY, TS), (error) => error.code === 'invalid_json' && full.isGlorycardError(error));
  // isGlorycardError knows every code of the union, not_initialized included.
  for (const code of [...lean.errorCodes(), 'invalid_argument', 'internal', 'not_initialized']) {
    const error = new Error(code);
    error.code = code;
    assert.ok(lean.isGlorycardError(error), code);
  }
});
