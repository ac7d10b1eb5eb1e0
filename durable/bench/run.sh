#!/usr/bin/env bash
# The stores' figures on SQLite and PostgreSQL in one run (durable/examples/stores.rs):
# enqueue items/s, drain items/s with 1, 2 and 4 drainers, lookup p50/p99. A measurement,
# not a test. Starts a throwaway PostgreSQL (tests/postgres.sh) unless
# GLORYCARD_TEST_DATABASE_URL names a server.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -z "${GLORYCARD_TEST_DATABASE_URL:-}" ]; then
    exec bash tests/postgres.sh run bash "$0" "$@"
fi
cargo run --release --locked -q -p glorycard-durable --example stores
