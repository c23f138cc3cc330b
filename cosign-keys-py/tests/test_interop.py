"""Interop with pyca/cryptography: our public keys load there and our
signatures verify there; keys it generates (in every serialization it
offers) import here, sign here and verify there, and the reverse."""

from __future__ import annotations

import functools
import hashlib
from typing import Callable, Union

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from helpers import generated_key

from cosign_keys import Algorithm, InvalidSignatureError, PrivateKey, PublicKey

PycaPrivate = Union[ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey, rsa.RSAPrivateKey]
PycaPublic = Union[ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey, rsa.RSAPublicKey]

INTEROP = [
    Algorithm.ECDSA_P256,
    Algorithm.ECDSA_P384,
    Algorithm.ECDSA_P521,
    Algorithm.ED25519,
    Algorithm.RSA_2048,
    Algorithm.RSA_3072,
]

_CURVES: dict[Algorithm, ec.EllipticCurve] = {
    Algorithm.ECDSA_P256: ec.SECP256R1(),
    Algorithm.ECDSA_P384: ec.SECP384R1(),
    Algorithm.ECDSA_P521: ec.SECP521R1(),
}
_HASHES: dict[Algorithm, Callable[[], hashes.HashAlgorithm]] = {
    Algorithm.ECDSA_P256: hashes.SHA256,
    Algorithm.ECDSA_P384: hashes.SHA384,
    Algorithm.ECDSA_P521: hashes.SHA512,
    Algorithm.RSA_2048: hashes.SHA256,
    Algorithm.RSA_3072: hashes.SHA256,
}


@functools.lru_cache(maxsize=None)
def pyca_key(algorithm: Algorithm) -> PycaPrivate:
    if algorithm in _CURVES:
        return ec.generate_private_key(_CURVES[algorithm])
    if algorithm is Algorithm.ED25519:
        return ed25519.Ed25519PrivateKey.generate()
    bits = {Algorithm.RSA_2048: 2048, Algorithm.RSA_3072: 3072}[algorithm]
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def pyca_verify(public: PycaPublic, algorithm: Algorithm, signature: bytes, blob: bytes) -> None:
    """Verifies as cosign does: ECDSA over the curve's hash, RSA PKCS#1 v1.5
    with SHA-256, pure Ed25519. Raises InvalidSignature on failure."""
    if isinstance(public, ec.EllipticCurvePublicKey):
        public.verify(signature, blob, ec.ECDSA(_HASHES[algorithm]()))
    elif isinstance(public, rsa.RSAPublicKey):
        public.verify(signature, blob, padding.PKCS1v15(), hashes.SHA256())
    else:
        public.verify(signature, blob)


def pyca_sign(private: PycaPrivate, algorithm: Algorithm, blob: bytes) -> bytes:
    if isinstance(private, ec.EllipticCurvePrivateKey):
        return private.sign(blob, ec.ECDSA(_HASHES[algorithm]()))
    if isinstance(private, rsa.RSAPrivateKey):
        return private.sign(blob, padding.PKCS1v15(), hashes.SHA256())
    return private.sign(blob)


def spki_der(public: PycaPublic) -> bytes:
    return public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def as_public(obj: object) -> PycaPublic:
    assert isinstance(
        obj, (ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey, rsa.RSAPublicKey)
    ), type(obj)
    return obj


@pytest.mark.parametrize("algorithm", INTEROP, ids=str)
def test_our_public_key_and_signatures_work_in_pyca(algorithm: Algorithm) -> None:
    key = generated_key(algorithm)
    theirs = as_public(serialization.load_pem_public_key(key.public_key.to_pem()))
    assert as_public(serialization.load_der_public_key(key.public_key.to_der())) is not None
    # Same SPKI DER, so the same fingerprint any tool computes.
    assert spki_der(theirs) == key.public_key.to_der()
    assert hashlib.sha256(spki_der(theirs)).digest() == key.fingerprint.raw

    blob = b"signed here, verified by pyca/cryptography"
    pyca_verify(theirs, algorithm, key.sign(blob), blob)
    if algorithm.hash_alg is not None:
        digest = hashlib.new(algorithm.hash_alg, blob).digest()
        pyca_verify(theirs, algorithm, key.sign_digest(digest), blob)
    with pytest.raises(InvalidSignature):
        pyca_verify(theirs, algorithm, key.sign(b"something else"), blob)


@pytest.mark.parametrize("algorithm", INTEROP, ids=str)
def test_our_pkcs8_export_loads_in_pyca(algorithm: Algorithm) -> None:
    key = generated_key(algorithm)
    theirs = serialization.load_pem_private_key(bytes(key.to_pkcs8_pem()), password=None)
    assert spki_der(as_public(theirs.public_key())) == key.public_key.to_der()


def _formats(
    private: PycaPrivate,
) -> list[tuple[str, bytes, str | None]]:
    """(label, serialized key, password) in each encoding pyca offers."""
    pem, der = serialization.Encoding.PEM, serialization.Encoding.DER
    pkcs8 = serialization.PrivateFormat.PKCS8
    none = serialization.NoEncryption()
    pw = "pyca export password"
    enc = serialization.BestAvailableEncryption(pw.encode())
    out: list[tuple[str, bytes, str | None]] = [
        ("pkcs8-pem", private.private_bytes(pem, pkcs8, none), None),
        ("pkcs8-der", private.private_bytes(der, pkcs8, none), None),
        ("pkcs8-pem-encrypted", private.private_bytes(pem, pkcs8, enc), pw),
        ("pkcs8-der-encrypted", private.private_bytes(der, pkcs8, enc), pw),
    ]
    if not isinstance(private, ed25519.Ed25519PrivateKey):
        # SEC1 for EC, PKCS#1 for RSA.
        trad = serialization.PrivateFormat.TraditionalOpenSSL
        out.append(("traditional-pem", private.private_bytes(pem, trad, none), None))
        out.append(("traditional-der", private.private_bytes(der, trad, none), None))
    return out


@pytest.mark.parametrize("algorithm", INTEROP, ids=str)
def test_pyca_keys_import_here(algorithm: Algorithm) -> None:
    theirs = pyca_key(algorithm)
    their_public = as_public(theirs.public_key())
    blob = b"signed by an imported key"
    for label, data, password in _formats(theirs):
        ours = PrivateKey.import_key(data, password)
        assert ours.algorithm is algorithm, label
        assert ours.public_key.to_der() == spki_der(their_public), label
        assert ours.fingerprint.raw == hashlib.sha256(spki_der(their_public)).digest(), label
        # Signed here, verified there.
        pyca_verify(their_public, algorithm, ours.sign(blob), blob)


@pytest.mark.parametrize("algorithm", INTEROP, ids=str)
def test_pyca_signatures_verify_here(algorithm: Algorithm) -> None:
    theirs = pyca_key(algorithm)
    public = PublicKey.from_der(spki_der(as_public(theirs.public_key())))
    blob = b"signed by pyca/cryptography"
    sig = pyca_sign(theirs, algorithm, blob)
    public.verify(blob, sig)
    with pytest.raises(InvalidSignatureError):
        public.verify(b"tampered", sig)


def test_pyca_key_sealed_into_a_cosign_file() -> None:
    theirs = pyca_key(Algorithm.ECDSA_P256)
    pkcs8 = theirs.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    cosign_key = PrivateKey.import_key(pkcs8).encrypt("pw", n=1024)
    unlocked = PrivateKey.from_cosign_pem(cosign_key, "pw")
    assert unlocked.public_key.to_der() == spki_der(as_public(theirs.public_key()))
