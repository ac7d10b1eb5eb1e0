// Run by build.sh over the package folder once wasm-bindgen has written both modules
// (the default one and full/, each with its cjs/ variant). wasm-bindgen's glue cannot be
// configured for what this adds, so it is added here, by exact replacements that fail
// the build when wasm-bindgen's output no longer has the expected text:
//
// - the ESM (--target web) glue: every export called before `init()` resolved throws a
//   `GlorycardError` with code `not_initialized` naming `await init()` (instead of
//   `TypeError: Cannot read properties of undefined`), and says when it is the other
//   entry that was initialized;
// - every glue: `isGlorycardError`, in JavaScript, so that it needs no module and never
//   throws; its codes are read from the `ErrorCode` union the module's build generated
//   from the core's codes (no second list);
// - every declaration file: `[Symbol.dispose]` only where the project's lib has it, the
//   `Model` union (the full entry's models, accepted where a body is), and doc comments
//   without Rust doctests or rustdoc links;
// - every glue: `glorycardGb18030`, the GB18030 encoder the module imports for diagnose's
//   GBK departure, built from the platform's own decoder so that the module has no table.
//
// Usage: node scripts/finish-glue.mjs <package folder>
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const pkg = process.argv[2];
if (!pkg) throw new Error('usage: finish-glue.mjs <package folder>');

const DEFAULT_ENTRY = 'glorycard-wasm';
const FULL_ENTRY = 'glorycard-wasm/full';
const NOT_INITIALIZED = 'not_initialized';

/** `text` with `from` replaced by `to`, exactly `count` times (else the build fails). */
function replaceExactly(file, text, from, to, count = 1) {
  const found = text.split(from).length - 1;
  if (found !== count) {
    throw new Error(`${file}: expected ${count} occurrence(s) of ${JSON.stringify(from)}, found ${found}: has wasm-bindgen's output changed?`);
  }
  return text.split(from).join(to);
}

/** The members of the `ErrorCode` union of a declaration file. */
function errorCodes(dtsFile) {
  const dts = readFileSync(dtsFile, 'utf8');
  const start = dts.indexOf('export type ErrorCode =');
  if (start < 0) throw new Error(`${dtsFile}: no ErrorCode union`);
  const union = dts.slice(start, dts.indexOf(';', start));
  const codes = [...union.matchAll(/"([a-z0-9_]+)"/g)].map((m) => m[1]);
  if (!codes.includes(NOT_INITIALIZED)) {
    throw new Error(`${dtsFile}: the ErrorCode union has no ${NOT_INITIALIZED} (src/error.rs OWN_CODES)`);
  }
  return codes;
}

/** `isGlorycardError` in JavaScript, with the codes of the union. */
function isGlorycardErrorSource(codes) {
  return `
// Added by build.sh (scripts/finish-glue.mjs). In JavaScript so that it needs no module
// (it answers before \`init()\`, and after an internal error) and never throws: a getter
// or Proxy trap that throws while it looks makes the answer false.
const GLORYCARD_ERROR_CODES = ${JSON.stringify(codes)};
/**
 * Whether \`error\` was thrown by this package: an \`Error\` whose \`code\` is one of its codes.
 * @param {unknown} error
 * @returns {error is GlorycardError}
 */
function isGlorycardError(error) {
    try {
        if (!(error instanceof Error)) return false;
        const code = Reflect.get(error, 'code');
        return typeof code === 'string' && GLORYCARD_ERROR_CODES.includes(code);
    } catch (_) {
        return false;
    }
}
`;
}

/**
 * The GB18030 encoder the module imports (src/verifier.rs, `glorycardGb18030`): the
 * module's import refers to it by this name, which the glue's scope resolves.
 */
