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
cargo build --release -p glorycard-jvm -p glorycard-cli --locked
cargo build --release -p glorycard-sandbox --example throughput --locked
target_dir=$(cargo metadata --format-version 1 --no-deps --locked | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
mvn -B -ntp -q -f "$here/pom.xml" package -DskipTests

work=$(mktemp -d)
sandbox_pid=
cleanup() { [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
GLORYCARD_KEY=4fd6b8105f894d0da964b1e80b07b136 "$target_dir/release/glorycard" sandbox \
    --listen 127.0.0.1:0 --sid 47258258201708031835123456 --org-code 106607 --holders 1000 \
    --cert-out "$work/ca.pem" --max-connections 512 >"$work/sandbox.log" 2>&1 &
sandbox_pid=$!
for _ in $(seq 100); do grep -q 'listening on' "$work/sandbox.log" && break; sleep 0.1; done
url=$(grep -o 'https://[0-9.:]*' "$work/sandbox.log" | head -1)
echo "sandbox: $url (release build, its own process)"

rust() { SANDBOX_URL=$url SANDBOX_CA=$work/ca.pem DEDUCTIONS=$2 CONCURRENCY=$3 PREFIX=$1 "$target_dir/release/examples/throughput"; }
echo "rust (before):"; rust RQ $((deductions / 4)) 1; rust RA "$deductions" 16
# shellcheck disable=SC2086
java -Xms256m -Xmx256m ${JAVA_OPTS:-} \
    -Duniffi.component.glorycard_jvm.libraryOverride="$target_dir/release/libglorycard_jvm.so" \
    -Duniffi.component.glorycard_core.libraryOverride="$target_dir/release/libglorycard_jvm.so" \
    -Duniffi.component.glorycard_durable.libraryOverride="$target_dir/release/libglorycard_jvm.so" \
    -cp "$here/target/classes:$here/target/lib/*:$jvm/target/glorycard-0.1.0-all.jar" \
    org.glorycard.bench.ClientBench "$url" "$work/ca.pem" "$deductions"
echo "rust (after):"; rust RB "$deductions" 16
