// Checked by `tsc --noEmit -p tests/types` against the built package's declarations:
// typical use compiles, and misuse does not (each @ts-expect-error must be an error).
import init, {
  canonicalize,
  chinaTime,
  chinaTimeNow,
  diagnose,
  errorCodes,
  explain,
  isGlorycardError,
  sign,
  Signer,
  timestampNow,
  verify,
  Verifier,
  type Body,
  type Diagnosis,
  type ErrorCode,
  type Explanation,
  type GlorycardError,
  type JsonObject,
  type SignedHeaders,
  type Verified,
} from 'glorycard-wasm';
import * as lean from 'glorycard-wasm';
// The models are in the `full` entry point (the default one stays small for front-ends).
import {
  deductionFromJson,
  deductionToJson,
  validateDeduction,
  validateDeductCheckRecord,
  type CertType,
  type DeductCheckRecord,
  type Deduction,
} from 'glorycard-wasm/full';
import * as full from 'glorycard-wasm/full';

export async function usage(): Promise<void> {
  await init();
  const key = '4fd6b8105f894d0da964b1e80b07b136';
  const ts: string = timestampNow();
  // Model times (deductionTime, cancelTime): UTC+8 whatever the host's zone.
  const deductionTime: string = chinaTimeNow();
  const cancelTime: string = chinaTime(new Date());
  const fromFull: string = full.chinaTime(new Date()) + full.chinaTimeNow();
  // @ts-expect-error a Date, not a string: the text is already a model time
  chinaTime('2021-04-07 15:52:06');

  // Bodies: JSON text, bytes, plain objects (type aliases of object types are fine).
  type DeductCheck = { orgCode: string; data: { certNo: string; fee: number; big?: bigint }[] };
  const request: DeductCheck = { orgCode: '106607', data: [{ certNo: 'x', fee: 10.5 }] };
  const s1: string = sign('{"dataID":0}', key, ts);
  const s2: string = sign(new TextEncoder().encode('{"dataID":0}'), key, ts);
  const s3: string = sign(request, key, ts);
  const atNow: string = sign(request, key); // the timestamp defaults to now, UTC+8
  const stringA: string = canonicalize({ a: [1, null, true, 'x', 2n, { b: 0.1 }] });
  const ok: boolean = verify(request, key, ts, s1);
  const e: Explanation = explain(request, key, ts);
  const parts: string[] = [e.stringA, e.stringSignTempMasked, e.md5Upper, e.sign, e.timestamp];
  const d: Diagnosis = diagnose(request, key, ts, s3);
  const departure: string | null = d.departure;
  const body: Body = JSON.parse('{}') as JsonObject;

  // Headers for a request.
  const signer = new Signer('47258258201708031835123456', key);
  const headers: SignedHeaders = signer.sign(request);
  const at: SignedHeaders = signer.sign(body, ts);
  await fetch('https://example.invalid/', {
    method: 'POST',
    headers: { ...headers },
    body: JSON.stringify(request),
  }).catch(() => undefined);
  signer.free();

  // Verification.
  const verifier = new Verifier({
    keys: { sid: key, rotated: ['old', 'new'] },
    maxSkewSeconds: 300,
    replayCache: 10_000,
    clock: () => Date.now(),
  });
  const v: Verified = verifier.verify(headers.sid, headers.timestamp, headers.sign, request);
  const index: number = v.keyIndex;
  verifier.verifyHeaders(new Headers({ sid: 'sid', timestamp: ts, sign: s1 }), '{}');
  verifier.verifyHeaders({ sid: 'sid', timestamp: ts, sign: s1, 'x-forwarded-for': undefined }, '{}');
  verifier.verifyHeaders(new Map([['sid', 'sid']]), '{}');
  const skew: number = verifier.maxSkewSeconds;

  // Errors.
  try {
    sign('{', key, ts);
  } catch (error: unknown) {
    if (isGlorycardError(error)) {
      const code: ErrorCode = error.code;
      const offset: number | undefined = error.offset;
      const asError: GlorycardError = error;
      switch (code) {
        case 'invalid_json':
        case 'duplicate_header':
        case 'invalid_argument':
          break;
        default:
          break;
      }
      void [offset, asError];
    }
  }
  const codes: ErrorCode[] = errorCodes();

  // Models: plain objects with the wire names, typed by the declarations generated from the core.
  const deduction: Deduction = {
    orgCode: '106607',
    certType: '0',
    certNo: '11010519491231002X',
    certName: '张三',
    deductionID: 'HIS-1',
    totalFee: '10.00',
    deductionFee: '10.00',
    deductionTime: '2024-02-29 23:59:59',
    gloryType: '1',
    deductionType: '0',
  };
  validateDeduction(deduction);
  // The models are bodies (interfaces have no index signature: Body names them).
  const signedModel: string = sign(deduction, key, ts);
  const modelBody: Body = deduction;
  const leanSigned: string = lean.sign(deduction, key);
  const deductionJson: string = deductionToJson(deduction);
  const read: Deduction = deductionFromJson(deductionJson);
  const record: DeductCheckRecord = { ...read, status: '1' };
  validateDeductCheckRecord(record);
  const someCode: CertType = 'a code this version does not know';

  // Misuse is caught at compile time.
  // @ts-expect-error the default entry point has no models
  lean.validateDeduction(deduction);
  // @ts-expect-error a deduction has a deductionID (the wire name), not a deductionId
  const misnamed: Deduction = { ...deduction, deductionId: 'x' };
  // @ts-expect-error a record needs its status
  validateDeductCheckRecord(deduction);
  // @ts-expect-error fees are strings with two decimals, not numbers
  validateDeduction({ ...deduction, totalFee: 10 });
  // @ts-expect-error a key is a string
  sign('{}', 42, ts);
  // @ts-expect-error a Date is not a JSON value
  sign({ when: new Date() }, key, ts);
  // @ts-expect-error undefined is not a JSON value
  sign({ missing: undefined }, key, ts);
  // @ts-expect-error functions are not JSON values
  canonicalize({ f: () => 1 });
  // @ts-expect-error no such code
  const wrong: ErrorCode = 'no_such_code';
  // @ts-expect-error keys map sids to strings
  new Verifier({ keys: { sid: 5 } });
  // @ts-expect-error the result is readonly
  e.sign = 'x';
  // @ts-expect-error verify returns a boolean
  const notString: string = verify('{}', key, ts, s1);

  void [s1, s2, s3, stringA, ok, parts, departure, at, index, skew, codes, wrong, notString];
  void [someCode, misnamed, atNow, signedModel, modelBody, leanSigned];
  void [deductionTime, cancelTime, fromFull];
}
