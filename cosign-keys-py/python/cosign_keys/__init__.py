"""Cosign-compatible signing keys: generate, encrypt, import, fingerprint,
sign and verify, with key files the ``cosign`` CLI reads and writes; keep
them in key stores (:class:`Store`: a directory, ``env://``, Vault KV) or
sign with keys that never leave a KMS (:class:`KmsKey`: Vault transit,
AWS KMS).

Key material is ``bytes``; passwords are ``str`` or ``bytes`` (or a
``bytearray`` you can wipe afterwards with :func:`wipe`). Slow calls (scrypt,
key generation, signing, verification, file writes, every store and KMS
call) release the GIL.

>>> import cosign_keys
>>> key = cosign_keys.PrivateKey.generate("ed25519")
>>> sig = key.sign(b"artifact")
>>> key.public_key.verify(b"artifact", sig)
"""

from __future__ import annotations

from typing import Union

from . import errors, kms, store
from ._native import (
    DEFAULT_MAX_MEMORY_BYTES,
    DEFAULT_MAX_WORK,
    EncryptedPrivateKey,
    Fingerprint,
    PrivateKey,
    PublicKey,
    ScryptParams,
    __version__,
    features,
    write_atomic,
)
from .algorithm import Algorithm
from .kms import KmsKey, KmsKeyVersion, is_kms_uri, open_kms_key, parse_kms_handle
from .store import (
    KeyMetadata,
    Store,
    StoredKey,
    StoredPublicKey,
    VersionInfo,
    VersionState,
    open_store,
    parse_key_ref,
)
from .errors import (
    AlreadyExistsError,
    AuditTamperedError,
    Conflict,
    CosignKeysError,
    CryptoError,
    ErrorCode,
    IncorrectPasswordError,
    InternalError,
    InvalidArgumentError,
    InvalidFingerprintError,
    InvalidKeyError,
    InvalidSignatureError,
    InvalidTransitionError,
    KdfLimitError,
    KeyringError,
    LifecycleError,
    NotFound,
    NotSupportedError,
    OutOfMemoryError,
    PermissionDenied,
    RecoveryError,
    StoreError,
    UnavailableError,
    UnsupportedAlgorithmError,
    UnsupportedOperationError,
    WrongKeyKindError,
)

EncryptedKey = EncryptedPrivateKey
"""Short alias of :class:`EncryptedPrivateKey`."""


def wipe(buffer: Union[bytearray, memoryview]) -> None:
    """Overwrites a mutable buffer (a password, or the output of
    :meth:`PrivateKey.to_pkcs8_pem`) with zeros, in place."""
    view = memoryview(buffer).cast("B")
    view[:] = bytes(len(view))


__all__ = [
    "DEFAULT_MAX_MEMORY_BYTES",
    "DEFAULT_MAX_WORK",
    "Algorithm",
    "AlreadyExistsError",
    "AuditTamperedError",
    "Conflict",
    "CosignKeysError",
    "CryptoError",
    "EncryptedKey",
    "EncryptedPrivateKey",
    "ErrorCode",
    "Fingerprint",
    "IncorrectPasswordError",
    "InternalError",
    "InvalidArgumentError",
    "InvalidFingerprintError",
    "InvalidKeyError",
    "InvalidSignatureError",
    "InvalidTransitionError",
    "KdfLimitError",
    "KeyMetadata",
    "KeyringError",
    "KmsKey",
    "KmsKeyVersion",
    "LifecycleError",
    "NotFound",
    "NotSupportedError",
    "OutOfMemoryError",
    "PermissionDenied",
    "PrivateKey",
    "PublicKey",
    "RecoveryError",
    "ScryptParams",
    "Store",
    "StoreError",
    "StoredKey",
    "StoredPublicKey",
    "UnavailableError",
    "UnsupportedAlgorithmError",
    "UnsupportedOperationError",
    "VersionInfo",
    "VersionState",
    "WrongKeyKindError",
    "__version__",
    "errors",
    "features",
    "is_kms_uri",
    "kms",
    "open_kms_key",
    "open_store",
    "parse_key_ref",
    "parse_kms_handle",
    "store",
    "wipe",
    "write_atomic",
]

