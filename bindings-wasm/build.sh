#!/usr/bin/env bash
# Builds the npm package into bindings-wasm/pkg: a release build of glorycard-wasm for
# wasm32-unknown-unknown, wasm-bindgen (--target web; node.js instantiates it
# synchronously for Node), wasm-opt from the npm binaryen package, the size budget
# (the issue's "at most 150 KB": 150,000 bytes). Then the same with the `models` feature
# (the core's models, validate and JSON, with TypeScript declarations generated from
# the core) into pkg/full/: the `glorycard-wasm/full` entry point, with its own budget,
# so that a front-end that only signs loads no model code.
# Installs what is missing: the wasm32 target, wasm-bindgen-cli equal to the crate's
# wasm-bindgen, and the pinned npm devDependencies (npm ci).
set -euo pipefail
cd "$(dirname "$0")"
here=$PWD

WASM_BINDGEN_VERSION=0.2.129 # must equal the `wasm-bindgen = "=..."` pin in Cargo.toml
# 150 KB (decimal) until issue 26, whose Chinese texts every module must carry: the
# errors' messageZh (templates, reason tables and the code that fills them in), the
# diagnosis' departureZh and the china-time helpers, measured at 159,620 bytes (+11,308
# over 148,312), of which about 4 KB is the Chinese text itself.
MAX_WASM_BYTES=160000
# The full module: the default one plus six models' serde code (about 80 KB, of which
# 22 KB is DeductCheckRecord's flattened deduction); 250,000 until issue 26's texts.
MAX_FULL_WASM_BYTES=255000

log() { printf '[build] %s\n' "$*"; }

if ! grep -q "^version = \"$WASM_BINDGEN_VERSION\"" <(grep -A1 '^name = "wasm-bindgen"$' ../Cargo.lock); then
    echo "Cargo.lock's wasm-bindgen is not $WASM_BINDGEN_VERSION: update WASM_BINDGEN_VERSION in build.sh" >&2
    exit 1
fi

rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
    log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 2 minutes)"
    cargo install --locked wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# npm devDependencies (binaryen, typescript, playwright-core, crypto-js), exactly as locked.
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f node_modules/.lock-sha256 ] || [ "$(cat node_modules/.lock-sha256)" != "$lock_sum" ]; then
    log "npm ci"
    npm ci --no-audit --no-fund
    echo "$lock_sum" > node_modules/.lock-sha256
fi

target_dir=$(cargo metadata --format-version 1 --no-deps --locked | node -e \
    'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')

# Builds the module with the features $1 into the folder $2.
build_module() {
    # Tuned for size, for this build only (the workspace's release profile is left as it is):
    # opt-level "z" and fat LTO everywhere except MD5 (which hashes all of STRINGA) and
    # SHA-256, which stay at opt-level 3 (smaller too: "z" or "s" there is 1.7 KB larger);
    # no debug info. The panic messages' locations name a dependency's file relative to
    # cargo's registry (`hmac-0.13.0/src/utils.rs`, not `/root/.cargo/registry/src/
    # index.crates.io-1949cf8c6b5b557f/hmac-0.13.0/...`): 0.4 KB smaller. (A RUSTFLAGS
    # variable, when set, replaces these rustflags: the module is then that much larger.)
    cargo_home=${CARGO_HOME:-$HOME/.cargo}
    remaps="\"--remap-path-prefix=$cargo_home/registry/src/index.crates.io-1949cf8c6b5b557f/=\""
    for dir in "$cargo_home"/registry/src/*/; do
        case "$dir" in
            */index.crates.io-1949cf8c6b5b557f/ | *'*'*) ;;
            *) remaps="$remaps, \"--remap-path-prefix=$dir=\"" ;;
        esac
    done
    log "cargo build --release (wasm32-unknown-unknown, tuned for size${1:+, features $1})"
    cargo build -p glorycard-wasm --target wasm32-unknown-unknown --release --locked \
        ${1:+--features "$1"} \
        --config "target.wasm32-unknown-unknown.rustflags = [$remaps]" \
        --config 'profile.release.opt-level="z"' \
        --config 'profile.release.lto="fat"' \
        --config 'profile.release.debug=false' \
        --config 'profile.release.package.md-5.opt-level=3' \
        --config 'profile.release.package.sha2.opt-level=3'

    rm -rf "$2"
    # ESM for browsers and `import` (--target web), and CommonJS for `require` on Node
    # (--target nodejs, in cjs/, which loads its .wasm synchronously). The two glue files
    # import the module's functions under different names, so each has its own .wasm.
    glue "$2" web
    glue "$2/cjs" nodejs
    echo '{ "type": "commonjs" }' > "$2/cjs/package.json"
}

# wasm-bindgen --target $2 into the folder $1, then wasm-opt and the declarations' `any`s.
glue() {
    wasm-bindgen --target "$2" --out-dir "$1" --out-name glorycard_wasm \
        "$target_dir/wasm32-unknown-unknown/release/glorycard_wasm.wasm"

    log "wasm-opt -Oz --target $2 ($(node_modules/.bin/wasm-opt --version))"
    # -Oz run until it no longer shrinks the module (--converge); --low-memory-unused lets
    # it fold constant offsets into loads and stores (1 KB smaller): it assumes that
    # addresses 0 to 1023 are never used, which holds because rustc lays the 1 MiB stack
    # out first, growing down from 1 MiB toward 0, and the data and heap above it (the stack
    # would have to be 1 MiB deep to reach them; bodies nest at most 64 levels). The
    # producers and target_features sections are read by no engine. The --enable-* flags
    # are the features rustc enables by default for wasm32-unknown-unknown (all supported
    # by Node >= 18 and Chromium).
    node_modules/.bin/wasm-opt -Oz --converge --low-memory-unused \
        --strip-producers --strip-target-features \
        --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
        --enable-mutable-globals --enable-reference-types --enable-multivalue \
        "$1"/glorycard_wasm_bg.wasm -o "$1"/glorycard_wasm_bg.wasm

    # The raw ABI of the module (InitOutput, the _bg.wasm.d.ts) is typed with `any` by
    # wasm-bindgen: make it `unknown`, so that no `any` reaches a user of the package.
    node -e '
    const fs = require("fs");
    for (const f of process.argv.slice(1)) {
      const text = fs.readFileSync(f, "utf8").split("\n")
        .map((line) => (/^\s*(\*|\/\*|\/\/)/.test(line) ? line : line.replace(/\bany\b/g, "unknown")))
        .join("\n");
      fs.writeFileSync(f, text);
    }' "$1"/glorycard_wasm.d.ts "$1"/glorycard_wasm_bg.wasm.d.ts
}

