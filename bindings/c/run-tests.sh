#!/usr/bin/env bash
# Builds the C ABI (release), compiles the C tests and example with
# -Wall -Wextra -Werror, runs the tests under valgrind (no leaks, no invalid
# reads or writes, no use of uninitialised memory), and runs the example
# against the shared library found through the rendered pkg-config file.
# The store and KMS tests use Vault/OpenBao and moto when VAULT_ADDR and
# COSIGN_KEYS_TEST_AWSKMS_ENDPOINT (with the AWS_* variables) are set, as
# `eval "$(scripts/servers/openbao.sh env)"` / `moto.sh env` set them, and
# Azure Key Vault (Lowkey Vault) when COSIGN_KEYS_TEST_AZURE_VAULT,
# COSIGN_KEYS_AZURE_TOKEN and COSIGN_KEYS_AZURE_CA_BUNDLE are set
# (`eval "$(scripts/servers/azure-kv.sh env)"`).
# Honours CARGO_TARGET_DIR. Installs valgrind with apt-get if it is missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

step() { printf '\n==> %s\n' "$*"; }

if ! command -v valgrind >/dev/null 2>&1; then
    step "installing valgrind"
    apt-get update -qq && apt-get install -y -qq valgrind >/dev/null
fi
cc_bin="${CC:-cc}"

step "building the C ABI (release)"
libdir="$(scripts/build-ffi.sh)"
export PKG_CONFIG_PATH="$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
cflags=(-std=c11 -Wall -Wextra -Werror -O1 -g)

step "compiling the test (static library) and the example (shared library, via pkg-config)"
# Static: link the archive by path (the directory also holds the .so).
"$cc_bin" "${cflags[@]}" -I"$root/include" -I"$here/tests" \
    "$here/tests/test_ck.c" "$here/tests/test_backends.c" "$here/tests/harness.c" \
    "$libdir/libcosign_keys.a" -lpthread -ldl -lm -lrt -lutil -o "$out/test_ck"
# shellcheck disable=SC2046 # pkg-config output is a list of flags
"$cc_bin" "${cflags[@]}" "$here/examples/sign.c" $(pkg-config --cflags --libs cosign_keys) \
    -Wl,-rpath,"$libdir" -o "$out/sign"

step "servers for the store and KMS tests"
# The tests read the servers' settings from the environment that
# scripts/servers/{openbao,moto}.sh env print (scripts/test.sh starts them);
# a server that is not configured is skipped with the reason printed.
if [[ -n "${VAULT_ADDR:-}" ]]; then
    echo "Vault/OpenBao at $VAULT_ADDR: vault-kv:// and hashivault:// are tested"
else
    echo "VAULT_ADDR is not set: vault-kv:// and hashivault:// are skipped"
fi
if [[ -n "${COSIGN_KEYS_TEST_AWSKMS_ENDPOINT:-}" ]]; then
    echo "moto at $COSIGN_KEYS_TEST_AWSKMS_ENDPOINT: awskms:// is tested"
else
    echo "COSIGN_KEYS_TEST_AWSKMS_ENDPOINT is not set: awskms:// is skipped"
fi
if [[ -n "${COSIGN_KEYS_TEST_AZURE_VAULT:-}" ]]; then
    echo "Lowkey Vault at https://$COSIGN_KEYS_TEST_AZURE_VAULT: azure-secret:// and azurekms:// are tested"
else
    echo "COSIGN_KEYS_TEST_AZURE_VAULT is not set: azure-secret:// and azurekms:// are skipped"
fi

step "C tests under valgrind"
valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=1 \
    --suppressions="$here/tests/valgrind.supp" \
    --track-origins=yes -q "$out/test_ck" "$root/tests/vectors"

step "C example"
mkdir "$out/keys"
"$out/sign" "$out/keys" "example password"
test "$(stat -c %a "$out/keys/cosign.key")" = 600

step "C lifecycle tests (keyring, audit, backup) under valgrind"
"$cc_bin" "${cflags[@]}" -I"$root/include" -I"$here/tests" "$here/tests/test_lifecycle.c" \
    "$libdir/libcosign_keys.a" -lpthread -ldl -lm -lrt -lutil -o "$out/test_lifecycle"
valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=1 \
    --suppressions="$here/tests/valgrind.supp" \
    --track-origins=yes -q "$out/test_lifecycle"
