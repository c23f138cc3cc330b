"""The exception hierarchy: the code table covers every native code, each
class has a named bad-input test, wrong types stay TypeError, and no
password ever shows up in an exception."""

from __future__ import annotations

import pickle
import traceback
from pathlib import Path
from typing import Callable, List, Type

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from helpers import FAST_N, generated_key

import cosign_keys
from cosign_keys import (
    Algorithm,
    AlreadyExistsError,
    CosignKeysError,
    EncryptedPrivateKey,
    ErrorCode,
    Fingerprint,
    IncorrectPasswordError,
    InvalidArgumentError,
    InvalidFingerprintError,
    InvalidKeyError,
    InvalidSignatureError,
    KdfLimitError,
    PrivateKey,
    PublicKey,
    ScryptParams,
    StoreError,
    UnsupportedAlgorithmError,
    UnsupportedOperationError,
    WrongKeyKindError,
    _native,
    errors,
)

SECRET = "correct horse battery staple"


# --- the table -------------------------------------------------------------


def test_python_codes_match_native_exactly() -> None:
    assert [(int(c), c.name) for c in ErrorCode] == _native.error_codes()


def test_every_error_code_maps_to_a_class() -> None:
    for number, name in _native.error_codes():
        if name == "OK":
            continue
        cls = errors.class_for_code(number)
        assert cls in errors._CLASS_BY_CODE.values()
        assert ErrorCode(number) in errors._CLASS_BY_CODE, name
        exc = errors._from_native(number, name, "message")
        assert type(exc) is cls
        assert (exc.code, exc.code_name, str(exc)) == (number, name, "message")
    assert set(errors._CLASS_BY_CODE) == {c for c in ErrorCode if c is not ErrorCode.OK}


def test_unknown_code_falls_back_to_the_base_class() -> None:
    exc = errors._from_native(999, "FROM_THE_FUTURE", "m")
    assert type(exc) is CosignKeysError
    assert exc.code == 999 and exc.code_name == "FROM_THE_FUTURE"


def test_unreadable_details_still_give_the_class_for_the_code() -> None:
    for bad in ["", "{", "not json", None, b"\xff", "[1, 2]", "7"]:
        code = int(ErrorCode.NOT_FOUND)
        exc = errors._from_native(code, "NOT_FOUND", "m", bad)  # type: ignore[arg-type]
        assert type(exc) is errors.class_for_code(ErrorCode.NOT_FOUND)
        assert exc.details == {}


def test_every_class_is_exported_and_rooted() -> None:
    for name in errors.__all__:
        obj = getattr(errors, name)
        if not isinstance(obj, type):
            continue  # helpers such as class_for_code stay in cosign_keys.errors
        assert getattr(cosign_keys, name) is obj
        if issubclass(obj, BaseException):
            assert issubclass(obj, CosignKeysError)


def test_code_categories() -> None:
    assert issubclass(errors.PermissionDenied, StoreError)
    assert issubclass(errors.NotFound, StoreError)
    assert issubclass(errors.Conflict, StoreError)
    assert issubclass(AlreadyExistsError, StoreError)
    for key_error in (UnsupportedAlgorithmError, KdfLimitError, WrongKeyKindError):
        assert issubclass(key_error, InvalidKeyError)
    for value_error in (
        InvalidKeyError,
        InvalidArgumentError,
        InvalidFingerprintError,
        UnsupportedOperationError,
    ):
        assert issubclass(value_error, ValueError)
    assert not issubclass(IncorrectPasswordError, ValueError)


def test_exceptions_pickle_with_their_code() -> None:
    with pytest.raises(IncorrectPasswordError) as info:
        PrivateKey.from_cosign_pem(generated_key(Algorithm.ED25519).encrypt("a", n=FAST_N), "b")
    again = pickle.loads(pickle.dumps(info.value))
    assert type(again) is IncorrectPasswordError
    assert (again.code, again.code_name, str(again)) == (
        info.value.code,
        info.value.code_name,
        str(info.value),
    )


# --- one named bad-input test per class --------------------------------------


def cosign_pem(password: str = SECRET) -> bytes:
    return generated_key(Algorithm.ECDSA_P256).encrypt(password, n=FAST_N)


