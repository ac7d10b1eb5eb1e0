#!/usr/bin/env bash
# Benchmark (a measurement, not a test): the Java client against the Rust client, both on
# one sandbox platform (the release `glorycard sandbox`, a process of its own) over
# loopback HTTPS in one run: deduct calls/s at concurrency 16 (Rust, then Java blocking and
# asynchronous, then Rust again to bracket the noise), the Java outbox's drain items/s, and
# DeductCheckHandler.handle for 1,000 records. DEDUCTIONS per measurement (default 4000).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jvm="$(cd "$here/.." && pwd)"
root="$(cd "$jvm/.." && pwd)"
cd "$root"
deductions=${DEDUCTIONS:-4000}
[ -f "$jvm/target/glorycard-0.1.0-all.jar" ] || "$jvm/test.sh"
cargo build --release -p glorycard-jvm --locked
# shellcheck source=../../sandbox/bench-sandbox.sh
source sandbox/bench-sandbox.sh
mvn -B -ntp -q -f "$here/pom.xml" package -DskipTests

echo "rust (before):"; rust RQ $((deductions / 4)) 1; rust RA
# shellcheck disable=SC2086
java -Xms256m -Xmx256m ${JAVA_OPTS:-} \
    -Duniffi.component.glorycard_jvm.libraryOverride="$target_dir/release/libglorycard_jvm.so" \
    -Duniffi.component.glorycard_core.libraryOverride="$target_dir/release/libglorycard_jvm.so" \
    -Duniffi.component.glorycard_durable.libraryOverride="$target_dir/release/libglorycard_jvm.so" \
    -cp "$here/target/classes:$here/target/lib/*:$jvm/target/glorycard-0.1.0-all.jar" \
    org.glorycard.bench.ClientBench "$url" "$work/ca.pem" "$deductions"
echo "rust (after):"; rust RB
