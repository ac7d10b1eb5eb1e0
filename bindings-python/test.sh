#!/usr/bin/env bash
# Tests of the Python binding (issue 4): builds the abi3 wheel with maturin, installs it
# into a fresh virtualenv, runs pytest (every vector in tests/vectors/, value bodies,
# exceptions, redaction, threads, a local HTTP round trip), checks the .pyi stubs against
# the built module with mypy.stubtest, checks that `pip install ./bindings-python`
# (PEP 517, maturin backend) builds and signs, and runs the vector tests on the oldest
# supported CPython (3.9) when one is installed. Installs what it needs (pinned) under
# target/glorycard-python/. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
WORK="$ROOT/target/glorycard-python"
MATURIN_VERSION=1.16.0
PYTEST_VERSION=9.2.0
MYPY_VERSION=2.4.1
REQUESTS_VERSION=2.32.5  # the last release for CPython 3.9
export PIP_DISABLE_PIP_VERSION_CHECK=1

step() { printf '\n==> python binding: %s\n' "$*"; }

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

step "fresh virtualenv with the wheel, pytest $PYTEST_VERSION, mypy $MYPY_VERSION, requests $REQUESTS_VERSION"
VENV="$WORK/venv"
rm -rf "$VENV"
"$PY" -m venv "$VENV"
"$VENV/bin/pip" install --quiet "$WHEEL" "pytest==$PYTEST_VERSION" "mypy==$MYPY_VERSION" \
    "requests==$REQUESTS_VERSION"
# Run from outside the source tree so the installed package, not python/, is imported.
(cd "$WORK" && "$VENV/bin/python" -c 'import glorycard; print("testing", glorycard.__file__)')

step "pytest"
(cd bindings-python && "$VENV/bin/python" -m pytest -p no:cacheprovider tests)

step "stubs: mypy.stubtest against the built module, mypy --strict on the package"
(cd "$WORK" && "$VENV/bin/python" -m mypy.stubtest glorycard \
    && "$VENV/bin/python" -m mypy --strict --no-incremental -p glorycard)

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

step "the same abi3 wheel on CPython 3.9 (the oldest supported)"
PY39=$(PYENV_VERSION=$(pyenv versions --bare 2>/dev/null | grep -E '^3\.9(\.|$)' | tail -1) \
    python3.9 -c 'import sys; print(sys.executable)' 2>/dev/null || true)
if [ -n "$PY39" ]; then
    VENV39="$WORK/venv39"
    rm -rf "$VENV39"
    "$PY39" -m venv "$VENV39"
    # pytest 9 needs Python 3.10; 8.4.2 is the last for 3.9.
    "$VENV39/bin/pip" install --quiet "$WHEEL" "pytest==8.4.2" "requests==$REQUESTS_VERSION"
    (cd bindings-python && "$VENV39/bin/python" -m pytest -p no:cacheprovider -q tests)
else
    echo "NOT RUN: no CPython 3.9 on this machine (the 3.11 run above covers the API)"
fi

printf '\npython binding: all checks passed\n'
