#!/usr/bin/env bash
# Interoperability test: cosign-keys' Vault transit KMS (hashivault://) <-> the real cosign.
#
# Usage: tests/interop/kms-hashivault.sh KMS_TOOL COSIGN_BIN [COSIGN_BIN...]
#
#   scripts/servers/openbao.sh start && eval "$(scripts/servers/openbao.sh env)"
#   eval "$(scripts/install-cosign.sh)"
#   cargo build -p cosign-keys --features vault --example kms
#   tests/interop/kms-hashivault.sh target/debug/examples/kms "$COSIGN_V2" "$COSIGN_V3"
#
# KMS_TOOL is cosign-keys/examples/kms.rs (`kms URI create|public-key|sign-blob|verify-blob|
# rotate`, over the library; verify-blob checks with the key's public key and our verifier). VAULT_ADDR and VAULT_TOKEN must point at an OpenBao/Vault with transit at transit/
# (or TRANSIT_SECRET_ENGINE_PATH); both tools read them, cosign as its hashivault client does.
#
# For every cosign binary:
#   * keys we create in transit (ecdsa-p256/p384/p521, rsa-2048/3072/4096): our signatures
#     pass `cosign verify-blob --key <our public PEM>` (P-384/P-521 told the digest with
#     --signature-digest-algorithm), and also with `--key hashivault://<key>`; a signature over
#     another blob is rejected (with --key hashivault://<key> too for ECDSA; see the RSA note below); `cosign public-key --key hashivault://<key>` prints our PEM;
#   * `cosign sign-blob --key hashivault://<key>` signatures pass our verifier (P-256, RSA: cosign
#     signs KMS keys with SHA-256 whatever the curve, so P-384/P-521 are not checked that way);
#   * a key cosign creates (`cosign generate-key-pair --kms hashivault://<key>`): our public key
#     equals its cosign.pub, and cosign verifies our signatures with that file;
#   * after `rotate`, our signatures verify with the new public key and not the old one.
#
# Prints "PASS name" / "FAIL name" (with the tail of its log); the last line is
# "kms-hashivault: N passed, M failed". Exit 0 if nothing failed, 1 otherwise, 2 on usage errors.
# cosign runs with --tlog-upload=false / --insecure-ignore-tlog=true and HOME in a temp dir; the
# network stays on because transit is reached over loopback.
set -u

usage() {
    echo "usage: $0 KMS_TOOL COSIGN_BIN [COSIGN_BIN...]  (with VAULT_ADDR and VAULT_TOKEN set)" >&2
    exit 2
}
[[ $# -ge 2 ]] || usage
[[ -n "${VAULT_ADDR:-}" && -n "${VAULT_TOKEN:-}" ]] || usage

abspath() { echo "$(cd "$(dirname -- "$1")" && pwd)/$(basename -- "$1")"; }
TOOL="$(abspath "$1")"
shift
COSIGN_BINS=()
for c in "$@"; do COSIGN_BINS+=("$(abspath "$c")"); done
for b in "$TOOL" "${COSIGN_BINS[@]}"; do
    [[ -x "$b" ]] || { echo "$0: not an executable: $b" >&2; exit 2; }
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/cosign-keys-kms-interop.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$WORK/home"
export HOME="$WORK/home"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null |
    openssl pkey -pubout -out "$WORK/unused-rekor.pub" 2>/dev/null
export SIGSTORE_REKOR_PUBLIC_KEY="$WORK/unused-rekor.pub"
export COSIGN_PASSWORD=""

passed=0
failed=0
nlog=0
run_check() { # NAME FUNCTION [ARGS...]: the function runs with `set -e` in a subshell
    local name="$1" log rc
    shift
    nlog=$((nlog + 1))
    log="$WORK/check-$nlog.log"
    ( set -e; "$@" ) >"$log" 2>&1
    rc=$?
    if [[ $rc -eq 0 ]]; then
        echo "PASS  $name"
        passed=$((passed + 1))
    else
        echo "FAIL  $name"
        tail -n 15 "$log" | sed 's/^/        | /'
        failed=$((failed + 1))
    fi
}
die() { echo "$*"; exit 1; }

COSIGN=""
SIGN_FLAGS=()
VERIFY_FLAGS=()
flag_known() { "$COSIGN" "$1" "$2" --help >/dev/null 2>&1; }
setup_cosign() {
    local f
    SIGN_FLAGS=(--tlog-upload=false)
    for f in --use-signing-config=false --new-bundle-format=false --yes; do
        if flag_known sign-blob "$f"; then SIGN_FLAGS+=("$f"); fi
    done
    VERIFY_FLAGS=(--insecure-ignore-tlog=true)
    if flag_known verify-blob --new-bundle-format=false; then VERIFY_FLAGS+=(--new-bundle-format=false); fi
}

digest_flags() { # ALG -> verify-blob flags for the key's hash
    case "$1" in
        ecdsa-p384) echo "--signature-digest-algorithm=sha384" ;;
        ecdsa-p521) echo "--signature-digest-algorithm=sha512" ;;
        *) echo "" ;;
    esac
}

RUN_ID="$$-$RANDOM"

