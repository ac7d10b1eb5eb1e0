#!/usr/bin/env bash
# Tests of the Python binding (issue 4): builds the abi3 wheel with maturin, installs it
# into a fresh virtualenv, runs pytest (every vector in tests/vectors/, value bodies,
# exceptions, redaction, threads, a local HTTP round trip), checks the .pyi stubs against
# the built module with mypy.stubtest, runs the example applications (examples/run.sh),
# checks that `pip install ./bindings-python`
# (PEP 517, maturin backend) builds and signs, and runs the tests again on the oldest
# supported CPython (3.9) when one is installed (the last line says when none is).
# Installs what it needs: python3 and python3-venv with apt-get when missing, the pinned
# Python tools under target/glorycard-python/. Exits non-zero on any failure.
set -euo pipefail
# The outbox and replica tests on PostgreSQL need a server: a throwaway one
# (tests/postgres.sh) unless GLORYCARD_TEST_DATABASE_URL names one.
[ -n "${GLORYCARD_TEST_DATABASE_URL:-}" ] || exec bash "$(dirname "$0")/../tests/postgres.sh" run bash "$0" "$@"
cd "$(dirname "$0")/.."
ROOT=$(pwd)
WORK="$ROOT/target/glorycard-python"
# maturin: the build backend's pin in pyproject.toml; the tests' pins: tests/requirements.txt.
MATURIN_VERSION=$(sed -n 's/^requires = \["maturin==\([0-9.]*\)"\]$/\1/p' bindings-python/pyproject.toml)
[ -n "$MATURIN_VERSION" ] || { echo "no maturin pin in bindings-python/pyproject.toml" >&2; exit 1; }
TEST_REQUIREMENTS="$ROOT/bindings-python/tests/requirements.txt"
MYPY_VERSION=2.4.1
export PIP_DISABLE_PIP_VERSION_CHECK=1

step() { printf '\n==> python binding: %s\n' "$*"; }

# python3 and its venv module (Debian splits ensurepip, which venv needs, into
# python3-venv): installed with apt-get when missing.
if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
    step "installing python3 and python3-venv with apt-get"
    if [ "$(id -u)" -eq 0 ]; then
        SUDO=()
    elif command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        echo "python3 with its venv module is required: run as root or install sudo" >&2
        exit 1
    fi
    ${SUDO[@]+"${SUDO[@]}"} apt-get update -qq
    ${SUDO[@]+"${SUDO[@]}"} env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq python3 python3-venv
    if ! python3 -m venv --help >/dev/null || ! python3 -c 'import ensurepip'; then
        echo "$(command -v python3) still has no venv/ensurepip after apt-get" >&2
        exit 1
    fi
fi

# python3 may be a pyenv shim: use the real interpreter's path.
PY=$(python3 -c 'import sys; print(sys.executable)')
"$PY" -c 'import sys; assert sys.version_info >= (3, 9), sys.version' \
    || { echo "CPython >= 3.9 is required" >&2; exit 1; }
mkdir -p "$WORK"

step "tools (maturin $MATURIN_VERSION, pinned, in $WORK/tools)"
TOOLS="$WORK/tools"
if [ "$("$TOOLS/bin/maturin" --version 2>/dev/null)" != "maturin $MATURIN_VERSION" ]; then
    rm -rf "$TOOLS"
    "$PY" -m venv "$TOOLS"
    "$TOOLS/bin/pip" install --quiet "maturin==$MATURIN_VERSION"
fi
"$TOOLS/bin/maturin" --version

step "maturin build --release (abi3 wheel)"
rm -rf "$WORK/wheels"
"$TOOLS/bin/maturin" build --release --locked -m bindings-python/Cargo.toml \
    --interpreter "$PY" --out "$WORK/wheels"
WHEEL=$(ls "$WORK"/wheels/glorycard-*-cp39-abi3-*.whl)
echo "wheel: $WHEEL"

