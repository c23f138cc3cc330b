#!/usr/bin/env bash
# Azure Key Vault emulator (Lowkey Vault 7.3.74, MIT, a Spring Boot jar on Java 25) for the
# azure-secret:// store and azurekms:// tests, on loopback only, with verified TLS.
#
#   scripts/servers/azure-kv.sh available  exit 0 if a jar exists or can be built, else 3 + reason
#   scripts/servers/azure-kv.sh start      get the jar (build it once if needed), start, wait for /ping
#   scripts/servers/azure-kv.sh env        print `export ...` lines: eval "$(scripts/servers/azure-kv.sh env)"
#   scripts/servers/azure-kv.sh status     whether it runs
#   scripts/servers/azure-kv.sh stop       stop it (pid file)
#
# Where the jar comes from, first hit wins:
#   1. $COSIGN_KEYS_LOWKEY_JAR (a lowkey-vault-app-7.3.74.jar you built)
#   2. the cache: $COSIGN_KEYS_CACHE/azure-kv/lowkey-vault-app-7.3.74.jar
#   3. a Maven build of Lowkey's source (the Maven registry does not serve the app jar) with the
#      builder in ../shared/servers/lowkey-vault/azure-kv-emulator.sh (relative to the repo root;
#      or $COSIGN_KEYS_LOWKEY_BUILDER), from its source tree or $COSIGN_KEYS_LOWKEY_SOURCE.
#      The jar and Maven's repository are cached under $COSIGN_KEYS_CACHE/azure-kv/.
# EXIT CODE 3 from `available`/`start` means "no Lowkey Vault can be had here": callers skip the
# Azure tests with that reason, never count it as a pass.
#
# How it runs: https://localhost:P (Lowkey's default vault, chosen by the Host header) with a
# certificate from the shared test CA ($COSIGN_KEYS_CACHE/tls/ca.pem; SANs localhost,
# *.localhost and 127.0.0.1); any bearer token is accepted. Clients set COSIGN_KEYS_AZURE_TOKEN
# and COSIGN_KEYS_AZURE_CA_BUNDLE and use azure-secret://localhost:P/<name>,
# azurekms://localhost:P/<key>. For cosign's own Go client the bearer challenge names the
# resource https://localhost:P and the same vault answers as sigstore.localhost:P too (the Go
# SDK wants the vault host to be a subdomain of the resource; tests/interop/NOTES.md); the
# managed-identity token endpoint is http://127.0.0.1:P+1/metadata/identity/oauth2/token.
#
# Overridable: COSIGN_KEYS_CACHE, COSIGN_KEYS_LOWKEY_JAR, COSIGN_KEYS_LOWKEY_SOURCE,
# COSIGN_KEYS_LOWKEY_BUILDER, COSIGN_KEYS_AZURE_KV_PORT (P; P+1 is the token port),
# JAVA25_HOME, COSIGN_KEYS_AZURE_KV_WAIT (seconds, default 120).
set -euo pipefail

LOWKEY_VERSION=7.3.74
NAME=azure-kv
# shellcheck source=scripts/servers/lib.sh
source "$(dirname "$0")/lib.sh"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
# Our own state directory: the shared builder keeps its own run/ and logs/ under $CACHE.
RUN="$CACHE/server"
PIDFILE="$RUN/$NAME.pid"
LOGS="$CACHE/server-logs"
LOG="$LOGS/lowkey.log"
WAIT_SECS="${COSIGN_KEYS_AZURE_KV_WAIT:-120}"
UNAVAILABLE=3
JAR_CACHED="$CACHE/lowkey-vault-app-$LOWKEY_VERSION.jar"
BUILDER="${COSIGN_KEYS_LOWKEY_BUILDER:-$ROOT/../shared/servers/lowkey-vault/azure-kv-emulator.sh}"

java25() {
    local j v
    for j in "${JAVA25_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
        [[ -n "$j" && -x "$j/bin/java" ]] || continue
        v="$("$j/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
        if [[ "${v%%.*}" =~ ^[0-9]+$ ]] && ((${v%%.*} >= 25)); then
            printf '%s\n' "$j/bin/java"
            return 0
        fi
    done
    return 1
}

# Prints why no jar can be had (and returns 1), or nothing (returns 0).
why_unavailable() {
    java25 >/dev/null || {
        echo "no Java >= 25 (Lowkey Vault $LOWKEY_VERSION needs it; set JAVA25_HOME)"
        return 1
    }
    if [[ -n "${COSIGN_KEYS_LOWKEY_JAR:-}" ]]; then
        [[ -s "$COSIGN_KEYS_LOWKEY_JAR" ]] || {
            echo "COSIGN_KEYS_LOWKEY_JAR=$COSIGN_KEYS_LOWKEY_JAR does not exist"
            return 1
        }
        return 0
    fi
    [[ -s "$JAR_CACHED" ]] && return 0
    [[ -x "$BUILDER" ]] || {
        echo "no Lowkey Vault jar: set COSIGN_KEYS_LOWKEY_JAR, or COSIGN_KEYS_LOWKEY_SOURCE with the builder ($BUILDER is absent)"
        return 1
    }
    command -v mvn >/dev/null 2>&1 || {
        echo "no Lowkey Vault jar and no mvn to build one"
        return 1
    }
    return 0
}