function gb18030Source() {
  return `
// Added by build.sh (scripts/finish-glue.mjs): the GB18030 encoder of diagnose's GBK
// departure (STRINGSignTemp hashed as GBK bytes). Its table is built once, on first use,
// by decoding every GB18030 code with the platform's own WHATWG decoder
// (\`TextDecoder('gb18030')\`: browsers, Node with full ICU), so that the module carries
// no table: two-byte codes (GBK's, each code point's first code as the WHATWG encoder
// takes it), four-byte codes of the BMP (pointers 0 to 39419), and the supplementary
// planes by the WHATWG encoder's formula. \`undefined\` without such a decoder: the
// departure is then not tried.
let glorycardGb18030Table;
function glorycardGb18030Quad(pointer) {
    return [0x81 + Math.floor(pointer / 12600), 0x30 + Math.floor(pointer / 1260) % 10,
        0x81 + Math.floor(pointer / 10) % 126, 0x30 + pointer % 10];
}
function glorycardGb18030BuildTable() {
    let decoder;
    try {
        decoder = new TextDecoder('gb18030');
    } catch (_) {
        return null;
    }
    // code point -> (lead << 8 | trail) for two bytes, 0x10000 + pointer for four.
    const table = new Map();
    // Each code followed by a NUL, so that one that does not decode shifts no other.
    const pairs = new Uint8Array(126 * 190 * 3);
    let n = 0;
    for (let lead = 0x81; lead <= 0xfe; lead++) {
        for (let trail = 0x40; trail <= 0xfe; trail++) {
            if (trail === 0x7f) continue;
            pairs[n++] = lead; pairs[n++] = trail; pairs[n++] = 0;
        }
    }
    decoder.decode(pairs).split('\\0').forEach((text, i) => {
        const cp = text.codePointAt(0);
        if (text.length === 1 && cp !== 0xfffd && !table.has(cp)) table.set(cp, (pairs[3 * i] << 8) | pairs[3 * i + 1]);
    });
    const quads = new Uint8Array(39420 * 5);
    for (let pointer = 0; pointer < 39420; pointer++) quads.set(glorycardGb18030Quad(pointer), pointer * 5);
    decoder.decode(quads).split('\\0').forEach((text, pointer) => {
        const cp = text.codePointAt(0);
        if (pointer < 39420 && text.length === 1 && !table.has(cp)) table.set(cp, 0x10000 + pointer);
    });
    return table;
}
function glorycardGb18030(text) {
    if (glorycardGb18030Table === undefined) glorycardGb18030Table = glorycardGb18030BuildTable();
    const table = glorycardGb18030Table;
    if (table === null) return undefined;
    // At most 4 bytes per UTF-16 unit (a surrogate pair's 4 bytes are 2 per unit): one
    // buffer of bytes, not an array of numbers 8 times its size.
    const out = new Uint8Array(4 * text.length);
    let n = 0;
    for (const ch of text) {
        const cp = ch.codePointAt(0);
        if (cp < 0x80) {
            out[n++] = cp;
            continue;
        }
        const code = cp >= 0x10000 ? 0x10000 + 189000 + (cp - 0x10000) : table.get(cp);
        if (code === undefined) return undefined;
        if (code < 0x10000) {
            out[n++] = code >> 8;
            out[n++] = code & 0xff;
        } else {
            out.set(glorycardGb18030Quad(code - 0x10000), n);
            n += 4;
        }
    }
    return out.subarray(0, n);
}
`;
}

