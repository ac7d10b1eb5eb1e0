#!/usr/bin/env bash
# Builds every release artifact into dist/, for the machines hospitals run:
#   glorycard-<v>.jar, glorycard-<v>-all.jar   natives for linux-x86-64 and linux-aarch64
#                                              (glibc 2.17) and win32-x86-64, loaded by JNA
#                                              (and the JNI path) from the jar
#   glorycard-<v>-cp39-abi3-manylinux2014_<arch>.manylinux_2_17_<arch>.whl (x86_64, aarch64),
#   glorycard-<v>-cp39-abi3-win_amd64.whl
#   glorycard-wasm-<v>.tgz                     npm pack: ESM and CommonJS entries
#   glorycard-<v>-linux-x86_64, -linux-aarch64 the CLI, glibc 2.17
#   glorycard-<v>-windows-x86_64.exe
#   glorycard-systemd-<v>.tar.gz               the service units: release/systemd/ (systemd
#                                              247+), release/systemd-219/ (CentOS 7+)
#   SHA256SUMS
# Linux natives are linked by cargo-zigbuild against glibc 2.17 (the `ziglang` package from
# PyPI), the Windows ones by Debian's MinGW-w64; the wheels are built by maturin (--zig,
# --compatibility manylinux2014). Installs what is missing: the rustup targets, MinGW-w64
# (apt-get), and the Python tools pinned with hashes (release/tools-requirements.txt) under
# target/glorycard-release/tools.
# The proof that each artifact works where it claims is release/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DIST="$ROOT/dist"
WORK="$ROOT/target/glorycard-release"
# maturin: the Python package's build-backend pin, which release/tools-requirements.txt
# must pin too.
MATURIN_VERSION=$(sed -n 's/^requires = \["maturin==\([0-9.]*\)"\]$/\1/p' bindings-python/pyproject.toml)
[ -n "$MATURIN_VERSION" ] || { echo "no maturin pin in bindings-python/pyproject.toml" >&2; exit 1; }
# maturin, ziglang, cargo-zigbuild, auditwheel and their dependencies: each version pinned,
# each file by its sha256 (pip --require-hashes refuses any other file).
TOOLS_REQUIREMENTS=release/tools-requirements.txt
export PIP_DISABLE_PIP_VERSION_CHECK=1

LINUX_X64=x86_64-unknown-linux-gnu
LINUX_ARM64=aarch64-unknown-linux-gnu
WINDOWS_X64=x86_64-pc-windows-gnu
GLIBC=2.17 # CentOS 7's; Kylin V10, UOS 20 and RHEL 8 have 2.28

