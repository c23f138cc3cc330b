#!/usr/bin/env bash
# moto_server (AWS API emulator, used for KMS) for the awskms tests, on loopback only.
#
#   scripts/servers/moto.sh start   install (cached) + start; reuses a running one
#   scripts/servers/moto.sh env     print `export ...` lines: eval "$(scripts/servers/moto.sh env)"
#   scripts/servers/moto.sh status  whether it runs
#   scripts/servers/moto.sh stop    stop it (pid file)
#   scripts/servers/moto.sh python  print the venv's python (it has boto3 and cryptography)
#
# `moto[server]` comes from PyPI into its own venv under the cache dir (pinned below, with boto3
# and cryptography for the checks). It serves HTTPS by default, with a certificate from the
# project's throwaway test CA ($COSIGN_KEYS_CACHE/tls/ca.pem), because cosign's
# `awskms://HOST:PORT/...` always speaks https:// to the endpoint in the URI.
#
# Overridable:
#   COSIGN_KEYS_CACHE        cache root (default ~/.cache/cosign-keys)
#   COSIGN_KEYS_MOTO_PORT    listen port (default: a free port)
#   COSIGN_KEYS_MOTO_TLS     1 (default) https with the test CA, 0 plain http
#   COSIGN_KEYS_MOTO_WAIT    seconds to wait for it to answer (default 60)
set -euo pipefail

MOTO_VERSION="5.2.5"
BOTO3_VERSION="1.44.8"
CRYPTOGRAPHY_VERSION="50.0.2"

NAME=moto
# shellcheck source=scripts/servers/lib.sh
source "$(dirname "$0")/lib.sh"

VENV="$CACHE/venv-$MOTO_VERSION"
LOG="$LOGS/moto.log"
TLS_DIR="$CACHE_ROOT/tls"
WAIT_SECS="${COSIGN_KEYS_MOTO_WAIT:-60}"
REGION=us-east-1

scheme() { cat "$RUN/scheme"; }
url() { printf '%s://%s:%s\n' "$(scheme)" "$HOST" "$(cat "$RUN/port")"; }

answers() {
    local code
    code="$(curl -s -o /dev/null -m 2 --cacert "$TLS_DIR/ca.pem" -w '%{http_code}' "$(url)/moto-api/data.json" 2>/dev/null || true)"
    [[ "$code" == 200 ]]
}

cmd_start() {
    mkdir -p "$RUN" "$LOGS"
    chmod 700 "$RUN"
    ensure_venv "$VENV" "moto[server]==$MOTO_VERSION" "boto3==$BOTO3_VERSION" "cryptography==$CRYPTOGRAPHY_VERSION"
    if pid_alive python && [[ -f "$RUN/port" ]]; then
        wait_until "$WAIT_SECS" "moto at $(url)" answers
        say "already running at $(url) (pid $(cat "$PIDFILE")), reusing"
        return 0
    fi
    rm -f "$RUN"/*
    local port tls="${COSIGN_KEYS_MOTO_TLS:-1}" start=$SECONDS
    port="$(pick_port "${COSIGN_KEYS_MOTO_PORT:-}")"
    printf '%s\n' "$port" >"$RUN/port"
    local args=(-H "$HOST" -p "$port")
    if [[ "$tls" == 1 ]]; then
        ensure_test_tls "$TLS_DIR"
        args+=(-c "$TLS_DIR/server.pem" -k "$TLS_DIR/server.key")
        echo https >"$RUN/scheme"
    else
        echo http >"$RUN/scheme"
    fi
    : >"$LOG"
    spawn "$LOG" "$VENV/bin/moto_server" "${args[@]}"
    wait_until "$WAIT_SECS" "moto at $(url)" answers
    say "started moto $MOTO_VERSION at $(url) (pid $(cat "$PIDFILE")) in $((SECONDS - start))s; log $LOG"
}

cmd_env() {
    pid_alive python && [[ -f "$RUN/port" ]] || die "not running; use: $0 start"
    local u
    u="$(url)"
    printf 'export AWS_ACCESS_KEY_ID=testing\n'
    printf 'export AWS_SECRET_ACCESS_KEY=testing\n'
    printf 'export AWS_REGION=%s\n' "$REGION"
    printf 'export AWS_DEFAULT_REGION=%s\n' "$REGION"
    printf 'export AWS_ENDPOINT_URL=%q\n' "$u"
    printf 'export AWS_ENDPOINT_URL_KMS=%q\n' "$u"
    # Never ask the (non-loopback) instance metadata service, never read a developer's profiles.
    printf 'export AWS_EC2_METADATA_DISABLED=true\n'
    printf 'export AWS_CONFIG_FILE=/dev/null\n'
    printf 'export AWS_SHARED_CREDENTIALS_FILE=/dev/null\n'
    if [[ "$(scheme)" == https ]]; then
        printf 'export AWS_CA_BUNDLE=%q\n' "$TLS_DIR/ca.pem"
    fi
    printf 'export COSIGN_KEYS_TEST_AWSKMS_ENDPOINT=%q\n' "$HOST:$(cat "$RUN/port")"
    printf 'export COSIGN_KEYS_TEST_CA_CERT=%q\n' "$TLS_DIR/ca.pem"
    printf 'export COSIGN_KEYS_TEST_MOTO_PYTHON=%q\n' "$VENV/bin/python"
}

case "${1:-}" in
start) cmd_start ;;
stop) stop_pid 10 ;;
env) cmd_env ;;
status)
    if pid_alive python && [[ -f "$RUN/port" ]]; then echo "running at $(url) pid $(cat "$PIDFILE")"; else
        echo "not running"
        exit 1
    fi
    ;;
python) printf '%s\n' "$VENV/bin/python" ;;
*)
    echo "usage: $0 start|stop|env|status|python" >&2
    exit 2
    ;;
esac
