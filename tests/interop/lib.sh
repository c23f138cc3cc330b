# shellcheck shell=bash
# Shared by the KMS interop scripts (kms-awskms.sh, kms-azurekms.sh): sourced, not run.
#
# The caller sets NAME (its label in messages and the temp dir) and then:
#   interop_setup "$@"        checks `KMS_TOOL COSIGN_BIN...` and the tools, sets TOOL and
#                             COSIGNS (array), makes WORK (removed on exit), HOME and an
#                             unused SIGSTORE_REKOR_PUBLIC_KEY (tests/interop/NOTES.md)
#   run_check NAME FN ARGS    runs FN in a subshell with `set -e`, prints PASS/FAIL
#   interop_summary           prints "NAME: N passed, M failed"; returns 1 if any failed
# and the helpers below (fingerprint, tamper, setup_cosign, cosign_verify, make_key,
# cosign_verifies_with_our_pem). KMS_TOOL is cosign-keys' `kms` example
# (cosign-keys/examples/kms.rs).

interop_usage() {
    echo "usage: $0 KMS_TOOL COSIGN_BIN [COSIGN_BIN...]" >&2
    exit 2
}

interop_setup() {
    [[ $# -ge 2 ]] || interop_usage
    TOOL="$1"
    shift
    COSIGNS=("$@")
    local b tool
    for b in "$TOOL" "$@"; do [[ -x "$b" ]] || { echo "$0: not an executable: $b" >&2; exit 2; }; done
    for tool in openssl base64 od cmp mktemp; do
        command -v "$tool" >/dev/null 2>&1 || { echo "$0: '$tool' is required" >&2; exit 2; }
    done
    WORK="$(mktemp -d "${TMPDIR:-/tmp}/cosign-keys-$NAME.XXXXXX")"
    # shellcheck disable=SC2064 # WORK is fixed from here on
    trap "rm -rf '$WORK'" EXIT
    trap 'exit 130' INT TERM
    mkdir -p "$WORK/home"
    export HOME="$WORK/home"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null |
        openssl pkey -pubout -out "$WORK/unused-rekor.pub" 2>/dev/null
    export SIGSTORE_REKOR_PUBLIC_KEY="$WORK/unused-rekor.pub"
    passed=0
    failed=0
    n=0
}

run_check() { # NAME FUNCTION ARGS...
    local name="$1" log rc
    shift
    n=$((n + 1))
    log="$WORK/check-$n.log"
    # Not inside `if`: bash ignores `set -e` in a subshell whose status a condition tests,
    # so a failing step would not stop the check.
    (set -e; "$@") >"$log" 2>&1
    rc=$?
    if ((rc == 0)); then
        echo "PASS  $name"
        passed=$((passed + 1))
    else
        echo "FAIL  $name"
        tail -n 15 "$log" | sed 's/^/        | /'
        failed=$((failed + 1))
    fi
}

interop_summary() {
    echo "$NAME: $passed passed, $failed failed"
    [[ "$failed" -eq 0 ]]
}

die() { echo "$*"; exit 1; }

# cosign_label BIN: cosign's GitVersion (v2.6.5, ...).
cosign_label() { "$1" version 2>/dev/null | awk '/GitVersion/ {print $2}'; }

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

# setup_cosign: the offline verify-blob flags for $COSIGN (tests/interop/NOTES.md).
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

# make_key URI ALG DIR: create the key in the KMS, export its public key (create's and
# public-key's must agree, and our fingerprint must be openssl's), sign a blob; leaves
# DIR/{uri,ours.pem,blob,other,blob.sig.b64,bad.sig}.
make_key() {
    local uri="$1" alg="$2" d="$3"
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
