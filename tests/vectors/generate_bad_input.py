#!/usr/bin/env python3
"""Generate tests/vectors/bad-input.json: inputs to "parse a Cosign key file
and decrypt it with the password", each with the error code (or "OK") every
implementation must return.

Rust: EncryptedPrivateKey::from_pem(input)?.decrypt(&Password::from(password))
with the default DecryptOptions (max memory 256 MiB, max work N*r*p 2^21).

Most cases are mutations of the first ECDSA case of cosign-generated.json (a
key file written by the real cosign): its PEM body (the JSON envelope) is
decoded, changed, and re-encoded as PEM with 64-column base64 and LF line
endings, as Go's encoding/pem writes it. A few cases are envelopes this script
seals itself (scrypt N=1024 r=8 p=1 + NaCl secretbox) around its own
plaintexts; their keys, salts and nonces are derived from fixed strings, so
the output is the same on every run.

Requirements: python3 (stdlib: hashlib.scrypt needs Python built with OpenSSL),
the `cryptography` package, and PyNaCl (`pip install pynacl`) for
nacl.secret.SecretBox.

Usage: python3 tests/vectors/generate_bad_input.py [OUTPUT_JSON]
"""

import base64
import copy
import hashlib
import json
import os
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
import nacl.secret

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "cosign-generated.json")
DEFAULT_OUT = os.path.join(HERE, "bad-input.json")

SIGSTORE_LABEL = "ENCRYPTED SIGSTORE PRIVATE KEY"
LEGACY_LABEL = "ENCRYPTED COSIGN PRIVATE KEY"
OWN_PASSWORD = "bad-input vector password"
CHEAP = {"N": 1024, "r": 8, "p": 1}


# --- PEM and envelope helpers -------------------------------------------------

def pem_encode(label, body):
    b64 = base64.b64encode(body).decode("ascii")
    lines = [b64[i:i + 64] for i in range(0, len(b64), 64)]
    return "-----BEGIN %s-----\n%s\n-----END %s-----\n" % (label, "\n".join(lines), label)


def pem_decode(text):
    lines = text.strip().split("\n")
    assert lines[0].startswith("-----BEGIN ") and lines[-1].startswith("-----END "), text
    label = lines[0][len("-----BEGIN "):-len("-----")]
    return label, base64.b64decode("".join(lines[1:-1]), validate=True)


def envelope_json(env):
    """Compact JSON, key order kept (cosign/Go order for untouched fields)."""
    return json.dumps(env, separators=(",", ":")).encode("ascii")


def envelope_pem(env, label=SIGSTORE_LABEL):
    return pem_encode(label, envelope_json(env))


def b64(data):
    return base64.b64encode(data).decode("ascii")


def fixed_bytes(tag, n):
    """Deterministic bytes (not secret: these are public test vectors)."""
    out = b""
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(b"cosign-keys bad-input %s %d" % (tag.encode(), counter)).digest()
        counter += 1
    return out[:n]


def derive(password, salt, params):
    return hashlib.scrypt(password.encode(), salt=salt, n=params["N"], r=params["r"],
                          p=params["p"], maxmem=256 * 1024 * 1024, dklen=32)


def seal(plaintext, password, tag, params=CHEAP):
    """A Cosign envelope: scrypt key, secretbox(tag || ciphertext)."""
    salt = fixed_bytes(tag + " salt", 32)
    nonce = fixed_bytes(tag + " nonce", 24)
    box = nacl.secret.SecretBox(derive(password, salt, params))
    ciphertext = box.encrypt(plaintext, nonce).ciphertext  # 16-byte tag, then data
    return {
        "kdf": {"name": "scrypt", "params": dict(params), "salt": b64(salt)},
        "cipher": {"name": "nacl/secretbox", "nonce": b64(nonce)},
        "ciphertext": b64(ciphertext),
    }


def open_envelope(env, password):
    """Decrypts an envelope (self-check of the generator)."""
    key = derive(password, base64.b64decode(env["kdf"]["salt"]), env["kdf"]["params"])
    box = nacl.secret.SecretBox(key)
    return box.decrypt(base64.b64decode(env["ciphertext"]),
                       base64.b64decode(env["cipher"]["nonce"]))


def fingerprint(public_key):
    spki = public_key.public_bytes(serialization.Encoding.DER,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)
    return "SHA256:" + base64.b64encode(hashlib.sha256(spki).digest()).decode().rstrip("=")


def fixed_ec_key(curve, tag):
    scalar = int.from_bytes(hashlib.sha256(b"cosign-keys bad-input key " + tag.encode()).digest(), "big")
    return ec.derive_private_key(scalar, curve)


def pkcs8_der(key):
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


# --- the cases ----------------------------------------------------------------

