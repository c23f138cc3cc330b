#!/usr/bin/env bash
# Smoke test of scripts/servers/moto.sh: start (reuse on a second start), KMS checks with boto3
# and pyca/cryptography, stop -> nothing left. Leaves nothing running unless KEEP=1.
set -euo pipefail
cd "$(dirname "$0")/../.."
S=scripts/servers/moto.sh
trap '[[ "${KEEP:-0}" == 1 ]] || "$S" stop >/dev/null 2>&1 || true' EXIT

t0=$SECONDS
"$S" start
echo "start took $((SECONDS - t0))s"
"$S" start
eval "$("$S" env)"
pid="$(cat "${COSIGN_KEYS_CACHE:-$HOME/.cache/cosign-keys}/moto/run/moto.pid")"
"$COSIGN_KEYS_TEST_MOTO_PYTHON" tests/servers/moto_kms_check.py
if [[ "${KEEP:-0}" != 1 ]]; then
    "$S" stop
    kill -0 "$pid" 2>/dev/null && { echo "FAIL: pid $pid alive after stop" >&2; exit 1; }
    echo "ok - stopped"
fi
echo "moto smoke: all ok"
