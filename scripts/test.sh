#!/usr/bin/env bash
# Runs every test of the project on a fresh machine, installing what it needs
# (the real cosign, built from its Go module). `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "rustfmt"
cargo fmt --all --check

step "clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "core build has no network dependency"
if cargo tree -p cosign-keys -e normal --prefix none | grep -E '^(tokio|hyper|reqwest|rustls|openssl) ' ; then
    echo "the core crate must not depend on network crates" >&2
    exit 1
fi

step "unit, integration and doc tests"
cargo test --workspace --locked

step "benches compile"
cargo bench --workspace --locked --no-run

step "C header is current (pinned cbindgen)"
scripts/check-header.sh

step "C ABI: C tests under valgrind, C example"
bindings/c/run-tests.sh

step "Go binding: go vet, go test -race, interop with cosign's Go code"
bindings/go/run-tests.sh

step "Python wheel: build (abi3), fresh venv, mypy --strict, stubtest, pytest"
cosign-keys-py/run-tests.sh

step "install the real cosign (cached after the first build)"
eval "$(scripts/install-cosign.sh)"

step "interop with the real cosign ($("$COSIGN_V2" version 2>/dev/null | grep -m1 GitVersion | tr -s ' '), $("$COSIGN_V3" version 2>/dev/null | grep -m1 GitVersion | tr -s ' '))"
cargo build --release --locked -p cosign-keys-cli
tests/interop/run.sh target/release/cosign-keys "$COSIGN_V2" "$COSIGN_V3"

# ---- awskms:// (issue #4): moto over HTTPS; the lead may merge server startup with OpenBao's ----
step "awskms: start moto (HTTPS, test CA)"
scripts/servers/moto.sh start
trap 'scripts/servers/moto.sh stop >/dev/null 2>&1 || true' EXIT
eval "$(scripts/servers/moto.sh env)"

step "awskms: clippy with the aws feature"
cargo clippy -p cosign-keys --all-targets --locked --features aws -- -D warnings

step "awskms: unit tests and tests against moto"
cargo test --locked -p cosign-keys --features aws --lib kms::
cargo test --locked -p cosign-keys --features aws --test awskms

step "awskms: interop with the real cosign (public-key and verify-blob on awskms keys)"
cargo build --locked -p cosign-keys --features aws --example kms
tests/interop/kms-awskms.sh "${CARGO_TARGET_DIR:-target}/debug/examples/kms" "$COSIGN_V2" "$COSIGN_V3"
# ---- end awskms ----

# ---- Vault / OpenBao: vault-kv:// (#3) and hashivault:// (#4) --------------------------------
# Self-contained: starts OpenBao (stopped again on exit if this block started it), runs the
# `vault` feature's lint, unit and doc tests, the tests against the server (nothing skipped:
# COSIGN_KEYS_REQUIRE_VAULT=1), and the transit interop with both cosign binaries.
step "Vault/OpenBao: vault-kv:// store and hashivault:// transit KMS on a real OpenBao, cosign interop"
vault_started=0
if ! scripts/servers/openbao.sh status >/dev/null 2>&1; then vault_started=1; fi
scripts/servers/openbao.sh start
# Replaces the awskms block's EXIT trap, so it stops moto too.
trap 'scripts/servers/moto.sh stop >/dev/null 2>&1 || true; if [[ $vault_started == 1 ]]; then scripts/servers/openbao.sh stop; fi' EXIT
eval "$(scripts/servers/openbao.sh env)"
cargo clippy --locked -p cosign-keys -p cosign-keys-benches --all-targets --features cosign-keys/vault -- -D warnings
cargo test --locked -p cosign-keys --features vault --lib
cargo test --locked -p cosign-keys --features vault --doc
COSIGN_KEYS_REQUIRE_VAULT=1 cargo test --locked -p cosign-keys --features vault --test vault_kv --test transit --test lifecycle_runbook_vault
cargo build --locked -p cosign-keys --features vault --example kms
tests/interop/kms-hashivault.sh "${CARGO_TARGET_DIR:-target}/debug/examples/kms" "$COSIGN_V2" "$COSIGN_V3"
# ---- end Vault / OpenBao ----
