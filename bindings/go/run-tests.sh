#!/usr/bin/env bash
# Builds the C ABI (release), then checks and tests the Go binding: the
# generated codes.go and wire_gen.go are current, gofmt, go vet, go test
# -race (the binding, statically linked), the dynamic-link build tag, and the
# interop tests against cosign's own Go code (separate module,
# bindings/go/interop).
# The store and KMS tests use Vault/OpenBao and moto when VAULT_ADDR and
# COSIGN_KEYS_TEST_AWSKMS_ENDPOINT (with the AWS_* variables) are set, as
# `eval "$(scripts/servers/openbao.sh env)"` / `moto.sh env` set them, and
# Azure Key Vault (Lowkey Vault) when COSIGN_KEYS_TEST_AZURE_VAULT,
# COSIGN_KEYS_AZURE_TOKEN and COSIGN_KEYS_AZURE_CA_BUNDLE are set
# (`eval "$(scripts/servers/azure-kv.sh env)"`).
# Honours CARGO_TARGET_DIR. Needs the Go module proxy for the interop
# module's dependencies the first time (cached afterwards).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

step() { printf '\n==> %s\n' "$*"; }

step "building the C ABI (release)"
libdir="$(scripts/build-ffi.sh)"

# Link the archive of this build first (CGO_LDFLAGS comes before the
# package's own -L${SRCDIR}/../../target/release).
export CGO_LDFLAGS="-L$libdir${CGO_LDFLAGS:+ $CGO_LDFLAGS}"
export GOTOOLCHAIN=local
export GOFLAGS="-buildvcs=false"
cd "$here"

step "codes.go matches the header"
fresh="$(mktemp)"
trap 'rm -f "$fresh"' EXIT
go run ./internal/gencodes -header "$root/include/cosign_keys.h" -out "$fresh"
if ! diff -u codes.go "$fresh"; then
    echo "run-tests.sh: codes.go is stale; run 'go generate' in bindings/go" >&2
    exit 1
fi

step "wire_gen.go matches the schema"
go run ./internal/genwire -schema "$root/schema/cosign-keys.schema.json" -out "$fresh"
if ! diff -u wire_gen.go "$fresh"; then
    echo "run-tests.sh: wire_gen.go is stale; run 'go generate' in bindings/go" >&2
    exit 1
fi

step "gofmt"
unformatted="$(gofmt -l .)"
if [[ -n "$unformatted" ]]; then
    echo "run-tests.sh: not gofmt-formatted: $unformatted" >&2
    exit 1
fi

step "go vet"
go vet ./...

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

step "go test -race (static library)"
go test -race -count=1 ./...

step "go test with -tags cosignkeys_dynamic (shared library via pkg-config)"
PKG_CONFIG_PATH="$libdir/pkgconfig" LD_LIBRARY_PATH="$libdir" \
    go test -tags cosignkeys_dynamic -count=1 -run 'TestVersionFeaturesAndCodes|TestRoundTripEveryAlgorithm/ecdsa-p256' .

step "interop with cosign v2.6.5 pkg/cosign and sigstore pkg/signature"
cd interop
GOFLAGS="-buildvcs=false -mod=mod" go vet ./...
GOFLAGS="-buildvcs=false -mod=mod" go test -race -count=1 -v ./... 2>&1 | grep -E '^(\s*--- |ok|FAIL|PASS|panic)'
