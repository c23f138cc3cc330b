#!/usr/bin/env bash
# Interop of awskms:// keys: cosign-keys <-> the real cosign CLI, against moto over HTTPS.
#
# Usage: tests/interop/kms-awskms.sh KMS_TOOL COSIGN_BIN [COSIGN_BIN...]
#
#   scripts/servers/moto.sh start && eval "$(scripts/servers/moto.sh env)"
#   cargo build -p cosign-keys --features aws --example kms
#   eval "$(scripts/install-cosign.sh)"
#   tests/interop/kms-awskms.sh target/debug/examples/kms "$COSIGN_V2" "$COSIGN_V3"
#
# KMS_TOOL is cosign-keys' `kms` example (cosign-keys/examples/kms.rs). For each
# algorithm (ecdsa-p256, ecdsa-p384, rsa-2048) we create a key behind a fresh alias in
# moto, then for every cosign binary:
#   * `cosign public-key --key awskms://127.0.0.1:P/alias/x` prints byte-for-byte the
#     PEM we print, and its SHA-256 fingerprint is ours;
#   * `cosign verify-blob --key <our PEM>` accepts our awskms signature of a blob, and
#     `cosign verify-blob --key awskms://…` (cosign reads the key from KMS) accepts it too;
#   * a tampered signature and another blob are rejected.
# Blobs are at most 4096 bytes, which cosign-keys signs with MessageType=RAW: moto ignores
# MessageType=DIGEST (tests/servers/NOTES.md), so `cosign sign-blob --key awskms://…`
# itself, which always sends DIGEST, cannot make valid signatures against moto and is
# not checked here.
#
# Needs the environment of scripts/servers/moto.sh env (AWS_*, AWS_CA_BUNDLE,
# COSIGN_KEYS_TEST_AWSKMS_ENDPOINT). cosign talks to moto on loopback, so no network
# namespace here; verify-blob runs with the offline flags of tests/interop/NOTES.md.
# Prints PASS/FAIL per check and ends with "kms-awskms: N passed, M failed";
# exit 0 only if nothing failed (2 on usage errors).
set -u

NAME=kms-awskms
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
[[ -n "${COSIGN_KEYS_TEST_AWSKMS_ENDPOINT:-}" && -n "${AWS_CA_BUNDLE:-}" ]] ||
    { echo "$0: load the moto environment first: eval \"\$(scripts/servers/moto.sh env)\"" >&2; exit 2; }
interop_setup "$@"
EP="$COSIGN_KEYS_TEST_AWSKMS_ENDPOINT"

# --- checks ---------------------------------------------------------------------------

cosign_public_key_matches() { # DIR
    local d="$1"
    "$COSIGN" public-key --key "$(cat "$d/uri")" >"$d/cosign.pem"
    cmp "$d/cosign.pem" "$d/ours.pem" || die "cosign public-key printed another PEM: $(cat "$d/cosign.pem")"
    [[ "$(fingerprint "$d/cosign.pem")" == "$(fingerprint "$d/ours.pem")" ]]
}

cosign_verifies_with_kms_key() { # DIR DIGEST_ALG
    local d="$1" h="$2"
    cosign_verify "$(cat "$d/uri")" "$d/blob.sig.b64" "$d/blob" "$h"
    if cosign_verify "$(cat "$d/uri")" "$d/bad.sig" "$d/blob" "$h"; then die "accepted a tampered signature"; fi
}

# --- main -----------------------------------------------------------------------------

echo "# moto at https://$EP, CA bundle $AWS_CA_BUNDLE"
declare -A DIGEST=([ecdsa-p256]=sha256 [ecdsa-p384]=sha384 [rsa-2048]=sha256)
for alg in ecdsa-p256 ecdsa-p384 rsa-2048; do
    d="$WORK/$alg"
    mkdir -p "$d"
    run_check "$alg: create behind an alias in moto, public key, sign a blob" \
        make_key "awskms://$EP/alias/cosign-keys-interop/$alg-$$-$RANDOM$RANDOM" "$alg" "$d"
    for COSIGN in "${COSIGNS[@]}"; do
        setup_cosign
        label="$(cosign_label "$COSIGN")"
        run_check "$alg cosign $label: public-key --key awskms://… equals ours" cosign_public_key_matches "$d"
        run_check "$alg cosign $label: verify-blob --key <our PEM> accepts our signature" cosign_verifies_with_our_pem "$d" "${DIGEST[$alg]}"
        run_check "$alg cosign $label: verify-blob --key awskms://… accepts our signature" cosign_verifies_with_kms_key "$d" "${DIGEST[$alg]}"
    done
done

interop_summary
