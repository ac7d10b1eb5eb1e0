#!/usr/bin/env bash
# The example HIS applications end to end, as their users run them (bindings-python/test.sh
# runs them all after pytest):
#   GLORYCARD_CLI=target/debug/glorycard bash bindings-python/examples/run.sh WHEEL [fastapi flask django client]
# Installs the frameworks (requirements.txt: pinned with hashes, pip --require-hashes) and
# the glorycard wheel WHEEL into a fresh virtualenv, then for each example starts the
# sandbox platform (the CLI's `glorycard sandbox`, loopback, HTTPS, reconciling against
# the application) and the application on free loopback ports, the way its framework is
# served: FastAPI under uvicorn, Flask under gunicorn, Django under gunicorn with its
# drain as a management command in its own process. drive.py then works through the
# application's HTTP endpoints only (lookup, 3 deductions and a cancellation enqueued,
# delivered by the application's drain) and checks that the sandbox's reconciliation
# against the application's /deductCheck finds 0 differences. Everything started is
# stopped on exit. client/client.py, the client without a framework (direct deductions, a
# cancellation, AsyncClient under asyncio.gather), runs against a sandbox of its own. Needs CPython >= 3.10 (Django 5.2) as python3 or $PYTHON.
# Exits non-zero on any failure.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
wheel=$(realpath "${1:?usage: run.sh WHEEL [example ...]}")
shift
examples=("$@")
((${#examples[@]})) || examples=(fastapi flask django client)
cli=${GLORYCARD_CLI:?GLORYCARD_CLI must name the glorycard binary}
[ -x "$cli" ] || { echo "FAIL: no glorycard CLI at $cli" >&2; exit 1; }
python=${PYTHON:-python3}
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "the examples need CPython >= 3.10 (Django 5.2), found " + sys.version)'
started=$SECONDS
# The sandbox's test account (a test key, not a secret).
export GLORYCARD_SID=example-sid GLORYCARD_KEY=example-key-2b7e151628aed2a6 GLORYCARD_ORG_CODE=106607
export PIP_DISABLE_PIP_VERSION_CHECK=1

venv="$root/target/glorycard-python/examples-venv"
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --require-hashes -r "$here/requirements.txt"
# The wheel under test has no dependencies; --no-deps keeps the hash-checked set intact.
"$venv/bin/pip" install --quiet --no-deps "$wheel"
echo "examples: frameworks from requirements.txt (hash-checked) and $(basename "$wheel") in $venv"

work=$(mktemp -d)
pids=()     # everything started, stopped in stop_all
apps=()     # of them, the application's processes: each must stop cleanly on SIGTERM
stop_all() {
    local pid status failed=()
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        status=0
        wait "$pid" 2>/dev/null || status=$?
        # 143 is SIGTERM's own status: uvicorn (FastAPI) shuts down gracefully, then
        # re-raises the signal; gunicorn and the Django drain exit 0. Anything else (134:
        # an abort at interpreter exit) is a failure.
        if [[ " ${apps[*]} " == *" $pid "* ]] \
            && ((status != 0)) && ! [[ $status == 143 && $name == fastapi ]]; then
            failed+=("process $pid exited with status $status")
        fi
    done
    pids=()
    apps=()
    ((${#failed[@]} == 0)) || { stopped_badly="${failed[*]}"; return 1; }
}
trap 'stop_all || true; rm -rf "$work"' EXIT

fail() {
    echo "FAIL ($name): $*" >&2
    local log
    for log in "$work/$name"/*.log; do
        [ -f "$log" ] || continue
        echo "--- $(basename "$log"): its last lines" >&2
        tail -n 25 "$log" >&2
    done
    exit 1
}
free_port() { "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Waits until FILE holds a line matching REGEX, while process PID lives (at most SECONDS).
wait_for_line() {
    local file=$1 regex=$2 pid=$3 seconds=$4 deadline=$((SECONDS + $4))
    until grep -qE "$regex" "$file" 2>/dev/null; do
        kill -0 "$pid" 2>/dev/null || fail "$(basename "$file" .log) exited before printing /$regex/"
        ((SECONDS < deadline)) || fail "no /$regex/ in $(basename "$file") within $seconds s"
        sleep 0.2
    done
}

for name in "${examples[@]}"; do
    example="$here/$name"
    [ -d "$example" ] || { echo "FAIL: no example $example" >&2; exit 1; }
    dir="$work/$name"
    mkdir -p "$dir/data"
    port=$(free_port)
    app="http://127.0.0.1:$port"
    GLORYCARD_KEY=$GLORYCARD_KEY "$cli" sandbox --listen 127.0.0.1:0 --sid "$GLORYCARD_SID" \
        --org-code "$GLORYCARD_ORG_CODE" --holders 300 --masked-every 7 --cert-out "$dir/sandbox.pem" \
        --institution-url "$app" > "$dir/sandbox.log" 2>&1 &
    pids+=($!)
    wait_for_line "$dir/sandbox.log" 'listening on https://' "${pids[-1]}" 30
    platform=$(grep -oE 'listening on https://[^ ]+' "$dir/sandbox.log" | head -n 1 | cut -d' ' -f3)

    # The application's settings, as a deployment would give them: the key in a file.
    printf '%s\n' "$GLORYCARD_KEY" > "$dir/key"
    chmod 600 "$dir/key"
    export GLORYCARD_BASE_URL=$platform GLORYCARD_KEY_FILE=$dir/key \
        GLORYCARD_CA_CERT=$dir/sandbox.pem GLORYCARD_DATA_DIR=$dir/data
    # gunicorn's control socket defaults to one path in $HOME: off, so that parallel runs
    # do not share it.
    case $name in
        client)
            # A script, not a server: it calls the platform itself and prints its result.
            (cd "$example" && "$venv/bin/python" client.py) > "$dir/client.log" 2>&1 \
                || fail "client.py failed"
            tail -n 1 "$dir/client.log"
            stop_all || fail "$stopped_badly"
            continue ;;
        fastapi)
            (cd "$example" && exec "$venv/bin/uvicorn" app:app --host 127.0.0.1 --port "$port") > "$dir/app.log" 2>&1 &
            pids+=($!) apps+=($!)
            ready='Application startup complete' ;;
        flask)
            (cd "$example" && exec "$venv/bin/gunicorn" --bind "127.0.0.1:$port" --workers 1 --threads 4 --no-control-socket app:app) > "$dir/app.log" 2>&1 &
            pids+=($!) apps+=($!)
            ready='Booting worker' ;;
        django)
            # The roster once before serving, then the drain in its own process.
            (cd "$example" && "$venv/bin/python" manage.py sync_roster) > "$dir/sync.log" 2>&1 \
                || { name=django; fail "manage.py sync_roster failed"; }
            (cd "$example" && exec "$venv/bin/python" manage.py drain_outbox) > "$dir/drain.log" 2>&1 &
            pids+=($!) apps+=($!)
            (cd "$example" && exec "$venv/bin/gunicorn" --bind "127.0.0.1:$port" --workers 1 --threads 4 --no-control-socket his_site.wsgi) > "$dir/app.log" 2>&1 &
            pids+=($!) apps+=($!)
            ready='Booting worker' ;;
        *) fail "run.sh does not know how to serve $name" ;;
    esac
    wait_for_line "$dir/app.log" "$ready" "${pids[-1]}" 60
    # gunicorn prints "Booting worker" before the worker imports the application: wait
    # for the port to answer.
    "$python" - "$port" "$name" <<'PY' || fail "the application did not answer on its port within 60 s"
import socket, sys, time
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
        break
    except OSError:
        time.sleep(0.2)
else:
    sys.exit(1)
PY
    (cd "$dir" && "$venv/bin/python" "$here/drive.py" "$name" "$app" "$platform" "$dir/sandbox.pem") \
        || fail "drive.py failed"
    stop_all || fail "not stopped cleanly by SIGTERM: $stopped_badly"
    case $name in
        fastapi) grep -q 'Application shutdown complete' "$dir/app.log" || fail "the lifespan's shutdown did not complete" ;;
        django) grep -q 'outbox drain stopped' "$dir/drain.log" || fail "manage.py drain_outbox did not stop on SIGTERM" ;;
    esac
    for log in "$dir"/*.log; do
        if grep -qE 'Traceback|ERROR' "$log"; then fail "$(basename "$log") reports an error"; fi
    done
done
printf 'python examples (%s): all passed in %d s\n' "${examples[*]}" $((SECONDS - started))
