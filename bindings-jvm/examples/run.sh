#!/usr/bin/env bash
# One example HIS end to end, as its users run it (bindings-jvm/test.sh runs both):
#   bash bindings-jvm/examples/run.sh bindings-jvm/examples/spring-boot-2.7
# Builds the application jar (`mvn package`: Boot's own parent; the starter and the SDK
# from the local repository), checks that Boot's kotlin-stdlib pin (1.x) is the one packed,
# starts the sandbox platform (the CLI's `glorycard sandbox`, loopback, HTTPS) and the
# application (`java -jar`), then, through the application's REST endpoints only:
#   - a lookup in the replica (synced by the starter at start-up) finds a sandbox holder;
#   - two deductions enqueued into the outbox reach the platform by the scheduled drain;
#   - the sandbox reconciles against the application's /his/deductCheck: no difference;
#   - the native layer's log line of each upload is in the application's log (SLF4J).
# Needs the CLI that bindings-jvm's build links at bindings-jvm/target/cli/glorycard (or
# GLORYCARD_CLI), java, mvn, curl and python3. Exits non-zero on any failure.
set -euo pipefail

example=$(cd "${1:?usage: run.sh <example directory>}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
cli=${GLORYCARD_CLI:-$here/../target/cli/glorycard}
name=$(basename "$example")
# The sandbox's test account (a test key, not a secret).
sid=example-sid
key=example-key-2b7e151628aed2a6
org=106607

fail() {
    echo "FAIL ($name): $*" >&2
    for log in "${work:-/nonexistent}"/app.log "${work:-/nonexistent}"/sandbox.log; do
        [ -f "$log" ] || continue
        echo "--- $(basename "$log"): its errors, then its last lines" >&2
        grep -vE '^\s+(at |\.\.\. )' "$log" | grep -E 'ERROR|WARN|Exception|Error|Caused by' | head -n 30 >&2 || true
        grep -vE '^\s+(at |\.\.\. )' "$log" | tail -n 15 >&2
    done
    exit 1
}
[ -x "$cli" ] || fail "no glorycard CLI at $cli: build bindings-jvm first (bindings-jvm/test.sh), or set GLORYCARD_CLI"

mvn -B -ntp -q -Dstyle.color=never -f "$example/pom.xml" clean package
jar=$(ls "$example"/target/his-*.jar)
stdlib=$(unzip -Z1 "$jar" | sed -n 's#^BOOT-INF/lib/\(kotlin-stdlib-[0-9.]*\)\.jar$#\1#p')
case "$stdlib" in
    kotlin-stdlib-1.*) echo "$name: the application's kotlin-stdlib is Boot's pin: $stdlib" ;;
    *) fail "expected Boot's kotlin-stdlib 1.x in $jar, found '${stdlib:-none}'" ;;
esac

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Waits until FILE holds a line matching REGEX, while process PID lives (at most SECONDS).
wait_for_line() {
    local file=$1 regex=$2 pid=$3 seconds=$4 deadline=$((SECONDS + $4))
    until grep -qE "$regex" "$file" 2>/dev/null; do
        kill -0 "$pid" 2>/dev/null || fail "$(basename "$file" .log) exited before printing /$regex/"
        ((SECONDS < deadline)) || fail "no /$regex/ in $(basename "$file") within $seconds s"
        sleep 0.2
    done
}

app_port=$(free_port)
GLORYCARD_KEY=$key "$cli" sandbox --listen 127.0.0.1:0 --sid "$sid" --org-code "$org" \
    --holders 300 --masked-every 7 --cert-out "$work/sandbox.pem" \
    --institution-url "http://127.0.0.1:$app_port/his" > "$work/sandbox.log" 2>&1 &
pids+=($!)
wait_for_line "$work/sandbox.log" 'listening on https://' "${pids[-1]}" 30
platform=$(grep -oE 'listening on https://[^ ]+' "$work/sandbox.log" | head -n 1 | cut -d' ' -f3)
admin() { curl -sS -f --cacert "$work/sandbox.pem" "$platform$1"; }

