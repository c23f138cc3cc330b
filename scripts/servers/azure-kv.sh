#!/usr/bin/env bash
# Azure Key Vault emulator (Lowkey Vault, a Spring Boot jar run on the machine's Java) for the
# azure-secret:// store and azurekms:// tests, on loopback only.
#
#   scripts/servers/azure-kv.sh start   find the jar (cached / Maven / $COSIGN_KEYS_LOWKEY_JAR), start it
#   scripts/servers/azure-kv.sh env     print `export ...` lines: eval "$(scripts/servers/azure-kv.sh env)"
#   scripts/servers/azure-kv.sh status  whether it runs
#   scripts/servers/azure-kv.sh stop    stop it (pid file)
#
# EXIT CODE 3 from `start` means "no Lowkey Vault jar can be had on this machine" (see
# tests/servers/NOTES.md: on this workplace the Maven registry does not serve
# com.github.nagyesta.lowkey-vault:lowkey-vault-app, only its client and testcontainers
# artifacts). Callers treat 3 as "skip, with this reason", never as a pass.
#
# Where the jar comes from, first hit wins:
#   1. $COSIGN_KEYS_LOWKEY_JAR (a lowkey-vault-app-<version>.jar you have)
#   2. the cache: $COSIGN_KEYS_CACHE/azure-kv/lowkey-vault-app-$LOWKEY_VERSION.jar
#   3. Maven: `mvn dependency:copy` of com.github.nagyesta.lowkey-vault:lowkey-vault-app:$LOWKEY_VERSION
#
# How it is run (facts from Lowkey Vault's own docs and sources, see NOTES.md):
#   java -jar lowkey.jar --server.port=P --server.address=127.0.0.1 --app.token.port=P+1
#        --LOWKEY_VAULT_NAMES=cosign-keys --LOWKEY_AUTH_RESOURCE=localhost
#   - HTTPS on P with the jar's bundled self-signed certificate (SANs localhost, *.localhost,
#     127.0.0.1); we export it as PEM (s_client) so clients trust exactly it.
#   - vaults: https://localhost:P (default) and https://cosign-keys.localhost:P (named; the
#     vault is chosen by the Host header, *.localhost resolves to loopback in curl and rustls
#     clients need a resolver override or /etc/hosts, see NOTES.md).
#   - plain-HTTP managed-identity token endpoint on P+1: /metadata/identity/oauth2/token.
#   - any bearer token is accepted; a request without Authorization gets the 401 challenge.
#
# Overridable: COSIGN_KEYS_CACHE, COSIGN_KEYS_LOWKEY_JAR, COSIGN_KEYS_LOWKEY_VERSION,
# COSIGN_KEYS_AZURE_KV_PORT (P; P+1 must be free too), COSIGN_KEYS_JAVA (java binary),
# COSIGN_KEYS_AZURE_KV_WAIT (seconds, default 120).
set -euo pipefail

LOWKEY_VERSION="${COSIGN_KEYS_LOWKEY_VERSION:-7.1.13}"
VAULT_NAME=cosign-keys

NAME=azure-kv
# shellcheck source=scripts/servers/lib.sh
source "$(dirname "$0")/lib.sh"

LOG="$LOGS/lowkey.log"
WAIT_SECS="${COSIGN_KEYS_AZURE_KV_WAIT:-120}"
UNAVAILABLE=3

# Prints the jar path or exits 3 with the reason.
find_jar() {
    if [[ -n "${COSIGN_KEYS_LOWKEY_JAR:-}" ]]; then
        [[ -f "$COSIGN_KEYS_LOWKEY_JAR" ]] || die "COSIGN_KEYS_LOWKEY_JAR=$COSIGN_KEYS_LOWKEY_JAR does not exist"
        printf '%s\n' "$COSIGN_KEYS_LOWKEY_JAR"
        return 0
    fi
    local jar="$CACHE/lowkey-vault-app-$LOWKEY_VERSION.jar"
    if [[ -s "$jar" ]]; then
        printf '%s\n' "$jar"
        return 0
    fi
    if ! command -v mvn >/dev/null 2>&1; then
        say "unavailable: no Lowkey Vault jar cached, COSIGN_KEYS_LOWKEY_JAR unset, and no mvn to fetch one"
        exit "$UNAVAILABLE"
    fi
    say "fetching com.github.nagyesta.lowkey-vault:lowkey-vault-app:$LOWKEY_VERSION with mvn (log $LOGS/mvn.log)"
    if mvn -B -U -q org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy \
        -Dartifact="com.github.nagyesta.lowkey-vault:lowkey-vault-app:$LOWKEY_VERSION:jar" \
        -DoutputDirectory="$CACHE" -Dmdep.overWriteReleases=true >"$LOGS/mvn.log" 2>&1 && [[ -s "$jar" ]]; then
        printf '%s\n' "$jar"
        return 0
    fi
    say "unavailable: the Maven registry this machine reaches does not serve" \
        "com.github.nagyesta.lowkey-vault:lowkey-vault-app:$LOWKEY_VERSION (mvn log: $LOGS/mvn.log). Set COSIGN_KEYS_LOWKEY_JAR to a lowkey-vault-app jar to run these tests."
    exit "$UNAVAILABLE"
}