build_module "models" pkg.full.tmp
build_module "" pkg.tmp
mv pkg.full.tmp pkg.tmp/full

# What wasm-bindgen's glue cannot be told: `not_initialized` before init(), an
# isGlorycardError that never throws, declarations for any lib (see the script).
log "finishing the glue and declarations (scripts/finish-glue.mjs)"
node scripts/finish-glue.mjs pkg.tmp

# The sizes table of the README, measured here: written between its markers in
# README.md (commit it when it changes) and kept in pkg/sizes.md, which test.sh compares
# with the README as committed. The toolchain is named with them: another rustc or
# wasm-opt gives other sizes.
BUILT_WITH="$(rustc --version | cut -d' ' -f1-2), wasm-bindgen $WASM_BINDGEN_VERSION, wasm-opt $(node_modules/.bin/wasm-opt --version | cut -d' ' -f3)" node -e '
const [wasm, wasmGz, wasmBudget, full, fullGz, fullBudget] = process.argv.slice(1).map(Number);
const n = (x) => x.toLocaleString("en-US");
process.stdout.write([
  "<!-- sizes: written by build.sh; do not edit -->",
  "| module | bytes | gzip -9 | budget |",
  "| --- | ---: | ---: | ---: |",
  `| \`glorycard-wasm\` (\`glorycard_wasm_bg.wasm\`) | ${n(wasm)} | ${n(wasmGz)} | ${n(wasmBudget)} |`,
  `| \`glorycard-wasm/full\` (\`full/glorycard_wasm_bg.wasm\`) | ${n(full)} | ${n(fullGz)} | ${n(fullBudget)} |`,
  "",
  `Built with ${process.env.BUILT_WITH}.`,
  "<!-- end of sizes -->",
].join("\n") + "\n");
' "$(stat -c %s pkg.tmp/glorycard_wasm_bg.wasm)" "$(gzip -9 -c pkg.tmp/glorycard_wasm_bg.wasm | wc -c)" "$MAX_WASM_BYTES" \
  "$(stat -c %s pkg.tmp/full/glorycard_wasm_bg.wasm)" "$(gzip -9 -c pkg.tmp/full/glorycard_wasm_bg.wasm | wc -c)" "$MAX_FULL_WASM_BYTES" \
  > pkg.tmp/sizes.md
node -e '
const fs = require("fs");
const [readme, table] = process.argv.slice(1);
const text = fs.readFileSync(readme, "utf8");
const block = /<!-- sizes: [^\n]*-->\n[\s\S]*?<!-- end of sizes -->\n/;
if (!block.test(text)) { console.error(readme + ": no sizes block (<!-- sizes: ... --> to <!-- end of sizes -->)"); process.exit(1); }
const updated = text.replace(block, fs.readFileSync(table, "utf8"));
if (updated !== text) { fs.writeFileSync(readme, updated); console.log("[build] README.md: sizes updated from this build (commit them)"); }
' README.md pkg.tmp/sizes.md

cp npm/package.json npm/node.js pkg.tmp/
cp npm/node.js pkg.tmp/full/
cp README.md pkg.tmp/README.md
rm -f pkg.tmp/.gitignore pkg.tmp/full/.gitignore pkg.tmp/cjs/.gitignore pkg.tmp/full/cjs/.gitignore
rm -rf pkg
mv pkg.tmp pkg

# node_modules/glorycard-wasm -> pkg, so tests and tools import the package by name.
ln -sfn ../pkg node_modules/glorycard-wasm

full=$(stat -c %s pkg/full/glorycard_wasm_bg.wasm)
full_gz=$(gzip -9 -c pkg/full/glorycard_wasm_bg.wasm | wc -c)
log "pkg/full/glorycard_wasm_bg.wasm (with the models): $full bytes ($((full / 1024)) KiB), gzip -9: $full_gz bytes ($((full_gz / 1024)) KiB); budget $MAX_FULL_WASM_BYTES bytes"
over=0
if [ "$full" -gt "$MAX_FULL_WASM_BYTES" ]; then
    echo "the full .wasm is over its budget ($MAX_FULL_WASM_BYTES bytes)" >&2
    over=1
fi
size=$(stat -c %s pkg/glorycard_wasm_bg.wasm)
gz=$(gzip -9 -c pkg/glorycard_wasm_bg.wasm | wc -c)
log "pkg/glorycard_wasm_bg.wasm: $size bytes ($((size / 1024)) KiB), gzip -9: $gz bytes ($((gz / 1024)) KiB); budget $MAX_WASM_BYTES bytes"
if [ "$size" -gt "$MAX_WASM_BYTES" ]; then
    echo "the .wasm is over its budget ($MAX_WASM_BYTES bytes)" >&2
    over=1
fi
[ "$over" -eq 0 ] || exit 1
echo "$here/pkg"