# Two holders the platform serves unmasked, as the front desk would send them (files in the
# work folder: personal data stays off the command line and out of this script's output).
GLORYCARD_KEY=$key "$cli" roster page --base-url "$platform" --sid "$sid" --org-code "$org" \
    --ca-cert "$work/sandbox.pem" > "$work/roster.jsonl"
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
holders = [h for h in map(json.loads, open(f"{work}/roster.jsonl")) if "*" not in h["certNo"]][:2]
for i, h in enumerate(holders, 1):
    body = {k: h[k] for k in ("certType", "certNo", "certName", "gloryType")}
    json.dump(body, open(f"{work}/holder{i}.json", "w"), ensure_ascii=False)
PY

printf '%s\n' "$key" > "$work/key"
chmod 600 "$work/key"
env GLORYCARD_BASE_URL="$platform" GLORYCARD_SID="$sid" GLORYCARD_KEY_FILE="$work/key" \
    GLORYCARD_ORG_CODE="$org" GLORYCARD_CA_CERT="$work/sandbox.pem" GLORYCARD_DATA_DIR="$work" \
    java -jar "$jar" --server.address=127.0.0.1 --server.port="$app_port" > "$work/app.log" 2>&1 &
pids+=($!)
app_pid=${pids[-1]}
wait_for_line "$work/app.log" 'Started HisApplication' "$app_pid" 120
app="http://127.0.0.1:$app_port"
post() { curl -sS -f -H 'Content-Type: application/json' --data-binary "@$2" "$app$1"; }

# The replica: the starter syncs it at start-up; lookup answers from it (an HTTP 500 here
# was kotlin/enums/EnumEntriesKt under Boot 2.7's Kotlin pin).
deadline=$((SECONDS + 60))
while :; do
    answer=$(post /holders/lookup "$work/holder1.json") || fail "POST /holders/lookup failed"
    [ "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["matches"])' "$answer")" -ge 1 ] && break
    ((SECONDS < deadline)) || fail "lookup found no match for a holder the sandbox serves within 60 s"
    sleep 0.5
done
python3 -c 'import json,sys; a = json.loads(sys.argv[1]); assert a["kinds"] == ["EXACT"], a' "$answer" \
    || fail "lookup answered $answer, expected one EXACT match"
echo "$name: lookup in the replica: $answer"

post /visits/1/deduction "$work/holder1.json" >/dev/null || fail "enqueue of visit 1 failed"
post /visits/2/deduction "$work/holder2.json" >/dev/null || fail "enqueue of visit 2 failed"

# The scheduled drain (every 2 s) uploads both; the platform then reconciles against the
# application's /his/deductCheck.
deadline=$((SECONDS + 60))
until [ "$(admin /admin/reconcile | python3 -c 'import json,sys; print(json.load(sys.stdin)["platformCount"])')" = 2 ]; do
    ((SECONDS < deadline)) || fail "the platform did not receive both deductions within 60 s: $(admin /admin/reconcile)"
    sleep 0.5
done
report=$(admin /admin/reconcile)
python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert r["platformCount"] == 2 and r["institutionCount"] == 2 and len(r["differences"]) == 0, r
' "$report" || fail "reconciliation: $report"
echo "$name: the sandbox reconciled 2 deductions against /his/deductCheck: 0 differences"

native_line='INFO .* org\.glorycard\.glorycard_client\.client +: call finished .*path="[^"]*/store/deduct"'
grep -qE "$native_line" "$work/app.log" \
    || fail "no native log line of an upload (/$native_line/) in the application's log"
grep -E "$native_line" "$work/app.log" | head -n 1 | sed -E "s/^.* : /$name: native log via SLF4J: /"
grep -qE 'NoClassDefFoundError|Could not initialize class' "$work/app.log" \
    && fail "the application's log reports a class that could not be loaded"
echo "$name: end to end: passed"
