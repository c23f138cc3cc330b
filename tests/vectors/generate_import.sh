#!/usr/bin/env bash
# Generate tests/vectors/import.json: key files written by OpenSSL, as inputs
# to "import a private key" (Rust: PrivateKey::import(input, password)), each
# with the error code (or "OK", the algorithm and the fingerprint) every
# implementation must return.
#
# Usage: tests/vectors/generate_import.sh [OUTPUT_JSON]
#
# Requirements: openssl (3.x) and python3 with the `cryptography` package.
# Nothing from cosign-keys is used: the expected fingerprint of each OK case is
# sha256 of the DER SubjectPublicKeyInfo printed by `openssl pkey -pubout`,
# cross-checked with python's cryptography. Keys are fresh on every run, so
# the output differs between runs; only its shape is stable.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out_json="${1:-$here/import.json}"

work="$(mktemp -d "${TMPDIR:-/tmp}/import-vectors.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work"

PASSWORD='import vector password'
WRONG_PASSWORD='not the import password'

# --- keys (few: each is reused in several encodings) ---------------------------
genpkey() { openssl genpkey "$@" 2>/dev/null; }
genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out p256.pem
genpkey -algorithm ED25519 -out ed25519.pem
genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa2048.pem
genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out rsa3072.pem
genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out rsa4096.pem
genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa1024.pem
genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out p384.pem
genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out p521.pem
genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-224 -out p224.pem
genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -pkeyopt rsa_keygen_pubexp:3 -out rsa2048e3.pem
genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1 -out secp256k1.pem
genpkey -algorithm ED448 -out ed448.pem

# --- encodings -----------------------------------------------------------------
openssl pkcs8 -topk8 -nocrypt -in p256.pem -outform DER -out p256.pk8.der
openssl ec -in p256.pem -out p256.sec1.pem 2>/dev/null
openssl ec -in p256.pem -outform DER -out p256.sec1.der 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in ed25519.pem -outform DER -out ed25519.pk8.der
openssl rsa -in rsa2048.pem -traditional -out rsa2048.pkcs1.pem 2>/dev/null
openssl rsa -in rsa2048.pem -traditional -outform DER -out rsa2048.pkcs1.der 2>/dev/null
openssl ec -in p384.pem -out p384.sec1.pem 2>/dev/null
openssl pkey -in p256.pem -pubout -out p256.pub.pem
openssl pkey -in rsa2048.pem -pubout -outform DER -out rsa2048.pub.der
openssl req -x509 -new -key p256.pem -subj "/CN=cosign-keys import vector" -days 1 \
    -out p256.cert.pem 2>/dev/null
openssl genrsa -traditional -aes128 -passout "pass:$PASSWORD" -out legacy-rsa2048.pem 2048 2>/dev/null
printf 'not a key: \x00\x01\x02\x03\xfe\xff garbage bytes\n' >garbage.bin

# PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC). A wrong password fails on the CBC
# padding, except about once in 256 files where the padding happens to be
# valid and the error would come later; make a new file until OpenSSL reports
# "bad decrypt" for the wrong password.
for attempt in $(seq 1 20); do
    openssl pkcs8 -topk8 -v2 aes-256-cbc -in p256.pem -passout "pass:$PASSWORD" -out p256.pbes2.pem
    if ! openssl pkcs8 -in p256.pbes2.pem -passin "pass:$WRONG_PASSWORD" >/dev/null 2>wrong.err &&
        grep -q 'bad decrypt' wrong.err; then
        break
    fi
    [[ $attempt -lt 20 ]] || { echo "wrong password never failed on padding" >&2; exit 1; }
done
openssl pkcs8 -topk8 -scrypt -in p256.pem -passout "pass:$PASSWORD" -out p256.scrypt.pem

