"""KMS keys from Python: cosign's URI syntaxes and their errors, and
create / public key / sign / bulk sign / versions / rotate against the real
servers: OpenBao's transit engine (hashivault://), moto (awskms://) and the
Lowkey Vault Azure Key Vault emulator (azurekms://).

Every signature is checked with our verifier and with pyca/cryptography,
which is what `cosign verify-blob --key <PEM>` amounts to for these keys."""

from __future__ import annotations

import doctest
import hashlib
import os
import socket
import time
from typing import Iterator, List, Union

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from servers import AWS_VARS, AZURE_VARS, VAULT_VARS, require, unique

import cosign_keys
from cosign_keys import (
    AlreadyExistsError,
    Algorithm,
    CosignKeysError,
    ErrorCode,
    InvalidArgumentError,
    KmsKey,
    KmsKeyVersion,
    NotFound,
    NotSupportedError,
    PermissionDenied,
    PublicKey,
    UnavailableError,
)

# --- URIs -----------------------------------------------------------------


@pytest.mark.parametrize(
    "uri",
    [
        "hashivault://release-2026",
        "hashivault://a",
        "awskms:///alias/release",
        "awskms://127.0.0.1:4566/alias/release",
        "awskms:///1234abcd-12ab-34cd-56ef-1234567890ab",
        "awskms:///arn:aws:kms:us-east-1:123456789012:alias/release",
        "azurekms://myvault.vault.azure.net/release",
        "azurekms://myvault.vault.azure.net/release/0123456789abcdef",
        "gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k",
        "gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k/cryptoKeyVersions/3",
    ],
)
def test_parse_kms_handle_round_trips(uri: str) -> None:
    assert cosign_keys.parse_kms_handle(uri) == uri
    assert cosign_keys.is_kms_uri(uri)


@pytest.mark.parametrize(
    ("uri", "says"),
    [
        ("cosign.key", "not a KMS URI"),
        ("hashivault://bad key", "transit key name"),
        ("hashivault://-leading", "transit key name"),
        ("awskms://", "needs `/`"),
        ("awskms:///not-a-key", "bad key"),
        ("awskms://bad host/alias/x", "bad endpoint"),
        ("azurekms://myvault.vault.azure.net", "vault host"),
        ("azurekms://myvault.vault.azure.net/bad_name", "bad key name"),
        ("gcpkms://projects/p/keyRings/r", "projects/<p>/locations"),
        ("vault-kv://secret/x", "unknown KMS scheme"),
    ],
)
def test_bad_kms_uri_is_invalid_argument(uri: str, says: str) -> None:
    for call in (cosign_keys.parse_kms_handle, KmsKey.open, cosign_keys.open_kms_key):
        with pytest.raises(InvalidArgumentError) as info:
            call(uri)
        assert info.value.code == ErrorCode.INVALID_URI
        assert says in str(info.value)
    assert not cosign_keys.is_kms_uri("cosign.key")
    assert not cosign_keys.is_kms_uri("vault-kv://secret/x")


def test_gcpkms_is_not_supported_in_this_build() -> None:
    with pytest.raises(NotSupportedError) as info:
        KmsKey.open("gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k")
    assert info.value.code == ErrorCode.NOT_SUPPORTED
    assert "not supported in this build" in str(info.value)
    # Also an UnsupportedOperationError (and so a ValueError).
    assert isinstance(info.value, cosign_keys.UnsupportedOperationError)


def test_kms_module_doctests() -> None:
    results = doctest.testmod(cosign_keys.kms, optionflags=doctest.ELLIPSIS)
    assert results.attempted >= 2
    assert results.failed == 0


# --- checks shared by the backends ------------------------------------------


