"""Key stores from Python: URI parsing and its errors, the file store round
trip for every algorithm, versions, check-and-set, deletes, the env:// store,
and the Python conventions of Store and its records (immutability, no
pickling of a password, wiping, closing)."""

from __future__ import annotations

import copy
import dataclasses
import doctest
import os
import pickle
import socket
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import List

import pytest

from helpers import FAST_N, generated_key
from servers import AZURE_VARS, require, unique

import cosign_keys
from cosign_keys import (
    AlreadyExistsError,
    Algorithm,
    Conflict,
    CosignKeysError,
    EncryptedPrivateKey,
    ErrorCode,
    InvalidArgumentError,
    KeyMetadata,
    NotFound,
    NotSupportedError,
    PrivateKey,
    PublicKey,
    Store,
    StoredKey,
    StoredPublicKey,
    UnavailableError,
    VersionInfo,
    VersionState,
)

PASSWORD = "store test password"


def sealed(key: PrivateKey) -> bytes:
    return key.encrypt(PASSWORD, n=FAST_N)


# --- URIs -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "canonical"),
    [
        ("keys/prod", "keys/prod"),
        ("file://localhost/etc/cosign/", "file:///etc/cosign"),
        ("file:///srv/my%20keys", "file:///srv/my%20keys"),
        ("file:///etc/cosign", "file:///etc/cosign"),
        ("file:///etc/cosign?prefix=release", "file:///etc/cosign?prefix=release"),
        ("file:///etc/cosign?prefix=cosign", "file:///etc/cosign"),
        ("env://COSIGN_PRIVATE_KEY", "env://COSIGN_PRIVATE_KEY"),
        ("vault-kv://secret/team/cosign", "vault-kv://secret/team/cosign"),
        ("vault-kv://secret/team/cosign/", "vault-kv://secret/team/cosign"),
        ("azure-secret://myvault/cosign-private-key", "azure-secret://myvault/cosign-private-key"),
    ],
)
def test_parse_key_ref_gives_the_canonical_form(uri: str, canonical: str) -> None:
    assert cosign_keys.parse_key_ref(uri) == canonical
    assert cosign_keys.parse_key_ref(canonical) == canonical


@pytest.mark.parametrize(
    ("uri", "says"),
    [
        ("", "empty"),
        ("file://", "directory"),
        ("file://evil.example/tmp/x", "host `evil.example`"),
        ("file:///k?prefix=..", "prefix"),
        ("file:///k?mode=0600", "unknown query parameter"),
        ("env://", "variable name"),
        ("env://1BAD", "variable name"),
        ("vault-kv://secret", "mount and a path"),
        ("vault-kv://secret/a//b", "bad path"),
        ("vault-kv://secret/../x", "bad path"),
        ("azure-secret://myvault", "vault and a secret name"),
        ("azure-secret://x/name", "bad vault"),
        ("ftp://host/key", "unknown scheme `ftp`"),
        ("hashivault://release", "KMS"),
        ("awskms:///alias/release", "KMS"),
    ],
)
def test_bad_store_uri_is_invalid_argument(uri: str, says: str) -> None:
    for call in (cosign_keys.parse_key_ref, Store.open, cosign_keys.open_store):
        with pytest.raises(InvalidArgumentError) as info:
            call(uri)
        assert info.value.code == ErrorCode.INVALID_URI
        assert info.value.code_name == "INVALID_URI"
        assert says in str(info.value)
        assert isinstance(info.value, ValueError)


def test_uri_argument_must_be_a_string() -> None:
    with pytest.raises(TypeError):
        Store.open(b"keys")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        cosign_keys.parse_key_ref(None)  # type: ignore[arg-type]


# --- file store -------------------------------------------------------------


