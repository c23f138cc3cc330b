#!/bin/sh
# Regenerates fuzz/seeds/. Run from fuzz/. Needs python3 and openssl.
set -eu
seeds=seeds
vectors=../tests/vectors/cosign-generated.json

# 1. Keys produced by the library itself (toy-scrypt envelopes, PKCS#8, SPKI).
cargo run --quiet --example gen_seeds -- "$seeds"

# 2. Real cosign files from the test vectors.
python3 - "$vectors" "$seeds" <<'PY'
import base64, json, os, sys
vectors, seeds = sys.argv[1], sys.argv[2]
def put(target, name, data):
    os.makedirs(os.path.join(seeds, target), exist_ok=True)
    with open(os.path.join(seeds, target, name), "wb") as f:
        f.write(data)
for i, v in enumerate(json.load(open(vectors))):
    priv, pub = v["private_key_pem"].encode(), v["public_key_pem"].encode()
    put("envelope", f"cosign-{i}.key", priv)
    put("public_key", f"cosign-{i}.pub", pub)
    body = b"".join(l for l in priv.splitlines() if not l.startswith(b"-----"))
    put("envelope_json", f"cosign-{i}.json", base64.b64decode(body))
    if i == 0:
        put("text", "cosign-sig", v["signature_b64"].encode())
        put("text", "cosign-fp", v["fingerprint_sha256"].encode())
        put("text", "cosign-fp-hex", v["fingerprint_hex"].encode())
PY

# 3. OpenSSL shapes for `import`: SEC1, PKCS#1, encrypted PKCS#8 (PBKDF2 with
#    one iteration and scrypt with N = 2, password `x`), as PEM and DER.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/ec.pem"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/rsa8.pem" 2>/dev/null
openssl genpkey -algorithm ED25519 -out "$tmp/ed.pem"
imp=$seeds/import
cp "$tmp/ec.pem" "$imp/openssl-sec1.pem"
openssl ec -in "$tmp/ec.pem" -outform DER -out "$imp/openssl-sec1.der" 2>/dev/null
openssl rsa -in "$tmp/rsa8.pem" -traditional -out "$imp/openssl-pkcs1.pem" 2>/dev/null
openssl rsa -in "$tmp/rsa8.pem" -traditional -outform DER -out "$imp/openssl-pkcs1.der" 2>/dev/null
for k in ec ed; do
  openssl pkcs8 -topk8 -in "$tmp/$k.pem" -v2 aes-256-cbc -iter 1 -passout pass:x -out "$imp/openssl-$k-pbkdf2.pem"
  openssl pkcs8 -topk8 -in "$tmp/$k.pem" -v2 aes-256-cbc -iter 1 -passout pass:x -outform DER -out "$imp/openssl-$k-pbkdf2.der"
  openssl pkcs8 -topk8 -in "$tmp/$k.pem" -scrypt -scrypt_N 2 -scrypt_r 1 -scrypt_p 1 -passout pass:x -out "$imp/openssl-$k-scrypt.pem"
done
openssl pkey -in "$tmp/ec.pem" -pubout -outform DER -out "$seeds/public_key/openssl-ec-spki.der"