def test_incorrect_password() -> None:
    with pytest.raises(IncorrectPasswordError) as info:
        PrivateKey.from_cosign_pem(cosign_pem(), "not it")
    assert info.value.code == ErrorCode.DECRYPTION_FAILED


def test_tampered_ciphertext_is_indistinguishable_from_a_wrong_password() -> None:
    pem = cosign_pem()
    locked = EncryptedPrivateKey.from_pem(pem)
    # Flip one base64 character of the body, keeping the envelope parseable.
    text = pem.decode()
    body = text.splitlines()
    line = body[3]
    body[3] = line[:10] + ("A" if line[10] != "A" else "B") + line[11:]
    tampered = ("\n".join(body) + "\n").encode()
    with pytest.raises(CosignKeysError) as info:
        PrivateKey.from_cosign_pem(tampered, SECRET)
    assert isinstance(info.value, (IncorrectPasswordError, InvalidKeyError))
    assert locked.decrypt(SECRET).fingerprint == generated_key(Algorithm.ECDSA_P256).fingerprint


def test_invalid_key_garbage() -> None:
    for data in (b"", b"not a key", b"-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----\n"):
        with pytest.raises(InvalidKeyError):
            PublicKey.from_pem(data)
    with pytest.raises(InvalidKeyError):
        PublicKey.from_der(b"\x30\x00")
    with pytest.raises(InvalidKeyError):
        PrivateKey.import_key(b"\x00\x01\x02")
    with pytest.raises(InvalidKeyError):
        EncryptedPrivateKey.from_pem(b"-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\ne30=\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n")


def test_wrong_key_kind() -> None:
    public_pem = generated_key(Algorithm.ECDSA_P256).public_key.to_pem()
    with pytest.raises(WrongKeyKindError):
        PrivateKey.import_key(public_pem)
    with pytest.raises(WrongKeyKindError):
        PrivateKey.from_cosign_pem(public_pem, SECRET)
    with pytest.raises(WrongKeyKindError):
        PublicKey.from_pem(bytes(generated_key(Algorithm.ECDSA_P256).to_pkcs8_pem()))


def test_unsupported_algorithm() -> None:
    small_rsa = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    pem = small_rsa.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(UnsupportedAlgorithmError) as info:
        PrivateKey.import_key(pem)
    assert info.value.code == ErrorCode.UNSUPPORTED_ALGORITHM
    k1 = ec.generate_private_key(ec.SECP256K1())
    with pytest.raises(UnsupportedAlgorithmError):
        PublicKey.from_der(
            k1.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )


def test_kdf_limit() -> None:
    pem = cosign_pem()
    with pytest.raises(KdfLimitError) as info:
        PrivateKey.from_cosign_pem(pem, SECRET, max_memory_bytes=1024)
    assert info.value.code == ErrorCode.KDF_LIMIT_EXCEEDED
    # The limits arrive as data, as in C and Go (the core's error document).
    details = info.value.details
    assert details["kdf"] == "scrypt" and details["limit_bytes"] == 1024
    cost = ScryptParams(n=FAST_N)
    assert (details["required_bytes"], details["required_work"]) == (cost.memory_bytes, cost.work)
    again = pickle.loads(pickle.dumps(info.value))
    assert again.details == details
    with pytest.raises(KdfLimitError):
        EncryptedPrivateKey.from_pem(pem).decrypt(SECRET, max_work=100)
    # Raising the limits is allowed; the defaults let cosign's own cost through.
    assert PrivateKey.from_cosign_pem(pem, SECRET, max_memory_bytes=1 << 30, max_work=1 << 30)
    cosign_cost = ScryptParams()
    assert cosign_cost.memory_bytes <= cosign_keys.DEFAULT_MAX_MEMORY_BYTES
    assert cosign_cost.work <= cosign_keys.DEFAULT_MAX_WORK



def test_invalid_kdf_params() -> None:
    with pytest.raises(InvalidKeyError) as info:
        ScryptParams(n=1000)
    assert info.value.code == ErrorCode.INVALID_KDF_PARAMS
    with pytest.raises(InvalidKeyError):
        generated_key(Algorithm.ED25519).encrypt(SECRET, r=0)