@pytest.mark.parametrize("algorithm", list(Algorithm), ids=str)
def test_file_store_round_trip(algorithm: Algorithm, tmp_path: Path) -> None:
    key = generated_key(algorithm)
    pem = sealed(key)
    before = datetime.now(timezone.utc).replace(microsecond=0)
    with Store.open(str(tmp_path / "keys")) as store:
        assert store.versions() == []
        version = store.put(pem, key.public_key, created_by="pytest", labels={"team": "release"})
        assert version == 1

        stored = store.get()
        assert isinstance(stored, StoredKey)
        assert stored.version == 1
        assert stored.encrypted_key == EncryptedPrivateKey.from_pem(pem)
        assert stored.public_key == key.public_key
        assert stored.password is None

        unlocked = stored.decrypt(PASSWORD)
        signature = unlocked.sign(b"artifact")
        stored.public_key.verify(b"artifact", signature)
        key.public_key.verify(b"artifact", signature)

        public = store.get_public()
        assert isinstance(public, StoredPublicKey)
        (info,) = store.versions()
        # The fingerprint is the same everywhere it shows up.
        fingerprints = {
            key.fingerprint,
            unlocked.fingerprint,
            stored.public_key.fingerprint,
            stored.metadata.fingerprint,
            public.public_key.fingerprint,
            public.metadata.fingerprint,
            info.fingerprint,
        }
        assert fingerprints == {key.fingerprint}

        meta = stored.metadata
        assert meta == public.metadata
        assert meta.algorithm is algorithm
        assert meta.created_by == "pytest"
        assert dict(meta.labels) == {"team": "release"}
        assert meta.created_at.tzinfo is not None
        assert meta.created_at.utcoffset() == timedelta(0)
        assert before <= meta.created_at <= datetime.now(timezone.utc)
        assert info.version == 1 and info.state is VersionState.LIVE

    # cosign's file names and modes: the key file private, the public one not.
    key_file = tmp_path / "keys" / "cosign.key"
    pub_file = tmp_path / "keys" / "cosign.pub"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert pub_file.stat().st_mode & 0o777 == 0o644
    assert PrivateKey.from_cosign_pem(key_file.read_bytes(), PASSWORD).fingerprint == key.fingerprint
    assert PublicKey.from_pem(pub_file.read_bytes()) == key.public_key


def test_file_store_accepts_parsed_objects_and_a_prefix(tmp_path: Path) -> None:
    key = generated_key(Algorithm.ED25519)
    uri = f"file://{tmp_path}?prefix=release"
    with cosign_keys.open_store(uri) as store:
        assert store.uri == uri
        store.put(EncryptedPrivateKey.from_pem(sealed(key)), key.public_key.to_pem(), created_by="ci")
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".key", ".pub")) == [
        "release.key",
        "release.pub",
    ]
    assert Store.open(uri).get_public().public_key == key.public_key


def test_file_store_refuses_to_overwrite(tmp_path: Path) -> None:
    first, second = PrivateKey.generate(), PrivateKey.generate()
    store = Store.open(str(tmp_path))
    store.put(sealed(first), first.public_key, created_by="pytest")
    before = (tmp_path / "cosign.key").read_bytes()
    with pytest.raises(AlreadyExistsError) as info:
        store.put(sealed(second), second.public_key, created_by="pytest")
    assert info.value.code == ErrorCode.ALREADY_EXISTS
    assert (tmp_path / "cosign.key").read_bytes() == before
    assert [v.version for v in store.versions()] == [1]


def test_file_store_versions_and_check_and_set(tmp_path: Path) -> None:
    keys = [PrivateKey.generate() for _ in range(3)]
    store = Store.open(str(tmp_path))
    assert store.put(sealed(keys[0]), keys[0].public_key, created_by="a", expected_version=0) == 1
    assert store.put(sealed(keys[1]), keys[1].public_key, created_by="b", overwrite=True, expected_version=1) == 2

    # A stale expected version: Conflict, and nothing changes.
    with pytest.raises(Conflict) as info:
        store.put(sealed(keys[2]), keys[2].public_key, created_by="c", overwrite=True, expected_version=1)
    assert info.value.code == ErrorCode.CONFLICT
    versions = store.versions()
    assert [v.version for v in versions] == [1, 2]
    assert [v.fingerprint for v in versions] == [keys[0].fingerprint, keys[1].fingerprint]
    assert store.get().public_key == keys[1].public_key

    # Every version stays readable; the latest is the default.
    assert store.get(1).public_key == keys[0].public_key
    assert store.get(1).decrypt(PASSWORD).fingerprint == keys[0].fingerprint
    assert store.get_public(2).metadata.created_by == "b"
    assert store.get_public().version == 2


def test_file_store_not_found(tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "empty"))
    for call in (store.get, store.get_public):
        with pytest.raises(NotFound) as info:
            call()
        assert info.value.code == ErrorCode.NOT_FOUND
    key = PrivateKey.generate()
    store.put(sealed(key), key.public_key, created_by="pytest")
    with pytest.raises(NotFound):
        store.get(7)
    with pytest.raises(NotFound):
        store.get_public(7)
    with pytest.raises(NotFound):
        store.delete(7)


