"""Round trips for every algorithm: generate, seal, unlock, export, import,
sign and verify (blobs and digests)."""

from __future__ import annotations

import hashlib
from typing import List, Union

import pytest

from helpers import FAST_N, generated_key

from cosign_keys import (
    Algorithm,
    EncryptedKey,
    EncryptedPrivateKey,
    Fingerprint,
    IncorrectPasswordError,
    InvalidSignatureError,
    PrivateKey,
    PublicKey,
    ScryptParams,
    UnsupportedOperationError,
)

ALL = list(Algorithm)


def test_every_native_algorithm_is_an_enum_member() -> None:
    from cosign_keys import _native

    assert [name for name, _ in _native.algorithm_table()] == [a.value for a in Algorithm]


@pytest.mark.parametrize("algorithm", ALL, ids=str)
def test_generate_reports_algorithm(algorithm: Algorithm) -> None:
    key = generated_key(algorithm)
    assert key.algorithm is algorithm
    assert key.public_key.algorithm is algorithm
    assert key.fingerprint == key.public_key.fingerprint


@pytest.mark.parametrize("algorithm", ALL, ids=str)
def test_seal_and_unlock(algorithm: Algorithm) -> None:
    key = generated_key(algorithm)
    pem = key.encrypt("pass phrase", n=FAST_N)
    assert pem.startswith(b"-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n")
    assert pem.endswith(b"-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n")

    unlocked = PrivateKey.from_cosign_pem(pem, "pass phrase")
    assert unlocked.fingerprint == key.fingerprint
    assert unlocked.algorithm is algorithm

    # bytes and bytearray passwords are the UTF-8 of the str.
    assert PrivateKey.from_cosign_pem(pem, "pass phrase".encode()).fingerprint == key.fingerprint
    assert PrivateKey.from_cosign_pem(pem, bytearray(b"pass phrase")).fingerprint == key.fingerprint

    locked = EncryptedPrivateKey.from_pem(pem)
    assert locked.scrypt_params == ScryptParams(n=FAST_N, r=8, p=1)
    assert locked.decrypt("pass phrase").fingerprint == key.fingerprint
    with pytest.raises(IncorrectPasswordError):
        locked.decrypt("wrong")


def test_non_ascii_password_is_utf8() -> None:
    key = generated_key(Algorithm.ED25519)
    pem = key.encrypt("pässwörd ✓", n=FAST_N)
    assert PrivateKey.from_cosign_pem(pem, "pässwörd ✓".encode("utf-8")).fingerprint == key.fingerprint


def test_empty_password_is_allowed_as_in_cosign() -> None:
    key = generated_key(Algorithm.ECDSA_P256)
    pem = key.encrypt("", n=FAST_N)
    assert PrivateKey.from_cosign_pem(pem, b"").fingerprint == key.fingerprint


def test_default_cost_is_cosigns() -> None:
    key = generated_key(Algorithm.ECDSA_P256)
    pem = key.encrypt(b"pw")
    params = EncryptedKey.from_pem(pem).scrypt_params
    assert (params.n, params.r, params.p) == (65536, 8, 1)
    assert params.is_cosign_compatible
    assert PrivateKey.from_cosign_pem(pem, b"pw").fingerprint == key.fingerprint


@pytest.mark.parametrize("algorithm", ALL, ids=str)
def test_pkcs8_export_imports_back(algorithm: Algorithm) -> None:
    key = generated_key(algorithm)
    pem = key.to_pkcs8_pem()
    assert isinstance(pem, bytearray)
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----\n")
    assert PrivateKey.import_key(pem).fingerprint == key.fingerprint
    der = key.to_pkcs8_der()
    assert isinstance(der, bytearray)
    assert PrivateKey.import_key(bytes(der)).fingerprint == key.fingerprint


@pytest.mark.parametrize("algorithm", ALL, ids=str)
def test_cosign_key_file_imports_with_password(algorithm: Algorithm) -> None:
    key = generated_key(algorithm)
    pem = key.encrypt("pw", n=FAST_N)
    assert PrivateKey.import_key(pem, "pw").fingerprint == key.fingerprint