# Our key, our signature, cosign verifies (with the PEM and with the KMS reference).
check_ours_to_cosign() { # ALG
    local alg="$1" key="ck-interop-$1-$RUN_ID-$2" d
    d="$WORK/$key"
    mkdir -p "$d"
    echo "blob for $alg" >"$d/blob"
    echo "another blob" >"$d/other"
    "$TOOL" "hashivault://$key" create "$alg" >"$d/pub.pem"
    "$TOOL" "hashivault://$key" sign-blob "$d/blob" >"$d/sig"
    # shellcheck disable=SC2046
    "$COSIGN" verify-blob --key "$d/pub.pem" --signature "$d/sig" "${VERIFY_FLAGS[@]}" $(digest_flags "$alg") "$d/blob"
    # cosign's own transit verification (`--key hashivault://`) sends no signature_algorithm, so
    # transit checks RSA as PSS and refuses every PKCS#1 v1.5 signature, cosign's own included
    # (tests/servers/NOTES.md): only ECDSA is checked that way.
    if [[ "$alg" == ecdsa-* ]]; then
        # shellcheck disable=SC2046
        "$COSIGN" verify-blob --key "hashivault://$key" --signature "$d/sig" "${VERIFY_FLAGS[@]}" $(digest_flags "$alg") "$d/blob"
    fi
    # shellcheck disable=SC2046
    if "$COSIGN" verify-blob --key "$d/pub.pem" --signature "$d/sig" "${VERIFY_FLAGS[@]}" $(digest_flags "$alg") "$d/other"; then
        die "cosign accepted our signature for another blob"
    fi
    "$COSIGN" public-key --key "hashivault://$key" >"$d/cosign.pub"
    cmp "$d/cosign.pub" "$d/pub.pem" || die "cosign public-key differs from ours"
}

# Our key, cosign signs through transit, we verify.
check_cosign_to_ours() { # ALG
    local alg="$1" key="ck-interop-cs-$1-$RUN_ID-$2" d
    d="$WORK/$key"
    mkdir -p "$d"
    echo "cosign-signed blob for $alg" >"$d/blob"
    "$TOOL" "hashivault://$key" create "$alg" >"$d/pub.pem"
    "$COSIGN" sign-blob --key "hashivault://$key" "${SIGN_FLAGS[@]}" "$d/blob" >"$d/sig"
    [[ -s "$d/sig" ]] || die "cosign sign-blob printed nothing"
    "$TOOL" "hashivault://$key" verify-blob "$d/blob" "$d/sig"
    echo "tampered" >>"$d/blob"
    if "$TOOL" "hashivault://$key" verify-blob "$d/blob" "$d/sig"; then die "we accepted a signature over another blob"; fi
}

# cosign creates the key; we read its public key and sign; cosign verifies with cosign.pub.
check_cosign_created() {
    local key="ck-interop-gen-$RUN_ID-$1" d
    d="$WORK/$key"
    mkdir -p "$d"
    (cd "$d" && "$COSIGN" generate-key-pair --kms "hashivault://$key")
    [[ -s "$d/cosign.pub" ]] || die "cosign generate-key-pair --kms wrote no cosign.pub"
    "$TOOL" "hashivault://$key" public-key >"$d/ours.pub"
    cmp "$d/ours.pub" "$d/cosign.pub" || die "our public key differs from cosign.pub"
    echo "blob" >"$d/blob"
    "$TOOL" "hashivault://$key" sign-blob "$d/blob" >"$d/sig"
    "$COSIGN" verify-blob --key "$d/cosign.pub" --signature "$d/sig" "${VERIFY_FLAGS[@]}" "$d/blob"
}

# After rotation we sign with the new version; cosign (reading the key from transit) agrees.
check_rotation() {
    local key="ck-interop-rot-$RUN_ID-$1" d
    d="$WORK/$key"
    mkdir -p "$d"
    echo "blob" >"$d/blob"
    "$TOOL" "hashivault://$key" create ecdsa-p256 >"$d/v1.pem"
    [[ "$("$TOOL" "hashivault://$key" rotate)" == 2 ]] || die "rotate did not give version 2"
    "$TOOL" "hashivault://$key" public-key >"$d/v2.pem"
    "$COSIGN" public-key --key "hashivault://$key" >"$d/cosign-v2.pem"
    cmp "$d/v2.pem" "$d/cosign-v2.pem" || die "cosign sees another latest public key"
    "$TOOL" "hashivault://$key" sign-blob "$d/blob" >"$d/sig"
    "$COSIGN" verify-blob --key "$d/v2.pem" --signature "$d/sig" "${VERIFY_FLAGS[@]}" "$d/blob"
    if "$COSIGN" verify-blob --key "$d/v1.pem" --signature "$d/sig" "${VERIFY_FLAGS[@]}" "$d/blob"; then
        die "the old version's key verified a new signature"
    fi
}

c=0
for COSIGN in "${COSIGN_BINS[@]}"; do
    setup_cosign
    label="$("$COSIGN" version 2>/dev/null | sed -n 's/^GitVersion: *//p')"
    c=$((c + 1))
    n=$((c * 100))
    for alg in ecdsa-p256 ecdsa-p384 ecdsa-p521 rsa-2048 rsa-3072 rsa-4096; do
        n=$((n + 1))
        run_check "cosign $label verify-blob accepts our transit $alg signature" check_ours_to_cosign "$alg" "$n"
    done
    for alg in ecdsa-p256 rsa-2048; do
        n=$((n + 1))
        run_check "cosign $label sign-blob --key hashivault:// ($alg) passes our verifier" check_cosign_to_ours "$alg" "$n"
    done
    run_check "cosign $label generate-key-pair --kms hashivault:// key: same public key, our signatures verify" check_cosign_created "$c"
    run_check "cosign $label after rotate: new version signs, old key rejects" check_rotation "$c"
done

echo "kms-hashivault: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