def test_file_store_delete(tmp_path: Path) -> None:
    keys = [PrivateKey.generate() for _ in range(2)]
    store = Store.open(str(tmp_path))
    store.put(sealed(keys[0]), keys[0].public_key, created_by="pytest")
    store.put(sealed(keys[1]), keys[1].public_key, created_by="pytest", overwrite=True)

    store.delete(1, destroy=True)
    with pytest.raises(NotFound):
        store.get(1)
    assert store.get().public_key == keys[1].public_key

    store.delete()
    assert [v for v in store.versions() if v.state is VersionState.LIVE] == []
    assert not (tmp_path / "cosign.key").exists()
    with pytest.raises(NotFound):
        store.get()


def test_password_kept_in_the_store_comes_back_wipeable(tmp_path: Path) -> None:
    """Where the store keeps the password, it comes back as a bytearray that
    wipe() zeroes; a store that has no room for it refuses to take it."""
    key = PrivateKey.generate()
    store = Store.open(str(tmp_path))
    try:
        store.put(sealed(key), key.public_key, created_by="pytest", password=bytearray(PASSWORD, "utf-8"))
    except CosignKeysError as err:
        # The file store writes no password to disk: it must say so, not drop it.
        assert err.code in (ErrorCode.NOT_SUPPORTED, ErrorCode.INVALID_ARGUMENT), err
        assert not (tmp_path / "cosign.key").exists()
        return
    stored = store.get()
    assert stored.password == bytearray(PASSWORD, "utf-8")
    held = stored.password
    assert stored.decrypt().fingerprint == key.fingerprint
    stored.wipe()
    assert held == bytearray(len(PASSWORD)) and stored.password is None


# --- env:// store -----------------------------------------------------------


def test_env_store_reads_the_key_and_is_read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """env://VAR as cosign reads it; the public key from VAR_PUB."""
    key = generated_key(Algorithm.ECDSA_P256)
    pem = sealed(key)
    monkeypatch.setenv("COSIGN_KEYS_PYTEST_KEY", pem.decode())
    monkeypatch.setenv("COSIGN_KEYS_PYTEST_KEY_PUB", key.public_key.to_pem().decode())
    store = Store.open("env://COSIGN_KEYS_PYTEST_KEY")
    assert store.uri == "env://COSIGN_KEYS_PYTEST_KEY"
    stored = store.get()
    assert stored.version == 1 and stored.password is None
    assert stored.encrypted_key == EncryptedPrivateKey.from_pem(pem)
    assert stored.public_key == key.public_key
    assert stored.decrypt(PASSWORD).fingerprint == key.fingerprint
    assert stored.metadata.fingerprint == key.fingerprint
    # A variable has no creation time: the Unix epoch, still an aware datetime.
    assert stored.metadata.created_at == datetime(1970, 1, 1, tzinfo=timezone.utc)
    assert [(v.version, v.fingerprint) for v in store.versions()] == [(1, key.fingerprint)]
    # The process cannot change its parent's environment: writes are refused.
    with pytest.raises(CosignKeysError) as info:
        store.put(pem, key.public_key, created_by="pytest", overwrite=True)
    assert info.value.code in (ErrorCode.INVALID_ARGUMENT, ErrorCode.NOT_SUPPORTED), info.value
    with pytest.raises(CosignKeysError):
        store.delete()
    assert os.environ["COSIGN_KEYS_PYTEST_KEY"] == pem.decode()


def test_env_store_derives_the_public_key_with_cosign_password(monkeypatch: pytest.MonkeyPatch) -> None:
    key = generated_key(Algorithm.ED25519)
    monkeypatch.setenv("COSIGN_KEYS_PYTEST_KEY", sealed(key).decode())
    monkeypatch.delenv("COSIGN_KEYS_PYTEST_KEY_PUB", raising=False)
    monkeypatch.setenv("COSIGN_PASSWORD", PASSWORD)
    stored = Store.open("env://COSIGN_KEYS_PYTEST_KEY").get()
    assert stored.public_key == key.public_key
    assert stored.password is None  # never handed back


def test_env_store_public_key_only(monkeypatch: pytest.MonkeyPatch) -> None:
    key = generated_key(Algorithm.ECDSA_P384)
    monkeypatch.setenv("COSIGN_KEYS_PYTEST_PUB", key.public_key.to_pem().decode())
    store = Store.open("env://COSIGN_KEYS_PYTEST_PUB")
    assert store.get_public().public_key == key.public_key


