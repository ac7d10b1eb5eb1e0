#!/usr/bin/env bash
# Runs every test of the project, installing what is missing first. CI runs exactly this
# (.ci/run calls it and nothing else). Each runner prints its own summary.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> [%ds] %s\n' $((SECONDS - started)) "$*"; }
started=$SECONDS

# The stores' PostgreSQL tests (Rust, Python, Java) need a server: every step below runs
# under one throwaway cluster (tests/postgres.sh: Debian's postgresql, initdb as the
# unprivileged user nobody, a free loopback port, removed at the end), unless
# GLORYCARD_TEST_DATABASE_URL names one already.
if [ -z "${GLORYCARD_TEST_DATABASE_URL:-}" ]; then
    step "PostgreSQL for the stores' tests (tests/postgres.sh run)"
    exec bash tests/postgres.sh run bash "$0" "$@"
fi

step "toolchain"
if ! command -v cargo >/dev/null 2>&1; then
    echo "cargo not found: install Rust with rustup (https://rustup.rs) and run this again" >&2
    exit 1
fi
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
if ! command -v python3 >/dev/null 2>&1; then
    as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv
fi
cargo --version
python3 --version

step "spec/ holds the specification the code cites: equal to ../shared/spec/ when that is beside the clone"
if [ -d ../shared/spec ]; then
    for file in canonical-form.md README.md platform-api.zh.md; do
        if ! cmp -s "spec/$file" "../shared/spec/$file"; then
            echo "spec/$file differs from ../shared/spec/$file: copy the new one in (cp ../shared/spec/$file spec/)" >&2
            exit 1
        fi
    done
    echo "spec/: canonical-form.md, README.md, platform-api.zh.md equal ../shared/spec/"
else
    echo "../shared/spec is not beside this clone: spec/ was not compared (it is the copy to read)"
fi

step "conformance vectors: the independent Python reference reproduces every committed vector"
python3 tests/vectors/reference.py --check

step "docs: README.md and README.zh-CN.md hold the same code blocks; both books (docs/en, docs/zh) build with the pinned mdBook; every relative link resolves (tests/docs/run.sh)"
bash tests/docs/run.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings (all targets: tests, benches, binaries)"
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings

step "cargo test (unit, conformance vectors, property tests, CLI, doc tests)"
cargo test --workspace --all-features --locked

step "rustdoc (warnings, such as broken intra-doc links, are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --all-features --locked

step "glorycard-core builds for wasm32-unknown-unknown"
cargo build -p glorycard-core --target wasm32-unknown-unknown --locked

step "fuzz targets compile (they are run by hand: see docs/en/src/fuzzing.md)"
cargo check --manifest-path core/fuzz/Cargo.toml --quiet

step "WebAssembly binding: npm package, wasm-bindgen tests, tsc, node --test, Chromium (bindings-wasm/test.sh)"
bash bindings-wasm/test.sh

step "JVM binding: cdylib, generated Kotlin, mvn install (Kotlin and Java JUnit: vectors, client, outbox, replica, handler against the sandbox), Spring Boot starter on Boot 2.7 and 3, bytecode check (bindings-jvm/test.sh)"
bash bindings-jvm/test.sh

step "Python binding: abi3 wheel, fresh virtualenv, pytest, stubtest (bindings-python/test.sh)"
bash bindings-python/test.sh

printf '\nall tests passed in %d s\n' $((SECONDS - started))
