"""The Vault KV v2 store (vault-kv://) from Python, against the OpenBao dev
server of scripts/servers/openbao.sh: round trip with the password kept in
the secret, versions, check-and-set (also between two Python threads),
soft delete and destroy, a read-only token, AppRole, and a stopped server."""

from __future__ import annotations

import socket
import threading
from typing import Iterator, List, Union

import pytest

from helpers import FAST_N
from servers import VAULT_VARS, require, unique

from cosign_keys import (
    AlreadyExistsError,
    Conflict,
    CosignKeysError,
    ErrorCode,
    NotFound,
    PermissionDenied,
    PrivateKey,
    Store,
    UnavailableError,
    VersionState,
)

PASSWORD = "vault test password"


def sealed(key: PrivateKey) -> bytes:
    return key.encrypt(PASSWORD, n=FAST_N)


@pytest.fixture
def uri() -> str:
    require(*VAULT_VARS)
    return f"vault-kv://secret/pytest/{unique('cosign')}"


@pytest.fixture
def store(uri: str) -> Iterator[Store]:
    with Store.open(uri) as opened:
        yield opened


def test_round_trip_with_the_password_in_the_secret(store: Store) -> None:
    key = PrivateKey.generate()
    assert store.versions() == []
    version = store.put(
        sealed(key), key.public_key, password=PASSWORD, created_by="pytest", labels={"ticket": "REL-1"}
    )
    assert version == 1

    with store.get() as stored:
        assert stored.version == 1
        assert stored.password == bytearray(PASSWORD, "utf-8")
        unlocked = stored.decrypt()  # with the stored password
        held = stored.password
    assert held == bytearray(len(PASSWORD))  # wiped by the with block

    signature = unlocked.sign(b"artifact")
    stored.public_key.verify(b"artifact", signature)
    public = store.get_public()
    (info,) = store.versions()
    assert {
        key.fingerprint,
        unlocked.fingerprint,
        stored.metadata.fingerprint,
        public.public_key.fingerprint,
        public.metadata.fingerprint,
        info.fingerprint,
    } == {key.fingerprint}
    assert public.metadata.created_by == "pytest"
    assert dict(public.metadata.labels) == {"ticket": "REL-1"}
    assert info.state is VersionState.LIVE and info.created_at is not None


def test_without_a_password_none_is_stored(store: Store) -> None:
    key = PrivateKey.generate()
    store.put(sealed(key), key.public_key, created_by="pytest")
    stored = store.get()
    assert stored.password is None
    assert stored.decrypt(PASSWORD).fingerprint == key.fingerprint


def test_versions_overwrite_and_check_and_set(store: Store) -> None:
    keys = [PrivateKey.generate() for _ in range(3)]
    assert store.put(sealed(keys[0]), keys[0].public_key, created_by="a") == 1
    with pytest.raises(AlreadyExistsError):
        store.put(sealed(keys[1]), keys[1].public_key, created_by="b")
    assert store.put(sealed(keys[1]), keys[1].public_key, created_by="b", overwrite=True, expected_version=1) == 2
    with pytest.raises(Conflict) as info:
        store.put(sealed(keys[2]), keys[2].public_key, created_by="c", overwrite=True, expected_version=1)
    assert info.value.code == ErrorCode.CONFLICT
    versions = store.versions()
    assert [(v.version, v.fingerprint) for v in versions] == [(1, keys[0].fingerprint), (2, keys[1].fingerprint)]
    assert store.get(1).public_key == keys[0].public_key
    assert store.get().public_key == keys[1].public_key
    with pytest.raises(NotFound):
        store.get(3)


