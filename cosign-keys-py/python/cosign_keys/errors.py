"""Exceptions raised by :mod:`cosign_keys`.

Every error the library reports is a :class:`CosignKeysError` carrying the
stable numeric ``code`` and its name ``code_name``: the same numbers the C
header and the Go package use. There is one subclass per thing a caller acts
on, and :data:`_CLASS_BY_CODE` below is the single table that decides which
class an error code raises (the native module only passes the code along).

Messages never contain a password, key bytes or decrypted plaintext.

Wrong argument *types* still raise :class:`TypeError`; the value errors
(:class:`InvalidArgumentError`, :class:`InvalidKeyError`,
:class:`InvalidFingerprintError`, :class:`UnsupportedOperationError`) are also
:class:`ValueError`.
"""

from __future__ import annotations

import enum
import re
from typing import Dict, Optional, Tuple, Type

__all__ = [
    "AlreadyExistsError",
    "AuditTamperedError",
    "Conflict",
    "CosignKeysError",
    "CryptoError",
    "ErrorCode",
    "IncorrectPasswordError",
    "InputTooLargeError",
    "InternalError",
    "InvalidArgumentError",
    "InvalidFingerprintError",
    "InvalidKeyError",
    "InvalidSignatureError",
    "InvalidTransitionError",
    "KdfLimitError",
    "KeyMismatchError",
    "KeyringError",
    "LifecycleError",
    "NotFound",
    "NotSupportedError",
    "OutOfMemoryError",
    "PermissionDenied",
    "RecoveryError",
    "StoreError",
    "UnavailableError",
    "UnsupportedAlgorithmError",
    "UnsupportedOperationError",
    "WrongKeyKindError",
    "class_for_code",
]


class ErrorCode(enum.IntEnum):
    """The stable error codes (grouped by hundreds: 1xx arguments, 2xx formats,
    3xx cryptography, 4xx storage). A code is never renumbered or reused."""

    OK = 0
    INVALID_ARGUMENT = 101
    NULL_PARAMETER = 102
    PANIC = 103
    INVALID_URI = 104
    INPUT_TOO_LARGE = 105
    MALFORMED_PEM = 201
    UNKNOWN_PEM_LABEL = 202
    WRONG_KEY_KIND = 203
    MALFORMED_ENVELOPE = 204
    UNKNOWN_KDF = 205
    UNKNOWN_CIPHER = 206
    INVALID_KDF_PARAMS = 207
    MALFORMED_KEY = 208
    UNSUPPORTED_ALGORITHM = 209
    UNSUPPORTED_OPERATION = 210
    INVALID_FINGERPRINT = 211
    MALFORMED_SIGNATURE = 212
    DECRYPTION_FAILED = 301
    KDF_LIMIT_EXCEEDED = 302
    SIGNATURE_INVALID = 303
    CRYPTO = 304
    RNG = 305
    OUT_OF_MEMORY = 306
    ALREADY_EXISTS = 401
    IO = 402
    NOT_FOUND = 403
    CONFLICT = 404
    PERMISSION_DENIED = 405
    UNAVAILABLE = 406
    BACKEND = 407
    NOT_SUPPORTED = 408
    INVALID_TRANSITION = 501
    KEYRING_INVALID = 502
    AUDIT_TAMPERED = 503
    RECOVERY_FAILED = 504
    KEY_MISMATCH = 505


class CosignKeysError(Exception):
    """Base class of every error reported by cosign_keys.

    ``code`` is the stable numeric code (an :class:`ErrorCode` value) and
    ``code_name`` its name, e.g. ``"DECRYPTION_FAILED"``.
    """

    code: int
    code_name: str

    def __init__(self, message: str, code: int, code_name: str) -> None:
        super().__init__(message)
        self.code = code
        self.code_name = code_name

    @property
    def message(self) -> str:
        """The human-readable message (no secrets)."""
        return str(self.args[0])

    def __reduce__(self) -> Tuple[Type[CosignKeysError], Tuple[str, int, str]]:
        # Exceptions cross process boundaries (multiprocessing): keep all three.
        return (type(self), (self.message, self.code, self.code_name))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={self.code_name})"


