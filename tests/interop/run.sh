#!/usr/bin/env bash
# Interoperability test: cosign-keys <-> the real cosign CLI, fully offline.
#
# Usage: tests/interop/run.sh COSIGN_KEYS_BIN COSIGN_BIN [COSIGN_BIN...]
#
#   eval "$(scripts/install-cosign.sh)"
#   tests/interop/run.sh target/debug/cosign-keys "$COSIGN_V2" "$COSIGN_V3"
#
# For every cosign binary and every algorithm (ecdsa-p256, ed25519, rsa-2048,
# rsa-3072, rsa-4096) it checks both directions:
#   * cosign-made keys: we decrypt them (our public-key == cosign's .pub), our
#     fingerprint matches openssl, cosign verify-blob accepts our signatures, we
#     verify cosign's signatures;
#   * our keys: cosign public-key prints our .pub, cosign sign-blob works with
#     them and we verify, cosign verifies our signatures, cosign import-key-pair
#     accepts our unencrypted PKCS#8 export, cosign loads keys we imported;
#   * tampered signatures / other blobs are rejected by both sides;
#   * empty password and the legacy "ENCRYPTED COSIGN PRIVATE KEY" label;
#   * a file store written by cosign-keys (cosign signs with its cosign.key) and
#     env://COSIGN_PRIVATE_KEY / env://COSIGN_PUBLIC_KEY in both directions.
#
# Each check prints "PASS name", "FAIL name" (with the tail of its log) or
# "SKIP name: reason"; the last line is "interop: N passed, M failed".
# Exit status: 0 if nothing failed, 1 otherwise, 2 on usage errors.
#
# Offline: cosign is run with --tlog-upload=false (plus --use-signing-config=false
# and --new-bundle-format=false where the flags exist) for sign-blob and
# --insecure-ignore-tlog=true for verify-blob; HOME points into the temp dir and
# SIGSTORE_REKOR_PUBLIC_KEY is set so cosign v2 verify-blob skips its TUF fetch.
# If `unshare -n` works (root or user namespaces) every cosign and cosign-keys
# call runs in an empty network namespace; set INTEROP_NETNS=0 to disable that.
# See tests/interop/NOTES.md for the reasons behind these flags.
set -u