# Class-file major version of the jar's main class -> Java feature version it needs.
jar_java_feature() {
    "$(python_bin)" - "$1" <<'EOF'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = [n for n in z.namelist() if n.endswith("LowkeyVaultApp.class")]
if not names:
    print(17); sys.exit(0)
b = z.read(names[0])
print(int.from_bytes(b[6:8], "big") - 44)
EOF
}

java_feature() { "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }

pick_java() {
    local need="$1" j
    if [[ -n "${COSIGN_KEYS_JAVA:-}" ]]; then
        printf '%s\n' "$COSIGN_KEYS_JAVA"
        return 0
    fi
    for j in "$(command -v java 2>/dev/null || true)" /usr/lib/jvm/*/bin/java; do
        [[ -n "$j" && -x "$j" ]] || continue
        if (($(java_feature "$j") >= need)); then
            printf '%s\n' "$j"
            return 0
        fi
    done
    say "unavailable: the jar needs Java $need and no such java is installed (set COSIGN_KEYS_JAVA)"
    exit "$UNAVAILABLE"
}

vault_url() { printf 'https://localhost:%s\n' "$(cat "$RUN/port")"; }

pings() {
    curl -s -o /dev/null -m 2 -k -w '%{http_code}' "https://$HOST:$(cat "$RUN/port")/ping" 2>/dev/null | grep -q 200
}

export_cert() {
    # The certificate the server actually presents, as PEM: what clients must trust.
    openssl s_client -connect "$HOST:$(cat "$RUN/port")" -servername localhost -showcerts </dev/null 2>/dev/null |
        sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' >"$RUN/lowkey-ca.pem.tmp"
    [[ -s "$RUN/lowkey-ca.pem.tmp" ]] || die "could not read the server certificate with openssl s_client"
    mv "$RUN/lowkey-ca.pem.tmp" "$RUN/lowkey-ca.pem"
    # From here on, every check trusts exactly this file (no -k).
    curl -sS -o /dev/null -m 5 --cacert "$RUN/lowkey-ca.pem" "$(vault_url)/ping" ||
        die "the exported certificate does not verify for $(vault_url)"
}

cmd_start() {
    mkdir -p "$RUN" "$LOGS"
    chmod 700 "$RUN"
    if pid_alive java && [[ -f "$RUN/port" ]]; then
        wait_until "$WAIT_SECS" "Lowkey Vault at $(vault_url)" pings
        say "already running at $(vault_url) (pid $(cat "$PIDFILE")), reusing"
        return 0
    fi
    rm -f "$RUN"/*
    local jar java need port start=$SECONDS
    jar="$(find_jar)" || exit $?
    need="$(jar_java_feature "$jar")"
    java="$(pick_java "$need")" || exit $?
    port="$(pick_port "${COSIGN_KEYS_AZURE_KV_PORT:-}" 1)"
    printf '%s\n' "$port" >"$RUN/port"
    printf '%s\n' "$((port + 1))" >"$RUN/token_port"
    : >"$LOG"
    say "starting $(basename "$jar") on Java $need+ ($java)"
    spawn "$LOG" "$java" -Xmx512m -jar "$jar" \
        --server.port="$port" --server.address="$HOST" \
        --app.token.port="$((port + 1))" \
        --LOWKEY_VAULT_NAMES="$VAULT_NAME" \
        --LOWKEY_AUTH_RESOURCE=localhost
    wait_until "$WAIT_SECS" "Lowkey Vault at https://$HOST:$port" pings
    export_cert
    say "started Lowkey Vault at $(vault_url) (pid $(cat "$PIDFILE")) in $((SECONDS - start))s; log $LOG"
}

cmd_env() {
    pid_alive java && [[ -f "$RUN/port" ]] || die "not running; use: $0 start"
    local p t
    p="$(cat "$RUN/port")"
    t="$(cat "$RUN/token_port")"
    printf 'export COSIGN_KEYS_TEST_AZURE_VAULT_URL=%q\n' "https://localhost:$p"
    printf 'export COSIGN_KEYS_TEST_AZURE_NAMED_VAULT_URL=%q\n' "https://$VAULT_NAME.localhost:$p"
    printf 'export COSIGN_KEYS_TEST_AZURE_VAULT_NAME=%q\n' "$VAULT_NAME"
    printf 'export COSIGN_KEYS_TEST_AZURE_CA_CERT=%q\n' "$RUN/lowkey-ca.pem"
    # App Service style managed identity, as azure_identity's ManagedIdentityCredential reads it.
    # Setting IDENTITY_ENDPOINT also keeps it from probing IMDS at 169.254.169.254 (not loopback).
    printf 'export IDENTITY_ENDPOINT=%q\n' "http://$HOST:$t/metadata/identity/oauth2/token"
    printf 'export IDENTITY_HEADER=cosign-keys-test\n'
}

case "${1:-}" in
start) cmd_start ;;
stop) stop_pid 20 ;;
env) cmd_env ;;
status)
    if pid_alive java && [[ -f "$RUN/port" ]]; then echo "running at $(vault_url) pid $(cat "$PIDFILE")"; else
        echo "not running"
        exit 1
    fi
    ;;
*)
    echo "usage: $0 start|stop|env|status" >&2
    exit 2
    ;;
esac
