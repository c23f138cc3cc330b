#!/usr/bin/env bash
# Regenerate tests/vectors/cosign-generated.json with the real cosign binaries.
#
# Usage: tests/vectors/cosign/generate.sh [OUTPUT_JSON]
#
# Requirements: go (for scripts/install-cosign.sh), openssl, python3 with the
# `cryptography` and `PyNaCl` packages (used only to cross-check the vectors;
# nothing from cosign-keys itself is used).
#
# Every case is produced by cosign (generate-key-pair, or openssl genpkey +
# cosign import-key-pair), its public key is what `cosign public-key` prints, and
# its signature is what `cosign sign-blob` printed. Each case is then checked:
# cosign verify-blob accepts it, python verifies the signature independently,
# and python decrypts the key file and re-derives the same public key.
# All cosign calls are offline (and run in an empty network namespace when
# `unshare -n` is available).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out_json="${1:-$root/tests/vectors/cosign-generated.json}"

eval "$("$root/scripts/install-cosign.sh")"
: "${COSIGN_V2:?}" "${COSIGN_V3:?}"

work="$(mktemp -d "${TMPDIR:-/tmp}/cosign-vectors.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/home" "$work/cases"

# Keep cosign away from the real $HOME (~/.sigstore TUF cache). Setting
# SIGSTORE_REKOR_PUBLIC_KEY makes cosign v2 verify-blob skip its TUF
# trusted-root fetch; with --insecure-ignore-tlog the file is never read.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null |
    openssl pkey -pubout -out "$work/unused-rekor.pub"
export HOME="$work/home"
export SIGSTORE_REKOR_PUBLIC_KEY="$work/unused-rekor.pub"

netns=()
if unshare -n true 2>/dev/null; then netns=(unshare -n); fi

SIGN_FLAGS=(--tlog-upload=false --use-signing-config=false --new-bundle-format=false -y)
VERIFY_FLAGS=(--insecure-ignore-tlog=true --new-bundle-format=false)

cosign_bin() { if [[ "$1" == v2* ]]; then echo "$COSIGN_V2"; else echo "$COSIGN_V3"; fi; }
version_of() { "$1" version 2>/dev/null | awk '/^GitVersion:/ {print $2}'; }
V2="$(version_of "$COSIGN_V2")"
V3="$(version_of "$COSIGN_V3")"

n=0
# make_case VERSION ALGORITHM PASSWORD SOURCE DESCRIPTION
#   SOURCE: generate | pkcs8 | pkcs1 | sec1 | legacy:<case dir to relabel>
make_case() {
    local version="$1" alg="$2" password="$3" source="$4" description="$5"
    local cosign; cosign="$(cosign_bin "$version")"
    n=$((n + 1))
    local d; d="$(printf '%s/cases/%02d' "$work" "$n")"
    mkdir -p "$d"
    (
        cd "$d"
        export COSIGN_PASSWORD="$password"
        case "$source" in
            generate)
                "${netns[@]}" "$cosign" generate-key-pair --output-key-prefix cosign 2>/dev/null ;;
            pkcs8|pkcs1|sec1)
                case "$alg" in
                    ed25519)   openssl genpkey -algorithm ed25519 -out in.pem ;;
                    rsa-*)     openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${alg#rsa-}" -out in.pem 2>/dev/null ;;
                    ecdsa-p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out in.pem ;;
                esac
                if [[ "$source" == pkcs1 ]]; then
                    openssl rsa -in in.pem -traditional -out conv.pem 2>/dev/null && mv conv.pem in.pem
                    grep -q '^-----BEGIN RSA PRIVATE KEY-----$' in.pem
                fi
                if [[ "$source" == sec1 ]]; then
                    openssl ec -in in.pem -out conv.pem 2>/dev/null && mv conv.pem in.pem
                    grep -q '^-----BEGIN EC PRIVATE KEY-----$' in.pem
                fi
                "${netns[@]}" "$cosign" import-key-pair --key in.pem --output-key-prefix cosign -y 2>/dev/null
                rm -f in.pem ;;
            legacy:*)
                sed 's/ENCRYPTED SIGSTORE PRIVATE KEY/ENCRYPTED COSIGN PRIVATE KEY/' \
                    "${source#legacy:}/cosign.key" > cosign.key
                grep -q '^-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----$' cosign.key ;;
        esac
        # Exact bytes of `cosign public-key` (this also proves cosign can decrypt the file).
        "${netns[@]}" "$cosign" public-key --key cosign.key > public.pem 2>/dev/null
        if [[ -f cosign.pub ]]; then cmp -s public.pem cosign.pub; fi
        if [[ "$source" == legacy:* ]]; then
            # Both cosign majors must load the relabelled file and print the same key.
            "${netns[@]}" "$COSIGN_V2" public-key --key cosign.key 2>/dev/null | cmp -s - public.pem
            "${netns[@]}" "$COSIGN_V3" public-key --key cosign.key 2>/dev/null | cmp -s - public.pem
            cmp -s public.pem "${source#legacy:}/public.pem"
        fi
        printf 'cosign-keys test vector %d (%s, %s)\n' "$n" "$alg" "$version" > blob
        "${netns[@]}" "$cosign" sign-blob --key cosign.key "${SIGN_FLAGS[@]}" blob > sig.txt 2>/dev/null
        "${netns[@]}" "$cosign" verify-blob --key public.pem --signature sig.txt "${VERIFY_FLAGS[@]}" blob >/dev/null 2>&1
        printf '%s' "$description" > description
        printf '%s' "$version" > version
        printf '%s' "$alg" > algorithm
        printf '%s' "$password" > password
        openssl pkey -pubin -in public.pem -outform DER -out spki.der
    ) || { echo "generate.sh: case $n ($description) failed" >&2; exit 1; }
    echo "generate.sh: case $n ok: $description" >&2
}

