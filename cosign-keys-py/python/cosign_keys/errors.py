"""Exceptions raised by :mod:`cosign_keys`.

Every error the library reports is a :class:`CosignKeysError` carrying the
stable numeric ``code`` and its name ``code_name``: the same numbers the C
header and the Go package use. There is one subclass per thing a caller acts
on, and :data:`_CLASS_BY_CODE` below is the single table that decides which
class an error code raises (the native module only passes the code along).
:class:`ErrorCode` and that table are generated from the core's error table
(``scripts/gen-errtable.sh``); class names end in ``Error`` (``NotFound``,
``Conflict`` and ``PermissionDenied`` are aliases of the ``...Error`` names).

``details`` holds the error's fields as data (the ``details`` of the core's
error document, the same in C and Go): ``record`` for an
:class:`AuditTamperedError`, ``status`` for a backend's HTTP answer, ``limit``
and ``variable`` for an :class:`InputTooLargeError`, ``expected`` and
``found`` for a :class:`KeyMismatchError`, ... so nothing needs to parse a
message.

Messages and details never contain a password, key bytes or decrypted
plaintext.

Wrong argument *types* still raise :class:`TypeError`; the value errors
(:class:`InvalidArgumentError`, :class:`InvalidKeyError`,
:class:`InvalidFingerprintError`, :class:`UnsupportedOperationError`) are also
:class:`ValueError`.
"""

from __future__ import annotations

import enum
import json
from typing import Any, Dict, Mapping, Optional, Tuple, Type

__all__ = [
    "AlreadyExistsError",
    "AuditTamperedError",
    "Conflict",
    "ConflictError",
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
    "NotFoundError",
    "NotSupportedError",
    "OutOfMemoryError",
    "PermissionDenied",
    "PermissionDeniedError",
    "RecoveryError",
    "StoreError",
    "UnavailableError",
    "UnsupportedAlgorithmError",
    "UnsupportedOperationError",
    "WrongKeyKindError",
    "class_for_code",
]