def pyca_verify(public: PublicKey, data: bytes, signature: bytes, *, prehashed: bool = False) -> None:
    """Verifies as cosign does, with pyca/cryptography (raises if invalid)."""
    loaded = serialization.load_der_public_key(public.to_der())
    algorithm: Union[hashes.SHA256, Prehashed] = Prehashed(hashes.SHA256()) if prehashed else hashes.SHA256()
    if isinstance(loaded, ec.EllipticCurvePublicKey):
        loaded.verify(signature, data, ec.ECDSA(algorithm))
    elif isinstance(loaded, rsa.RSAPublicKey):
        loaded.verify(signature, data, padding.PKCS1v15(), algorithm)
    else:  # pragma: no cover
        raise AssertionError(f"unexpected key type {type(loaded)}")


def check_digest_signature(public: PublicKey, digest: bytes, signature: bytes, *, moto: bool) -> None:
    """A signature over `digest`, as cosign makes it. Under moto, which
    ignores MessageType=DIGEST and signs sha256(digest) instead
    (tests/servers/NOTES.md), exactly that deviation is accepted, so the
    right digest still has to have reached the server."""
    try:
        public.verify_digest(digest, signature)
    except cosign_keys.InvalidSignatureError:
        if not moto:
            raise
        public.verify(digest, signature)  # over sha256(digest): moto's known deviation
        return
    pyca_verify(public, digest, signature, prehashed=True)


def check_signing(kms: KmsKey, public: PublicKey, *, moto: bool = False) -> None:
    # Blob signing gives a signature cosign verify-blob accepts on every
    # backend (awskms sends blobs up to 4096 bytes RAW, which moto honours).
    blob = b"release artifact " * 100
    signature = kms.sign_blob(blob)
    public.verify(blob, signature)
    pyca_verify(public, blob, signature)

    digest = hashlib.sha256(blob).digest()
    check_digest_signature(public, digest, kms.sign_digest(digest), moto=moto)


def check_bulk_signing(kms: KmsKey, public: PublicKey, count: int, *, moto: bool = False) -> None:
    blobs = [b"artifact %d" % i for i in range(count)]
    digests: List[bytes] = [hashlib.sha256(b).digest() for b in blobs]
    # One bad item (a digest of the wrong length) in the middle.
    bad = count // 2
    items: List[Union[bytes, bytearray]] = list(digests)
    items[bad] = b"\x00" * 5
    items[1] = bytearray(digests[1])  # any bytes-like item
    results = kms.sign_digests(items)
    assert len(results) == count
    for i, (blob, result) in enumerate(zip(blobs, results)):
        if i == bad:
            assert isinstance(result, CosignKeysError), result
            assert result.code in (ErrorCode.INVALID_ARGUMENT, ErrorCode.BACKEND), result
            continue
        assert isinstance(result, bytes), (i, result)
        # In input order: signature i is over digest i.
        check_digest_signature(public, digests[i], result, moto=moto)
    assert kms.sign_digests([]) == []
    with pytest.raises(TypeError):
        kms.sign_digests([digests[0], "text"])  # type: ignore[list-item]


# --- hashivault:// (OpenBao transit) ----------------------------------------


@pytest.fixture
def transit_key() -> Iterator[KmsKey]:
    require(*VAULT_VARS)
    with KmsKey.open(f"hashivault://{unique('pytest')}") as kms:
        yield kms


def test_transit_create_sign_verify(transit_key: KmsKey) -> None:
    public = transit_key.create()
    assert public.algorithm is Algorithm.ECDSA_P256
    assert transit_key.public_key() == public
    check_signing(transit_key, public)
    with pytest.raises(AlreadyExistsError):
        transit_key.create()


def test_transit_bulk_signing_in_input_order(transit_key: KmsKey) -> None:
    public = transit_key.create()
    check_bulk_signing(transit_key, public, 200)


def test_transit_versions_and_rotation(transit_key: KmsKey) -> None:
    first = transit_key.create()
    (v1,) = transit_key.versions()
    assert isinstance(v1, KmsKeyVersion)
    assert v1.version == "1" and v1.public_key == first

    new_version = transit_key.rotate()
    assert new_version == "2"
    versions = transit_key.versions()
    assert [v.version for v in versions] == ["1", "2"]
    assert versions[0].public_key == first
    second = transit_key.public_key()
    assert second == versions[1].public_key != first
    # New signatures come from the new version; the old key does not verify them.
    signature = transit_key.sign_blob(b"after rotation")
    second.verify(b"after rotation", signature)
    with pytest.raises(cosign_keys.InvalidSignatureError):
        first.verify(b"after rotation", signature)


