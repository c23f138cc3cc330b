#!/usr/bin/env bash
# azurekms:// on the Lowkey Vault emulator: N digests signed through `sign_digests` (bounded
# concurrency, paced under Key Vault's 4,000 signs / 10 s, honouring 429 + Retry-After) vs
# the same N signed one awaited request at a time. One run; prints both rates and the ratio.
#
#   benches/compare/azure-kms.sh [N]      # default N=500
#
# Starts the emulator with scripts/servers/azure-kv.sh if it is not running (and stops it
# again), builds the `kms` example with the azure feature in release mode.
set -euo pipefail
cd "$(dirname "$0")/../.."
n="${1:-500}"
started=0
cleanup() { if ((started)); then scripts/servers/azure-kv.sh stop >/dev/null 2>&1 || true; fi; }
trap cleanup EXIT
if ! scripts/servers/azure-kv.sh status >/dev/null 2>&1; then
    scripts/servers/azure-kv.sh start
    started=1
fi
eval "$(scripts/servers/azure-kv.sh env)"
cargo build --release --locked -p cosign-keys --features azure --example kms >&2
bin="${CARGO_TARGET_DIR:-target}/release/examples/kms"
uri="azurekms://$COSIGN_KEYS_TEST_AZURE_VAULT/ck-bench-$$-$RANDOM"
"$bin" "$uri" create ecdsa-p256 >/dev/null 2>&1
"$bin" "$uri" sign-one-by-one 5 >/dev/null # warm up the emulator's JIT and the connection
batched="$("$bin" "$uri" sign-digests "$n")"
single="$("$bin" "$uri" sign-one-by-one "$n")"
rate() { sed -n 's/.*: \([0-9]*\) signatures\/s.*/\1/p' <<<"$1"; }
echo "azure-kms, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), Lowkey Vault 7.3.74, ECDSA P-256"
echo
echo "| mode | result |"
echo "|---|---|"
echo "| sign_digests (batched) | $batched |"
echo "| one request per digest | $single |"
echo
awk -v b="$(rate "$batched")" -v s="$(rate "$single")" 'BEGIN { if (s > 0) printf "ratio batched / one-by-one: %.2fx\n", b / s }'