class InvalidArgumentError(CosignKeysError, ValueError):
    """An argument value the function does not accept (unknown algorithm name,
    a digest of the wrong length, an encrypted key without a password)."""


class InputTooLargeError(InvalidArgumentError):
    """An input (a key file, manifest, audit log, backup, share, signature,
    store index or environment value) is over the size limit for its kind
    and was not read past it. The message names the limit and the
    environment variable (``COSIGN_KEYS_MAX_*_BYTES``) that changes it."""


class InvalidKeyError(CosignKeysError, ValueError):
    """The input is not a usable key or key file: bad PEM, wrong label, damaged
    Cosign envelope, impossible scrypt parameters, malformed key."""


class WrongKeyKindError(InvalidKeyError):
    """A key of the wrong kind, e.g. a public key where a private one is
    needed, or an unencrypted key where a Cosign key file is expected."""


class UnsupportedAlgorithmError(InvalidKeyError):
    """A well-formed key of an algorithm, curve or size Cosign does not
    accept (RSA below 2048 bits, secp256k1, PBES1 encryption, ...)."""


class KdfLimitError(InvalidKeyError):
    """The KDF cost of a key file (scrypt, PBKDF2) or of a backup's age header
    is over the configured limits. Raise the limits (``max_memory_bytes``,
    ``max_work``, ``max_work_factor``) only for a file you trust."""


class UnsupportedOperationError(CosignKeysError, ValueError):
    """The operation is not defined for this key's algorithm (signing a
    pre-computed digest with Ed25519)."""


class InvalidFingerprintError(CosignKeysError, ValueError):
    """The text is neither ``SHA256:<base64>`` nor 64 hex digits."""


class IncorrectPasswordError(CosignKeysError):
    """Decryption failed: the password is wrong, or the encrypted key was
    altered. The authenticated cipher cannot tell which, by design."""


class InvalidSignatureError(CosignKeysError):
    """The signature does not verify (or is not a signature at all)."""


class CryptoError(CosignKeysError):
    """A cryptographic primitive or the system RNG failed (should not
    happen)."""


class OutOfMemoryError(CryptoError, MemoryError):
    """Memory for the key derivation could not be allocated."""


class InternalError(CosignKeysError):
    """A bug in cosign_keys (a caught panic). Please report it."""


class StoreError(CosignKeysError):
    """Reading or writing key storage failed: a local file, a secret store
    or a KMS."""


class AlreadyExistsError(StoreError):
    """The target already exists and overwriting was not requested."""


class PermissionDenied(StoreError):
    """The store or KMS refused the credentials or the operation (HTTP
    401/403, a read-only token writing). Nothing was changed."""


class NotFound(StoreError):
    """The key, key version, secret or record does not exist."""


class Conflict(StoreError):
    """A concurrent change won (check-and-set failed). Nothing was changed;
    re-read and retry."""


class UnavailableError(StoreError):
    """The store or KMS cannot be reached or cannot serve now (down, sealed,
    timeout, throttled). Retrying later may work."""


class NotSupportedError(UnsupportedOperationError):
    """The URI names a backend this build does not support."""


# The core words every audit failure "... failed at record <n>: <why>".
_AUDIT_RECORD = re.compile(r"\bat record (\d+)\b")


class LifecycleError(CosignKeysError):
    """A key-lifecycle operation failed (keyring, audit trail, recovery)."""


class InvalidTransitionError(LifecycleError):
    """The operation is not allowed from the key's current state."""


class KeyringError(LifecycleError):
    """The keyring manifest is damaged or inconsistent."""


