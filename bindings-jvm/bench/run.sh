#!/usr/bin/env bash
# Benchmark (a measurement, not a test): the native binding against a pure-Java signer, in
# one JVM. Builds the release library (the jar from ../test.sh carries a debug build) and
# points the binding at it with uniffi's library override (both components, glorycard_jvm
# and the core's models, glorycard_core, must load the same library); builds the -all jar
# if missing.
# Then `glorycard bench` gives the core's own figures in the same run. Takes about a
# minute after the first build.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jvm="$(cd "$here/.." && pwd)"
root="$(cd "$jvm/.." && pwd)"
cd "$root"
[ -f "$jvm/target/glorycard-0.1.0-all.jar" ] || "$jvm/test.sh"
cargo build --release -p glorycard-jvm -p glorycard-cli --locked
target_dir=$(cargo metadata --format-version 1 --no-deps --locked | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
mvn -B -ntp -q -f "$here/pom.xml" package -DskipTests
# Extra JVM options (for example JAVA_OPTS=-Xmn8m to see the effect of the young generation).
# shellcheck disable=SC2086
java -Xms256m -Xmx256m ${JAVA_OPTS:-} \
    -Duniffi.component.glorycard_jvm.libraryOverride="$target_dir/release/libglorycard_jvm.so" \
    -Duniffi.component.glorycard_core.libraryOverride="$target_dir/release/libglorycard_jvm.so" \
    -Duniffi.component.glorycard_durable.libraryOverride="$target_dir/release/libglorycard_jvm.so" \
    -Dglorycard.vectors="$root/tests/vectors" \
    -cp "$here/target/classes:$here/target/lib/*:$jvm/target/glorycard-0.1.0-all.jar" \
    org.glorycard.bench.Bench
# The core's own time in the same run, for the JVM's sign(spec example) against it.
echo
echo "the core's own figures (glorycard bench, release, same machine, same run):"
"$target_dir/release/glorycard" bench --seconds 2
