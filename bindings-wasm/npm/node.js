// Node entry point (ESM, Node >= 18): instantiates the module synchronously from the
// .wasm file next to this one, so `import { sign } from 'glorycard-wasm'` works with no
// init call. The default export (`init`) is kept for code shared with browsers; it
// resolves at once here.
import { readFileSync } from 'node:fs';
import { initSync } from './glorycard_wasm.js';

initSync({ module: readFileSync(new URL('./glorycard_wasm_bg.wasm', import.meta.url)) });

export * from './glorycard_wasm.js';
export { default } from './glorycard_wasm.js';
