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
# shellcheck source=../../sandbox/bench-sandbox.sh
source sandbox/bench-sandbox.sh

echo "rust (before):"; rust RA
"$venv/bin/python" "$here/client.py" "$url" "$work/ca.pem" "$deductions"
echo "rust (after):"; rust RB
