#!/usr/bin/env bash
# Benchmark (a measurement, not a test): the Python clients against the Rust client, both
# on one sandbox platform (the release `glorycard sandbox`, its own process) over loopback
# HTTPS in one run: deduct calls/s at concurrency 16 from Rust, then from Python's sync
# client (16 threads) and asyncio client (16 in flight), then Rust again. Uses the wheel
# and virtualenv that ../test.sh built. DEDUCTIONS per measurement (default 4000).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
deductions=${DEDUCTIONS:-4000}
venv="$root/target/glorycard-python/venv"
[ -x "$venv/bin/python" ] || bash bindings-python/test.sh
cargo build --release -p glorycard-cli --locked
cargo build --release -p glorycard-sandbox --example throughput --locked
target_dir=$(cargo metadata --format-version 1 --no-deps --locked | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')

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

rust() { SANDBOX_URL=$url SANDBOX_CA=$work/ca.pem DEDUCTIONS=$deductions CONCURRENCY=16 PREFIX=$1 "$target_dir/release/examples/throughput"; }
echo "rust (before):"; rust RA
"$venv/bin/python" "$here/client.py" "$url" "$work/ca.pem" "$deductions"
echo "rust (after):"; rust RB