P="cosign-keys vector password"
make_case "$V2" ecdsa-p256 "$P 1" generate "cosign $V2 generate-key-pair (ECDSA P-256)"
first_v2_case="$(printf '%s/cases/%02d' "$work" "$n")"
make_case "$V2" ecdsa-p256 ""     generate "cosign $V2 generate-key-pair with empty password"
make_case "$V3" ecdsa-p256 "$P 3" generate "cosign $V3 generate-key-pair (ECDSA P-256)"
make_case "$V2" ecdsa-p256 "$P 1" "legacy:$first_v2_case" \
    "legacy label ENCRYPTED COSIGN PRIVATE KEY: the $V2 generate-key-pair key of case 1 with only the PEM label changed; cosign $V2 and $V3 public-key and $V2 sign-blob load it"
make_case "$V2" ecdsa-p256 "$P 5" sec1   "cosign $V2 import-key-pair of an openssl SEC1 'EC PRIVATE KEY' (P-256)"
make_case "$V3" ed25519    "$P 6" pkcs8  "cosign $V3 import-key-pair of an openssl Ed25519 PKCS#8 key; sign-blob is pure Ed25519 (cosign $V2 sign-blob panics on Ed25519, see tests/interop/NOTES.md)"
make_case "$V2" rsa-2048   "$P 7" pkcs8  "cosign $V2 import-key-pair of an openssl RSA-2048 PKCS#8 key"
make_case "$V3" rsa-2048   "$P 8" pkcs1  "cosign $V3 import-key-pair of an openssl RSA-2048 PKCS#1 'RSA PRIVATE KEY'"
make_case "$V2" rsa-3072   "$P 9" pkcs8  "cosign $V2 import-key-pair of an openssl RSA-3072 PKCS#8 key"
make_case "$V3" rsa-3072   "$P 10" pkcs8 "cosign $V3 import-key-pair of an openssl RSA-3072 PKCS#8 key"
make_case "$V2" rsa-4096   "$P 11" pkcs8 "cosign $V2 import-key-pair of an openssl RSA-4096 PKCS#8 key"
make_case "$V3" rsa-4096   "$P 12" pkcs8 "cosign $V3 import-key-pair of an openssl RSA-4096 PKCS#8 key"

python3 - "$work/cases" "$out_json" <<'PY'
import base64, hashlib, json, os, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from nacl.secret import SecretBox

cases_dir, out = sys.argv[1], sys.argv[2]
SPKI = dict(encoding=serialization.Encoding.DER,
            format=serialization.PublicFormat.SubjectPublicKeyInfo)

def read(d, name, mode="r"):
    with open(os.path.join(d, name), mode) as f:
        return f.read()

def decrypt_cosign_key(pem, password):
    lines = pem.strip().splitlines()
    assert lines[0] in ("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----",
                        "-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----"), lines[0]
    doc = json.loads(base64.b64decode("".join(lines[1:-1])))
    kdf = doc["kdf"]
    assert kdf["name"] == "scrypt" and doc["cipher"]["name"] == "nacl/secretbox"
    p = kdf["params"]
    key = Scrypt(salt=base64.b64decode(kdf["salt"]), length=32,
                 n=p["N"], r=p["r"], p=p["p"]).derive(password.encode())
    der = SecretBox(key).decrypt(base64.b64decode(doc["ciphertext"]),
                                 base64.b64decode(doc["cipher"]["nonce"]))
    return serialization.load_der_private_key(der, password=None)

def check_signature(pub, alg, sig, msg):
    if alg == "ed25519":
        assert isinstance(pub, ed25519.Ed25519PublicKey)
        pub.verify(sig, msg)  # pure Ed25519 over the raw message
    elif alg.startswith("rsa-"):
        assert isinstance(pub, rsa.RSAPublicKey) and pub.key_size == int(alg[4:])
        pub.verify(sig, msg, padding.PKCS1v15(), hashes.SHA256())
    else:
        assert isinstance(pub, ec.EllipticCurvePublicKey) and pub.curve.name == "secp256r1"
        pub.verify(sig, msg, ec.ECDSA(hashes.SHA256()))

cases = []
for name in sorted(os.listdir(cases_dir)):
    d = os.path.join(cases_dir, name)
    alg, password = read(d, "algorithm"), read(d, "password")
    private_pem, public_pem = read(d, "cosign.key"), read(d, "public.pem")
    spki = read(d, "spki.der", "rb")
    blob = read(d, "blob", "rb")
    sig_text = read(d, "sig.txt").strip()
    sig = base64.b64decode(sig_text, validate=True)
    pub = serialization.load_pem_public_key(public_pem.encode())
    assert pub.public_bytes(**SPKI) == spki
    assert decrypt_cosign_key(private_pem, password).public_key().public_bytes(**SPKI) == spki
    check_signature(pub, alg, sig, blob)
    digest = hashlib.sha256(spki).digest()
    cases.append({
        "description": read(d, "description"),
        "cosign_version": read(d, "version"),
        "algorithm": alg,
        "password": password,
        "private_key_pem": private_pem,
        "public_key_pem": public_pem,
        "fingerprint_hex": digest.hex(),
        "fingerprint_sha256": "SHA256:" + base64.b64encode(digest).decode().rstrip("="),
        "blob_b64": base64.b64encode(blob).decode(),
        "signature_b64": sig_text,
    })

with open(out, "w") as f:
    json.dump(cases, f, indent=2)
    f.write("\n")
print(f"generate.sh: wrote {len(cases)} cases to {out}", file=sys.stderr)
PY
