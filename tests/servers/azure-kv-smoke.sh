#!/usr/bin/env bash
# Smoke test of scripts/servers/azure-kv.sh with curl + openssl only, TLS trusted through the
# exported certificate (never -k): secrets (set with contentType and tags, get, list versions,
# update tags/contentType, delete) and keys (create EC P-256, get, sign a SHA-256 digest with
# ES256, verify the signature with openssl against the key's JWK), the named vault through its
# Host name, and the managed-identity token endpoint.
#
# If the emulator cannot be had (azure-kv.sh start exits 3) this prints SKIP with the reason and
# exits 0, or exits 3 when COSIGN_KEYS_REQUIRE_AZURE=1. Leaves nothing running unless KEEP=1.
set -euo pipefail
cd "$(dirname "$0")/../.."
S=scripts/servers/azure-kv.sh
API="api-version=7.4"

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }

set +e
"$S" start
rc=$?
set -e
if [[ $rc == 3 ]]; then
    echo "SKIP: Azure Key Vault emulator unavailable on this machine (see the azure-kv.sh message above)"
    [[ "${COSIGN_KEYS_REQUIRE_AZURE:-0}" == 1 ]] && exit 3
    exit 0
fi
[[ $rc == 0 ]] || fail "azure-kv.sh start exited $rc"
trap '[[ "${KEEP:-0}" == 1 ]] || "$S" stop >/dev/null 2>&1 || true' EXIT
eval "$("$S" env)"
V="$COSIGN_KEYS_TEST_AZURE_VAULT_URL"
CA="$COSIGN_KEYS_TEST_AZURE_CA_CERT"
tmp="$(mktemp -d)"
trap '[[ "${KEEP:-0}" == 1 ]] || "$S" stop >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT

