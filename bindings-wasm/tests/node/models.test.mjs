// The models through the built package: every model vector of tests/vectors/models.json,
// plain objects with the wire names, and what the generated declarations say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as glorycard from 'glorycard-wasm/full';
import { expectCode } from './helpers.mjs';

const vectors = JSON.parse(
  readFileSync(new URL('../../../tests/vectors/models.json', import.meta.url), 'utf8'),
).vectors;

// The functions of each model, by the vectors' model names.
const MODELS = {
  rosterPageRequest: ['RosterPageRequest', 'rosterPageRequest'],
  deduction: ['Deduction', 'deduction'],
  cancellation: ['Cancellation', 'cancellation'],
  deductCheckRequest: ['DeductCheckRequest', 'deductCheckRequest'],
  deductCheckRecord: ['DeductCheckRecord', 'deductCheckRecord'],
};
const fns = (model) => {
  const [type, prefix] = MODELS[model];
  return {
    validate: glorycard[`validate${type}`],
    toJson: glorycard[`${prefix}ToJson`],
    fromJson: glorycard[`${prefix}FromJson`],
  };
};

test('every model vector is there', () => {
  assert.ok(vectors.length >= 30, `${vectors.length} model vectors`);
});

for (const v of vectors) {
  test(`model: ${v.name}`, () => {
    const { validate, toJson, fromJson } = fns(v.model);
    let model;
    try {
      model = fromJson(v.json);
      // Bytes give the same model as text.
      assert.deepEqual(fromJson(new TextEncoder().encode(v.json)), model);
      validate(model);
    } catch (error) {
      assert.ok(v.expect.error, `unexpected ${error.code}: ${error.message}`);
      expectCode(v.expect.error)(error);
      assert.equal(error.field, v.expect.field);
      for (const personal of ['11010519491231002', '张三', '331166']) {
        assert.ok(!error.message.includes(personal), error.message);
      }
      return;
    }
    assert.equal(v.expect.error, undefined, `expected ${v.expect.error}`);
    // A valid model survives toJson/fromJson unchanged, and its JSON is the wire form.
    const json = toJson(model);
    assert.deepEqual(fromJson(json), model);
    assert.deepEqual(JSON.parse(json), JSON.parse(v.json));
  });
}

test('a plain object with the wire names is a model; a wrong one names its field', () => {
  const deduction = {
    orgCode: '106607',
    certType: '0',
    certNo: '11010519491231002X', // check character worked by hand in tests/vectors/models.json
    certName: '张三',
    deductionID: 'HIS-1',
    totalFee: '10.00',
    deductionFee: '8.50',
    deductionTime: '2024-02-29 23:59:59',
    gloryType: '1',
    deductionType: '0',
  };
  glorycard.validateDeduction(deduction);
  // The exact text: the members in the document's order (the core model's), whatever the
  // object's order, no `remarks` when there is none, no spaces.
  const json = glorycard.deductionToJson({ deductionType: '0', ...deduction });
  assert.equal(
    json,
    '{"orgCode":"106607","certType":"0","certNo":"11010519491231002X","certName":"张三",' +
      '"deductionID":"HIS-1","totalFee":"10.00","deductionFee":"8.50","deductionTime":"2024-02-29 23:59:59",' +
      '"gloryType":"1","deductionType":"0"}',
  );
  // The text signs as the object does (canonical-form.md: money strings as written).
  assert.equal(glorycard.canonicalize(json), glorycard.canonicalize(deduction));
  assert.throws(() => glorycard.validateDeduction({ ...deduction, deductionFee: '10.01' }), (error) => {
    expectCode('invalid_field')(error);
    assert.equal(error.field, 'deductionFee');
    return true;
  });
  // A missing member or a wrong JSON type: `serialization`, never quoting the value.
  const { certNo, ...missing } = deduction;
  assert.throws(() => glorycard.validateDeduction(missing), expectCode('serialization'));
  assert.ok(certNo.length > 0);
  // Not an object, or no JSON form: invalid_argument, a TypeError.
  for (const bad of [undefined, null, 'text', 7]) {
    assert.throws(() => glorycard.validateDeduction(bad), (error) => {
      assert.ok(error instanceof TypeError);
      return expectCode('invalid_argument')(error);
    });
  }
  // Members the model does not have are not carried (as when reading JSON).
  assert.equal(glorycard.deductionToJson({ ...deduction, extra: 'x' }), json);
  // A personal value of the wrong type: `serialization`, and the value is not in the message.
  for (const wrong of [11010519491231002, [11010519491231002], { no: '11010519491231002' }]) {
    assert.throws(() => glorycard.validateDeduction({ ...deduction, certNo: wrong }), (error) => {
      expectCode('serialization')(error);
      assert.ok(!error.message.includes('11010519491231002'), error.message);
      return true;
    });
  }
  // A deductCheck record: the deduction's members inline, with status and cancelTime.
  const record = { ...deduction, status: '0', cancelTime: '2024-03-01 08:00:00' };
  glorycard.validateDeductCheckRecord(record);
  assert.throws(() => glorycard.validateDeductCheckRecord({ ...deduction, status: '0' }), (error) => {
    assert.equal(error.field, 'cancelTime');
    return expectCode('invalid_field')(error);
  });
  // Text is read by the core's parser first: a duplicate key (which JSON.parse would pass
  // over, keeping the last) and text that is not JSON are refused with their byte offset;
  // a number beyond 2^53 is refused rather than rounded.
  assert.throws(() => glorycard.rosterPageRequestFromJson('{"dataID":1,"orgCode":"1","orgCode":"2"}'), (error) => {
    assert.equal(error.offset, 26); // the second "orgCode" starts after {"dataID":1,"orgCode":"1", (26 bytes)
    return expectCode('duplicate_key')(error);
  });
  assert.throws(() => glorycard.rosterPageRequestFromJson('{"dataID":1,'), expectCode('invalid_json'));
  assert.throws(
    () => glorycard.rosterPageRequestFromJson('{"dataID":9007199254740993,"orgCode":"1"}'),
    expectCode('serialization'),
  );
  // Unknown codes are kept when read, refused when validated.
  const unknown = glorycard.deductionFromJson(JSON.stringify({ ...deduction, certType: '9' }));
  assert.equal(unknown.certType, '9');
  assert.throws(() => glorycard.validateDeduction(unknown), (error) => error.field === 'certType');
});