def test_env_store_missing_variable_is_not_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COSIGN_KEYS_PYTEST_ABSENT", raising=False)
    with pytest.raises(NotFound):
        Store.open("env://COSIGN_KEYS_PYTEST_ABSENT").get()


# --- Python conventions ----------------------------------------------------


def test_put_argument_types(tmp_path: Path) -> None:
    key = generated_key(Algorithm.ECDSA_P256)
    store = Store.open(str(tmp_path))
    with pytest.raises(TypeError, match="encrypted_key"):
        store.put(42, key.public_key, created_by="x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="public_key"):
        store.put(sealed(key), "pem", created_by="x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="labels"):
        store.put(sealed(key), key.public_key, created_by="x", labels={"n": 1})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        store.put(sealed(key), key.public_key)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        store.put(sealed(key), key.public_key, "x")  # type: ignore[call-arg]
    # Bad PEM is the usual InvalidKeyError, before anything is written.
    with pytest.raises(cosign_keys.InvalidKeyError):
        store.put(b"not a key", key.public_key, created_by="x")
    assert store.versions() == []


def test_store_close_and_context_manager(tmp_path: Path) -> None:
    store = Store.open(str(tmp_path))
    assert not store.closed
    assert repr(store) == f"Store('file://{tmp_path}')"
    with store as same:
        assert same is store
    assert store.closed
    assert repr(store).endswith(", closed)")
    with pytest.raises(InvalidArgumentError, match="closed") as info:
        store.versions()
    assert info.value.code_name == "HANDLE_CLOSED"
    assert info.value.details == {"what": "store"}
    store.close()  # idempotent


def test_stored_key_is_never_pickled_or_printed_with_its_password(tmp_path: Path) -> None:
    key = generated_key(Algorithm.ECDSA_P256)
    stored = StoredKey(
        version=1,
        encrypted_key=EncryptedPrivateKey.from_pem(sealed(key)),
        public_key=key.public_key,
        password=bytearray(b"hunter2"),
        metadata=KeyMetadata(key.fingerprint, key.algorithm, "pytest", datetime.now(timezone.utc)),
    )
    assert "hunter2" not in repr(stored) and "password" not in repr(stored)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(TypeError):
            pickle.dumps(stored, protocol=protocol)
    with pytest.raises(TypeError):
        copy.deepcopy(stored)
    held = stored.password
    with stored as same:
        assert same is stored
    assert held == bytearray(7) and stored.password is None
    with pytest.raises(InvalidArgumentError, match="password"):
        stored.decrypt()


def test_records_are_frozen_values() -> None:
    key = generated_key(Algorithm.ED25519)
    now = datetime.now(timezone.utc)
    meta = KeyMetadata(key.fingerprint, Algorithm.ED25519, "ci", now, {"a": "b"})
    info = VersionInfo(1, key.fingerprint, now, VersionState.LIVE)
    public = StoredPublicKey(1, key.public_key, meta)
    for record in (meta, info, public):
        with pytest.raises(dataclasses.FrozenInstanceError):
            record.version = 2  # type: ignore[misc, union-attr]
        assert copy.deepcopy(record) == record
        assert pickle.loads(pickle.dumps(record)) == record
    assert len({info, VersionInfo(1, key.fingerprint, now, VersionState.LIVE)}) == 1
    assert hash(meta) == hash(KeyMetadata(key.fingerprint, Algorithm.ED25519, "ci", now, {}))
    assert VersionState("deleted") is VersionState.DELETED and str(VersionState.DESTROYED) == "destroyed"


def test_store_module_doctests() -> None:
    results = doctest.testmod(cosign_keys.store, optionflags=doctest.ELLIPSIS)
    assert results.attempted >= 3
    assert results.failed == 0


def test_exports() -> None:
    exported: List[str] = list(cosign_keys.__all__)
    for name in ("Store", "StoredKey", "StoredPublicKey", "KeyMetadata", "VersionInfo", "VersionState",
                 "open_store", "parse_key_ref", "KmsKey", "KmsKeyVersion", "open_kms_key",
                 "parse_kms_handle", "is_kms_uri"):
        assert name in exported and hasattr(cosign_keys, name)
    assert cosign_keys.store.Store is cosign_keys.Store is cosign_keys._native.Store
    assert {"file-store", "vault", "aws-kms", "azure"} <= cosign_keys.features()


# --- azure-secret:// (Lowkey Vault) -----------------------------------------


@pytest.fixture
def azure_uri() -> str:
    vault = require(*AZURE_VARS)["COSIGN_KEYS_TEST_AZURE_VAULT"]
    return f"azure-secret://{vault}/{unique('pytest-sec')}"


def test_azure_secret_round_trip_versions_and_soft_delete(azure_uri: str) -> None:
    token = os.environ["COSIGN_KEYS_AZURE_TOKEN"]
    keys = [PrivateKey.generate() for _ in range(2)]
    with Store.open(azure_uri) as store:
        assert store.versions() == []
        with pytest.raises(NotFound) as missing:
            store.get()
        assert azure_uri.rsplit("/", 1)[1] in str(missing.value)
        assert store.put(
            sealed(keys[0]), keys[0].public_key, password=PASSWORD, created_by="pytest", labels={"team": "py"}
        ) == 1
        with store.get() as stored:
            assert stored.password == bytearray(PASSWORD, "utf-8")
            assert stored.decrypt().fingerprint == keys[0].fingerprint
            assert stored.metadata.created_by == "pytest"
            assert dict(stored.metadata.labels) == {"team": "py"}
        public = store.get_public()
        assert public.public_key == keys[0].public_key

        with pytest.raises(AlreadyExistsError):
            store.put(sealed(keys[1]), keys[1].public_key, created_by="pytest")
        # Key Vault has no check-and-set: a stale expected version is refused.
        with pytest.raises(Conflict) as stale:
            store.put(sealed(keys[1]), keys[1].public_key, created_by="pytest", overwrite=True, expected_version=7)
        assert "check-and-set" in str(stale.value)
        assert store.put(sealed(keys[1]), keys[1].public_key, created_by="pytest", overwrite=True, expected_version=1) == 2

        assert store.get().public_key == keys[1].public_key
        assert store.get().password is None
        old = store.get(1)  # pinned version
        assert old.public_key == keys[0].public_key
        assert old.decrypt(PASSWORD).fingerprint == keys[0].fingerprint
        assert [(v.version, v.fingerprint, v.state) for v in store.versions()] == [
            (1, keys[0].fingerprint, VersionState.LIVE),
            (2, keys[1].fingerprint, VersionState.LIVE),
        ]

        # Deleting the secret is Azure's soft delete: gone for readers, the name stays taken.
        store.delete()
        with pytest.raises(NotFound):
            store.get()
        with pytest.raises(Conflict) as taken:
            store.put(sealed(keys[0]), keys[0].public_key, created_by="pytest")
        assert "soft-deleted" in str(taken.value) and token not in str(taken.value)


def test_azure_secret_refuses_a_keyring_manifest(azure_uri: str, tmp_path: Path) -> None:
    with pytest.raises(CosignKeysError) as info:
        ring = cosign_keys.Keyring.open(azure_uri, tmp_path / "audit.jsonl")
        ring.init(who="alice", reason="test")
    assert info.value.code == ErrorCode.NOT_SUPPORTED
    assert "check-and-set" in str(info.value)


def test_a_keyring_whose_keys_live_in_azure(azure_uri: str, tmp_path: Path) -> None:
    vault = os.environ["COSIGN_KEYS_TEST_AZURE_VAULT"]
    kms_uri = f"azurekms://{vault}/{unique('pytest-ring')}"
    t0 = datetime(2026, 1, 5, tzinfo=timezone.utc)
    with cosign_keys.Keyring.open(str(tmp_path / "keyring.json"), tmp_path / "audit.jsonl") as ring:
        first = ring.rotate(
            azure_uri,
            password=PASSWORD,
            scrypt=cosign_keys.ScryptParams(n=FAST_N),
            now=t0,
            who="alice",
            reason="azure drill",
        )
        assert first.new_key == 1
        assert str(Store.open(azure_uri).get_public().public_key.fingerprint) == first.new_fingerprint
        second = ring.rotate(
            kms_uri, algorithm=Algorithm.RSA_2048, now=t0 + timedelta(days=30), who="alice", reason="azure drill"
        )
        assert second.new_key == 2
        with cosign_keys.KmsKey.open(kms_uri) as kms:
            assert str(kms.public_key().fingerprint) == second.new_fingerprint
        bundle = ring.trust_bundle(t0 + timedelta(days=31))
        assert bundle.pem.count("BEGIN PUBLIC KEY") == 2


def test_azure_secret_stopped_server_is_unavailable() -> None:
    require(*AZURE_VARS)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with Store.open(f"azure-secret://localhost:{port}/k") as store:
        with pytest.raises(UnavailableError):
            store.get_public()