def test_invalid_signature() -> None:
    key = generated_key(Algorithm.ECDSA_P256)
    with pytest.raises(InvalidSignatureError) as info:
        key.public_key.verify(b"blob", b"not a signature")
    assert info.value.code == ErrorCode.SIGNATURE_INVALID
    with pytest.raises(InvalidSignatureError):
        key.public_key.verify(b"blob", b"")


def test_invalid_argument() -> None:
    with pytest.raises(InvalidArgumentError) as info:
        PrivateKey.generate("rsa-1024")
    assert info.value.code == ErrorCode.INVALID_ARGUMENT
    with pytest.raises(InvalidArgumentError):
        generated_key(Algorithm.ECDSA_P256).sign_digest(b"too short")
    with pytest.raises(InvalidArgumentError):
        PrivateKey.import_key(cosign_pem())  # encrypted, no password


def test_unsupported_operation() -> None:
    with pytest.raises(UnsupportedOperationError) as info:
        generated_key(Algorithm.ED25519).sign_digest(bytes(32))
    assert info.value.code == ErrorCode.UNSUPPORTED_OPERATION


def test_invalid_fingerprint() -> None:
    for text in ("", "SHA256:", "SHA256:!!!", "abc", "g" * 64, "sha256:AAAA"):
        with pytest.raises(InvalidFingerprintError):
            Fingerprint(text)


def test_already_exists(tmp_path: Path) -> None:
    target = tmp_path / "cosign.key"
    cosign_keys.write_atomic(target, b"one")
    with pytest.raises(AlreadyExistsError) as info:
        cosign_keys.write_atomic(target, b"two")
    assert info.value.code == ErrorCode.ALREADY_EXISTS
    assert target.read_bytes() == b"one"


def test_store_error_for_io(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as info:
        cosign_keys.write_atomic(tmp_path / "missing-dir" / "cosign.key", b"x")
    assert type(info.value) is StoreError
    assert info.value.code == ErrorCode.IO


def test_wrong_types_are_type_errors() -> None:
    key = generated_key(Algorithm.ECDSA_P256)
    calls: List[Callable[[], object]] = [
        lambda: key.sign("a str is not bytes"),  # type: ignore[arg-type]
        lambda: key.encrypt(12345),  # type: ignore[arg-type]
        lambda: PrivateKey.from_cosign_pem(cosign_pem(), None),  # type: ignore[arg-type]
        lambda: PrivateKey.generate(256),  # type: ignore[arg-type]
        lambda: PublicKey.from_pem(None),  # type: ignore[arg-type]
        lambda: Fingerprint(b"SHA256:x"),  # type: ignore[arg-type]
        lambda: key.sign_many([b"ok", 3]),  # type: ignore[list-item]
        lambda: key.sign_many(5),  # type: ignore[arg-type]
    ]
    for call in calls:
        with pytest.raises(TypeError):
            call()


# --- no password in any exception --------------------------------------------


def _all_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)) + repr(exc.args)


@pytest.mark.parametrize(
    "password", [SECRET, SECRET.encode(), bytearray(SECRET.encode())], ids=["str", "bytes", "bytearray"]
)
def test_no_password_in_any_exception(password: str | bytes | bytearray) -> None:
    pem = cosign_pem("a different password")
    pkcs8_encrypted = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"yet another password"),
        )
    )
    attempts: List[Callable[[], object]] = [
        lambda: PrivateKey.from_cosign_pem(pem, password),
        lambda: PrivateKey.from_cosign_pem(pem, password, max_memory_bytes=1),
        lambda: PrivateKey.from_cosign_pem(b"garbage", password),
        lambda: PrivateKey.import_key(pem, password),
        lambda: PrivateKey.import_key(pkcs8_encrypted, password),
        lambda: EncryptedPrivateKey.from_pem(pem).decrypt(password),
        lambda: EncryptedPrivateKey.from_pem(pem).change_password(password, password),
        lambda: generated_key(Algorithm.ED25519).encrypt(password, n=1000),
    ]
    raised: List[Type[BaseException]] = []
    for attempt in attempts:
        with pytest.raises(CosignKeysError) as info:
            attempt()
        text = _all_text(info.value)
        assert SECRET not in text
        assert repr(SECRET.encode()) not in text
        raised.append(type(info.value))
    assert IncorrectPasswordError in raised and KdfLimitError in raised