class AuditTamperedError(LifecycleError):
    """The audit trail failed verification: a record was edited, deleted,
    reordered or inserted, or the log does not end at the expected head.
    :attr:`record` is the record (line) number where it was found."""

    @property
    def record(self) -> Optional[int]:
        """The 1-based record number where the chain breaks (0 when the last
        record is torn), or ``None`` if the message does not say."""
        match = _AUDIT_RECORD.search(self.message)
        return None if match is None else int(match.group(1))


class RecoveryError(LifecycleError):
    """Recovery from a backup failed (too few or inconsistent shares)."""


class KeyMismatchError(LifecycleError):
    """The key found at a keyring key's recorded location is another key (its
    fingerprint is not the one the keyring records). Nothing was erased, read
    out or recorded; the message names the location and both fingerprints."""


# The single code -> class table. Every ErrorCode except OK has an entry
# (the test suite checks it against the native module's list of codes).
_CLASS_BY_CODE: Dict[ErrorCode, Type[CosignKeysError]] = {
    ErrorCode.INVALID_ARGUMENT: InvalidArgumentError,
    ErrorCode.NULL_PARAMETER: InvalidArgumentError,
    ErrorCode.PANIC: InternalError,
    ErrorCode.INVALID_URI: InvalidArgumentError,
    ErrorCode.INPUT_TOO_LARGE: InputTooLargeError,
    ErrorCode.MALFORMED_PEM: InvalidKeyError,
    ErrorCode.UNKNOWN_PEM_LABEL: InvalidKeyError,
    ErrorCode.WRONG_KEY_KIND: WrongKeyKindError,
    ErrorCode.MALFORMED_ENVELOPE: InvalidKeyError,
    ErrorCode.UNKNOWN_KDF: UnsupportedAlgorithmError,
    ErrorCode.UNKNOWN_CIPHER: UnsupportedAlgorithmError,
    ErrorCode.INVALID_KDF_PARAMS: InvalidKeyError,
    ErrorCode.MALFORMED_KEY: InvalidKeyError,
    ErrorCode.UNSUPPORTED_ALGORITHM: UnsupportedAlgorithmError,
    ErrorCode.UNSUPPORTED_OPERATION: UnsupportedOperationError,
    ErrorCode.INVALID_FINGERPRINT: InvalidFingerprintError,
    ErrorCode.MALFORMED_SIGNATURE: InvalidSignatureError,
    ErrorCode.DECRYPTION_FAILED: IncorrectPasswordError,
    ErrorCode.KDF_LIMIT_EXCEEDED: KdfLimitError,
    ErrorCode.SIGNATURE_INVALID: InvalidSignatureError,
    ErrorCode.CRYPTO: CryptoError,
    ErrorCode.RNG: CryptoError,
    ErrorCode.OUT_OF_MEMORY: OutOfMemoryError,
    ErrorCode.ALREADY_EXISTS: AlreadyExistsError,
    ErrorCode.IO: StoreError,
    ErrorCode.NOT_FOUND: NotFound,
    ErrorCode.CONFLICT: Conflict,
    ErrorCode.PERMISSION_DENIED: PermissionDenied,
    ErrorCode.UNAVAILABLE: UnavailableError,
    ErrorCode.BACKEND: StoreError,
    ErrorCode.NOT_SUPPORTED: NotSupportedError,
    ErrorCode.INVALID_TRANSITION: InvalidTransitionError,
    ErrorCode.KEYRING_INVALID: KeyringError,
    ErrorCode.AUDIT_TAMPERED: AuditTamperedError,
    ErrorCode.RECOVERY_FAILED: RecoveryError,
    ErrorCode.KEY_MISMATCH: KeyMismatchError,
}


def class_for_code(code: int) -> Type[CosignKeysError]:
    """The exception class raised for a stable error code (the base class for
    a code this version does not know)."""
    try:
        return _CLASS_BY_CODE[ErrorCode(code)]
    except (ValueError, KeyError):
        return CosignKeysError


def _from_native(code: int, code_name: str, message: str) -> CosignKeysError:
    """Called by the native module for every core error."""
    return class_for_code(code)(message, code, code_name)