# kv METHOD PATH [JSON]: one authorised call; body to stdout, fails on non-2xx.
kv() {
    local m="$1" path="$2" data="${3:-}" code
    local args=(-sS -m 10 --cacert "$CA" -X "$m" -H "Authorization: Bearer cosign-keys-test" -o "$tmp/body" -w '%{http_code}')
    [[ -n "$data" ]] && args+=(-H 'Content-Type: application/json' --data "$data")
    code="$(curl "${args[@]}" "$V$path")"
    [[ "$code" == 2* ]] || fail "$m $path -> HTTP $code: $(cat "$tmp/body")"
    cat "$tmp/body"
}
jget() { python3 -c 'import json,sys; d=json.load(sys.stdin)
for k in sys.argv[1].split("."): d=d[int(k)] if k.isdigit() else d[k]
print(d if not isinstance(d,(dict,list)) else json.dumps(d))' "$1"; }

# challenge without Authorization
hdr="$(curl -sS -m 10 --cacert "$CA" -o /dev/null -D - -X GET "$V/secrets/x?$API")"
grep -qi '^HTTP/[0-9.]* 401' <<<"$hdr" || fail "no 401 challenge: $hdr"
ok "401 challenge: $(grep -i '^www-authenticate' <<<"$hdr" | tr -d '\r')"

# --- secrets ---
s1="$(kv PUT "/secrets/cosign-private-key?$API" '{"value":"-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nv1\n","contentType":"application/x-pem-file","tags":{"fingerprint":"sha256:aa","algorithm":"ecdsa-p256"}}')"
ver1="$(jget id <<<"$s1")"
ver1="${ver1##*/}"
kv PUT "/secrets/cosign-private-key?$API" '{"value":"v2"}' >/dev/null
[[ "$(kv GET "/secrets/cosign-private-key?$API" | jget value)" == v2 ]] || fail "latest value"
[[ "$(kv GET "/secrets/cosign-private-key/$ver1?$API" | jget contentType)" == application/x-pem-file ]] || fail "version 1 contentType"
ok "secret set x2, get latest, get version $ver1 (contentType kept)"
n="$(kv GET "/secrets/cosign-private-key/versions?$API" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["value"]))')"
[[ "$n" == 2 ]] || fail "versions: $n"
ok "list versions: $n"
kv PATCH "/secrets/cosign-private-key/$ver1?$API" '{"contentType":"text/plain","tags":{"fingerprint":"sha256:bb"}}' >/dev/null
[[ "$(kv GET "/secrets/cosign-private-key/$ver1?$API" | jget tags.fingerprint)" == sha256:bb ]] || fail "tags update"
ok "update tags + contentType on a version"
kv DELETE "/secrets/cosign-private-key?$API" >/dev/null
code="$(curl -sS -m 10 --cacert "$CA" -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer x' "$V/secrets/cosign-private-key?$API")"
[[ "$code" == 404 ]] || fail "get after delete: HTTP $code"
ok "delete -> get gives 404"

# --- keys ---
k="$(kv POST "/keys/cosign-kms/create?$API" '{"kty":"EC","crv":"P-256","key_ops":["sign","verify"]}')"
kid="$(jget key.kid <<<"$k")"
kv GET "/keys/cosign-kms?$API" >"$tmp/key.json"
digest_hex="$(printf 'cosign-keys azure smoke' | openssl dgst -sha256 -hex | awk '{print $NF}')"
b64url() { python3 -c 'import base64,sys; print(base64.urlsafe_b64encode(bytes.fromhex(sys.argv[1])).decode().rstrip("="))' "$1"; }
sig="$(kv POST "/keys/cosign-kms/${kid##*/}/sign?$API" "{\"alg\":\"ES256\",\"value\":\"$(b64url "$digest_hex")\"}" | jget value)"
# JWK -> SPKI PEM, raw r||s (what Key Vault returns) -> DER (what cosign/openssl take).
python3 - "$tmp/key.json" "$sig" "$tmp" <<'EOF'
import base64, json, sys
def b64u(s): return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
jwk = json.load(open(sys.argv[1]))["key"]
x, y = b64u(jwk["x"]), b64u(jwk["y"])
assert jwk["kty"] == "EC" and jwk["crv"] == "P-256" and len(x) == len(y) == 32
spki = bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200") + b"\x04" + x + y
pem = "-----BEGIN PUBLIC KEY-----\n" + base64.encodebytes(spki).decode() + "-----END PUBLIC KEY-----\n"
open(sys.argv[3] + "/pub.pem", "w").write(pem)
raw = b64u(sys.argv[2])
assert len(raw) == 64, f"ES256 signature is {len(raw)} bytes, expected raw r||s of 64"
def der_int(b):
    b = b.lstrip(b"\x00") or b"\x00"
    if b[0] & 0x80: b = b"\x00" + b
    return b"\x02" + bytes([len(b)]) + b
body = der_int(raw[:32]) + der_int(raw[32:])
open(sys.argv[3] + "/sig.der", "wb").write(b"\x30" + bytes([len(body)]) + body)
EOF
printf 'cosign-keys azure smoke' >"$tmp/msg"
openssl dgst -sha256 -verify "$tmp/pub.pem" -signature "$tmp/sig.der" "$tmp/msg" >/dev/null || fail "ES256 signature does not verify"
ok "keys: create EC P-256, get (JWK), sign ES256 (raw r||s, 64 bytes) verifies with openssl after DER conversion"

# --- named vault by Host ---
p="${V##*:}"
code="$(curl -sS -m 10 --cacert "$CA" --resolve "$COSIGN_KEYS_TEST_AZURE_VAULT_NAME.localhost:$p:127.0.0.1" -o /dev/null -w '%{http_code}' \
    -H 'Authorization: Bearer x' -H 'Content-Type: application/json' -X PUT --data '{"value":"named"}' \
    "$COSIGN_KEYS_TEST_AZURE_NAMED_VAULT_URL/secrets/only-in-named?$API")"
[[ "$code" == 200 ]] || fail "named vault PUT: HTTP $code"
code="$(curl -sS -m 10 --cacert "$CA" -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer x' "$V/secrets/only-in-named?$API")"
[[ "$code" == 404 ]] || fail "named vault leaked into the default vault: HTTP $code"
ok "named vault $COSIGN_KEYS_TEST_AZURE_NAMED_VAULT_URL is separate from $V"

# --- managed identity token endpoint ---
tok="$(curl -sS -m 10 -H "X-IDENTITY-HEADER: $IDENTITY_HEADER" "$IDENTITY_ENDPOINT?api-version=2019-08-01&resource=https://localhost")"
grep -q access_token <<<"$tok" || fail "token endpoint: $tok"
ok "managed identity token endpoint answers: $(cut -c1-160 <<<"$tok")"

if [[ "${KEEP:-0}" != 1 ]]; then
    "$S" stop
    ok "stopped"
fi
echo "azure-kv smoke: all ok"
