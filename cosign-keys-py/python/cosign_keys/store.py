"""Key stores: one interface over every place a Cosign key pair is kept.

A store is opened from a URI with :meth:`Store.open` (or :func:`open_store`):

============================================  ===============================================
URI                                           where
============================================  ===============================================
``path/to/dir``, ``file:///abs/dir``          a directory with ``cosign.key``, ``cosign.pub``
``file:///abs/dir?prefix=release``            ``release.key`` / ``release.pub`` instead
``env://VAR``                                 read-only: the encrypted key PEM in a variable
``vault-kv://<mount>/<path>``                 a Vault or OpenBao KV v2 secret (``VAULT_*``)
============================================  ===============================================

Every put writes a new version; nothing is replaced unless asked
(``overwrite=True``), and ``expected_version`` makes a put check-and-set.
What is stored is always the *encrypted* key file, the public key and,
optionally, the password. Every :class:`Store` call releases the GIL.

The records read back are the immutable value classes below.

>>> import tempfile, cosign_keys
>>> key = cosign_keys.PrivateKey.generate()
>>> with tempfile.TemporaryDirectory() as tmp, cosign_keys.open_store(tmp) as store:
...     store.put(key.encrypt("pw", n=1024), key.public_key, created_by="doc")
...     store.get_public().public_key == key.public_key
1
True
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Mapping, NoReturn, Optional, Type, Union

from ._native import (
    EncryptedPrivateKey,
    Fingerprint,
    PrivateKey,
    PublicKey,
    Store,
    parse_key_ref,
)
from .algorithm import Algorithm
from .errors import ErrorCode, InvalidArgumentError

__all__ = [
    "KeyMetadata",
    "Store",
    "StoredKey",
    "StoredPublicKey",
    "VersionInfo",
    "VersionState",
    "open_store",
    "parse_key_ref",
]


def open_store(uri: str) -> Store:
    """Opens the key store ``uri`` names (same as :meth:`Store.open`).

    Raises :class:`~cosign_keys.InvalidArgumentError` for a URI that does not
    parse (the message says what is wrong),
    :class:`~cosign_keys.NotSupportedError` for a backend this build lacks,
    and the store's connection errors.

    >>> import cosign_keys
    >>> cosign_keys.open_store("vault-kv://secret")
    Traceback (most recent call last):
    ...
    cosign_keys.errors.InvalidArgumentError: invalid key URI `vault-kv://secret`: vault-kv:// needs a mount and a path, e.g. vault-kv://secret/team/cosign
    """
    return Store.open(uri)


class VersionState(str, enum.Enum):
    """Whether a stored version can still be read."""

    LIVE = "live"
    """Readable."""
    DELETED = "deleted"
    """Soft-deleted: not readable, recoverable where the store allows it."""
    DESTROYED = "destroyed"
    """Destroyed for good; only the version's record remains."""

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class KeyMetadata:
    """Facts stored beside a key pair (never secret)."""

    fingerprint: Fingerprint
    """SHA-256 fingerprint of the public key."""
    algorithm: Algorithm
    """The key's algorithm."""
    created_by: str
    """Who stored it (the ``created_by`` given to :meth:`Store.put`)."""
    created_at: datetime
    """When it was stored (aware, UTC)."""
    labels: Mapping[str, str] = field(default_factory=dict, hash=False)
    """Free-form labels given to :meth:`Store.put`."""


@dataclass(frozen=True)
class VersionInfo:
    """One version of a stored key, as :meth:`Store.versions` lists it."""

    version: int
    """The version number (1-based, increasing)."""
    fingerprint: Optional[Fingerprint]
    """That version's fingerprint, when the store records it."""
    created_at: Optional[datetime]
    """When it was written (aware, UTC), when known."""
    state: VersionState
    """Whether it can still be read."""


@dataclass(frozen=True)
class StoredPublicKey:
    """A public key read without touching the private key
    (:meth:`Store.get_public`)."""

    version: int
    """The version read."""
    public_key: PublicKey
    """The public key."""
    metadata: KeyMetadata
    """The metadata stored with it."""


@dataclass(frozen=True, eq=False)
class StoredKey:
    """A stored key pair as :meth:`Store.get` reads it.

    ``password`` is the password kept beside the key (``None`` when the
    store keeps none). It is a ``bytearray``, the only copy left in this
    process: call :meth:`wipe` (or use the record in a ``with`` block) to
    overwrite it with zeros once you are done. For the same reason a
    ``StoredKey`` is never printed with its password and cannot be pickled.

    >>> import tempfile, cosign_keys
    >>> key = cosign_keys.PrivateKey.generate()
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     store = cosign_keys.open_store(tmp)
    ...     _ = store.put(key.encrypt("pw", n=1024), key.public_key, created_by="doc")
    ...     with store.get() as stored:
    ...         unlocked = stored.decrypt("pw")
    >>> unlocked.fingerprint == key.fingerprint
    True
    """

    version: int
    """The version read (1 for stores without versions)."""
    encrypted_key: EncryptedPrivateKey
    """The encrypted private key (the ``cosign.key`` content)."""
    public_key: PublicKey
    """The public key."""
    password: Optional[bytearray] = field(repr=False)
    """The stored password, or ``None``; wipe it with :meth:`wipe`."""
    metadata: KeyMetadata
    """The metadata stored with it."""

    def decrypt(
        self,
        password: Union[str, bytes, bytearray, None] = None,
        *,
        max_memory_bytes: Optional[int] = None,
        max_work: Optional[int] = None,
    ) -> PrivateKey:
        """Unlocks the key with ``password``, or with the stored password
        when none is given (:class:`~cosign_keys.InvalidArgumentError` if the
        store kept none). The limits are those of
        :meth:`EncryptedPrivateKey.decrypt`; the GIL is released."""
        if password is None:
            if self.password is None:
                raise InvalidArgumentError(
                    "invalid argument `password`: the store keeps no password "
                    "for this key; pass one",
                    ErrorCode.INVALID_ARGUMENT,
                    ErrorCode.INVALID_ARGUMENT.name,
                )
            password = self.password
        return self.encrypted_key.decrypt(
            password, max_memory_bytes=max_memory_bytes, max_work=max_work
        )

    def wipe(self) -> None:
        """Overwrites the stored password's bytes with zeros and forgets it
        (``password`` becomes ``None``, so :meth:`decrypt` then needs the
        password passed in). Idempotent."""
        if self.password is not None:
            self.password[:] = bytes(len(self.password))
            # Frozen dataclass: the one sanctioned way to change a field.
            object.__setattr__(self, "password", None)

    def __enter__(self) -> StoredKey:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.wipe()

    def __reduce__(self) -> NoReturn:
        raise TypeError(
            "cosign_keys.StoredKey cannot be pickled or copied: it may hold the password"
        )
