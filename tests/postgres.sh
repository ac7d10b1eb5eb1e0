#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests: Debian's `postgresql` (installed when
# missing), a cluster made by initdb in a temporary folder owned by an unprivileged user
# (PostgreSQL refuses to run as root), listening on a free loopback port only, with a
# random password (scram-sha-256).
#
#   bash tests/postgres.sh run COMMAND...   start a server, run COMMAND with
#                                           GLORYCARD_TEST_DATABASE_URL set, stop and
#                                           remove the server (whatever COMMAND's result)
#   bash tests/postgres.sh start DIR        start a server in DIR (new); print its URL
#   bash tests/postgres.sh stop DIR         stop it and remove DIR
#   bash tests/postgres.sh pause DIR        stop it at once, as a crash would (data kept)
#   bash tests/postgres.sh resume DIR       start it again on the same port
#
# `run` with GLORYCARD_TEST_DATABASE_URL already set uses that server instead (its role
# must be allowed to create databases: each test makes and drops its own).
set -euo pipefail

find_bin() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        if [ -x "$dir/initdb" ]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

install_postgres() {
    if find_bin >/dev/null && command -v psql >/dev/null 2>&1; then
        return 0
    fi
    echo "postgresql is not installed: installing Debian's package" >&2
    as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
    as_root apt-get update -qq
    # The package's own cluster is not wanted: the tests make their own.
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-client >/dev/null
    if command -v pg_ctlcluster >/dev/null 2>&1; then
        as_root pg_ctlcluster --mode fast "$(ls /usr/lib/postgresql | sort -V | tail -1)" main stop 2>/dev/null || true
    fi
    find_bin >/dev/null
}

# Runs a command as the unprivileged owner of the cluster (this user when not root).
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    local dir=$1 bin port password
    install_postgres
    bin=$(find_bin)
    mkdir -p "$dir"
    chmod 700 "$dir"
    port=$(free_port)
    password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
    mkdir -p "$dir/data" "$dir/socket"
    printf '%s\n' "$password" >"$dir/password"
    if [ "$(id -u)" = 0 ]; then
        chown -R nobody:nogroup "$dir"
        # The owner must reach its folder: a root-only parent (mktemp's 0700) is opened
        # for traversal only.
        chmod o+x "$(dirname "$dir")" 2>/dev/null || true
    fi
    as_owner "$bin/initdb" -D "$dir/data" -U glorycard --pwfile="$dir/password" \
        --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        return 1
    }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/socket -c fsync=on -c max_connections=200" \
        start >/dev/null || {
        cat "$dir/server.log" >&2
        return 1
    }
    echo "$port" >"$dir/port"
    chmod 644 "$dir/port"
    echo "postgres://glorycard:$password@127.0.0.1:$port/postgres"
}

pause() {
    as_owner "$(find_bin)/pg_ctl" -D "$1/data" -m immediate -w stop >/dev/null
}

resume() {
    local dir=$1 port
    port=$(cat "$dir/port")
    as_owner "$(find_bin)/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/socket -c fsync=on -c max_connections=200" \
        start >/dev/null
}

stop() {
    local dir=$1 bin
    bin=$(find_bin)
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
}

case "${1:-}" in
    start)
        start "$2"
        ;;
    stop)
        stop "$2"
        ;;
    pause)
        pause "$2"
        ;;
    resume)
        resume "$2"
        ;;
    run)
        shift
        if [ -n "${GLORYCARD_TEST_DATABASE_URL:-}" ]; then
            echo "PostgreSQL: the server at GLORYCARD_TEST_DATABASE_URL" >&2
            exec "$@"
        fi
        dir=$(mktemp -d /tmp/glorycard-pg.XXXXXX)
        trap 'stop "$dir"' EXIT
        GLORYCARD_TEST_DATABASE_URL=$(start "$dir")
        export GLORYCARD_TEST_DATABASE_URL
        echo "PostgreSQL $("$(find_bin)/postgres" --version | awk '{print $3}') on 127.0.0.1:$(cat "$dir/port") (cluster in $dir, owned by $(stat -c %U "$dir/data"))" >&2
        "$@"
        ;;
    *)
        echo "usage: $0 run COMMAND... | start DIR | stop DIR" >&2
        exit 2
        ;;
esac
