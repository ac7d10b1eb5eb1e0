#!/usr/bin/env bash
# Every test of the WebAssembly binding, from a fresh clone: builds the npm package
# (build.sh installs wasm-bindgen-cli and the pinned npm packages when missing), then runs
#   1. the wasm-bindgen tests under Node (cargo test --target wasm32-unknown-unknown),
#   2. tsc --noEmit on usage files against the package's declarations, under the
#      tsconfig of Vite's templates and webpack's guide too (skipLibCheck off),
#   3. the Node suite (node --test) over the built package: every vector, objects,
#      errors, reentrancy,
#   4. the Chromium suite: every vector in a page, and the signing tool page with the
#      browser in English and in Chinese,
#   5. the browser examples (examples/run.sh): Vite 8, Vite 5, webpack 5 and a plain page,
#      installed from the packed .tgz, built, and signing in Chromium.
# Before the build, the README's sizes table must equal the one the build measures.
# Installs Debian's chromium and a Chinese font (fonts-wqy-microhei) when missing. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"
started=$SECONDS

step() { printf '\n==> bindings-wasm: %s\n' "$*"; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

step "tools"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs npm
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
    echo "Node $(node --version) is too old: the test tools (playwright-core) need Node >= 20" >&2
    exit 1
fi
if [ ! -x /usr/bin/chromium ] || ! command -v chromedriver >/dev/null 2>&1; then
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver
fi
# A font with Chinese characters for the tool page's zh-CN run and screenshots (1.6 MB).
if [ -z "$(fc-list :lang=zh family 2>/dev/null)" ]; then
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y fonts-wqy-microhei
fi
echo "node $(node --version), npm $(npm --version), $(/usr/bin/chromium --version)"

step "build the npm package (build.sh)"
# The README's sizes table as committed, compared below with the build's.
readme_sizes=$(sed -n '/^<!-- sizes: /,/^<!-- end of sizes -->$/p' README.md)
./build.sh

step "README: the sizes table is the build's"
if [ "$readme_sizes" != "$(cat pkg/sizes.md)" ]; then
    echo "README.md's sizes table differs from this build's (pkg/sizes.md):" >&2
    diff <(printf '%s\n' "$readme_sizes") pkg/sizes.md >&2 || true
    echo "build.sh has written the build's table into README.md: review and commit it" >&2
    exit 1
fi
echo "README.md's sizes table is the build's"

step "wasm-bindgen tests under Node (cargo test --target wasm32-unknown-unknown)"
# The runner is set in the repository's .cargo/config.toml; set here too so that the
# command works whatever directory cargo's configuration is read from.
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    cargo test -p glorycard-wasm --target wasm32-unknown-unknown --locked

step "TypeScript declarations: tsc --noEmit, skipLibCheck off, under four tsconfigs"
# tsconfig.json: strict, esnext.disposable (`using`); the other three are the settings
# of Vite's templates (ES2022, ES2020) and of webpack's TypeScript guide (ES5).
for config in tsconfig.json tsconfig.vite.json tsconfig.vite-es2020.json tsconfig.webpack.json; do
    node_modules/.bin/tsc -p "tests/types/$config"
    echo "tests/types/$config: no errors"
done
echo "tsc $(node_modules/.bin/tsc --version | cut -d' ' -f2)"

step "Node suite (node --test) over the built package"
# In New York time: a clock read in the host's zone instead of UTC+8 would show.
TZ=America/New_York node --test tests/node/*.test.mjs
# And the model-time helpers again in UTC, the zone of most servers and containers.
TZ=UTC node --test tests/node/china-time.test.mjs

step "Chromium suite (playwright-core, /usr/bin/chromium): vectors in a page, signing tool page in en-US and zh-CN"
node --test tests/browser/chromium.test.mjs
echo "screenshots of the tool page, tool-page*.en.png and tool-page*.zh-CN.png: $PWD/artifacts/ (not committed)"

step "browser examples (examples/run.sh): Vite 8, Vite 5, webpack 5, plain page, from the packed .tgz"
examples/run.sh

printf '\nbindings-wasm: all tests passed in %d s\n' $((SECONDS - started))
