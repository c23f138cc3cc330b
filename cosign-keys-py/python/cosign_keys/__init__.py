"""Cosign-compatible signing keys: generate, encrypt, import, fingerprint,
sign and verify, with key files the ``cosign`` CLI reads and writes; keep
them in key stores (:class:`Store`: a directory, ``env://``, Vault KV) or
sign with keys that never leave a KMS (:class:`KmsKey`: Vault transit,
AWS KMS); run their lifecycle with a :class:`Keyring` (rotation,
revocation, trust bundles, re-sign lists, a tamper-evident audit log,
encrypted backups with split-knowledge recovery).

Key material is ``bytes``; passwords are ``str`` or ``bytes`` (or a
``bytearray`` you can wipe afterwards with :func:`wipe`). Slow calls (scrypt,
key generation, signing, verification, file writes, every store, KMS and
keyring call) release the GIL.

>>> import cosign_keys
>>> key = cosign_keys.PrivateKey.generate("ed25519")
>>> sig = key.sign(b"artifact")
>>> key.public_key.verify(b"artifact", sig)
"""

from __future__ import annotations

from typing import Union

from . import audit, backup, errors, keyring, kms, lifecycle, store
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
from .audit import AuditEntry, AuditHead, AuditReport, audit_entries, audit_head, verify_audit
from .backup import (
    BackupKey,
    BackupSummary,
    RecoverySummary,
    combine_shares,
    create_backup,
    recover_backup,
)
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
    ConflictError,
    CosignKeysError,
    CryptoError,
    ErrorCode,
    IncorrectPasswordError,
    InternalError,
    InputTooLargeError,
    InvalidArgumentError,
    InvalidFingerprintError,
    InvalidKeyError,
    InvalidSignatureError,
    InvalidTransitionError,
    KdfLimitError,
    KeyMismatchError,
    KeyringError,
    LifecycleError,
    NotFound,
    NotFoundError,
    NotSupportedError,
    OutOfMemoryError,
    PermissionDenied,
    PermissionDeniedError,
    RecoveryError,
    StoreError,
    UnavailableError,
    UnsupportedAlgorithmError,
    UnsupportedOperationError,
    WrongKeyKindError,
)
from .keyring import (
    Actor,
    Compromise,
    Due,
    HistoryEntry,
    KeyLocation,
    KeyRecord,
    Keyring,
    KeyState,
    KeyStatus,
    Manifest,
    PendingOperation,
    ResignEntry,
    RevocationOutcome,
    RotationOutcome,
    RotationPolicy,
    SignedArtifact,
    SigningEvent,
    Status,
    TrustBundle,
    TrustedKey,
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
    "Actor",
    "Algorithm",
    "AlreadyExistsError",
    "AuditEntry",
    "AuditHead",
    "AuditReport",
    "AuditTamperedError",
    "BackupKey",
    "BackupSummary",
    "Compromise",
    "Conflict",
    "ConflictError",
    "CosignKeysError",
    "CryptoError",
    "Due",
    "EncryptedKey",
    "EncryptedPrivateKey",
    "ErrorCode",
    "Fingerprint",
    "HistoryEntry",
    "IncorrectPasswordError",
    "InternalError",
    "InputTooLargeError",
    "InvalidArgumentError",
    "InvalidFingerprintError",
    "InvalidKeyError",
    "InvalidSignatureError",
    "InvalidTransitionError",
    "KdfLimitError",
    "KeyLocation",
    "KeyMetadata",
    "KeyMismatchError",
    "KeyRecord",
    "KeyState",
    "KeyStatus",
    "Keyring",
    "KeyringError",
    "KmsKey",
    "KmsKeyVersion",
    "LifecycleError",
    "Manifest",
    "NotFound",
    "NotFoundError",
    "NotSupportedError",
    "OutOfMemoryError",
    "PendingOperation",
    "PermissionDenied",
    "PermissionDeniedError",
    "PrivateKey",
    "PublicKey",
    "RecoveryError",
    "RecoverySummary",
    "ResignEntry",
    "RevocationOutcome",
    "RotationOutcome",
    "RotationPolicy",
    "ScryptParams",
    "SignedArtifact",
    "SigningEvent",
    "Status",
    "Store",
    "StoreError",
    "StoredKey",
    "StoredPublicKey",
    "TrustBundle",
    "TrustedKey",
    "UnavailableError",
    "UnsupportedAlgorithmError",
    "UnsupportedOperationError",
    "VersionInfo",
    "VersionState",
    "WrongKeyKindError",
    "__version__",
    "audit",
    "audit_entries",
    "audit_head",
    "backup",
    "combine_shares",
    "create_backup",
    "errors",
    "features",
    "is_kms_uri",
    "keyring",
    "kms",
    "lifecycle",
    "open_kms_key",
    "open_store",
    "parse_key_ref",
    "parse_kms_handle",
    "recover_backup",
    "store",
    "verify_audit",
    "wipe",
    "write_atomic",
]

