// With the esnext.disposable lib (tsconfig.json), `using` frees a Signer or a Verifier.
import { Signer, Verifier } from 'glorycard-wasm';

export function scoped(key: string): string {
  using signer = new Signer('sid', key);
  using verifier = new Verifier({ keys: { sid: key } });
  return signer.sign('{}').sign + String(verifier.maxSkewSeconds);
}