def test_concurrent_writers_exactly_one_wins(uri: str) -> None:
    """Two threads (each with its own Store) put with the same expected
    version: one gets version 2, the other Conflict, and no version is lost."""
    seed = PrivateKey.generate()
    Store.open(uri).put(sealed(seed), seed.public_key, created_by="seed")
    writers = [PrivateKey.generate() for _ in range(2)]
    pems = [sealed(k) for k in writers]
    start = threading.Barrier(2)
    outcomes: List[Union[int, BaseException]] = [0, 0]

    def write(i: int) -> None:
        store = Store.open(uri)
        start.wait()
        try:
            outcomes[i] = store.put(pems[i], writers[i].public_key, created_by=f"w{i}", overwrite=True, expected_version=1)
        except BaseException as exc:  # noqa: BLE001 - recorded and checked below
            outcomes[i] = exc

    threads = [threading.Thread(target=write, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wins = [o for o in outcomes if o == 2]
    conflicts = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(wins) == 1 and len(conflicts) == 1, outcomes
    winner = writers[outcomes.index(2)]
    versions = Store.open(uri).versions()
    assert [(v.version, v.fingerprint) for v in versions] == [(1, seed.fingerprint), (2, winner.fingerprint)]


def test_soft_delete_and_destroy(store: Store) -> None:
    keys = [PrivateKey.generate() for _ in range(2)]
    store.put(sealed(keys[0]), keys[0].public_key, created_by="pytest")
    store.put(sealed(keys[1]), keys[1].public_key, created_by="pytest", overwrite=True)

    store.delete(2)
    with pytest.raises(NotFound):
        store.get(2)
    store.delete(1, destroy=True)
    with pytest.raises(NotFound):
        store.get(1)
    assert [(v.version, v.state) for v in store.versions()] == [
        (1, VersionState.DESTROYED),
        (2, VersionState.DELETED),
    ]

    # Public keys stay readable after single versions go (verifiers may need them).
    assert store.get_public(2).public_key == keys[1].public_key

    # No version: a soft delete of every live version, then destroy removes everything.
    store.put(sealed(keys[0]), keys[0].public_key, created_by="pytest", overwrite=True)
    store.delete()
    assert {v.state for v in store.versions()} <= {VersionState.DELETED, VersionState.DESTROYED}
    with pytest.raises(NotFound):
        store.get()
    store.delete(destroy=True)
    assert store.versions() == []
    with pytest.raises(NotFound):
        store.get_public()


def test_read_only_token_cannot_write(uri: str, monkeypatch: pytest.MonkeyPatch) -> None:
    token = require("COSIGN_KEYS_TEST_READONLY_TOKEN")["COSIGN_KEYS_TEST_READONLY_TOKEN"]
    key = PrivateKey.generate()
    Store.open(uri).put(sealed(key), key.public_key, created_by="root")

    monkeypatch.setenv("VAULT_TOKEN", token)
    reader = Store.open(uri)
    assert reader.get_public().public_key == key.public_key  # reading is allowed
    other = PrivateKey.generate()
    with pytest.raises(PermissionDenied) as info:
        reader.put(sealed(other), other.public_key, created_by="ro", overwrite=True)
    assert info.value.code == ErrorCode.PERMISSION_DENIED
    assert token not in str(info.value)
    with pytest.raises(PermissionDenied):
        reader.delete(destroy=True)
    monkeypatch.undo()
    assert [v.version for v in Store.open(uri).versions()] == [1]


def test_approle_login(uri: str, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = require("COSIGN_KEYS_TEST_APPROLE_ROLE_ID", "COSIGN_KEYS_TEST_APPROLE_SECRET_ID")
    monkeypatch.delenv("VAULT_TOKEN")
    monkeypatch.setenv("VAULT_ROLE_ID", ids["COSIGN_KEYS_TEST_APPROLE_ROLE_ID"])
    monkeypatch.setenv("VAULT_SECRET_ID", ids["COSIGN_KEYS_TEST_APPROLE_SECRET_ID"])
    key = PrivateKey.generate()
    with Store.open(uri) as store:
        assert store.put(sealed(key), key.public_key, created_by="approle") == 1
        assert store.get().decrypt(PASSWORD).fingerprint == key.fingerprint


def test_stopped_server_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    require(*VAULT_VARS)
    # A port nothing listens on: bind it, note it, close it.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("VAULT_ADDR", f"http://127.0.0.1:{port}")
    with pytest.raises(UnavailableError) as info:
        Store.open("vault-kv://secret/pytest/stopped").versions()
    assert info.value.code == ErrorCode.UNAVAILABLE
    assert isinstance(info.value, CosignKeysError)