# Sanity checks of what OpenSSL wrote.
expect_first_line() { [[ "$(head -n 1 "$1")" == "$2" ]] || { echo "$1: unexpected '$(head -n 1 "$1")'" >&2; exit 1; }; }
expect_first_line p256.pem '-----BEGIN PRIVATE KEY-----'
expect_first_line p256.sec1.pem '-----BEGIN EC PRIVATE KEY-----'
expect_first_line rsa2048.pkcs1.pem '-----BEGIN RSA PRIVATE KEY-----'
expect_first_line p384.sec1.pem '-----BEGIN EC PRIVATE KEY-----'
expect_first_line p256.pbes2.pem '-----BEGIN ENCRYPTED PRIVATE KEY-----'
expect_first_line p256.scrypt.pem '-----BEGIN ENCRYPTED PRIVATE KEY-----'
expect_first_line p256.cert.pem '-----BEGIN CERTIFICATE-----'
expect_first_line legacy-rsa2048.pem '-----BEGIN RSA PRIVATE KEY-----'
grep -q '^Proc-Type: 4,ENCRYPTED$' legacy-rsa2048.pem
openssl asn1parse -in p256.pbes2.pem | grep -q ':PBES2'
openssl asn1parse -in p256.pbes2.pem | grep -q ':PBKDF2'
openssl asn1parse -in p256.scrypt.pem | grep -q ':scrypt'

# Fingerprint with OpenSSL alone: SHA256: + unpadded base64 of sha256(SPKI DER).
fingerprint() {
    openssl pkey -in "$1" -pubout -outform DER | openssl dgst -sha256 -binary | base64 | tr -d '='
}

# --- the cases -----------------------------------------------------------------
# One line per case, tab-separated:
#   file  password|-  expect  algorithm|-  key-for-fingerprint|-  description
: >cases.tsv
ok() { # ok FILE PASSWORD|- ALGORITHM KEY DESCRIPTION
    printf '%s\t%s\tOK\t%s\tSHA256:%s\t%s\n' "$1" "$2" "$3" "$(fingerprint "$4")" "$5" >>cases.tsv
}
err() { # err FILE PASSWORD|- CODE DESCRIPTION
    printf '%s\t%s\t%s\t-\t-\t%s\n' "$1" "$2" "$3" "$4" >>cases.tsv
}

ok p256.pem - ecdsa-p256 p256.pem "ECDSA P-256, unencrypted PKCS#8 PEM (PRIVATE KEY)"
ok p256.sec1.pem - ecdsa-p256 p256.pem "ECDSA P-256, SEC1 PEM (EC PRIVATE KEY)"
ok p256.pk8.der - ecdsa-p256 p256.pem "ECDSA P-256, unencrypted PKCS#8 DER"
ok p256.sec1.der - ecdsa-p256 p256.pem "ECDSA P-256, SEC1 DER"
ok ed25519.pem - ed25519 ed25519.pem "Ed25519, unencrypted PKCS#8 PEM"
ok ed25519.pk8.der - ed25519 ed25519.pem "Ed25519, unencrypted PKCS#8 DER"
ok rsa2048.pem - rsa-2048 rsa2048.pem "RSA-2048, unencrypted PKCS#8 PEM"
ok rsa2048.pkcs1.pem - rsa-2048 rsa2048.pem "RSA-2048, PKCS#1 PEM (RSA PRIVATE KEY)"
ok rsa2048.pkcs1.der - rsa-2048 rsa2048.pem "RSA-2048, PKCS#1 DER"
ok rsa3072.pem - rsa-3072 rsa3072.pem "RSA-3072, unencrypted PKCS#8 PEM"
ok rsa4096.pem - rsa-4096 rsa4096.pem "RSA-4096, unencrypted PKCS#8 PEM"
ok p256.pbes2.pem "$PASSWORD" ecdsa-p256 p256.pem \
    "ECDSA P-256, encrypted PKCS#8 PEM (PBES2: PBKDF2-HMAC-SHA256 + AES-256-CBC, openssl pkcs8 -topk8 -v2 aes-256-cbc), right password"
err p256.pbes2.pem "$WRONG_PASSWORD" DECRYPTION_FAILED \
    "ECDSA P-256, encrypted PKCS#8 PEM (PBES2 PBKDF2 + AES-256-CBC), wrong password"
