#!/usr/bin/env bash
# Interop with Azure Key Vault (the Lowkey Vault emulator, scripts/servers/azure-kv.sh):
# signatures made in Key Vault through cosign-keys' azurekms://, and cosign.key files kept
# in azure-secret://, checked by the real cosign CLI.
#
# Usage: tests/interop/kms-azurekms.sh KMS_TOOL CLI COSIGN_BIN [COSIGN_BIN...]
#
#   scripts/servers/azure-kv.sh start && eval "$(scripts/servers/azure-kv.sh env)"
#   cargo build -p cosign-keys --features azure --example kms && cargo build -p cosign-keys-cli
#   eval "$(scripts/install-cosign.sh)"
#   tests/interop/kms-azurekms.sh target/debug/examples/kms target/debug/cosign-keys "$COSIGN_V2" "$COSIGN_V3"
#
# azurekms://, for each algorithm (ecdsa-p256, ecdsa-p384, ecdsa-p521, rsa-2048): we create
# a key in the emulator, export its public key (SPKI PEM from the JWK; our fingerprint must be
# openssl's) and sign a blob (Key Vault's raw r||s re-encoded as ASN.1 DER; RS256 PKCS#1
# v1.5); every cosign binary must accept `cosign verify-blob --key <our PEM>` and reject a
# tampered signature and another blob. After a rotation new signatures verify with the new
# public key and old ones still with the old key.
#
# azure-secret://, with CLI (the cosign-keys command): a key pair generated into a secret is
# read back with Key Vault's REST API (the secret's value is the encrypted PEM): every cosign
# binary loads that cosign.key with COSIGN_PASSWORD, prints the same public key
# (`cosign public-key --key`) and signs a blob that `cosign-keys verify-blob --key
# azure-secret://…` and `cosign verify-blob --key <our PEM>` accept. The reverse: a
# cosign-generated cosign.key imported into a secret signs (inside cosign-keys) what cosign
# verifies with its own cosign.pub.
#
# cosign's own azurekms:// client, when COSIGN_KEYS_TEST_AZURE_SIGSTORE_VAULT is set (the
# emulator answers there under a subdomain of its challenge resource): through
# tests/interop/localhost-proxy.py (Go does not resolve *.localhost), trusting the test CA
# (SSL_CERT_FILE) and with the emulator's managed-identity endpoint (IDENTITY_ENDPOINT),
# every cosign binary must print our public key (`cosign public-key --key azurekms://…`,
# every algorithm), accept our signature with `cosign verify-blob --key azurekms://…/<version>`
# (P-256, P-384; and reject a tampered one and another blob), and sign with `cosign sign-blob
# --key azurekms://…/<version>` (P-256, P-384, P-521) what we and `cosign verify-blob --key
# <our PEM>` accept. Sign and verify name the key version: Lowkey Vault answers 405 to the
# version-less /keys/<name>/sign and /verify. What sigstore's Azure signer cannot do (RSA,
# P-521 verification) is in tests/interop/NOTES.md.
#
# Prints PASS/FAIL per check and ends with "kms-azurekms: N passed, M failed";
# exit 0 only if nothing failed (2 on usage errors).
set -u

