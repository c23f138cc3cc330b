"""Python conventions: immutability, pickling rules, reprs without secrets,
atomic file writes, version and features, wiping buffers."""

from __future__ import annotations

import base64
import copy
import importlib.metadata
import os
import pickle
import stat
from pathlib import Path

import pytest

from helpers import FAST_N, generated_key

import cosign_keys
from cosign_keys import Algorithm, EncryptedKey, EncryptedPrivateKey, Fingerprint, PrivateKey, PublicKey, ScryptParams


def test_version_matches_the_wheel_metadata() -> None:
    assert cosign_keys.__version__ == importlib.metadata.version("cosign-keys")
    assert cosign_keys.__version__ == cosign_keys._native.__version__


def test_features_is_a_frozenset_of_names() -> None:
    features = cosign_keys.features()
    assert isinstance(features, frozenset)
    assert all(isinstance(f, str) for f in features)


def test_algorithm_enum() -> None:
    assert Algorithm("ecdsa-p256") is Algorithm.ECDSA_P256
    assert isinstance(Algorithm.ED25519, str) and Algorithm.ED25519.value == "ed25519"
    assert "rsa-2048" in {a.value for a in Algorithm}
    assert str(Algorithm.RSA_4096) == "rsa-4096"
    assert f"{Algorithm.ECDSA_P384}" == "ecdsa-p384"
    assert [a.hash_alg for a in Algorithm] == [
        "sha256", "sha384", "sha512", None, "sha256", "sha256", "sha256",
    ]
    assert PrivateKey.generate().algorithm is Algorithm.ECDSA_P256
    assert PrivateKey.generate(Algorithm.ED25519).algorithm is Algorithm.ED25519


def test_private_key_never_pickles_or_copies() -> None:
    key = generated_key(Algorithm.ECDSA_P256)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(TypeError):
            pickle.dumps(key, protocol=protocol)
    with pytest.raises(TypeError):
        copy.copy(key)
    with pytest.raises(TypeError):
        copy.deepcopy(key)


@pytest.mark.parametrize("algorithm", list(Algorithm), ids=str)
def test_private_key_repr_is_redacted(algorithm: Algorithm) -> None:
    key = generated_key(algorithm)
    text = repr(key) + str(key)
    assert text.startswith(f"PrivateKey(algorithm='{algorithm.value}', fingerprint='SHA256:")
    der = bytes(key.to_pkcs8_der())
    pem_body = b"".join(bytes(key.to_pkcs8_pem()).splitlines()[1:-1]).decode()
    assert der.hex() not in text
    assert pem_body[:24] not in text
    assert base64.b64encode(der).decode()[:24] not in text


def test_public_values_pickle_and_compare() -> None:
    public = generated_key(Algorithm.RSA_2048).public_key
    assert pickle.loads(pickle.dumps(public)) == public
    fp = public.fingerprint
    assert pickle.loads(pickle.dumps(fp)) == fp
    assert copy.copy(fp) == fp
    assert repr(public).startswith("PublicKey(algorithm='rsa-2048', fingerprint='SHA256:")


def test_classes_are_frozen_and_final() -> None:
    key = generated_key(Algorithm.ED25519)
    for obj, attr in [
        (key, "algorithm"),
        (key.public_key, "fingerprint"),
        (key.fingerprint, "hex"),
        (ScryptParams(), "n"),
    ]:
        with pytest.raises(AttributeError):
            setattr(obj, attr, None)
    for cls in (PrivateKey, PublicKey, Fingerprint, ScryptParams, EncryptedPrivateKey):
        assert cls.__module__ == "cosign_keys._native"
        with pytest.raises(TypeError):
            type("Sub", (cls,), {})


def test_encrypted_key_alias_and_params() -> None:
    assert EncryptedKey is EncryptedPrivateKey
    params = ScryptParams()
    assert (params.n, params.log_n, params.r, params.p) == (65536, 16, 8, 1)
    assert params.memory_bytes == 128 * 8 * (65536 + 1)
    assert params.work == 65536 * 8
    assert params.is_cosign_compatible
    assert not ScryptParams(n=FAST_N).is_cosign_compatible
    assert repr(ScryptParams(n=32768)) == "ScryptParams(n=32768, r=8, p=1)"
    assert hash(ScryptParams()) == hash(ScryptParams(65536, 8, 1))


def test_legacy_label_is_read_and_upgraded() -> None:
    key = generated_key(Algorithm.ECDSA_P256)
    pem = key.encrypt("pw", n=FAST_N).replace(b"SIGSTORE", b"COSIGN")
    locked = EncryptedPrivateKey.from_pem(pem)
    assert locked.has_legacy_label
    assert b"ENCRYPTED SIGSTORE PRIVATE KEY" in locked.to_pem()
    assert locked.decrypt("pw").fingerprint == key.fingerprint


def test_write_atomic(tmp_path: Path) -> None:
    key_path = tmp_path / "cosign.key"
    cosign_keys.write_atomic(key_path, b"secret")
    assert key_path.read_bytes() == b"secret"
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600

    pub_path = str(tmp_path / "cosign.pub")
    cosign_keys.write_atomic(pub_path, bytearray(b"public"), mode=0o644)
    assert stat.S_IMODE(os.stat(pub_path).st_mode) == 0o644

    cosign_keys.write_atomic(key_path, memoryview(b"replaced"), overwrite=True)
    assert key_path.read_bytes() == b"replaced"
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cosign.key", "cosign.pub"]


def test_wipe() -> None:
    secret = generated_key(Algorithm.ED25519).to_pkcs8_pem()
    assert any(secret)
    cosign_keys.wipe(secret)
    assert secret == bytearray(len(secret))
    password = bytearray(b"hunter2")
    cosign_keys.wipe(memoryview(password))
    assert password == bytearray(7)


def test_encrypted_key_json_round_trip() -> None:
    key = generated_key(Algorithm.ECDSA_P256)
    locked = EncryptedPrivateKey.from_pem(key.encrypt("pw", n=FAST_N))
    envelope = locked.to_json()
    assert envelope.startswith(b'{"kdf":{"name":"scrypt","params":{"N":1024,"r":8,"p":1}')
    again = EncryptedPrivateKey.from_json(envelope)
    assert again == locked
    assert again.decrypt("pw").fingerprint == key.fingerprint


def test_import_and_change_password_honour_decrypt_limits() -> None:
    key = generated_key(Algorithm.ED25519)
    pem = key.encrypt("pw", n=4096)
    with pytest.raises(cosign_keys.KdfLimitError):
        PrivateKey.import_key(pem, "pw", max_work=1024)
    assert PrivateKey.import_key(pem, "pw", max_work=1 << 16).fingerprint == key.fingerprint
    locked = EncryptedPrivateKey.from_pem(pem)
    with pytest.raises(cosign_keys.KdfLimitError):
        locked.change_password("pw", "new", max_memory_bytes=1024)
    changed = locked.change_password("pw", "new", max_work=1 << 16)
    assert changed.decrypt("new").fingerprint == key.fingerprint