/** The not-initialized guard of an ESM glue file of `entry`. */
function notReadySource(entry) {
  const other = entry === DEFAULT_ENTRY ? FULL_ENTRY : DEFAULT_ENTRY;
  return `
// Added by build.sh (scripts/finish-glue.mjs): until \`init()\` has instantiated the module,
// \`wasm\` is this object, whose every property read throws a GlorycardError with code
// ${NOT_INITIALIZED} (what an export reads first), instead of a TypeError about undefined.
const GLORYCARD_ENTRY = ${JSON.stringify(entry)};
const GLORYCARD_OTHER_ENTRY = ${JSON.stringify(other)};
// Shared by the two entries' modules (each its own instance), so that the error can say
// that it is the other one that was initialized.
const GLORYCARD_READY_ENTRIES = Symbol.for('glorycard-wasm.initialized-entries');
const DEFAULT_ENTRY_NAME = ${JSON.stringify(DEFAULT_ENTRY)};
const FULL_ENTRY_NAME = ${JSON.stringify(FULL_ENTRY)};
function glorycardNotInitialized(wasmExport) {
    let call = 'calling it';
    if (typeof wasmExport === 'string' && !wasmExport.startsWith('__') && wasmExport !== 'memory') {
        const method = /^([a-z]+)_(\\w+)$/.exec(wasmExport);
        const className = method ? method[1][0].toUpperCase() + method[1].slice(1) : '';
        call = !method ? wasmExport + '()' : method[2] === 'new' ? 'new ' + className + '()' : className + '.' + method[2];
    }
    let message = GLORYCARD_ENTRY + ' is not initialized: \`await init()\` (the default export of \\'' +
        GLORYCARD_ENTRY + '\\') must resolve before ' + call + ' (if init() was called, it has not resolved yet or it failed)';
    const ready = globalThis[GLORYCARD_READY_ENTRIES];
    if (ready instanceof Set && ready.has(GLORYCARD_OTHER_ENTRY)) {
        message += '. \\'' + GLORYCARD_OTHER_ENTRY + '\\' was initialized, but \\'' + DEFAULT_ENTRY_NAME +
            '\\' and \\'' + FULL_ENTRY_NAME + '\\' are separate modules, each needing its own \`await init()\`: ' +
            'import init and everything else from one entry or the other';
    }
    const error = new Error(message);
    error.name = 'GlorycardError';
    error.code = ${JSON.stringify(NOT_INITIALIZED)};
    error.messageZh = GLORYCARD_ENTRY + ' 尚未初始化：必须等 \`await init()\` 完成后才能调用 ' + call + '：' + message;
    return error;
}
const NOT_READY = new Proxy({}, {
    get(_target, name) {
        // An export that returns a string frees it in a \`finally\`, which runs after the
        // export's first read threw: freeing nothing keeps that first error (which names
        // the export) instead of replacing it.
        if (name === '__wbindgen_free') return () => {};
        throw glorycardNotInitialized(name);
    },
});
function glorycardMarkReady() {
    const ready = globalThis[GLORYCARD_READY_ENTRIES] instanceof Set ? globalThis[GLORYCARD_READY_ENTRIES] : new Set();
    ready.add(GLORYCARD_ENTRY);
    globalThis[GLORYCARD_READY_ENTRIES] = ready;
}
`;
}

/** The ESM glue of `entry`: the not-initialized guard and the JavaScript isGlorycardError. */
function finishWebGlue(file, entry, codes) {
  let js = readFileSync(file, 'utf8');
  js = replaceExactly(file, js, 'let wasmModule, wasmInstance, wasm;',
    `${notReadySource(entry)}\nlet wasmModule, wasmInstance, wasm = NOT_READY;`);
  js = replaceExactly(file, js, 'if (wasm !== undefined) return wasm;', 'if (wasm !== NOT_READY) return wasm;', 2);
  js = replaceExactly(file, js, '    wasm.__wbindgen_start();\n', '    wasm.__wbindgen_start();\n    glorycardMarkReady();\n');
  js = replaceExactly(file, js, 'export { initSync, __wbg_init as default };',
    `${isGlorycardErrorSource(codes)}${gb18030Source()}\nexport { initSync, __wbg_init as default, isGlorycardError };`);
  requireGb18030Import(file, js);
  if (/\bwasm === undefined\b|\bwasm !== undefined\b/.test(js)) {
    throw new Error(`${file}: a test of \`wasm\` against undefined is left`);
  }
  writeFileSync(file, js);
}

