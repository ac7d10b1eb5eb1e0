// Checked by `tsc -p` with the settings of the templates front-end projects start from
// (tsconfig.vite.json, tsconfig.vite-es2020.json, tsconfig.webpack.json), skipLibCheck
// off: the package's declarations compile with their `lib` (no esnext.disposable, and
// ES5's for webpack's guide), the models are bodies, and the timestamp is optional.
import init, { isGlorycardError, sign, Signer, timestampNow, Verifier, type Body } from 'glorycard-wasm';
import type { Deduction, DeductCheckRecord } from 'glorycard-wasm/full';
import { deductionToJson, validateDeduction } from 'glorycard-wasm/full';

export function signDeduction(deduction: Deduction, record: DeductCheckRecord, key: string): string[] {
  // The package's own model types are bodies, in both entries.
  const asBody: Body = deduction;
  validateDeduction(deduction);
  const signer = new Signer('47258258201708031835123456', key);
  const headers = signer.sign(deduction);
  signer.free();
  const verifier = new Verifier({ keys: { s: key } });
  verifier.verifyHeaders({ sid: 's', timestamp: headers.timestamp, sign: headers.sign }, deductionToJson(deduction));
  verifier.free();
  let code = '';
  try {
    sign('{', key);
  } catch (error: unknown) {
    if (isGlorycardError(error)) code = error.code;
  }
  return [
    sign(deduction, key), // now, in UTC+8
    sign(record, key, timestampNow()),
    sign(asBody, key, '20210407155206'),
    headers.sign,
    code,
  ];
}

export function ready(): Promise<unknown> {
  return init();
}

// Misuse is still caught.
// @ts-expect-error a key is a string
sign('{}', 42);
// @ts-expect-error a number is not a body
sign(5, 'k');