def test_transit_rsa(transit_key: KmsKey) -> None:
    public = transit_key.create(Algorithm.RSA_2048)
    assert public.algorithm is Algorithm.RSA_2048
    check_signing(transit_key, public)


def test_transit_missing_key_is_not_found() -> None:
    require(*VAULT_VARS)
    name = unique("pytest-missing")
    with KmsKey.open(f"hashivault://{name}") as kms:
        with pytest.raises(NotFound) as info:
            kms.public_key()
        assert name in str(info.value)
        with pytest.raises(NotFound):
            kms.sign_blob(b"x")


def test_transit_read_only_token_cannot_create(monkeypatch: pytest.MonkeyPatch) -> None:
    require(*VAULT_VARS)
    token = require("COSIGN_KEYS_TEST_READONLY_TOKEN")["COSIGN_KEYS_TEST_READONLY_TOKEN"]
    name = unique("pytest-ro")
    monkeypatch.setenv("VAULT_TOKEN", token)
    with KmsKey.open(f"hashivault://{name}") as kms:
        with pytest.raises(PermissionDenied) as info:
            kms.create()
        assert token not in str(info.value)
    monkeypatch.undo()
    with KmsKey.open(f"hashivault://{name}") as kms:
        with pytest.raises(NotFound):
            kms.public_key()


# --- awskms:// (moto) -------------------------------------------------------


@pytest.fixture
def aws_endpoint() -> str:
    return require(*AWS_VARS)["COSIGN_KEYS_TEST_AWSKMS_ENDPOINT"]


@pytest.fixture
def aws_key(aws_endpoint: str) -> Iterator[KmsKey]:
    with KmsKey.open(f"awskms://{aws_endpoint}/alias/{unique('pytest')}") as kms:
        yield kms


def test_awskms_create_sign_verify(aws_key: KmsKey) -> None:
    public = aws_key.create()
    assert public.algorithm is Algorithm.ECDSA_P256
    assert aws_key.public_key() == public
    check_signing(aws_key, public, moto=True)
    (version,) = aws_key.versions()
    assert version.public_key == public
    assert version.created_at is not None and version.created_at.tzinfo is not None
    with pytest.raises(AlreadyExistsError):
        aws_key.create()


def test_awskms_rsa(aws_key: KmsKey) -> None:
    public = aws_key.create(Algorithm.RSA_2048)
    assert public.algorithm is Algorithm.RSA_2048
    check_signing(aws_key, public, moto=True)


def test_awskms_bulk_signing_in_input_order(aws_key: KmsKey) -> None:
    public = aws_key.create()
    check_bulk_signing(aws_key, public, 20, moto=True)


def test_awskms_rotate_moves_the_alias_to_a_new_key(aws_key: KmsKey) -> None:
    first = aws_key.create()
    (old,) = aws_key.versions()
    new_id = aws_key.rotate()
    assert new_id != old.version
    (current,) = aws_key.versions()
    assert current.version == new_id
    second = aws_key.public_key()
    assert second == current.public_key != first
    signature = aws_key.sign_blob(b"after rotation")
    second.verify(b"after rotation", signature)
    with pytest.raises(cosign_keys.InvalidSignatureError):
        first.verify(b"after rotation", signature)


def test_awskms_rotate_needs_an_alias(aws_endpoint: str) -> None:
    with KmsKey.open(f"awskms://{aws_endpoint}/1234abcd-12ab-34cd-56ef-1234567890ab") as kms:
        with pytest.raises(NotSupportedError, match="alias"):
            kms.rotate()