@pytest.mark.parametrize("algorithm", ALL, ids=str)
def test_public_key_pem_and_der(algorithm: Algorithm) -> None:
    public = generated_key(algorithm).public_key
    pem = public.to_pem()
    assert pem.startswith(b"-----BEGIN PUBLIC KEY-----\n")
    again = PublicKey.from_pem(pem)
    assert again == public
    assert hash(again) == hash(public)
    assert PublicKey.from_der(public.to_der()) == public
    assert again.fingerprint == public.fingerprint
    assert public.fingerprint.raw == hashlib.sha256(public.to_der()).digest()


@pytest.mark.parametrize("algorithm", ALL, ids=str)
def test_sign_and_verify(algorithm: Algorithm) -> None:
    key = generated_key(algorithm)
    public = key.public_key
    sig = key.sign(b"release artifact")
    assert isinstance(sig, bytes)
    public.verify(b"release artifact", sig)
    public.verify(bytearray(b"release artifact"), memoryview(sig))
    with pytest.raises(InvalidSignatureError):
        public.verify(b"another artifact", sig)
    flipped = bytearray(sig)
    flipped[len(flipped) // 2] ^= 0x01
    with pytest.raises(InvalidSignatureError):
        public.verify(b"release artifact", bytes(flipped))


@pytest.mark.parametrize("algorithm", [a for a in ALL if a.signs_digests], ids=str)
def test_sign_and_verify_digest(algorithm: Algorithm) -> None:
    key = generated_key(algorithm)
    blob = b"artifact signed by digest"
    assert algorithm.hash_alg is not None
    digest = hashlib.new(algorithm.hash_alg, blob).digest()

    sig = key.sign_digest(digest)
    key.public_key.verify(blob, sig)  # the same signature as sign(blob)
    key.public_key.verify_digest(digest, sig)
    key.public_key.verify_digest(digest, key.sign(blob))
    with pytest.raises(InvalidSignatureError):
        key.public_key.verify_digest(hashlib.new(algorithm.hash_alg, b"other").digest(), sig)


def test_ed25519_has_no_digest_signing() -> None:
    key = generated_key(Algorithm.ED25519)
    assert Algorithm.ED25519.hash_alg is None
    assert not Algorithm.ED25519.signs_digests
    with pytest.raises(UnsupportedOperationError):
        key.sign_digest(hashlib.sha256(b"x").digest())
    with pytest.raises(UnsupportedOperationError):
        key.public_key.verify_digest(hashlib.sha256(b"x").digest(), key.sign(b"x"))


@pytest.mark.parametrize("algorithm", ALL, ids=str)
def test_sign_many(algorithm: Algorithm) -> None:
    key = generated_key(algorithm)
    blobs: List[Union[bytes, bytearray, memoryview]] = [b"one", bytearray(b"two"), memoryview(b"three")]
    sigs = key.sign_many(blobs)
    assert len(sigs) == 3
    for blob, sig in zip(blobs, sigs):
        key.public_key.verify(blob, sig)
    assert key.sign_many(iter([])) == []


def test_change_password() -> None:
    key = generated_key(Algorithm.ECDSA_P256)
    old = EncryptedKey.from_pem(key.encrypt("old", n=FAST_N))
    new = old.change_password("old", bytearray(b"new"))
    assert new.scrypt_params == old.scrypt_params
    assert new != old
    assert new.decrypt(b"new").fingerprint == key.fingerprint
    with pytest.raises(IncorrectPasswordError):
        new.decrypt("old")
    with pytest.raises(IncorrectPasswordError):
        old.change_password("not old", "new")
    # to_pem round-trips the parsed file.
    assert EncryptedKey.from_pem(new.to_pem()) == new


def test_fingerprint_text_forms() -> None:
    fp = generated_key(Algorithm.ECDSA_P256).fingerprint
    text = str(fp)
    assert text.startswith("SHA256:")
    assert not text.endswith("=")
    assert Fingerprint(text) == fp
    assert Fingerprint(fp.hex) == fp
    assert Fingerprint(fp.hex.upper()) == fp
    assert len(fp.hex) == 64 and fp.hex == fp.raw.hex()
    assert repr(fp) == f"Fingerprint('{text}')"
    assert {fp: 1}[Fingerprint(text)] == 1
    assert fp != text  # no implicit comparison with strings
