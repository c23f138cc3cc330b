"""The shared vectors under tests/vectors, as every language's suite runs
them: exact fingerprints, exact PEM, exact exception class per error code."""

from __future__ import annotations

import base64
import hashlib
from typing import Any, Dict, Optional

import pytest

from helpers import load_vectors

from cosign_keys import (
    Algorithm,
    CosignKeysError,
    EncryptedPrivateKey,
    ErrorCode,
    InvalidSignatureError,
    PrivateKey,
    PublicKey,
)
from cosign_keys.errors import class_for_code

COSIGN = load_vectors("cosign-generated.json")
BAD_INPUT = load_vectors("bad-input.json")
IMPORT = load_vectors("import.json")


def case_id(case: Dict[str, Any]) -> str:
    return str(case["description"])[:70]


def expect_error(expect: str, exc: CosignKeysError, password: Optional[str]) -> None:
    """The exception is exactly the class the code maps to, with that code."""
    code = ErrorCode[expect]
    assert type(exc) is class_for_code(code), f"{type(exc).__name__} for {expect}"
    assert exc.code == code
    assert exc.code_name == expect
    if password is not None and len(password) >= 4:
        assert password not in str(exc)
        assert password not in repr(exc)


@pytest.mark.parametrize("case", COSIGN, ids=case_id)
def test_cosign_generated(case: Dict[str, Any]) -> None:
    algorithm = Algorithm(case["algorithm"])
    private_pem = case["private_key_pem"].encode()
    public_pem = case["public_key_pem"].encode()
    blob = base64.b64decode(case["blob_b64"])
    cosign_sig = base64.b64decode(case["signature_b64"])

    key = PrivateKey.from_cosign_pem(private_pem, case["password"])
    assert key.algorithm is algorithm
    assert key.public_key.to_pem() == public_pem
    assert str(key.fingerprint) == case["fingerprint_sha256"]
    assert key.fingerprint.hex == case["fingerprint_hex"]

    public = PublicKey.from_pem(public_pem)
    assert public == key.public_key
    assert str(public.fingerprint) == case["fingerprint_sha256"]

    # cosign's own signature verifies, over the blob and over its digest.
    public.verify(blob, cosign_sig)
    if algorithm.hash_alg is not None:
        public.verify_digest(hashlib.new(algorithm.hash_alg, blob).digest(), cosign_sig)

    # A fresh signature verifies; a one-bit flip does not.
    public.verify(blob, key.sign(blob))
    flipped = bytearray(cosign_sig)
    flipped[len(flipped) // 2] ^= 0x01
    with pytest.raises(InvalidSignatureError):
        public.verify(blob, bytes(flipped))


@pytest.mark.parametrize("case", COSIGN[:1], ids=case_id)
def test_cosign_generated_parsed_first(case: Dict[str, Any]) -> None:
    locked = EncryptedPrivateKey.from_pem(case["private_key_pem"].encode())
    assert locked.scrypt_params.is_cosign_compatible
    assert str(locked.decrypt(case["password"]).fingerprint) == case["fingerprint_sha256"]


@pytest.mark.parametrize("case", BAD_INPUT, ids=case_id)
def test_bad_input(case: Dict[str, Any]) -> None:
    data = case["input_pem"].encode()
    password: str = case["password"]
    if case["expect"] == "OK":
        key = EncryptedPrivateKey.from_pem(data).decrypt(password)
        assert str(key.fingerprint) == case["fingerprint_sha256"]
        return
    with pytest.raises(CosignKeysError) as info:
        EncryptedPrivateKey.from_pem(data).decrypt(password)
    expect_error(case["expect"], info.value, password)
    # The one-call form fails the same way.
    with pytest.raises(CosignKeysError) as again:
        PrivateKey.from_cosign_pem(data, password)
    assert type(again.value) is type(info.value)
    assert again.value.code == info.value.code


@pytest.mark.parametrize("case", IMPORT, ids=case_id)
def test_import(case: Dict[str, Any]) -> None:
    data = base64.b64decode(case["input_b64"])
    password: Optional[str] = case["password"]
    if case["expect"] == "OK":
        key = PrivateKey.import_key(data, password)
        assert key.algorithm is Algorithm(case["algorithm"])
        assert str(key.fingerprint) == case["fingerprint_sha256"]
        return
    with pytest.raises(CosignKeysError) as info:
        PrivateKey.import_key(data, password)
    expect_error(case["expect"], info.value, password)


def test_vectors_cover_every_algorithm_cosign_writes() -> None:
    seen = {Algorithm(c["algorithm"]) for c in COSIGN}
    assert {Algorithm.ECDSA_P256, Algorithm.ED25519, Algorithm.RSA_2048} <= seen
