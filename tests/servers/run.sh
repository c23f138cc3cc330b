#!/usr/bin/env bash
# Runs the server smoke tests (OpenBao, moto, Azure Key Vault emulator). Each starts its server
# through scripts/servers/*.sh and stops it again. The Azure one prints SKIP (exit 0) when no
# emulator can be had here, unless COSIGN_KEYS_REQUIRE_AZURE=1.
set -euo pipefail
cd "$(dirname "$0")"
pass=0 failed=0
for t in openbao-smoke.sh moto-smoke.sh azure-kv-smoke.sh; do
    echo "==> $t"
    if ./"$t"; then pass=$((pass + 1)); else failed=$((failed + 1)); echo "FAILED: $t" >&2; fi
done
echo "servers: $pass passed, $failed failed"
[[ $failed == 0 ]]