started=$SECONDS
step() { printf '\n==> [%ss] release: %s\n' "$((SECONDS - started))" "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

step "tools"
for target in "$LINUX_X64" "$LINUX_ARM64" "$WINDOWS_X64"; do
    rustup target list --installed | grep -qx "$target" || rustup target add "$target"
done
if ! command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1; then
    echo "installing MinGW-w64 (the Windows linker) with apt-get"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc-mingw-w64-x86-64 >/dev/null
fi
TOOLS="$WORK/tools"
tools_pins=$(sha256sum "$TOOLS_REQUIREMENTS" | cut -d' ' -f1)
if [ "$(cat "$TOOLS/.pins" 2>/dev/null)" != "$tools_pins" ]; then
    rm -rf "$TOOLS"
    python3 -m venv "$TOOLS"
    "$TOOLS/bin/pip" install --quiet --require-hashes -r "$TOOLS_REQUIREMENTS"
    echo "$tools_pins" > "$TOOLS/.pins"
fi
[ "$("$TOOLS/bin/maturin" --version)" = "maturin $MATURIN_VERSION" ] || {
    echo "$TOOLS_REQUIREMENTS pins $("$TOOLS/bin/maturin" --version), bindings-python/pyproject.toml maturin $MATURIN_VERSION" >&2
    exit 1
}
# cargo-zigbuild and maturin find zig as `python3 -m ziglang`: the tools' python first.
export PATH="$TOOLS/bin:$PATH"
echo "$(maturin --version), $(cargo-zigbuild --version), zig $(python3 -m ziglang version), $(auditwheel --version | head -1)"

read -r VERSION TARGET_DIR < <(cargo metadata --format-version 1 --no-deps --locked | python3 -c '
import json, sys
meta = json.load(sys.stdin)
print(next(p["version"] for p in meta["packages"] if p["name"] == "glorycard-core"), meta["target_directory"])')
[ -n "$VERSION" ] && [ -n "$TARGET_DIR" ] || { echo "cargo metadata: no version or target directory" >&2; exit 1; }
rm -rf "$DIST"
mkdir -p "$DIST"

# The CLI and the JVM library, one cargo run per platform (they share most dependencies).
step "CLI and JVM library: $LINUX_X64 (glibc $GLIBC, zig)"
cargo zigbuild --locked --profile dist --target "$LINUX_X64.$GLIBC" -p glorycard-cli -p glorycard-jvm
step "CLI and JVM library: $LINUX_ARM64 (glibc $GLIBC, zig)"
cargo zigbuild --locked --profile dist --target "$LINUX_ARM64.$GLIBC" -p glorycard-cli -p glorycard-jvm
step "CLI and JVM library: $WINDOWS_X64 (MinGW-w64)"
CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc \
    cargo build --locked --profile dist --target "$WINDOWS_X64" -p glorycard-cli -p glorycard-jvm

cp "$TARGET_DIR/$LINUX_X64/dist/glorycard" "$DIST/glorycard-$VERSION-linux-x86_64"
cp "$TARGET_DIR/$LINUX_ARM64/dist/glorycard" "$DIST/glorycard-$VERSION-linux-aarch64"
cp "$TARGET_DIR/$WINDOWS_X64/dist/glorycard.exe" "$DIST/glorycard-$VERSION-windows-x86_64.exe"

step "Python wheels (maturin, abi3, CPython >= 3.9)"
wheels="$WORK/wheels"
rm -rf "$wheels"
for target in "$LINUX_X64" "$LINUX_ARM64"; do
    maturin build --locked --profile dist -m bindings-python/Cargo.toml --target "$target" \
        --zig --compatibility manylinux2014 --out "$wheels"
done
maturin build --locked --profile dist -m bindings-python/Cargo.toml --target "$WINDOWS_X64" \
    --out "$wheels"
cp "$wheels"/glorycard-"$VERSION"-cp39-abi3-*.whl "$DIST/"

step "the jar (Kotlin from uniffi-bindgen; natives for three platforms)"
jvm_target="$ROOT/bindings-jvm/target"
natives="$jvm_target/native"
generated="$jvm_target/generated-sources/uniffi"
rm -rf "$natives" "$generated"
mkdir -p "$natives/linux-x86-64" "$natives/linux-aarch64" "$natives/win32-x86-64"
cp "$TARGET_DIR/$LINUX_X64/dist/libglorycard_jvm.so" "$natives/linux-x86-64/"
cp "$TARGET_DIR/$LINUX_ARM64/dist/libglorycard_jvm.so" "$natives/linux-aarch64/"
cp "$TARGET_DIR/$WINDOWS_X64/dist/glorycard_jvm.dll" "$natives/win32-x86-64/"
# uniffi-bindgen reads the Kotlin's metadata from a library's symbol table, which zig's
# linker leaves out of the dist libraries, so it reads this machine's debug build: the same
# sources give the same metadata and checksums (the tests of the dist jar would fail on a
# mismatch). The same packages as bindings-jvm/native.sh, so that the test command's build
# is reused.
cargo build --locked -p glorycard-jvm -p uniffi-bindgen -p glorycard-cli
"$TARGET_DIR/debug/uniffi-bindgen" generate "$TARGET_DIR/debug/libglorycard_jvm.so" \
    --language kotlin --no-format --out-dir "$generated"
# The tests are compiled (release/test.sh runs the Java vector test against the dist jar),
# not run here: bindings-jvm/test.sh runs them all.
(cd bindings-jvm && mvn -B -q -Dglorycard.native.skip=true -DskipTests package)
cp "$jvm_target/glorycard-$VERSION.jar" "$jvm_target/glorycard-$VERSION-all.jar" "$DIST/"

step "the npm package (bindings-wasm/build.sh, npm pack)"
bash bindings-wasm/build.sh
(cd bindings-wasm/pkg && npm pack --silent --pack-destination "$DIST")

step "the systemd units"
tar -C release -czf "$DIST/glorycard-systemd-$VERSION.tar.gz" --owner=0 --group=0 systemd systemd-219

step "SHA256SUMS"
(cd "$DIST" && rm -f SHA256SUMS && sha256sum -- * > SHA256SUMS.tmp && mv SHA256SUMS.tmp SHA256SUMS)
ls -l "$DIST"
printf '\nrelease: dist/ written in %ss\n' "$((SECONDS - started))"