def build_cases():
    with open(SOURCE) as f:
        source = json.load(f)
    index, base = next((i, c) for i, c in enumerate(source) if c["algorithm"] == "ecdsa-p256")
    password = base["password"]
    label, body = pem_decode(base["private_key_pem"])
    assert label == SIGSTORE_LABEL, label
    env = json.loads(body)
    ciphertext = base64.b64decode(env["ciphertext"])

    # Self-check: the source key file opens with its password to the key whose
    # fingerprint cosign-generated.json records.
    source_key = serialization.load_der_private_key(open_envelope(env, password), None)
    assert fingerprint(source_key.public_key()) == base["fingerprint_sha256"]

    src = "the cosign key file of cosign-generated.json case %d (%s)" % (index + 1, base["cosign_version"])
    cases = []

    def add(description, input_pem, expect, pw=password, **extra):
        case = {"description": description, "input_pem": input_pem, "password": pw,
                "expect": expect}
        case.update(extra)
        cases.append(case)

    def mutated(change):
        e = copy.deepcopy(env)
        change(e)
        return envelope_pem(e)

    def set_params(**values):
        def change(e):
            e["kdf"]["params"].update(values)
        return change

    # Passwords and ciphertext.
    add("wrong password for " + src, base["private_key_pem"], "DECRYPTION_FAILED",
        pw="not the right password")

    def flip(e):
        ct = bytearray(ciphertext)
        ct[len(ct) // 2] ^= 0x01
        e["ciphertext"] = b64(bytes(ct))
    add("one bit flipped in the middle of the ciphertext of " + src, mutated(flip),
        "DECRYPTION_FAILED")

    def truncate(n):
        def change(e):
            e["ciphertext"] = b64(ciphertext[:n])
        return change
    add("ciphertext truncated to 10 bytes, shorter than the 16-byte secretbox tag, in " + src,
        mutated(truncate(10)), "MALFORMED_ENVELOPE")
    add("ciphertext truncated to 40 bytes (tag plus 24 bytes, so the tag no longer matches) in "
        + src, mutated(truncate(40)), "DECRYPTION_FAILED")

    # PEM framing.
    pem_lines = base["private_key_pem"].strip().split("\n")
    body_b64 = "".join(pem_lines[1:-1])
    cut = len(body_b64) // 2
    while cut % 4 != 1:  # a length of 1 mod 4 is invalid base64 for every decoder
        cut -= 1
    half = body_b64[:cut]
    half_pem = "%s\n%s\n%s\n" % (pem_lines[0], "\n".join(half[i:i + 64] for i in range(0, len(half), 64)),
                                 pem_lines[-1])
    add("PEM body cut in half (%d of %d base64 characters, not a whole base64 quantum), BEGIN and "
        "END lines intact, from %s" % (cut, len(body_b64), src), half_pem, "MALFORMED_PEM")
    add("PEM without its END line: " + src + " with the last line removed",
        "\n".join(pem_lines[:-1]) + "\n", "MALFORMED_PEM")

    # The envelope.
    add("PEM body is not valid JSON (the envelope of %s without its closing brace)" % src,
        pem_encode(SIGSTORE_LABEL, envelope_json(env)[:-1]), "MALFORMED_ENVELOPE")

    def set_kdf_name(e):
        e["kdf"]["name"] = "argon2"
    add("kdf.name is \"argon2\" instead of \"scrypt\" in " + src, mutated(set_kdf_name),
        "UNKNOWN_KDF")

    def set_cipher_name(e):
        e["cipher"]["name"] = "aes-gcm"
    add("cipher.name is \"aes-gcm\" instead of \"nacl/secretbox\" in " + src,
        mutated(set_cipher_name), "UNKNOWN_CIPHER")

    def short_salt(e):
        e["kdf"]["salt"] = b64(base64.b64decode(e["kdf"]["salt"])[:16])
    add("kdf.salt is 16 bytes instead of 32 in " + src, mutated(short_salt), "MALFORMED_ENVELOPE")

    def short_nonce(e):
        e["cipher"]["nonce"] = b64(base64.b64decode(e["cipher"]["nonce"])[:12])
    add("cipher.nonce is 12 bytes instead of 24 in " + src, mutated(short_nonce),
        "MALFORMED_ENVELOPE")

    def bad_salt(e):
        e["kdf"]["salt"] = "this is not base64!"
    add("kdf.salt is not base64 (\"this is not base64!\") in " + src, mutated(bad_salt),
        "MALFORMED_ENVELOPE")

    # Scrypt parameters: valid but too costly.
    add("scrypt N = 2^40 (r=8, p=1): valid, but needs 2^50 bytes, over the 256 MiB default "
        "limit, in " + src, mutated(set_params(N=1 << 40)), "KDF_LIMIT_EXCEEDED")
    add("scrypt N=32768 r=8 p=2^20: valid (r*p < 2^30), but N*r*p = 2^38 is over the 2^21 "
        "default work limit, in " + src, mutated(set_params(N=32768, r=8, p=1 << 20)),
        "KDF_LIMIT_EXCEEDED")

    # Scrypt parameters: invalid.
    add("scrypt r=2^16, p=2^15: r*p = 2^31 breaks RFC 7914's r*p < 2^30, in " + src,
        mutated(set_params(r=1 << 16, p=1 << 15)), "INVALID_KDF_PARAMS")
    add("scrypt N = 1000, not a power of two, in " + src, mutated(set_params(N=1000)),
        "INVALID_KDF_PARAMS")
    add("scrypt N = 0 in " + src, mutated(set_params(N=0)), "INVALID_KDF_PARAMS")
    add("scrypt r = 0 in " + src, mutated(set_params(r=0)), "INVALID_KDF_PARAMS")
    add("scrypt N = -32768 (negative) in " + src, mutated(set_params(N=-32768)),
        "INVALID_KDF_PARAMS")
    add("scrypt N is the JSON string \"32768\" instead of a number in " + src,
        mutated(set_params(N="32768")), "INVALID_KDF_PARAMS")

    def drop_n(e):
        del e["kdf"]["params"]["N"]
    add("kdf.params has no N in " + src, mutated(drop_n), "MALFORMED_ENVELOPE")

    # Other PEM labels and non-PEM input.
    add("unknown PEM label \"ENCRYPTED FOO KEY\" around the envelope of " + src,
        pem_encode("ENCRYPTED FOO KEY", body), "UNKNOWN_PEM_LABEL")
    add("a PUBLIC KEY PEM (the public key of %s) instead of a key file" % src,
        base["public_key_pem"], "WRONG_KEY_KIND")
    own_key = fixed_ec_key(ec.SECP256R1(), "p256")
    add("an unencrypted PKCS#8 PRIVATE KEY PEM (P-256) instead of a Cosign key file",
        own_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()).decode("ascii"),
        "WRONG_KEY_KIND")
    add("garbage text, not PEM", "this is not a Cosign key file, just some text\n",
        "MALFORMED_PEM")
    add("empty input", "", "MALFORMED_PEM")

    # Envelopes sealed by this script: the plaintext is what is wrong.
    not_key = seal(b"not a key", OWN_PASSWORD, "not-a-key")
    assert open_envelope(not_key, OWN_PASSWORD) == b"not a key"
    add("valid envelope (scrypt N=1024 r=8 p=1) whose plaintext is the 9 bytes \"not a key\", "
        "not PKCS#8", envelope_pem(not_key), "MALFORMED_KEY", pw=OWN_PASSWORD)
    p384 = fixed_ec_key(ec.SECP384R1(), "p384")
    p384_env = seal(pkcs8_der(p384), OWN_PASSWORD, "p384")
    assert open_envelope(p384_env, OWN_PASSWORD) == pkcs8_der(p384)
    add("OK: valid envelope (scrypt N=1024 r=8 p=1) around a PKCS#8 ECDSA P-384 key "
        "(cosign imports P-384 and signs with SHA-384)", envelope_pem(p384_env), "OK",
        pw=OWN_PASSWORD, fingerprint_sha256=fingerprint(p384.public_key()))
    k1 = fixed_ec_key(ec.SECP256K1(), "secp256k1")
    k1_env = seal(pkcs8_der(k1), OWN_PASSWORD, "secp256k1")
    assert open_envelope(k1_env, OWN_PASSWORD) == pkcs8_der(k1)
    add("valid envelope (scrypt N=1024 r=8 p=1) around a well-formed PKCS#8 ECDSA secp256k1 key "
        "(not a NIST curve; cosign refuses it)", envelope_pem(k1_env), "UNSUPPORTED_ALGORITHM",
        pw=OWN_PASSWORD)

    # Inputs that must open.
    add("OK: legacy label ENCRYPTED COSIGN PRIVATE KEY around the unchanged envelope of " + src,
        pem_encode(LEGACY_LABEL, body), "OK", fingerprint_sha256=base["fingerprint_sha256"])
    own_env = seal(pkcs8_der(own_key), OWN_PASSWORD, "p256")
    assert open_envelope(own_env, OWN_PASSWORD) == pkcs8_der(own_key)
    add("OK: envelope sealed by generate_bad_input.py (scrypt N=1024 r=8 p=1) around a PKCS#8 "
        "ECDSA P-256 key", envelope_pem(own_env), "OK", pw=OWN_PASSWORD,
        fingerprint_sha256=fingerprint(own_key.public_key()))
    return cases


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT
    cases = build_cases()
    assert len({c["description"] for c in cases}) == len(cases), "descriptions must be unique"
    with open(out, "w") as f:
        json.dump(cases, f, indent=2)
        f.write("\n")
    print("wrote %d cases to %s" % (len(cases), out))


if __name__ == "__main__":
    main()