find_jar() {
    local why
    if ! why="$(why_unavailable)"; then
        say "unavailable: $why"
        exit "$UNAVAILABLE"
    fi
    if [[ -n "${COSIGN_KEYS_LOWKEY_JAR:-}" ]]; then
        printf '%s\n' "$COSIGN_KEYS_LOWKEY_JAR"
        return 0
    fi
    if [[ ! -s "$JAR_CACHED" ]]; then
        say "building Lowkey Vault $LOWKEY_VERSION with Maven (cold: minutes; cached in $CACHE)"
        local rc=0
        if [[ -n "${COSIGN_KEYS_LOWKEY_SOURCE:-}" ]]; then
            LOWKEY_SRC="$COSIGN_KEYS_LOWKEY_SOURCE" COSIGN_KEYS_CACHE="$CACHE_ROOT" "$BUILDER" build >&2 || rc=$?
        else
            COSIGN_KEYS_CACHE="$CACHE_ROOT" "$BUILDER" build >&2 || rc=$?
        fi
        if ((rc == 3)); then
            say "unavailable: the builder lacks a prerequisite (see above)"
            exit "$UNAVAILABLE"
        fi
        ((rc == 0)) && [[ -s "$JAR_CACHED" ]] || die "building Lowkey Vault failed (rc $rc)"
    fi
    printf '%s\n' "$JAR_CACHED"
}

vault_addr() { printf 'localhost:%s\n' "$(cat "$RUN/port")"; }

pings() {
    [[ "$(curl -s -m 2 --cacert "$CACHE_ROOT/tls/ca.pem" "https://$(vault_addr)/ping" 2>/dev/null)" == pong ]]
}

cmd_start() {
    mkdir -p "$RUN" "$LOGS"
    chmod 700 "$RUN"
    if pid_alive java && [[ -f "$RUN/port" ]]; then
        wait_until "$WAIT_SECS" "Lowkey Vault at https://$(vault_addr)" pings
        say "already running at https://$(vault_addr) (pid $(cat "$PIDFILE")), reusing"
        return 0
    fi
    rm -f "$RUN"/*
    local jar java port start=$SECONDS
    jar="$(find_jar)" || exit $?
    java="$(java25)"
    ensure_test_tls "$CACHE_ROOT/tls"
    openssl rand -hex 16 >"$RUN/p12.pass"
    openssl pkcs12 -export -in "$CACHE_ROOT/tls/server.pem" -inkey "$CACHE_ROOT/tls/server.key" \
        -name lowkey -passout "file:$RUN/p12.pass" -out "$RUN/server.p12" 2>>"$LOGS/tls.log" ||
        die "could not make the PKCS#12 key store (see $LOGS/tls.log)"
    port="$(pick_port "${COSIGN_KEYS_AZURE_KV_PORT:-}" 1)"
    printf '%s\n' "$port" >"$RUN/port"
    : >"$LOG"
    say "starting Lowkey Vault $LOWKEY_VERSION ($java)"
    spawn "$LOG" "$java" -Xmx256m -XX:+UseSerialGC -jar "$jar" \
        --server.address=127.0.0.1 --server.port="$port" --app.token.port="$((port + 1))" \
        --LOWKEY_VAULT_NAMES=cosign-keys --LOWKEY_AUTH_RESOURCE="localhost:$port" \
        --LOWKEY_VAULT_ALIASES="localhost=sigstore.localhost:<port>" \
        --server.ssl.key-store="file:$RUN/server.p12" --server.ssl.key-store-type=PKCS12 \
        --server.ssl.key-store-password="$(cat "$RUN/p12.pass")" \
        --server.ssl.enabled-protocols=TLSv1.2,TLSv1.3
    wait_until "$WAIT_SECS" "Lowkey Vault at https://localhost:$port" pings
    say "started Lowkey Vault at https://$(vault_addr) (pid $(cat "$PIDFILE")) in $((SECONDS - start))s; log $LOG"
}

cmd_env() {
    pid_alive java && [[ -f "$RUN/port" ]] || die "not running; use: $0 start"
    printf 'export COSIGN_KEYS_AZURE_TOKEN=%q\n' "lowkey-test-token"
    printf 'export COSIGN_KEYS_AZURE_CA_BUNDLE=%q\n' "$CACHE_ROOT/tls/ca.pem"
    printf 'export COSIGN_KEYS_TEST_AZURE_VAULT=%q\n' "$(vault_addr)"
    # For cosign's own azurekms:// client (Go, tests/interop/kms-azurekms.sh): the same vault
    # under a subdomain of the challenge resource, and the managed-identity token endpoint.
    printf 'export COSIGN_KEYS_TEST_AZURE_SIGSTORE_VAULT=%q\n' "sigstore.localhost:$(cat "$RUN/port")"
    printf 'export COSIGN_KEYS_TEST_AZURE_IDENTITY_ENDPOINT=%q\n' \
        "http://127.0.0.1:$(($(cat "$RUN/port") + 1))/metadata/identity/oauth2/token"
}

case "${1:-}" in
available)
    if why="$(why_unavailable)"; then echo "available"; else
        echo "unavailable: $why"
        exit "$UNAVAILABLE"
    fi
    ;;
start) cmd_start ;;
stop) stop_pid 20 ;;
env) cmd_env ;;
status)
    if pid_alive java && [[ -f "$RUN/port" ]]; then echo "running at https://$(vault_addr) pid $(cat "$PIDFILE")"; else
        echo "not running"
        exit 1
    fi
    ;;
*)
    echo "usage: $0 available|start|stop|env|status" >&2
    exit 2
    ;;
esac