def test_awskms_missing_key_is_not_found(aws_endpoint: str) -> None:
    name = unique("pytest-missing")
    with KmsKey.open(f"awskms://{aws_endpoint}/alias/{name}") as kms:
        with pytest.raises(NotFound) as info:
            kms.public_key()
        assert name in str(info.value)


# --- azurekms:// (Lowkey Vault) ---------------------------------------------


@pytest.fixture
def azure_vault() -> str:
    return require(*AZURE_VARS)["COSIGN_KEYS_TEST_AZURE_VAULT"]


def test_azurekms_create_sign_rotate_and_pinned_versions(azure_vault: str) -> None:
    uri = f"azurekms://{azure_vault}/{unique('pytest')}"
    with KmsKey.open(uri) as kms:
        first = kms.create()
        assert first.algorithm is Algorithm.ECDSA_P256
        assert kms.public_key() == first
        check_signing(kms, first)
        check_bulk_signing(kms, first, 20)
        with pytest.raises(AlreadyExistsError):
            kms.create()
        (v1,) = kms.versions()
        assert v1.public_key == first and v1.created_at is not None
        old_signature = kms.sign_blob(b"before rotation")

        new_version = kms.rotate()
        assert new_version != v1.version
        second = kms.public_key()
        assert second != first
        versions = kms.versions()
        assert {v.version for v in versions} == {v1.version, new_version}
        assert len(versions) == 2 and versions[0].public_key != versions[1].public_key
        assert all(v.public_key in (first, second) for v in versions)
        signature = kms.sign_blob(b"after rotation")
        second.verify(b"after rotation", signature)
        with pytest.raises(cosign_keys.InvalidSignatureError):
            first.verify(b"after rotation", signature)
        first.verify(b"before rotation", old_signature)

    # A handle pinned to the first version keeps signing with it.
    with KmsKey.open(f"{uri}/{v1.version}") as pinned:
        assert pinned.public_key() == first
        first.verify(b"pinned", pinned.sign_blob(b"pinned"))
        with pytest.raises(InvalidArgumentError):
            pinned.rotate()


@pytest.mark.parametrize("algorithm", [Algorithm.ECDSA_P384, Algorithm.ECDSA_P521, Algorithm.RSA_2048], ids=str)
def test_azurekms_algorithms(azure_vault: str, algorithm: Algorithm) -> None:
    with KmsKey.open(f"azurekms://{azure_vault}/{unique('pytest')}") as kms:
        public = kms.create(algorithm)
        assert public.algorithm is algorithm
        blob = b"release artifact"
        public.verify(blob, kms.sign_blob(blob))
        if algorithm is Algorithm.RSA_2048:
            pyca_verify(public, blob, kms.sign_blob(blob))


def test_azurekms_missing_key_and_foreign_vault(azure_vault: str) -> None:
    token = os.environ["COSIGN_KEYS_AZURE_TOKEN"]
    name = unique("pytest-missing")
    with KmsKey.open(f"azurekms://{azure_vault}/{name}") as kms:
        with pytest.raises(NotFound) as info:
            kms.public_key()
        assert name in str(info.value) and token not in str(info.value)
        with pytest.raises(NotFound):
            kms.sign_blob(b"x")
    # 127.0.0.1:<port> is not a vault the emulator serves (it routes by Host).
    port = azure_vault.rsplit(":", 1)[1]
    with KmsKey.open(f"azurekms://127.0.0.1:{port}/{unique('pytest-nv')}") as kms:
        with pytest.raises(CosignKeysError) as failed:
            kms.public_key()
        assert failed.value.code in (ErrorCode.NOT_FOUND, ErrorCode.PERMISSION_DENIED, ErrorCode.BACKEND)
        assert "127.0.0.1" in str(failed.value) and token not in str(failed.value)


def test_azurekms_stopped_server_is_unavailable(azure_vault: str) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.monotonic()
    with KmsKey.open(f"azurekms://localhost:{port}/k") as kms:
        with pytest.raises(UnavailableError) as info:
            kms.public_key()
    assert time.monotonic() - started < 15
    assert str(port) in str(info.value)