NAME=kms-azurekms
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
[[ $# -ge 3 ]] || { echo "usage: $0 KMS_TOOL CLI COSIGN_BIN [COSIGN_BIN...]" >&2; exit 2; }
CLI="$2"
[[ -x "$CLI" ]] || { echo "$0: not an executable: $CLI" >&2; exit 2; }
[[ -n "${COSIGN_KEYS_TEST_AZURE_VAULT:-}" && -n "${COSIGN_KEYS_AZURE_TOKEN:-}" && -n "${COSIGN_KEYS_AZURE_CA_BUNDLE:-}" ]] ||
    { echo "$0: load the emulator environment first: eval \"\$(scripts/servers/azure-kv.sh env)\"" >&2; exit 2; }
for tool in curl python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$0: '$tool' is required" >&2; exit 2; }
done
interop_setup "$1" "${@:3}"
EP="$COSIGN_KEYS_TEST_AZURE_VAULT"
export COSIGN_PASSWORD="interop password"

# cosign's own client: a CONNECT proxy for *.localhost, stopped on exit.
SV="${COSIGN_KEYS_TEST_AZURE_SIGSTORE_VAULT:-}"
COSIGN_AZ_ENV=()
if [[ -n "$SV" && -n "${COSIGN_KEYS_TEST_AZURE_IDENTITY_ENDPOINT:-}" ]]; then
    python3 "$(dirname "$0")/localhost-proxy.py" >"$WORK/proxy.port" 2>"$WORK/proxy.log" &
    PROXY_PID=$!
    trap 'kill "$PROXY_PID" 2>/dev/null; rm -rf "$WORK"' EXIT
    for _ in $(seq 1 50); do [[ -s "$WORK/proxy.port" ]] && break; sleep 0.1; done
    [[ -s "$WORK/proxy.port" ]] || { echo "$0: the CONNECT proxy did not start: $(cat "$WORK/proxy.log")" >&2; exit 1; }
    COSIGN_AZ_ENV=(env -u AZURE_TENANT_ID -u AZURE_CLIENT_ID -u AZURE_CLIENT_SECRET
        "HTTPS_PROXY=http://127.0.0.1:$(cat "$WORK/proxy.port")" "NO_PROXY="
        "SSL_CERT_FILE=$COSIGN_KEYS_AZURE_CA_BUNDLE" "IDENTITY_ENDPOINT=$COSIGN_KEYS_TEST_AZURE_IDENTITY_ENDPOINT"
        "IDENTITY_HEADER=cosign-keys-interop")
fi

# --- azurekms:// ----------------------------------------------------------------------

rotation_keeps_old_signatures() { # DIR DIGEST_ALG
    local d="$1" h="$2"
    "$TOOL" "$(cat "$d/uri")" rotate >"$d/new-version"
    "$TOOL" "$(cat "$d/uri")" public-key >"$d/new.pem" 2>/dev/null
    if cmp -s "$d/new.pem" "$d/ours.pem"; then die "rotation kept the same public key"; fi
    "$TOOL" "$(cat "$d/uri")" sign-blob "$d/blob" | tr -d '\n' >"$d/new.sig"
    cosign_verify "$d/new.pem" "$d/new.sig" "$d/blob" "$h"
    cosign_verify "$d/ours.pem" "$d/blob.sig.b64" "$d/blob" "$h"
    if cosign_verify "$d/ours.pem" "$d/new.sig" "$d/blob" "$h"; then die "old key accepted the new version's signature"; fi
    # A handle pinned to the old version still signs with the old key.
    "$TOOL" "$(cat "$d/uri")/$(head -n1 "$d/versions.before" | cut -d' ' -f1)" sign-blob "$d/blob" |
        tr -d '\n' >"$d/pinned.sig"
    cosign_verify "$d/ours.pem" "$d/pinned.sig" "$d/blob" "$h"
}

# cosign_az_uri DIR [VERSION]: the key as cosign's client names it.
cosign_az_uri() {
    local name
    name="$(cat "$1/uri")"
    printf 'azurekms://%s/%s%s' "$SV" "${name##*/}" "${2:+/$2}"
}

cosign_public_key_matches() { # DIR
    local d="$1"
    "${COSIGN_AZ_ENV[@]}" "$COSIGN" public-key --key "$(cosign_az_uri "$d")" >"$d/cosign.pem"
    cmp "$d/cosign.pem" "$d/ours.pem" || die "cosign public-key printed another PEM: $(cat "$d/cosign.pem")"
}

# full_width SIG_B64 BYTES: whether both ECDSA integers of a DER signature are BYTES long
# (no leading zero byte). sigstore's azure verifier re-encodes r and s without left padding,
# so Key Vault refuses the others (tests/interop/NOTES.md): the check uses such a signature.
full_width() {
    python3 - "$1" "$2" <<'PY'
import base64, sys
der = base64.b64decode(open(sys.argv[1]).read())
width = int(sys.argv[2])
def read(buf, i):
    tag, n = buf[i], buf[i + 1]
    i += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(buf[i:i + k], "big")
        i += k
    return tag, buf[i:i + n], i + n
_, seq, _ = read(der, 0)
_, r, j = read(seq, 0)
_, s, _ = read(seq, j)
ok = all(len(x.lstrip(b"\0")) == width for x in (r, s))
sys.exit(0 if ok else 1)
PY
}

cosign_verifies_with_kms_key() { # DIR DIGEST_ALG BYTES
    local d="$1" h="$2" width="$3" uri i
    uri="$(cosign_az_uri "$d" "$(cut -d' ' -f1 "$d/versions.before")")"
    for i in $(seq 1 30); do
        "$TOOL" "$(cat "$d/uri")" sign-blob "$d/blob" | tr -d '\n' >"$d/kv.sig"
        full_width "$d/kv.sig" "$width" && break
    done
    tamper "$d/kv.sig" "$d/kv-bad.sig"
    "${COSIGN_AZ_ENV[@]}" "$COSIGN" verify-blob --key "$uri" --signature "$d/kv.sig" \
        "${VERIFY_FLAGS[@]}" --signature-digest-algorithm "$h" "$d/blob"
    if "${COSIGN_AZ_ENV[@]}" "$COSIGN" verify-blob --key "$uri" --signature "$d/kv-bad.sig" \
        "${VERIFY_FLAGS[@]}" --signature-digest-algorithm "$h" "$d/blob"; then
        die "accepted a tampered signature"
    fi
    if "${COSIGN_AZ_ENV[@]}" "$COSIGN" verify-blob --key "$uri" --signature "$d/kv.sig" \
        "${VERIFY_FLAGS[@]}" --signature-digest-algorithm "$h" "$d/other"; then
        die "accepted another blob"
    fi
}

cosign_signs_in_key_vault() { # DIR DIGEST_ALG
    local d="$1" h="$2" uri sig="$1/cosign-kms-$RANDOM.sig"
    uri="$(cosign_az_uri "$d" "$(cut -d' ' -f1 "$d/versions.before")")"
    "${COSIGN_AZ_ENV[@]}" "$COSIGN" sign-blob --key "$uri" --tlog-upload=false --use-signing-config=false \
        --new-bundle-format=false -y --output-signature "$sig" "$d/blob"
    "$TOOL" "$(cat "$d/uri")" verify-blob "$d/blob" "$sig"
    cosign_verify "$d/ours.pem" "$sig" "$d/blob" "$h"
}

# jwk_full_width DIR BYTES: whether the emulator's JWK of the key has x and y of BYTES each.
# Lowkey Vault drops leading zero bytes of x and y (RFC 7518 wants the full width; our client
# pads them, go-jose in cosign refuses them), so cosign's checks use a key without them.
jwk_full_width() {
    local name
    name="$(cat "$1/uri")"
    curl -sS --fail-with-body --max-time 20 --cacert "$COSIGN_KEYS_AZURE_CA_BUNDLE" \
        -H "Authorization: Bearer $COSIGN_KEYS_AZURE_TOKEN" \
        "https://$EP/keys/${name##*/}?api-version=7.4" >"$1/jwk.json"
    python3 - "$1/jwk.json" "$2" <<'PY'
import base64, json, sys
key = json.load(open(sys.argv[1]))["key"]
width = int(sys.argv[2])
if key.get("kty") != "EC":
    sys.exit(0)
pad = lambda v: base64.urlsafe_b64decode(v + "=" * (-len(v) % 4))
sys.exit(0 if all(len(pad(key[c])) == width for c in ("x", "y")) else 1)
PY
}

# make_az_key ALG DIR: make_key, on fresh names until the emulator's JWK is full width.
make_az_key() {
    local alg="$1" d="$2" i
    declare -A jwk=([ecdsa-p256]=32 [ecdsa-p384]=48 [ecdsa-p521]=66 [rsa-2048]=0)
    for i in $(seq 1 30); do
        make_key "azurekms://$EP/ck-interop-$alg-$$-$RANDOM$RANDOM" "$alg" "$d"
        jwk_full_width "$d" "${jwk[$alg]}" && return 0
    done
    die "30 keys in a row with a short JWK coordinate"
}

# --- azure-secret:// ------------------------------------------------------------------

# secret_value NAME OUT: the current value of a Key Vault secret, by the REST API.
secret_value() {
    curl -sS --fail-with-body --max-time 20 --cacert "$COSIGN_KEYS_AZURE_CA_BUNDLE" \
        -H "Authorization: Bearer $COSIGN_KEYS_AZURE_TOKEN" \
        "https://$EP/secrets/$1?api-version=7.4" >"$2.json"
    # The value is a private key file: mode 0600, as cosign writes one.
    (umask 077 && python3 -c 'import json, sys; sys.stdout.write(json.load(open(sys.argv[1]))["value"])' "$2.json" >"$2")
}

stored_key_file() { # DIR
    local d="$1" name
    name="ck-interop-sec-$$-$RANDOM$RANDOM"
    echo "azure-secret://$EP/$name" >"$d/uri"
    "$CLI" generate-key-pair --store "$(cat "$d/uri")" 2>"$d/generate.log"
    "$CLI" public-key --key "$(cat "$d/uri")" >"$d/ours.pem"
    secret_value "$name" "$d/cosign.key"
    grep -q "BEGIN ENCRYPTED SIGSTORE PRIVATE KEY" "$d/cosign.key" || die "the secret is not a cosign.key: $(head -c 80 "$d/cosign.key")"
    head -c 3000 /dev/urandom >"$d/blob"
}

cosign_signs_with_the_stored_key() { # DIR
    local d="$1" sig="$1/cosign-$RANDOM.sig"
    "$COSIGN" public-key --key "$d/cosign.key" >"$d/cosign.pem"
    cmp "$d/cosign.pem" "$d/ours.pem" || die "cosign sees another public key: $(cat "$d/cosign.pem")"
    "$COSIGN" sign-blob --key "$d/cosign.key" --tlog-upload=false --use-signing-config=false \
        --new-bundle-format=false -y --output-signature "$sig" "$d/blob"
    "$CLI" verify-blob --key "$(cat "$d/uri")" --signature "$sig" "$d/blob"
    cosign_verify "$d/ours.pem" "$sig" "$d/blob" sha256
    echo other >"$d/other"
    if "$CLI" verify-blob --key "$(cat "$d/uri")" --signature "$sig" "$d/other"; then die "accepted another blob"; fi
}

cosign_key_imported_into_a_secret() { # DIR
    local d="$1" uri
    uri="azure-secret://$EP/ck-interop-imp-$$-$RANDOM$RANDOM"
    (cd "$d" && "$COSIGN" generate-key-pair >/dev/null)
    COSIGN_KEYS_IMPORT_PASSWORD="$COSIGN_PASSWORD" "$CLI" import-key-pair --key "$d/cosign.key" --store "$uri"
    "$CLI" public-key --key "$uri" | cmp - "$d/cosign.pub" || die "the imported key has another public key"
    head -c 3000 /dev/urandom >"$d/blob"
    "$CLI" sign-blob --key "$uri" --output-signature "$d/blob.sig" "$d/blob"
    cosign_verify "$d/cosign.pub" "$d/blob.sig" "$d/blob" sha256
}

# --- main -----------------------------------------------------------------------------

echo "# Lowkey Vault at https://$EP, CA bundle $COSIGN_KEYS_AZURE_CA_BUNDLE"
if ((${#COSIGN_AZ_ENV[@]})); then
    echo "# cosign's azurekms:// client: https://$SV through the CONNECT proxy on port $(cat "$WORK/proxy.port")"
else
    echo "SKIP  cosign's own azurekms:// client: COSIGN_KEYS_TEST_AZURE_SIGSTORE_VAULT is not set (scripts/servers/azure-kv.sh env)"
fi
declare -A DIGEST=([ecdsa-p256]=sha256 [ecdsa-p384]=sha384 [ecdsa-p521]=sha512 [rsa-2048]=sha256)
declare -A WIDTH=([ecdsa-p256]=32 [ecdsa-p384]=48)
for alg in ecdsa-p256 ecdsa-p384 ecdsa-p521 rsa-2048; do
    d="$WORK/$alg"
    mkdir -p "$d"
    run_check "$alg: create in Key Vault, public key, sign a blob" make_az_key "$alg" "$d"
    "$TOOL" "$(cat "$d/uri" 2>/dev/null)" versions >"$d/versions.before" 2>/dev/null || true
    for COSIGN in "${COSIGNS[@]}"; do
        setup_cosign
        label="$(cosign_label "$COSIGN")"
        run_check "$alg cosign $label: verify-blob --key <our PEM> accepts our azurekms signature" \
            cosign_verifies_with_our_pem "$d" "${DIGEST[$alg]}"
        if ((${#COSIGN_AZ_ENV[@]})); then
            run_check "$alg cosign $label: its azurekms:// client prints our public key" \
                cosign_public_key_matches "$d"
            # sigstore's azure signer treats every signature as ECDSA r||s (RSA fails both
            # ways) and its verifier drops leading zero bytes (P-521 nearly always): NOTES.md.
            if [[ -n "${WIDTH[$alg]:-}" ]]; then
                run_check "$alg cosign $label: verify-blob --key azurekms://…/<version> (Key Vault verifies) accepts our signature" \
                    cosign_verifies_with_kms_key "$d" "${DIGEST[$alg]}" "${WIDTH[$alg]}"
            fi
            if [[ "$alg" == ecdsa-* ]]; then
                run_check "$alg cosign $label: sign-blob --key azurekms://…/<version> signs what we verify" \
                    cosign_signs_in_key_vault "$d" "${DIGEST[$alg]}"
            fi
        fi
    done
    COSIGN="${COSIGNS[0]}"
    setup_cosign
    run_check "$alg: after rotate, new signatures verify with the new key, old and pinned-version ones with the old" \
        rotation_keeps_old_signatures "$d" "${DIGEST[$alg]}"
done

d="$WORK/secret"
mkdir -p "$d"
run_check "azure-secret: generate-key-pair --store, the secret's value is a cosign.key" stored_key_file "$d"
for COSIGN in "${COSIGNS[@]}"; do
    setup_cosign
    label="$(cosign_label "$COSIGN")"
    run_check "azure-secret cosign $label: loads the stored cosign.key (same public key), signs; we verify" \
        cosign_signs_with_the_stored_key "$d"
    mkdir -p "$WORK/import-$label"
    run_check "azure-secret cosign $label: its cosign.key imported into a secret signs what it verifies" \
        cosign_key_imported_into_a_secret "$WORK/import-$label"
done

interop_summary