err p256.pbes2.pem - INVALID_ARGUMENT \
    "ECDSA P-256, encrypted PKCS#8 PEM (PBES2 PBKDF2 + AES-256-CBC), no password given"
ok p256.scrypt.pem "$PASSWORD" ecdsa-p256 p256.pem \
    "ECDSA P-256, encrypted PKCS#8 PEM (PBES2: scrypt with OpenSSL's default N=16384 r=8 p=1 + AES-256-CBC, openssl pkcs8 -topk8 -scrypt), right password"
err rsa1024.pem - UNSUPPORTED_ALGORITHM "RSA-1024, PKCS#8 PEM (supported RSA sizes: 2048, 3072, 4096 bits)"
ok p384.pem - ecdsa-p384 p384.pem "ECDSA P-384, PKCS#8 PEM (cosign imports it)"
ok p384.sec1.pem - ecdsa-p384 p384.pem "ECDSA P-384, SEC1 PEM (cosign imports it)"
ok p521.pem - ecdsa-p521 p521.pem "ECDSA P-521, PKCS#8 PEM (cosign imports it)"
err p224.pem - UNSUPPORTED_ALGORITHM "ECDSA P-224, PKCS#8 PEM (cosign accepts P-256, P-384, P-521 only)"
err secp256k1.pem - UNSUPPORTED_ALGORITHM "ECDSA secp256k1, PKCS#8 PEM (cosign accepts P-256, P-384, P-521 only)"
err rsa2048e3.pem - UNSUPPORTED_ALGORITHM "RSA-2048 with public exponent 3 (cosign requires 65537)"
err ed448.pem - UNSUPPORTED_ALGORITHM "Ed448, PKCS#8 PEM"
err p256.pub.pem - WRONG_KEY_KIND "a PUBLIC KEY PEM (P-256) instead of a private key"
err rsa2048.pub.der - WRONG_KEY_KIND "a DER SubjectPublicKeyInfo (RSA-2048) instead of a private key"
err garbage.bin - MALFORMED_KEY "garbage bytes: neither PEM nor DER"
err p256.cert.pem - UNKNOWN_PEM_LABEL "a self-signed X.509 CERTIFICATE PEM (P-256) instead of a private key"
err legacy-rsa2048.pem "$PASSWORD" MALFORMED_PEM \
    "RSA-2048 with legacy OpenSSL PEM encryption (Proc-Type: 4,ENCRYPTED / DEK-Info headers, openssl genrsa -traditional -aes128), right password: PEM headers are refused"

# --- JSON ----------------------------------------------------------------------
python3 - "$out_json" <<'PY'
import base64, hashlib, json, sys
from cryptography.hazmat.primitives import serialization

def load_private(data, password):
    pw = password.encode() if password is not None else None
    if data.lstrip().startswith(b"-----BEGIN "):
        return serialization.load_pem_private_key(data, pw)
    return serialization.load_der_private_key(data, pw)

cases = []
for line in open("cases.tsv"):
    path, password, expect, algorithm, fp, description = line.rstrip("\n").split("\t")
    password = None if password == "-" else password
    data = open(path, "rb").read()
    case = {"description": description, "input_b64": base64.b64encode(data).decode(),
            "password": password, "expect": expect}
    if expect == "OK":
        # Cross-check OpenSSL's fingerprint with an independent parse of the input itself.
        spki = load_private(data, password).public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        py_fp = "SHA256:" + base64.b64encode(hashlib.sha256(spki).digest()).decode().rstrip("=")
        assert py_fp == fp, (description, py_fp, fp)
        case["algorithm"] = algorithm
        case["fingerprint_sha256"] = fp
    cases.append(case)

assert len({c["description"] for c in cases}) == len(cases), "descriptions must be unique"
with open(sys.argv[1], "w") as f:
    json.dump(cases, f, indent=2)
    f.write("\n")
print("wrote %d cases to %s" % (len(cases), sys.argv[1]))
PY
