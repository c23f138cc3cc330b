#!/usr/bin/env bash
# Smoke test of scripts/servers/openbao.sh: start, KV v2 with check-and-set, transit
# (create, prehashed sign, batch sign, verify), AppRole login, read-only token refused
# a write, seal -> error text, unseal, stop -> nothing left running.
# Leaves nothing running unless KEEP=1.
set -euo pipefail
cd "$(dirname "$0")/../.."
S=scripts/servers/openbao.sh

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }
trap '[[ "${KEEP:-0}" == 1 ]] || "$S" stop >/dev/null 2>&1 || true' EXIT

t0=$SECONDS
"$S" start
echo "start took $((SECONDS - t0))s"
eval "$("$S" env)"
bao() { "$COSIGN_KEYS_TEST_BAO_BIN" "$@"; }
pid="$(cat "${COSIGN_KEYS_CACHE:-$HOME/.cache/cosign-keys}/openbao/run/openbao.pid")"

# --- KV v2 ---
bao kv put secret/x a=b >/dev/null
[[ "$(bao kv get -field=a secret/x)" == b ]] || fail "kv get"
ok "kv put/get"
bao kv put -cas=1 secret/x a=c >/dev/null || fail "cas=1 on version 1 refused"
out="$(bao kv put -cas=1 secret/x a=d 2>&1)" && fail "stale cas=1 accepted"
grep -q 'check-and-set parameter did not match the current version' <<<"$out" || fail "cas error text: $out"
[[ "$(bao kv get -field=a secret/x)" == c ]] || fail "stale cas write changed the value"
ok "kv check-and-set: stale write refused ($(grep -o 'check-and-set[^*]*' <<<"$out" | head -1))"
[[ "$(bao kv metadata get -format=json secret/x | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["current_version"])')" == 2 ]] || fail "version count"
ok "kv versions: current_version=2"

# --- transit ---
bao write transit/keys/k type=ecdsa-p256 >/dev/null
bao read -field=type transit/keys/k | grep -q ecdsa-p256 || fail "transit key type"
digest="$(printf 'hello' | openssl dgst -sha256 -binary | base64)"
sig="$(bao write -field=signature transit/sign/k/sha2-256 input="$digest" prehashed=true)"
[[ "$sig" == vault:v1:* ]] || fail "transit sign: $sig"
[[ "$(bao write -field=valid transit/verify/k/sha2-256 input="$digest" prehashed=true signature="$sig")" == true ]] || fail "transit verify"
ok "transit prehashed sign + verify"
# Public key PEM verifies the DER signature with openssl (what cosign does with the PEM).
tmp="$(mktemp -d)"
bao read -format=json transit/keys/k | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["keys"]["1"]["public_key"])' >"$tmp/pub.pem"
printf '%s' "${sig#vault:v1:}" | base64 -d >"$tmp/sig.der"
printf 'hello' >"$tmp/msg"
openssl dgst -sha256 -verify "$tmp/pub.pem" -signature "$tmp/sig.der" "$tmp/msg" >/dev/null || fail "openssl verify of transit signature"
ok "transit signature verifies with openssl against the exported public key"
# batch
d2="$(printf 'world' | openssl dgst -sha256 -binary | base64)"
batch="$(printf '{"prehashed":true,"batch_input":[{"input":"%s"},{"input":"%s"},{"input":"not base64!"}]}' "$digest" "$d2")"
res="$(curl -sS -H "X-Vault-Token: $VAULT_TOKEN" -X POST --data "$batch" "$VAULT_ADDR/v1/transit/sign/k/sha2-256")"
python3 - "$res" <<'EOF' || fail "batch sign: $res"
import json, sys
r = json.loads(sys.argv[1])["data"]["batch_results"]
assert len(r) == 3, r
assert r[0]["signature"].startswith("vault:v1:") and r[1]["signature"].startswith("vault:v1:"), r
assert r[2].get("error"), r
print("batch results:", [("sig" if x.get("signature") else "error: " + x["error"]) for x in r])
EOF
ok "transit batch sign (per-item error kept, others signed)"
rm -rf "$tmp"

# --- AppRole ---
atok="$(bao write -field=token auth/approle/login role_id="$COSIGN_KEYS_TEST_APPROLE_ROLE_ID" secret_id="$COSIGN_KEYS_TEST_APPROLE_SECRET_ID")"
VAULT_TOKEN="$atok" BAO_TOKEN="$atok" "$COSIGN_KEYS_TEST_BAO_BIN" kv put secret/approle-write a=1 >/dev/null || fail "approle token cannot write"
ok "approle login + write"

# --- read-only ---
BAO_TOKEN="$COSIGN_KEYS_TEST_READONLY_TOKEN" "$COSIGN_KEYS_TEST_BAO_BIN" kv get -field=a secret/x >/dev/null || fail "readonly read"
out="$(BAO_TOKEN="$COSIGN_KEYS_TEST_READONLY_TOKEN" "$COSIGN_KEYS_TEST_BAO_BIN" kv put secret/x a=evil 2>&1)" && fail "readonly write accepted"
grep -q 'permission denied' <<<"$out" || fail "readonly error text: $out"
[[ "$(bao kv get -field=a secret/x)" == c ]] || fail "readonly write changed data"
code="$(curl -s -o /dev/null -w '%{http_code}' -H "X-Vault-Token: $COSIGN_KEYS_TEST_READONLY_TOKEN" -X POST --data '{"data":{"a":"x"}}' "$VAULT_ADDR/v1/secret/data/x")"
[[ "$code" == 403 ]] || fail "readonly HTTP $code"
ok "read-only token: read ok, write -> HTTP 403 permission denied, data unchanged"

# --- seal / unseal ---
"$S" seal
out="$(bao kv get secret/x 2>&1)" && fail "read while sealed succeeded"
grep -q 'Vault is sealed' <<<"$out" || fail "sealed error text: $out"
ok "sealed: $(grep -o 'Code: [0-9]*' <<<"$out" | head -1), '$(grep -o '\* .*' <<<"$out" | head -1)'"
"$S" unseal
[[ "$(bao kv get -field=a secret/x)" == c ]] || fail "after unseal"
ok "unsealed, data intact"

# --- stop ---
if [[ "${KEEP:-0}" != 1 ]]; then
    "$S" stop
    kill -0 "$pid" 2>/dev/null && fail "pid $pid still alive after stop"
    t1=$SECONDS
    out="$(curl -sS -m 5 "$VAULT_ADDR/v1/sys/health" 2>&1)" && fail "server answers after stop"
    ok "stopped: connection refused in $((SECONDS - t1))s ($out)"
fi
echo "openbao smoke: all ok"
