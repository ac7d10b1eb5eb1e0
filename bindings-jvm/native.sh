#!/usr/bin/env bash
# The native half of the jar, run by Maven in `generate-sources` (exec-maven-plugin, see
# pom.xml), so that `mvn package` on a clean clone builds everything:
#   1. cargo build -p glorycard-jvm -p uniffi-bindgen (profile $1: release, or debug for
#      test.sh, which builds everything else in debug already);
#   2. uniffi-bindgen (library mode) generates the Kotlin into $2;
#   3. the library, stripped of debug info, goes into $3/linux-x86-64/, where JNA looks
#      for it on the classpath (Maven packages $3 as resources);
#   4. the `glorycard` CLI, built in the same cargo run, is linked as $3/../cli/glorycard:
#      the client tests start its sandbox platform (it is not packaged).
# Needs cargo on PATH (rustup: https://rustup.rs). Exits non-zero on any failure.
set -euo pipefail

profile=${1:?usage: native.sh <release|debug> <generated-dir> <native-dir>}
generated=${2:?generated-sources directory}
native_dir=${3:?native directory}
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."

case "$profile" in
    release) cargo build --release -p glorycard-jvm -p uniffi-bindgen -p glorycard-cli --locked ;;
    debug) cargo build -p glorycard-jvm -p uniffi-bindgen -p glorycard-cli --locked ;;
    *) echo "native.sh: profile must be release or debug, not $profile" >&2; exit 2 ;;
esac
target_dir=$(cargo metadata --format-version 1 --no-deps --locked \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
lib="$target_dir/$profile/libglorycard_jvm.so"

rm -rf "$generated" "$native_dir"
"$target_dir/$profile/uniffi-bindgen" generate "$lib" --language kotlin --no-format --out-dir "$generated"
find "$generated" -name '*.kt' -printf 'generated %P (%s bytes)\n'

mkdir -p "$native_dir/linux-x86-64"
if command -v strip >/dev/null 2>&1; then
    strip --strip-debug -o "$native_dir/linux-x86-64/libglorycard_jvm.so" "$lib"
else
    cp "$lib" "$native_dir/linux-x86-64/libglorycard_jvm.so"
fi
echo "native library: $native_dir/linux-x86-64/libglorycard_jvm.so ($profile, $(stat -c %s "$native_dir/linux-x86-64/libglorycard_jvm.so") bytes)"

cli_dir="$(dirname "$native_dir")/cli"
mkdir -p "$cli_dir"
ln -sf "$target_dir/$profile/glorycard" "$cli_dir/glorycard"
echo "sandbox for the tests: $cli_dir/glorycard -> $target_dir/$profile/glorycard"