usage() {
    echo "usage: $0 COSIGN_KEYS_BIN COSIGN_BIN [COSIGN_BIN...]" >&2
    exit 2
}
[[ $# -ge 2 ]] || usage

abspath() {
    local p="$1"
    if [[ "$p" != */* ]]; then p="$(command -v -- "$p" || echo "$p")"; fi
    if [[ -e "$p" ]]; then echo "$(cd "$(dirname -- "$p")" && pwd)/$(basename -- "$p")"; else echo "$p"; fi
}

KEYS_BIN="$(abspath "$1")"
shift
COSIGN_BINS=()
for c in "$@"; do COSIGN_BINS+=("$(abspath "$c")"); done

for b in "$KEYS_BIN" "${COSIGN_BINS[@]}"; do
    if [[ ! -x "$b" ]]; then echo "$0: not an executable: $b" >&2; exit 2; fi
done
for tool in openssl base64 od cmp mktemp; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$0: '$tool' is required" >&2; exit 2; }
done

ALGORITHMS=(ecdsa-p256 ecdsa-p384 ecdsa-p521 ed25519 rsa-2048 rsa-3072 rsa-4096)
# cosign signs P-384/P-521 blobs with SHA-384/SHA-512 but verify-blob assumes SHA-256
# unless told: the loop sets this per algorithm.
DIGEST_FLAGS=()
PASSWORD="interop test password"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/cosign-keys-interop.XXXXXX")"
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$WORK/home"
export HOME="$WORK/home"
export COSIGN_PASSWORD="$PASSWORD"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null |
    openssl pkey -pubout -out "$WORK/unused-rekor.pub" 2>/dev/null
export SIGSTORE_REKOR_PUBLIC_KEY="$WORK/unused-rekor.pub"

NET=()
if [[ "${INTEROP_NETNS:-1}" != 0 ]] && unshare -n true 2>/dev/null; then
    NET=(unshare -n)
fi

passed=0
failed=0
skipped=0
nlog=0

# ---------------------------------------------------------------------------
# check runner: run_check NAME FUNCTION [ARGS...]
# FUNCTION runs in a subshell with `set -e`; exit 0 = PASS, 77 = SKIP (the last
# line of its output is the reason), anything else = FAIL.
# ---------------------------------------------------------------------------
run_check() {
    local name="$1"
    shift
    nlog=$((nlog + 1))
    local log="$WORK/check-$nlog.log"
    local rc
    (
        set -e
        "$@"
    ) >"$log" 2>&1
    rc=$?
    case "$rc" in
        0)
            echo "PASS  $name"
            passed=$((passed + 1)) ;;
        77)
            echo "SKIP  $name: $(tail -n 1 "$log")"
            skipped=$((skipped + 1)) ;;
        *)
            echo "FAIL  $name"
            tail -n 15 "$log" | sed 's/^/        | /'
            failed=$((failed + 1)) ;;
    esac
    return 0
}

skip() { echo "$*"; exit 77; }
die() { echo "$*"; exit 1; }
need() { local f; for f in "$@"; do [[ -s "$f" ]] || skip "prerequisite missing: ${f#"$WORK"/}"; done; }

# Our CLI and the current cosign binary, both without network when possible.
ck() { "${NET[@]}" "$KEYS_BIN" "$@"; }
cs() { "${NET[@]}" "$COSIGN" "$@"; }

# Offline flags for the current cosign binary (set by setup_cosign).
SIGN_FLAGS=()
VERIFY_FLAGS=()
# flag_known SUBCOMMAND FLAG: does this cosign accept FLAG? (cobra rejects unknown
# flags even with --help; deprecated flags are hidden from --help output but accepted)
flag_known() { "$COSIGN" "$1" "$2" --help >/dev/null 2>&1; }
setup_cosign() {
    local f
    SIGN_FLAGS=(--tlog-upload=false)
    for f in --use-signing-config=false --new-bundle-format=false --yes; do
        if flag_known sign-blob "$f"; then SIGN_FLAGS+=("$f"); fi
    done
    VERIFY_FLAGS=(--insecure-ignore-tlog=true)
    if flag_known verify-blob --new-bundle-format=false; then VERIFY_FLAGS+=(--new-bundle-format=false); fi
    return 0
}

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

# cosign_sign KEY BLOB SIGOUT -> base64 signature in SIGOUT (stdout of cosign).
cosign_sign() {
    local key="$1" blob="$2" out="$3" err="$3.stderr"
    if cs sign-blob --key "$key" "${SIGN_FLAGS[@]}" "$blob" >"$out" 2>"$err"; then
        [[ -s "$out" ]] || die "cosign sign-blob printed nothing"
        return 0
    fi
    cat "$err"
    rm -f "$out"
    if grep -q 'requested hash function #0 is unavailable' "$err"; then
        skip "cosign $COSIGN_LABEL sign-blob panics on Ed25519 keys offline (known upstream bug, works in v3)"
    fi
    die "cosign sign-blob failed"
}

cosign_verify() { # PUB SIG BLOB
    cs verify-blob --key "$1" --signature "$2" "${VERIFY_FLAGS[@]}" ${DIGEST_FLAGS[@]+"${DIGEST_FLAGS[@]}"} "$3"
}

ours_sign() { # KEY BLOB SIGOUT
    ck sign-blob --key "$1" "$2" >"$3"
    [[ -s "$3" ]] || die "cosign-keys sign-blob printed nothing"
}

ours_verify() { # PUB SIG BLOB
    local out
    out="$(ck verify-blob --key "$1" --signature "$2" "$3")" || { echo "$out"; return 1; }
    echo "$out"
    [[ "$out" == *"Verified OK"* ]] || die "cosign-keys verify-blob did not print 'Verified OK'"
}

expect_cosign_reject() { # PUB SIG BLOB
    if cosign_verify "$@"; then die "cosign verify-blob accepted a bad signature"; fi
    return 0
}

expect_ours_reject() { # PUB SIG BLOB
    if ck verify-blob --key "$1" --signature "$2" "$3"; then die "cosign-keys verify-blob accepted a bad signature"; fi
    return 0
}

# tamper IN OUT: flip the lowest bit of the middle byte of the decoded signature.
tamper() {
    local raw="$2.raw" n m b
    tr -d ' \r\n' <"$1" | base64 -d >"$raw"
    n="$(wc -c <"$raw")"
    [[ "$n" -gt 0 ]] || die "empty signature"
    m=$((n / 2))
    b="$(od -An -tu1 -j "$m" -N 1 "$raw" | tr -d ' \n')"
    {
        head -c "$m" "$raw"
        # shellcheck disable=SC2059
        printf "\\$(printf '%03o' $((b ^ 1)))"
        tail -c +$((m + 2)) "$raw"
    } | base64 | tr -d '\n' >"$2"
    rm -f "$raw"
}

spki_der() { openssl pkey -pubin -in "$1" -outform DER; }

# expected_fingerprint PUB -> "SHA256:<unpadded b64>\n<hex>"
expected_fingerprint() {
    local der="$1.der"
    spki_der "$1" >"$der"
    echo "SHA256:$(openssl dgst -sha256 -binary "$der" | base64 | tr -d '=\n')"
    openssl dgst -sha256 -binary "$der" | od -An -tx1 -v | tr -d ' \n'
    echo
}

# openssl_key ALG OUT: fresh PKCS#8 private key from openssl.
openssl_key() {
    case "$1" in
        ecdsa-p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$2" ;;
        ecdsa-p384) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$2" ;;
        ecdsa-p521) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out "$2" ;;
        ed25519) openssl genpkey -algorithm ed25519 -out "$2" ;;
        rsa-*) openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${1#rsa-}" -out "$2" 2>/dev/null ;;
        *) die "unknown algorithm $1" ;;
    esac
}

file_mode() { stat -c '%a' "$1" 2>/dev/null || stat -f '%Lp' "$1"; }

# ---------------------------------------------------------------------------
# checks: cosign-made keys, used by cosign-keys
# ---------------------------------------------------------------------------
c_make_key() { # ALG DIR
    local alg="$1" d="$2"
    cd "$d"
    if [[ "$alg" == ecdsa-p256 ]]; then
        cs generate-key-pair --output-key-prefix cosign </dev/null
    else
        openssl_key "$alg" openssl.pem
        cs import-key-pair --key openssl.pem --output-key-prefix cosign --yes </dev/null
    fi
    need cosign.key cosign.pub
}

c_our_public_key_matches() { # DIR
    cd "$1"
    need cosign.key cosign.pub
    ck public-key --key cosign.key >ours-view-of-cosign.pub
    cmp ours-view-of-cosign.pub cosign.pub
    ck public-key --key cosign.pub >ours-from-pub.pub
    cmp ours-from-pub.pub cosign.pub
    ck public-key --key cosign.key --outfile ours-outfile.pub
    cmp ours-outfile.pub cosign.pub
}

c_fingerprint() { # DIR
    cd "$1"
    need cosign.pub
    expected_fingerprint cosign.pub >expected.fp
    ck fingerprint --key cosign.pub >actual.fp
    diff expected.fp actual.fp
}

c_wrong_password() { # DIR
    cd "$1"
    need cosign.key
    if COSIGN_PASSWORD="not the $PASSWORD" ck public-key --key cosign.key; then
        die "cosign-keys decrypted a key with the wrong password"
    fi
    return 0
}

c_we_sign_cosign_verifies() { # DIR
    cd "$1"
    need cosign.key cosign.pub blob
    ours_sign cosign.key blob ours.sig
    cosign_verify cosign.pub ours.sig blob
}

c_cosign_rejects_tampered() { # DIR
    cd "$1"
    need cosign.pub ours.sig blob
    tamper ours.sig ours.sig.tampered
    expect_cosign_reject cosign.pub ours.sig.tampered blob
    expect_cosign_reject cosign.pub ours.sig other-blob
}

c_cosign_signs_we_verify() { # DIR
    cd "$1"
    need cosign.key cosign.pub blob
    cosign_sign cosign.key blob cosign.sig
    ours_verify cosign.pub cosign.sig blob
}

c_we_reject_tampered() { # DIR
    cd "$1"
    need cosign.pub cosign.sig blob
    tamper cosign.sig cosign.sig.tampered
    expect_ours_reject cosign.pub cosign.sig.tampered blob
    expect_ours_reject cosign.pub cosign.sig other-blob
}

# ---------------------------------------------------------------------------
# checks: cosign-keys-made keys, used by cosign
# ---------------------------------------------------------------------------
o_make_key() { # ALG DIR
    cd "$2"
    ck generate-key-pair --output-key-prefix ours --algorithm "$1"
    need ours.key ours.pub
    local mode
    mode="$(file_mode ours.key)"
    [[ "$mode" == 600 ]] || die "ours.key has mode $mode, want 600"
    head -n 1 ours.key | grep -qx -- '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----' ||
        die "unexpected private key label: $(head -n 1 ours.key)"
    head -n 1 ours.pub | grep -qx -- '-----BEGIN PUBLIC KEY-----'
}

o_cosign_public_key_matches() { # DIR
    cd "$1"
    need ours.key ours.pub
    cs public-key --key ours.key >cosign-view.pub
    cmp cosign-view.pub ours.pub
    ck public-key --key ours.key >ours-view.pub
    cmp ours-view.pub ours.pub
}

o_cosign_signs_we_verify() { # DIR
    cd "$1"
    need ours.key ours.pub blob
    cosign_sign ours.key blob cosign.sig
    ours_verify ours.pub cosign.sig blob
}

o_we_reject_tampered() { # DIR
    cd "$1"
    need ours.pub cosign.sig blob
    tamper cosign.sig cosign.sig.tampered
    expect_ours_reject ours.pub cosign.sig.tampered blob
    expect_ours_reject ours.pub cosign.sig other-blob
}

o_we_sign_cosign_verifies() { # DIR
    cd "$1"
    need ours.key ours.pub blob
    ours_sign ours.key blob ours.sig
    cosign_verify ours.pub ours.sig blob
    # --output-signature writes the same kind of signature
    ck sign-blob --key ours.key --output-signature ours-file.sig blob >/dev/null
    cosign_verify ours.pub ours-file.sig blob
}

o_cosign_rejects_tampered() { # DIR
    cd "$1"
    need ours.pub ours.sig blob
    tamper ours.sig ours.sig.tampered
    expect_cosign_reject ours.pub ours.sig.tampered blob
    expect_cosign_reject ours.pub ours.sig other-blob
}

o_export_imports_in_cosign() { # DIR
    cd "$1"
    need ours.key ours.pub
    ck export-private-key --key ours.key --outfile exported.pem
    head -n 1 exported.pem | grep -qx -- '-----BEGIN PRIVATE KEY-----' ||
        die "export is not an unencrypted PKCS#8 PEM: $(head -n 1 exported.pem)"
    # openssl agrees it is the same key pair
    openssl pkey -in exported.pem -pubout -outform DER >exported-pub.der
    spki_der ours.pub >ours-pub.der
    cmp exported-pub.der ours-pub.der
    cs import-key-pair --key exported.pem --output-key-prefix reimported --yes </dev/null
    cmp reimported.pub ours.pub
    # and the re-imported cosign key still loads in cosign-keys
    ck public-key --key reimported.key >reimported-ours.pub
    cmp reimported-ours.pub ours.pub
}

o_our_import_loads_in_cosign() { # ALG DIR
    cd "$2"
    openssl_key "$1" for-import.pem
    openssl pkey -in for-import.pem -pubout -outform DER >for-import-pub.der
    ck import-key-pair --key for-import.pem --output-key-prefix ours-imported
    need ours-imported.key ours-imported.pub
    spki_der ours-imported.pub >ours-imported-pub.der
    cmp ours-imported-pub.der for-import-pub.der
    cs public-key --key ours-imported.key >cosign-view.pub
    cmp cosign-view.pub ours-imported.pub
}

# ---------------------------------------------------------------------------
# checks that run once per cosign binary
# ---------------------------------------------------------------------------
x_empty_password_cosign_to_ours() { # DIR
    cd "$1"
    export COSIGN_PASSWORD=""
    cs generate-key-pair --output-key-prefix empty-cosign </dev/null
    need empty-cosign.key empty-cosign.pub
    ck public-key --key empty-cosign.key >empty-ours-view.pub
    cmp empty-ours-view.pub empty-cosign.pub
    ours_sign empty-cosign.key blob empty.sig
    cosign_verify empty-cosign.pub empty.sig blob
}

x_empty_password_ours_to_cosign() { # DIR
    cd "$1"
    export COSIGN_PASSWORD=""
    ck generate-key-pair --output-key-prefix empty-ours --algorithm ecdsa-p256
    need empty-ours.key empty-ours.pub
    cs public-key --key empty-ours.key >empty-cosign-view.pub
    cmp empty-cosign-view.pub empty-ours.pub
    cosign_sign empty-ours.key blob empty-cosign.sig
    ours_verify empty-ours.pub empty-cosign.sig blob
}

x_legacy_label() { # DIR
    cd "$1"
    cs generate-key-pair --output-key-prefix legacy-src </dev/null
    need legacy-src.key legacy-src.pub
    sed 's/ENCRYPTED SIGSTORE PRIVATE KEY/ENCRYPTED COSIGN PRIVATE KEY/' legacy-src.key >legacy.key
    # A private key file, like every one cosign writes: 0600 (cosign-keys refuses a key others may read).
    chmod 600 legacy.key
    head -n 1 legacy.key | grep -qx -- '-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----'
    # cosign itself still loads the relabelled file ...
    cs public-key --key legacy.key >legacy-cosign-view.pub
    cmp legacy-cosign-view.pub legacy-src.pub
    # ... and so must we
    ck public-key --key legacy.key >legacy-ours-view.pub
    cmp legacy-ours-view.pub legacy-src.pub
    ours_sign legacy.key blob legacy.sig
    cosign_verify legacy-src.pub legacy.sig blob
}

x_file_store() { # DIR: a store written by cosign-keys is a directory cosign signs from
    cd "$1"
    ck generate-key-pair --store "file://$PWD/store"
    need store/cosign.key store/cosign.pub store/cosign.meta.json
    cs public-key --key store/cosign.key >store-cosign-view.pub
    cmp store-cosign-view.pub store/cosign.pub
    cosign_sign store/cosign.key blob store-v1.sig
    ours_verify "file://$PWD/store" store-v1.sig blob
    # A new version replaces cosign.key; the old one stays readable by version.
    ck generate-key-pair --store "file://$PWD/store" --force
    # The names are links through .cosign.current (issue 11): cosign follows them.
    [[ -L store/cosign.key && -L store/cosign.pub && -L store/.cosign.current ]] ||
        die "store/cosign.key, cosign.pub and .cosign.current should be links"
    cs public-key --key store/cosign.key | cmp - store/cosign.pub ||
        die "cosign.key and cosign.pub of the store are not one pair"
    cosign_sign store/cosign.key blob store-v2.sig
    ours_verify "file://$PWD/store" store-v2.sig blob
    ck verify-blob --key "file://$PWD/store" --key-version 1 --signature store-v1.sig blob
    expect_ours_reject "file://$PWD/store" store-v1.sig blob
}

x_env_store() { # DIR: env://COSIGN_PRIVATE_KEY / env://COSIGN_PUBLIC_KEY, as cosign reads them
    cd "$1"
    cs generate-key-pair --output-key-prefix env-src </dev/null
    need env-src.key env-src.pub
    COSIGN_PRIVATE_KEY="$(cat env-src.key)"
    COSIGN_PUBLIC_KEY="$(cat env-src.pub)"
    export COSIGN_PRIVATE_KEY COSIGN_PUBLIC_KEY
    ours_sign env://COSIGN_PRIVATE_KEY blob env-ours.sig
    cosign_verify env://COSIGN_PUBLIC_KEY env-ours.sig blob
    cosign_sign env://COSIGN_PRIVATE_KEY blob env-cosign.sig
    ours_verify env://COSIGN_PUBLIC_KEY env-cosign.sig blob
}

# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------
if [[ ${#NET[@]} -gt 0 ]]; then
    echo "# network: disabled (unshare -n)"
else
    echo "# network: not isolated (unshare -n unavailable or INTEROP_NETNS=0); relying on offline flags"
fi
echo "# cosign-keys: $KEYS_BIN"

cosign_index=0
for COSIGN in "${COSIGN_BINS[@]}"; do
    cosign_index=$((cosign_index + 1))
    COSIGN_LABEL="$("$COSIGN" version 2>/dev/null | awk '/^GitVersion:/ {print $2}')"
    [[ -n "$COSIGN_LABEL" ]] || COSIGN_LABEL="$(basename "$(dirname "$(dirname "$COSIGN")")")"
    setup_cosign
    echo "# cosign $COSIGN_LABEL: $COSIGN"
    echo "#   sign-blob flags:   ${SIGN_FLAGS[*]}"
    echo "#   verify-blob flags: ${VERIFY_FLAGS[*]}"
    base="$WORK/cosign-$cosign_index"
    mkdir -p "$base"

    for alg in "${ALGORITHMS[@]}"; do
        d="$base/$alg"
        mkdir -p "$d"
        printf 'cosign-keys interop blob (%s, cosign %s)\n' "$alg" "$COSIGN_LABEL" >"$d/blob"
        printf 'a different blob\n' >"$d/other-blob"
        p="[cosign $COSIGN_LABEL][$alg]"
        case "$alg" in
            ecdsa-p384) DIGEST_FLAGS=(--signature-digest-algorithm sha384) ;;
            ecdsa-p521) DIGEST_FLAGS=(--signature-digest-algorithm sha512) ;;
            *) DIGEST_FLAGS=() ;;
        esac

        run_check "$p cosign creates key (generate-key-pair / import-key-pair)" c_make_key "$alg" "$d"
        run_check "$p cosign key: our public-key equals cosign's .pub" c_our_public_key_matches "$d"
        run_check "$p cosign key: our fingerprint equals openssl SHA-256 of SPKI" c_fingerprint "$d"
        run_check "$p cosign key: wrong password is refused by us" c_wrong_password "$d"
        run_check "$p cosign key: we sign-blob, cosign verify-blob accepts" c_we_sign_cosign_verifies "$d"
        run_check "$p cosign key: cosign rejects our tampered signature / other blob" c_cosign_rejects_tampered "$d"
        run_check "$p cosign key: cosign sign-blob, we verify-blob" c_cosign_signs_we_verify "$d"
        run_check "$p cosign key: we reject tampered cosign signature / other blob" c_we_reject_tampered "$d"

        run_check "$p our key: generate-key-pair (0600, SIGSTORE label)" o_make_key "$alg" "$d"
        run_check "$p our key: cosign public-key equals our .pub" o_cosign_public_key_matches "$d"
        run_check "$p our key: cosign sign-blob, we verify-blob" o_cosign_signs_we_verify "$d"
        run_check "$p our key: we reject tampered cosign signature / other blob" o_we_reject_tampered "$d"
        run_check "$p our key: we sign-blob, cosign verify-blob accepts" o_we_sign_cosign_verifies "$d"
        run_check "$p our key: cosign rejects our tampered signature / other blob" o_cosign_rejects_tampered "$d"
        run_check "$p our key: cosign import-key-pair accepts our unencrypted PKCS#8 export" o_export_imports_in_cosign "$d"
        run_check "$p our import-key-pair output loads in cosign" o_our_import_loads_in_cosign "$alg" "$d"
    done

    d="$base/misc"
    mkdir -p "$d"
    printf 'cosign-keys interop blob (misc, cosign %s)\n' "$COSIGN_LABEL" >"$d/blob"
    DIGEST_FLAGS=()
    p="[cosign $COSIGN_LABEL]"
    run_check "$p empty password: cosign key works in cosign-keys" x_empty_password_cosign_to_ours "$d"
    run_check "$p empty password: our key works in cosign" x_empty_password_ours_to_cosign "$d"
    run_check "$p legacy label ENCRYPTED COSIGN PRIVATE KEY loads in cosign and cosign-keys" x_legacy_label "$d"
    run_check "$p file store: cosign signs with the store's cosign.key, we verify by version" x_file_store "$d"
    run_check "$p env:// keys: both directions, as cosign names them" x_env_store "$d"
done

if [[ "$skipped" -gt 0 ]]; then
    echo "# $skipped check(s) skipped"
fi
echo "interop: $passed passed, $failed failed"
[[ "$failed" -eq 0 ]]