step "fresh virtualenv with the wheel, mypy $MYPY_VERSION and tests/requirements.txt"
VENV="$WORK/venv"
rm -rf "$VENV"
"$PY" -m venv "$VENV"
"$VENV/bin/pip" install --quiet "$WHEEL" "mypy==$MYPY_VERSION" -r "$TEST_REQUIREMENTS"
# Run from outside the source tree so the installed package, not python/, is imported.
(cd "$WORK" && "$VENV/bin/python" -c 'import glorycard; print("testing", glorycard.__file__)')

step "pytest (the client, outbox and replica against the CLI's sandbox: cargo build -p glorycard-cli)"
cargo build -p glorycard-cli --locked
GLORYCARD_CLI="$(cargo metadata --format-version 1 --no-deps --locked \
    | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/glorycard"
export GLORYCARD_CLI
(cd bindings-python && "$VENV/bin/python" -m pytest -p no:cacheprovider tests)

step "stubs: mypy.stubtest against the built module, mypy --strict on the package and tests/typing_headers.py"
(cd "$WORK" && "$VENV/bin/python" -m mypy.stubtest glorycard \
    && "$VENV/bin/python" -m mypy --strict --no-incremental -p glorycard \
    && "$VENV/bin/python" -m mypy --strict --no-incremental \
        "$ROOT/bindings-python/tests/typing_headers.py")

step "pip install ./bindings-python (PEP 517, maturin backend) into a fresh virtualenv"
PEP517="$WORK/pep517"
rm -rf "$PEP517"
"$PY" -m venv "$PEP517"
"$PEP517/bin/pip" install --quiet ./bindings-python
SIGN=$(cd "$WORK" && "$PEP517/bin/python" -c "
import glorycard
body = open('$ROOT/tests/vectors/spec-example.body.json', 'rb').read()
print(glorycard.sign(body, '4fd6b8105f894d0da964b1e80b07b136', '20210407155206'))")
EXPECTED=ec94361a53c7969b6affd6af4af9ba1db3283585fad69082750054c5be26157c
if [ "$SIGN" != "$EXPECTED" ]; then
    echo "pip-installed package signed the spec example as $SIGN, expected $EXPECTED" >&2
    exit 1
fi
echo "pip-installed glorycard signs the spec example: $SIGN"

step "example HIS applications (examples/run.sh): a client script, FastAPI under uvicorn, Flask and Django under gunicorn, each end to end against the sandbox, reconciled with 0 differences"
# Their frameworks from examples/requirements.txt (hash-checked) in a virtualenv of their own.
PYTHON="$PY" bash bindings-python/examples/run.sh "$WHEEL"

step "the same abi3 wheel on CPython 3.9 (the oldest supported), when one is installed"
# A 3.9 from pyenv (python3.9 itself is a pyenv shim here, which fails unless 3.9 is the
# selected version) or on PATH. A failing lookup fails the script; only "none
# installed" skips, and the last line says so.
PY39=""
if command -v pyenv >/dev/null 2>&1; then
    PYENV39=$(pyenv versions --bare | awk '/^3\.9(\.[0-9]+)?$/ { v = $0 } END { print v }')
    if [ -n "$PYENV39" ]; then
        PY39="$(pyenv root)/versions/$PYENV39/bin/python3.9"
    fi
fi
if [ -z "$PY39" ] && command -v python3.9 >/dev/null 2>&1 \
    && [[ "$(command -v python3.9)" != */shims/* ]]; then
    PY39=$(command -v python3.9)
fi
if [ -n "$PY39" ]; then
    "$PY39" -c 'import sys; assert sys.version_info[:2] == (3, 9), sys.version
print("CPython", sys.version.split()[0], "at", sys.executable)'
    VENV39="$WORK/venv39"
    rm -rf "$VENV39"
    "$PY39" -m venv "$VENV39"
    "$VENV39/bin/pip" install --quiet "$WHEEL" -r "$TEST_REQUIREMENTS"
    (cd bindings-python && "$VENV39/bin/python" -m pytest -p no:cacheprovider -q tests)
    printf '\npython binding: all checks passed, the CPython 3.9 run included\n'
else
    echo "SKIPPED: no CPython 3.9 installed (none in pyenv, no python3.9 on PATH)"
    printf '\npython binding: all checks passed; the CPython 3.9 run was skipped: no 3.9 installed\n'
fi
