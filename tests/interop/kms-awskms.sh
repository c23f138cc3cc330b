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

usage() {
    echo "usage: $0 KMS_TOOL COSIGN_BIN [COSIGN_BIN...] (with moto.sh env loaded)" >&2
    exit 2
}
[[ $# -ge 2 ]] || usage
TOOL="$1"
shift
for b in "$TOOL" "$@"; do [[ -x "$b" ]] || { echo "$0: not an executable: $b" >&2; exit 2; }; done
[[ -n "${COSIGN_KEYS_TEST_AWSKMS_ENDPOINT:-}" && -n "${AWS_CA_BUNDLE:-}" ]] ||
    { echo "$0: load the moto environment first: eval \"\$(scripts/servers/moto.sh env)\"" >&2; exit 2; }
for tool in openssl base64 od cmp mktemp; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$0: '$tool' is required" >&2; exit 2; }
done

EP="$COSIGN_KEYS_TEST_AWSKMS_ENDPOINT"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/cosign-keys-kms-awskms.XXXXXX")"
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
    uri="awskms://$EP/alias/cosign-keys-interop/$alg-$$-$RANDOM$RANDOM"
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

cosign_public_key_matches() { # DIR
    local d="$1"
    "$COSIGN" public-key --key "$(cat "$d/uri")" >"$d/cosign.pem"
    cmp "$d/cosign.pem" "$d/ours.pem" || die "cosign public-key printed another PEM: $(cat "$d/cosign.pem")"
    [[ "$(fingerprint "$d/cosign.pem")" == "$(fingerprint "$d/ours.pem")" ]]
}

cosign_verifies_with_our_pem() { # DIR DIGEST_ALG
    local d="$1" h="$2"
    cosign_verify "$d/ours.pem" "$d/blob.sig.b64" "$d/blob" "$h"
    if cosign_verify "$d/ours.pem" "$d/bad.sig" "$d/blob" "$h"; then die "accepted a tampered signature"; fi
    if cosign_verify "$d/ours.pem" "$d/blob.sig.b64" "$d/other" "$h"; then die "accepted another blob"; fi
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
    run_check "$alg: create behind an alias in moto, public key, sign a blob" make_key "$alg" "$d"
    for COSIGN in "$@"; do
        setup_cosign
        label="$("$COSIGN" version 2>/dev/null | awk '/GitVersion/ {print $2}')"
        run_check "$alg cosign $label: public-key --key awskms://… equals ours" cosign_public_key_matches "$d"
        run_check "$alg cosign $label: verify-blob --key <our PEM> accepts our signature" cosign_verifies_with_our_pem "$d" "${DIGEST[$alg]}"
        run_check "$alg cosign $label: verify-blob --key awskms://… accepts our signature" cosign_verifies_with_kms_key "$d" "${DIGEST[$alg]}"
    done
done

echo "kms-awskms: $passed passed, $failed failed"
[[ "$failed" -eq 0 ]]
