# Sourced by the bindings' client benchmarks (bindings-jvm/bench/client.sh,
# bindings-python/bench/client.sh): builds the release CLI and the Rust throughput
# example, starts the release `glorycard sandbox` (its own process, 1,000 holders, the
# account the throughput example uses) on a free loopback port, and defines `rust` to
# measure the Rust client against it. Sets target_dir, work, url; stops the sandbox and
# removes work/ on exit. Needs `deductions` set and the caller's cwd at the workspace root.
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

# rust PREFIX [COUNT [CONCURRENCY]]: the Rust client's deduct calls/s against the sandbox.
rust() {
    SANDBOX_URL=$url SANDBOX_CA=$work/ca.pem DEDUCTIONS=${2:-$deductions} CONCURRENCY=${3:-16} \
        PREFIX=$1 "$target_dir/release/examples/throughput"
}
