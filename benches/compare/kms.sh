#!/usr/bin/env bash
# Signatures per second through KMS keys, side by side, from one run (issue #4 "Speed"):
# local ECDSA P-256, Vault transit (OpenBao) batched (`batch_input`) and one request per
# digest, and awskms:// on moto when this build has the `aws` KMS client.
#
#   benches/compare/kms.sh                 # 3 interleaved rounds of 10,000 digests
#   benches/compare/kms.sh --rounds 5      # extra arguments go to kms-throughput first
#
# Starts the servers it needs with scripts/servers/*.sh (and stops the ones it started),
# builds benches/src/bin/kms-throughput.rs in release mode, and prints a Markdown table:
# median signatures/s per contestant and the median (min–max) of per-round ratios.
set -euo pipefail
cd "$(dirname "$0")/../.."

features=vault
started=()
cleanup() {
    local s
    for s in ${started[@]+"${started[@]}"}; do scripts/servers/"$s".sh stop >/dev/null 2>&1 || true; done
}
trap cleanup EXIT

start_server() { # NAME: start unless already running; remember to stop it
    if ! scripts/servers/"$1".sh status >/dev/null 2>&1; then
        scripts/servers/"$1".sh start
        started+=("$1")
    fi
    eval "$(scripts/servers/"$1".sh env)"
}

start_server openbao
targets=(local "hashivault://ck-bench-$$-$RANDOM")

# moto: only when the benches crate can turn on the AWS KMS client.
if grep -q '^aws = ' benches/Cargo.toml && compgen -G 'cosign-keys/src/kms/aws*.rs' >/dev/null; then
    features=vault,aws
    start_server moto
    # moto signs ~40-50 digests/s: fewer digests, same rounds.
    targets+=(--count 1000 --single-count 200 "awskms://$COSIGN_KEYS_TEST_AWSKMS_ENDPOINT/alias/ck-bench-$$-$RANDOM")
fi

cargo build --release --locked -p cosign-keys-benches --features "$features" --bin kms-throughput >&2
bin="${CARGO_TARGET_DIR:-target}/release/kms-throughput"

echo "kms-throughput, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
    "OpenBao $(scripts/servers/openbao.sh status | sed -n 's/.*\(http[^ ]*\).*/\1/p')"
echo
"$bin" "$@" "${targets[@]}"