test('a hostile object is refused as invalid_argument and the module keeps working', () => {
  const deduction = JSON.parse(glorycard.deductionToJson(glorycard.deductionFromJson(
    '{"orgCode":"1","certType":"0","certNo":"11010519491231002X","certName":"张三","deductionID":"D",' +
      '"totalFee":"1.00","deductionFee":"1.00","deductionTime":"2024-02-29 23:59:59","gloryType":"1","deductionType":"0"}',
  )));
  const throwingGetter = { ...deduction, get orgCode() { throw new Error('boom'); } };
  const throwingToJson = { ...deduction, toJSON() { throw new Error('boom'); } };
  const trap = new Proxy(deduction, { get() { throw new Error('boom'); }, ownKeys() { throw new Error('boom'); } });
  const cycle = { ...deduction };
  cycle.self = cycle;
  for (const hostile of [throwingGetter, throwingToJson, trap, cycle, { ...deduction, big: 1n }]) {
    for (const call of [glorycard.validateDeduction, glorycard.deductionToJson]) {
      assert.throws(() => call(hostile), (error) => {
        assert.ok(error instanceof TypeError);
        return expectCode('invalid_argument')(error);
      });
    }
  }
  // A lone surrogate has no UTF-8 form: refused, not turned into U+FFFD.
  assert.throws(() => glorycard.deductionToJson({ ...deduction, certName: '张\uD800' }), expectCode('invalid_argument'));
  // A backslash and "u" written in the text are not an escape of a surrogate.
  assert.ok(glorycard.deductionToJson({ ...deduction, remarks: '\\ud800' }).includes('\\\\ud800'));
  // Nothing was left half-done: the module still works.
  glorycard.validateDeduction(deduction);
  assert.equal(glorycard.sign('{}', 'k', '20210407155206').length, 64);
});

test('the declarations are generated from the core: wire names, optional members, dictionary codes', () => {
  const dts = readFileSync(new URL('../../pkg/full/glorycard_wasm.d.ts', import.meta.url), 'utf8');
  // Each interface with the document's wire names (platform-api.zh.md), as the core's serde names them.
  for (const [type, members] of [
    ['Deduction', ['orgCode: string', 'certType: CertType', 'certNo: CertNo', 'certName: CertName', 'deductionID: string', 'remarks?: string']],
    ['RosterRecord', ['gloryID: number', 'dataID: number', 'gloryType: GloryType']],
    ['Cancellation', ['deductionTime: string']],
    ['DeductCheckRequest', ['deductTimeStart: string', 'deductionTimeEnd: string']],
    ['DeductCheckRecord', ['status: DeductionStatus', 'cancelTime?: string']],
  ]) {
    const at = dts.indexOf(`interface ${type} `);
    assert.ok(at >= 0, `no interface ${type}`);
    const body = dts.slice(at, dts.indexOf('}', at));
    for (const member of members) assert.ok(body.includes(member), `${type} lacks ${member}:\n${body}`);
  }
  assert.match(dts, /interface DeductCheckRecord extends Deduction/);
  // The dictionary (platform-api.zh.md): certType 0..6, gloryType 1, deductionType 0..2, status 0/1.
  assert.match(dts, /type CertType = "0" \| "1" \| "2" \| "3" \| "4" \| "5" \| "6" \| \(string & \{\}\);/);
  assert.match(dts, /type GloryType = "1" \| \(string & \{\}\);/);
  assert.match(dts, /type DeductionType = "0" \| "1" \| "2" \| \(string & \{\}\);/);
  assert.match(dts, /type DeductionStatus = "0" \| "1" \| \(string & \{\}\);/);
  assert.match(dts, /type CertNo = string;/);
});
