#!/usr/bin/env bash
# Interop of azurekms:// keys: signatures made in Azure Key Vault (the Lowkey Vault emulator,
# scripts/servers/azure-kv.sh) through cosign-keys, checked by the real cosign CLI.
#
# Usage: tests/interop/kms-azurekms.sh KMS_TOOL COSIGN_BIN [COSIGN_BIN...]
#
#   scripts/servers/azure-kv.sh start && eval "$(scripts/servers/azure-kv.sh env)"
#   cargo build -p cosign-keys --features azure --example kms
#   eval "$(scripts/install-cosign.sh)"
#   tests/interop/kms-azurekms.sh target/debug/examples/kms "$COSIGN_V2" "$COSIGN_V3"
#
# For each algorithm (ecdsa-p256, ecdsa-p384, ecdsa-p521, rsa-2048) we create a key in the
# emulator, export its public key (SPKI PEM from the JWK) and sign a blob (Key Vault's raw
# r||s re-encoded as ASN.1 DER; RS256 PKCS#1 v1.5); then every cosign binary must accept
# `cosign verify-blob --key <our PEM>` and reject a tampered signature and another blob.
# Signatures made before a rotation keep verifying with the old version's public key.
# cosign's own azurekms:// client is not pointed at the emulator here (see NOTES.md).
#
# Prints PASS/FAIL per check and ends with "kms-azurekms: N passed, M failed";
# exit 0 only if nothing failed (2 on usage errors).
set -u

