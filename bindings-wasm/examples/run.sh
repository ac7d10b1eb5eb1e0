#!/usr/bin/env bash
# The browser examples, from the built package (bindings-wasm/pkg, made by build.sh):
#   1. the README's "Bundlers and deployment" snippets equal the examples' marked regions;
#   2. npm pack of pkg/ (what npm would publish), then each example installed exactly as
#      locked (npm ci; glorycard-wasm is the packed .tgz) and the bundled ones built;
#   3. examples.test.mjs serves each app on 127.0.0.1 and signs the spec example in
#      Debian's Chromium (Vite 8 build and dev, Vite 5 build and dev and without its two
#      settings, webpack 5, the plain page under a strict CSP and without 'wasm-unsafe-eval',
#      and `init` taken from one entry with `sign` from the other: not_initialized).
# Called at the end of bindings-wasm/test.sh. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"
started=$SECONDS
examples=(vite vite5 webpack plain)

if [ ! -f ../pkg/package.json ] || [ ! -d ../node_modules/playwright-core ]; then
    echo "run bindings-wasm/build.sh first: the examples need pkg/ and the test tools (npm ci)" >&2
    exit 1
fi

echo "examples: README snippets"
node --test --test-reporter=spec readme.test.mjs

version=$(node -p 'require("../pkg/package.json").version')
tgz=".packed/glorycard-wasm-$version.tgz"
rm -rf .packed
mkdir .packed
npm pack ../pkg --pack-destination .packed --silent >/dev/null
for example in "${examples[@]}"; do
    lock="$example/package-lock.json"
    if ! grep -q "\"resolved\": \"file:../$tgz\"" "$lock"; then
        echo "$lock does not install ../$tgz: update the examples' package.json and lockfile to version $version" >&2
        exit 1
    fi
    # With an integrity in the lockfile, npm ci installs the .tgz first cached under that
    # hash, silently: an old build of the package instead of this one.
    if grep -A2 "\"resolved\": \"file:../$tgz\"" "$lock" | grep -q '"integrity"'; then
        echo "$lock has an integrity for the packed package: delete that line (npm would install a stale cached .tgz)" >&2
        exit 1
    fi
done

for example in "${examples[@]}"; do
    step_start=$SECONDS
    (cd "$example" && npm ci --no-audit --no-fund --loglevel=error)
    # The package installed is this build's, not one cached by npm.
    cmp "$example/node_modules/glorycard-wasm/glorycard_wasm_bg.wasm" ../pkg/glorycard_wasm_bg.wasm
    built=""
    if [ "$example" != plain ]; then
        (cd "$example" && npm run --silent build >"../.packed/$example-build.log" 2>&1) || {
            cat ".packed/$example-build.log" >&2
            exit 1
        }
        built=" and built"
    fi
    echo "examples: $example installed (npm ci)$built in $((SECONDS - step_start)) s"
done

# The test stops its servers and Chromium itself; this stops the test if the run is cut short.
node --test --test-reporter=spec examples.test.mjs &
test_pid=$!
trap 'kill "$test_pid" 2>/dev/null || true' EXIT INT TERM
wait "$test_pid"
trap - EXIT INT TERM

printf 'examples: all passed in %d s\n' $((SECONDS - started))