/** The module's import of the encoder must call the function added above, by its name. */
function requireGb18030Import(file, js) {
  if (!/[^\w.]glorycardGb18030\(/.test(js.replace(/function glorycardGb18030\(/, ''))) {
    throw new Error(`${file}: no call of glorycardGb18030 in the module's imports: has wasm-bindgen's output changed?`);
  }
}

/** The CommonJS glue (instantiated as it loads): the JavaScript isGlorycardError. */
function finishNodeGlue(file, codes) {
  let js = readFileSync(file, 'utf8');
  js = replaceExactly(file, js, '\nlet wasm = wasmInstance.exports;',
    `${isGlorycardErrorSource(codes)}exports.isGlorycardError = isGlorycardError;\n${gb18030Source()}\nlet wasm = wasmInstance.exports;`);
  requireGb18030Import(file, js);
  writeFileSync(file, js);
}

/** The model types of the full entry: the parameter types of its `…ToJson` functions. */
function modelNames(fullDts) {
  const names = [...readFileSync(fullDts, 'utf8').matchAll(/export function \w+ToJson\(model: (\w+)\)/g)].map((m) => m[1]);
  if (names.length === 0) throw new Error(`${fullDts}: no …ToJson(model: …) function`);
  return names;
}

/** A declaration file: Symbol.dispose, the Model union, docs without Rust. */
function finishDeclarations(file, models, modelsFrom) {
  let dts = readFileSync(file, 'utf8');
  // `[Symbol.dispose](): void` needs the esnext.disposable lib: given instead by merging
  // the DisposeMethod type (lib.rs), which is empty where the lib lacks Symbol.dispose.
  const classes = [...dts.matchAll(/^export class (\w+) \{$/gm)].map((m) => m[1]);
  dts = replaceExactly(file, dts, '    [Symbol.dispose](): void;\n', '', classes.length);
  for (const name of classes) {
    dts = replaceExactly(file, dts, `export class ${name} {`,
      `/** \`[Symbol.dispose]()\` where the lib has it (\`using\`): the same as \`free()\`. */\nexport interface ${name} extends DisposeMethod {}\n\nexport class ${name} {`);
  }
  const union = models.map((name) => `\n| ${modelsFrom ? `import(${JSON.stringify(modelsFrom)}).${name}` : name}`).join('');
  dts = replaceExactly(file, dts, '\nexport type Body = ',
    `\n/** The platform's messages as modelled by \`${FULL_ENTRY}\` (a body as they are). */\nexport type Model =${union};\n\nexport type Body = `);
  // The models' docs come from the core's Rust docs: no doctest, no rustdoc link, no
  // remark about Rust's Debug.
  dts = dts.replace(/\n\s*\*\s*\n(\s*\*\s*```[^\n]*\n)(\s*\*(?!\/)[^\n]*\n)*?\s*\*\s*```\s*\n/g, '\n');
  dts = dts.replace(/\[`([^`\]]+)`\]/g, '`$1`');
  dts = dts.replace(/ `Debug` prints\s*(\*\s*)?`[^`]+`'s form\./g, '');
  if (dts.includes('```rust') || /\*\s*```\s*$/m.test(dts)) throw new Error(`${file}: a code block is left in a doc comment`);
  writeFileSync(file, dts);
}

const codes = errorCodes(join(pkg, 'glorycard_wasm.d.ts'));
const fullCodes = errorCodes(join(pkg, 'full/glorycard_wasm.d.ts'));
if (JSON.stringify(codes) !== JSON.stringify(fullCodes)) throw new Error('the two modules have different ErrorCode unions');
const models = modelNames(join(pkg, 'full/glorycard_wasm.d.ts'));

finishWebGlue(join(pkg, 'glorycard_wasm.js'), DEFAULT_ENTRY, codes);
finishWebGlue(join(pkg, 'full/glorycard_wasm.js'), FULL_ENTRY, codes);
finishNodeGlue(join(pkg, 'cjs/glorycard_wasm.js'), codes);
finishNodeGlue(join(pkg, 'full/cjs/glorycard_wasm.js'), codes);
// The default entry names the models by a type-only import: no model code is loaded.
finishDeclarations(join(pkg, 'glorycard_wasm.d.ts'), models, './full/glorycard_wasm.js');
finishDeclarations(join(pkg, 'cjs/glorycard_wasm.d.ts'), models, '../full/cjs/glorycard_wasm.js');
finishDeclarations(join(pkg, 'full/glorycard_wasm.d.ts'), models, null);
finishDeclarations(join(pkg, 'full/cjs/glorycard_wasm.d.ts'), models, null);