usage() {
    echo "usage: $0 KMS_TOOL COSIGN_BIN [COSIGN_BIN...] (with moto.sh env loaded)" >&2
    exit 2
}
[[ $# -ge 2 ]] || usage
TOOL="$1"
shift
for b in "$TOOL" "$@"; do [[ -x "$b" ]] || { echo "$0: not an executable: $b" >&2; exit 2; }; done
[[ -n "${COSIGN_KEYS_TEST_AZURE_VAULT:-}" && -n "${COSIGN_KEYS_AZURE_TOKEN:-}" ]] ||
    { echo "$0: load the emulator environment first: eval \"\$(scripts/servers/azure-kv.sh env)\"" >&2; exit 2; }
for tool in openssl base64 od cmp mktemp; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$0: '$tool' is required" >&2; exit 2; }
done

EP="$COSIGN_KEYS_TEST_AZURE_VAULT"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/cosign-keys-kms-azurekms.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$WORK/home"
export HOME="$WORK/home"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null |
    openssl pkey -pubout -out "$WORK/unused-rekor.pub" 2>/dev/null
export SIGSTORE_REKOR_PUBLIC_KEY="$WORK/unused-rekor.pub"

passed=0
failed=0
n=0
run_check() { # NAME FUNCTION ARGS...
    local name="$1" log
    shift
    n=$((n + 1))
    log="$WORK/check-$n.log"
    if (set -e; "$@") >"$log" 2>&1; then
        echo "PASS  $name"
        passed=$((passed + 1))
    else
        echo "FAIL  $name"
        tail -n 15 "$log" | sed 's/^/        | /'
        failed=$((failed + 1))
    fi
}
die() { echo "$*"; exit 1; }

# fingerprint PEM: SHA256 of the DER, as cosign-keys prints it (SHA256:<base64, no padding>).
fingerprint() {
    printf 'SHA256:%s' "$(openssl pkey -pubin -in "$1" -outform DER | openssl dgst -sha256 -binary | base64 | tr -d '=\n')"
}

# tamper IN OUT: flip one bit in the middle of the decoded signature.
tamper() {
    local raw="$2.raw" len mid byte
    base64 -d <"$1" >"$raw"
    len="$(wc -c <"$raw")"
    mid=$((len / 2))
    byte="$(od -An -tu1 -j "$mid" -N 1 "$raw" | tr -d ' \n')"
    {
        head -c "$mid" "$raw"
        # shellcheck disable=SC2059
        printf "\\$(printf '%03o' $((byte ^ 1)))"
        tail -c +$((mid + 2)) "$raw"
    } | base64 | tr -d '\n' >"$2"
}

COSIGN=""
VERIFY_FLAGS=()
setup_cosign() {
    VERIFY_FLAGS=(--insecure-ignore-tlog=true)
    if "$COSIGN" verify-blob --new-bundle-format=false --help >/dev/null 2>&1; then
        VERIFY_FLAGS+=(--new-bundle-format=false)
    fi
}
cosign_verify() { # KEYREF SIG BLOB DIGEST_ALG
    "$COSIGN" verify-blob --key "$1" --signature "$2" "${VERIFY_FLAGS[@]}" \
        --signature-digest-algorithm "$4" "$3"
}

# --- checks ---------------------------------------------------------------------------

make_key() { # ALG DIR
    local alg="$1" d="$2" uri
    uri="azurekms://$EP/ck-interop-$alg-$$-$RANDOM$RANDOM"
    echo "$uri" >"$d/uri"
    "$TOOL" "$uri" create "$alg" >"$d/created.pem" 2>"$d/created.fp"
    "$TOOL" "$uri" public-key >"$d/ours.pem" 2>"$d/ours.fp"
    cmp "$d/created.pem" "$d/ours.pem" || die "create and public-key printed different keys"
    [[ "$(cat "$d/ours.fp")" == "fingerprint $(fingerprint "$d/ours.pem")" ]] ||
        die "our fingerprint $(cat "$d/ours.fp") != openssl's $(fingerprint "$d/ours.pem")"
    head -c 3000 /dev/urandom >"$d/blob"
    echo "another blob" >"$d/other"
    "$TOOL" "$uri" sign-blob "$d/blob" >"$d/blob.sig"
    tr -d '\n' <"$d/blob.sig" >"$d/blob.sig.b64"
    tamper "$d/blob.sig.b64" "$d/bad.sig"
}

cosign_verifies_with_our_pem() { # DIR DIGEST_ALG
    local d="$1" h="$2"
    cosign_verify "$d/ours.pem" "$d/blob.sig.b64" "$d/blob" "$h"
    if cosign_verify "$d/ours.pem" "$d/bad.sig" "$d/blob" "$h"; then die "accepted a tampered signature"; fi
    if cosign_verify "$d/ours.pem" "$d/blob.sig.b64" "$d/other" "$h"; then die "accepted another blob"; fi
}

rotation_keeps_old_signatures() { # DIR DIGEST_ALG
    local d="$1" h="$2"
    "$TOOL" "$(cat "$d/uri")" rotate >"$d/new-version"
    "$TOOL" "$(cat "$d/uri")" public-key >"$d/new.pem" 2>/dev/null
    if cmp -s "$d/new.pem" "$d/ours.pem"; then die "rotation kept the same public key"; fi
    "$TOOL" "$(cat "$d/uri")" sign-blob "$d/blob" | tr -d '\n' >"$d/new.sig"
    cosign_verify "$d/new.pem" "$d/new.sig" "$d/blob" "$h"
    cosign_verify "$d/ours.pem" "$d/blob.sig.b64" "$d/blob" "$h"
    if cosign_verify "$d/ours.pem" "$d/new.sig" "$d/blob" "$h"; then die "old key accepted the new version's signature"; fi
}

# --- main -----------------------------------------------------------------------------

echo "# Lowkey Vault at https://$EP, CA bundle ${COSIGN_KEYS_AZURE_CA_BUNDLE:-}"
declare -A DIGEST=([ecdsa-p256]=sha256 [ecdsa-p384]=sha384 [ecdsa-p521]=sha512 [rsa-2048]=sha256)
for alg in ecdsa-p256 ecdsa-p384 ecdsa-p521 rsa-2048; do
    d="$WORK/$alg"
    mkdir -p "$d"
    run_check "$alg: create in Key Vault, public key, sign a blob" make_key "$alg" "$d"
    for COSIGN in "$@"; do
        setup_cosign
        label="$("$COSIGN" version 2>/dev/null | awk '/GitVersion/ {print $2}')"
        run_check "$alg cosign $label: verify-blob --key <our PEM> accepts our azurekms signature" cosign_verifies_with_our_pem "$d" "${DIGEST[$alg]}"
    done
    COSIGN="$1"
    setup_cosign
    run_check "$alg: after rotate, new signatures verify with the new key, old ones with the old" rotation_keeps_old_signatures "$d" "${DIGEST[$alg]}"
done

echo "kms-azurekms: $passed passed, $failed failed"
[[ "$failed" -eq 0 ]]
