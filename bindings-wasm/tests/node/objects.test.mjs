// Bodies given as plain JavaScript objects and arrays (canonical-form.md section 3), and
// the errors for values that have no JSON form. Expected STRINGA values are written from
// the spec's rules by hand; signs are compared with the sign of the equivalent JSON text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { canonicalize, sign, explain } from 'glorycard-wasm';
import { expectCode } from './helpers.mjs';

const KEY = '4fd6b8105f894d0da964b1e80b07b136';
const TS = '20210407155206';
const SPEC_SIGN = 'ec94361a53c7969b6affd6af4af9ba1db3283585fad69082750054c5be26157c';
const specText = readFileSync(new URL('../../../tests/vectors/spec-example.body.json', import.meta.url), 'utf8');

test('the spec example as an object signs as the document prints', () => {
  // JSON.parse turns 10.00 into the number 10, which is what the rules sign.
  assert.equal(sign(JSON.parse(specText), KEY, TS), SPEC_SIGN);
});

test('floats: shortest round-trip decimal, then canonical decimal', () => {
  const cases = [
    [0.1, '0.1'],
    [10.5, '10.5'],
    [10.0, '10'],
    [1e21, '1000000000000000000000'],
    [-0, '0'],
    [0, '0'],
    [-12.3, '-12.3'],
    [1.5e-3, '0.0015'],
    [1e-7, '0.0000001'],
    [0.1 + 0.2, '0.30000000000000004'],
    [123456789012345680000, '123456789012345680000'],
    [Number.MAX_SAFE_INTEGER, '9007199254740991'],
    [5e-324, '0.' + '0'.repeat(323) + '5'],
  ];
  for (const [value, expected] of cases) {
    assert.equal(canonicalize({ x: value }), `x=${expected}`, String(value));
    // Same sign as the JSON text with the canonical decimal written out.
    assert.equal(sign({ x: value }, KEY, TS), sign(`{"x":${expected}}`, KEY, TS));
  }
});

test('nested objects and arrays flatten like JSON text', () => {
  const body = {
    orgCode: '106607',
    sign: 'left out at the top level',
    detail: { amount: 10.5, note: '', tags: ['a', 'b'], sub: { sign: 'kept when nested', none: null } },
    list: [{ id: 1 }, { id: 2, flags: [true, false] }, [], {}],
    big: 2n ** 70n,
    empty: '',
  };
  const expected =
    'big=1180591620717411303424&detail.amount=10.5&detail.sub.sign=kept when nested' +
    '&detail.tags[0]=a&detail.tags[1]=b&list[0].id=1&list[1].flags[0]=true&list[1].flags[1]=false' +
    '&list[1].id=2&orgCode=106607';
  assert.equal(canonicalize(body), expected);
  const text =
    '{"orgCode":"106607","sign":"x","detail":{"amount":10.5,"note":"","tags":["a","b"],' +
    '"sub":{"sign":"kept when nested","none":null}},"list":[{"id":1},{"id":2,"flags":[true,false]},[],{}],' +
    '"big":1180591620717411303424,"empty":""}';
  assert.equal(sign(body, KEY, TS), sign(text, KEY, TS));
  assert.equal(explain(body, KEY, TS).stringA, expected);
});

test('keys and strings are written as data, escapes and all', () => {
  const body = { 'k"q': 'a\\b\n\t"荣誉"', 'u\u0001': '\u0000', emoji: '😀' };
  assert.equal(canonicalize(body), 'emoji=😀&k"q=a\\b\n\t"荣誉"&u\u0001=\u0000');
});

test('objects from JSON.parse, Object.create(null) and frozen objects are plain', () => {
  const nullProto = Object.assign(Object.create(null), { b: 2, a: 1 });
  assert.equal(canonicalize(nullProto), 'a=1&b=2');
  assert.equal(canonicalize(Object.freeze({ a: [1, 2] })), 'a[0]=1&a[1]=2');
});

test('values without a JSON form are invalid_value, naming their path', () => {
  const cases = [
    [{ a: { b: [1, undefined] } }, 'a.b[1]'],
    [{ f() {} }, 'f'],
    [{ s: Symbol('x') }, 's'],
    [{ n: NaN }, 'n'],
    [{ deep: { inf: -Infinity } }, 'deep.inf'],
    [{ when: new Date(0) }, 'when'],
    [{ m: new Map() }, 'm'],
    [{ list: [new (class Point { x = 1 })()] }, 'list[0]'],
    [{ boxed: new Number(1) }, 'boxed'],
    [{ text: 'lone \ud800 surrogate' }, 'text'],
  ];
  for (const [body, path] of cases) {
    assert.throws(() => sign(body, KEY, TS), (error) => {
      expectCode('invalid_value')(error);
      assert.ok(error.message.includes(path), `${error.message} should name ${path}`);
      return true;
    });
  }
  // Sparse arrays: a hole is undefined.
  assert.throws(() => canonicalize({ a: [1, , 3] }), expectCode('invalid_value'));
  assert.throws(() => canonicalize(undefined), expectCode('invalid_value'));
});

test('structure errors are the core errors', () => {
  assert.throws(() => canonicalize([1, 2]), expectCode('not_an_object'));
  assert.throws(() => canonicalize(42), expectCode('not_an_object'));
  assert.throws(() => canonicalize(null), expectCode('not_an_object'));
  assert.throws(() => canonicalize({ 'a.b': 1, a: { b: 2 } }), expectCode('name_collision'));
  const cycle = { a: 1 };
  cycle.self = cycle;
  assert.throws(() => canonicalize(cycle), expectCode('too_deep'));
  let deep = {};
  for (let i = 0; i < 70; i++) deep = { d: deep };
  assert.throws(() => canonicalize(deep), expectCode('too_deep'));
});

test('a string body is signed from its exact text', () => {
  // Same data, different spelling: same STRINGA (canonical numbers), so same sign.
  assert.equal(sign('{"a":10.00, "b":"x"}', KEY, TS), sign({ b: 'x', a: 10 }, KEY, TS));
  // Invalid JSON reports the byte offset.
  assert.throws(() => sign('{"a":1,}', KEY, TS), (error) => {
    expectCode('invalid_json')(error);
    assert.equal(error.offset, 7);
    return true;
  });
  // A lone surrogate in the text cannot be sent as UTF-8: refused, with its UTF-8 offset.
  assert.throws(() => canonicalize('{"é":"\ud800"}'), (error) => {
    expectCode('invalid_utf8')(error);
    // { " é(2 bytes) " : " then the surrogate: byte 7.
    assert.equal(error.offset, 7);
    return true;
  });
});

test('an object signs the same as its JSON.stringify text (what gets sent)', () => {
  const bodies = [
    JSON.parse(specText),
    { a: 0.1, b: 10.5, c: 1e21, d: -0, e: 1e-7, f: [1, 2, { g: 'h\n"' }], i: null, j: '', k: true },
    { orgCode: '106607', data: [{ certNo: '33100119900101001X', fee: 12.3 }], sign: 'ignored' },
  ];
  for (const body of bodies) assert.equal(sign(body, KEY, TS), sign(JSON.stringify(body), KEY, TS));
});