class CosignKeysError(Exception):
    """Base class of every error reported by cosign_keys.

    ``code`` is the stable numeric code (an :class:`ErrorCode` value),
    ``code_name`` its name, e.g. ``"DECRYPTION_FAILED"``, and ``details`` the
    error's fields by name (empty when it has none).
    """

    code: int
    code_name: str
    details: Dict[str, Any]

    def __init__(
        self,
        message: str,
        code: int,
        code_name: str,
        details: Optional[Mapping[str, Any]] = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.code_name = code_name
        self.details = dict(details or {})

    @property
    def message(self) -> str:
        """The human-readable message (no secrets)."""
        return str(self.args[0])

    def __reduce__(
        self,
    ) -> Tuple[Type[CosignKeysError], Tuple[str, int, str, Dict[str, Any]]]:
        # Exceptions cross process boundaries (multiprocessing): keep all four.
        return (type(self), (self.message, self.code, self.code_name, self.details))

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


class PermissionDeniedError(StoreError):
    """The store or KMS refused the credentials or the operation (HTTP
    401/403, a read-only token writing). Nothing was changed."""


class NotFoundError(StoreError):
    """The key, key version, secret or record does not exist."""


class ConflictError(StoreError):
    """A concurrent change won (check-and-set failed). Nothing was changed;
    re-read and retry."""


class UnavailableError(StoreError):
    """The store or KMS cannot be reached or cannot serve now (down, sealed,
    timeout, throttled). Retrying later may work."""


# The names from before the `...Error` rule, kept as aliases.
PermissionDenied = PermissionDeniedError
NotFound = NotFoundError
Conflict = ConflictError


class NotSupportedError(UnsupportedOperationError):
    """The URI names a backend this build does not support."""



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
        record is torn), or ``None`` for an error made without details."""
        record = self.details.get("record")
        return record if isinstance(record, int) else None


class RecoveryError(LifecycleError):
    """Recovery from a backup failed (too few or inconsistent shares)."""


class KeyMismatchError(LifecycleError):
    """The key found at a keyring key's recorded location is another key (its
    fingerprint is not the one the keyring records). Nothing was erased, read
    out or recorded; the message names the location and both fingerprints."""


# BEGIN GENERATED: the error table (scripts/gen-errtable.sh); do not edit.
class ErrorCode(enum.IntEnum):
    """The stable error codes (grouped by hundreds: 1xx arguments, 2xx formats,
    3xx cryptography, 4xx storage, 5xx lifecycle). A code is never renumbered
    or reused."""

    #: Success.
    OK = 0

    #: An argument is outside what the function accepts (e.g. an unknown
    #: algorithm number, a buffer too small, a digest of the wrong length).
    INVALID_ARGUMENT = 101

    #: A required pointer argument was NULL.
    NULL_PARAMETER = 102

    #: A panic was caught at the C boundary (a bug in the library; please report).
    PANIC = 103

    #: A key location or KMS URI could not be parsed (the message says what is
    #: wrong).
    INVALID_URI = 104

    #: An input (a file, a buffer, an environment value) is over the size limit
    #: for its kind and was not read past it; the message names the limit and
    #: the environment variable that changes it.
    INPUT_TOO_LARGE = 105

    #: A binding's handle (Go, Python) was used after it was closed; nothing
    #: was done.
    HANDLE_CLOSED = 106

    #: The input is not PEM (empty, truncated, bad base64).
    MALFORMED_PEM = 201

    #: The input is PEM with a label that is not accepted here.
    UNKNOWN_PEM_LABEL = 202

    #: A key of the wrong kind was given (e.g. a public key where a private key
    #: is needed).
    WRONG_KEY_KIND = 203

    #: The JSON envelope inside a Cosign key file is damaged.
    MALFORMED_ENVELOPE = 204

    #: The envelope names a key-derivation function other than scrypt.
    UNKNOWN_KDF = 205

    #: The envelope names a cipher other than nacl/secretbox.
    UNKNOWN_CIPHER = 206

    #: Scrypt parameters that are not valid at all (N not a power of two, r or
    #: p zero, ...).
    INVALID_KDF_PARAMS = 207

    #: DER key material could not be parsed.
    MALFORMED_KEY = 208

    #: A well-formed key of a type or size Cosign does not accept.
    UNSUPPORTED_ALGORITHM = 209

    #: The operation is not defined for this key's algorithm (e.g. signing a
    #: digest with Ed25519).
    UNSUPPORTED_OPERATION = 210

    #: The text is not a fingerprint in either accepted form.
    INVALID_FINGERPRINT = 211

    #: The signature is not valid base64.
    MALFORMED_SIGNATURE = 212

    #: Wrong password, or the encrypted key was altered (the authenticated
    #: cipher cannot tell which, by design).
    DECRYPTION_FAILED = 301

    #: The key file's scrypt cost is over the configured memory or work limit
    #: (refused before anything is allocated).
    KDF_LIMIT_EXCEEDED = 302

    #: The signature does not verify.
    SIGNATURE_INVALID = 303

    #: A cryptographic primitive failed internally (should not happen).
    CRYPTO = 304

    #: The operating system's random number generator failed.
    RNG = 305

    #: Memory for the key derivation could not be allocated.
    OUT_OF_MEMORY = 306

    #: The file exists and overwriting was not requested.
    ALREADY_EXISTS = 401

    #: A file could not be read or written.
    IO = 402

    #: The key, key version, secret or record does not exist.
    NOT_FOUND = 403

    #: A concurrent writer won (check-and-set); nothing was changed. Re-read and
    #: retry.
    CONFLICT = 404

    #: The backend refused the credentials or the operation; nothing was changed.
    PERMISSION_DENIED = 405

    #: The backend cannot be reached or cannot serve now (down, sealed, timeout,
    #: throttled); retrying later may work.
    UNAVAILABLE = 406

    #: The backend answered with an error that has no finer code.
    BACKEND = 407

    #: The URI names a backend this build does not support.
    NOT_SUPPORTED = 408

    #: The lifecycle operation is not allowed from the key's current state.
    INVALID_TRANSITION = 501

    #: The keyring manifest is damaged or inconsistent.
    KEYRING_INVALID = 502

    #: The audit trail failed verification (edited, deleted, reordered or
    #: truncated records).
    AUDIT_TAMPERED = 503

    #: Backup recovery failed (too few or inconsistent shares, not a backup).
    RECOVERY_FAILED = 504

    #: The key at a keyring key's recorded location is another key (its
    #: fingerprint differs from the manifest's); nothing was erased or recorded.
    KEY_MISMATCH = 505


# The single code -> class table. Every ErrorCode except OK has an entry
# (the test suite checks it against the native module's list of codes).
_CLASS_BY_CODE: Dict[ErrorCode, Type[CosignKeysError]] = {
    ErrorCode.INVALID_ARGUMENT: InvalidArgumentError,
    ErrorCode.NULL_PARAMETER: InvalidArgumentError,
    ErrorCode.PANIC: InternalError,
    ErrorCode.INVALID_URI: InvalidArgumentError,
    ErrorCode.INPUT_TOO_LARGE: InputTooLargeError,
    ErrorCode.HANDLE_CLOSED: InvalidArgumentError,
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
    ErrorCode.NOT_FOUND: NotFoundError,
    ErrorCode.CONFLICT: ConflictError,
    ErrorCode.PERMISSION_DENIED: PermissionDeniedError,
    ErrorCode.UNAVAILABLE: UnavailableError,
    ErrorCode.BACKEND: StoreError,
    ErrorCode.NOT_SUPPORTED: NotSupportedError,
    ErrorCode.INVALID_TRANSITION: InvalidTransitionError,
    ErrorCode.KEYRING_INVALID: KeyringError,
    ErrorCode.AUDIT_TAMPERED: AuditTamperedError,
    ErrorCode.RECOVERY_FAILED: RecoveryError,
    ErrorCode.KEY_MISMATCH: KeyMismatchError,
}
# END GENERATED


def class_for_code(code: int) -> Type[CosignKeysError]:
    """The exception class raised for a stable error code (the base class for
    a code this version does not know)."""
    try:
        return _CLASS_BY_CODE[ErrorCode(code)]
    except (ValueError, KeyError):
        return CosignKeysError


def _from_native(
    code: int, code_name: str, message: str, details_json: str = "{}"
) -> CosignKeysError:
    """Called by the native module for every core error, with the details of
    the core's error document as JSON. Details that do not parse become
    ``{}``: the caller still gets the class for ``code``."""
    try:
        details = json.loads(details_json)
    except (ValueError, TypeError):
        details = {}
    return class_for_code(code)(
        message, code, code_name, details if isinstance(details, dict) else {}
    )


def _handle_closed(what: str) -> CosignKeysError:
    """The error of a pure-Python handle used after ``close()``, with the
    same code, class and wording as the native handles'."""
    return _from_native(
        ErrorCode.HANDLE_CLOSED,
        ErrorCode.HANDLE_CLOSED.name,
        f"the {what} is closed",
        json.dumps({"what": what}),
    )
