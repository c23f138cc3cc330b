"""Behaviour of the generated wire classes (``_wire.py``): a class
``XMethods`` here is a base of the generated class ``X``. Fields come from the
schema only; these hold convenience methods, and ``KeyLocation``, whose JSON
is a tagged union the Python API shows as one class."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, List, Optional, Tuple, Type, TypeVar, Union

from ._native import Fingerprint, PublicKey
from ._wire_decode import integer, obj, text

if TYPE_CHECKING:
    from ._wire import KeyRecord, KeyStatus, PendingTarget, TrustedKey

_Policy = TypeVar("_Policy", bound="RotationPolicyMethods")


@dataclasses.dataclass(frozen=True)
class KeyLocation:
    """Where a key version's private key lives: a key store URI at a store
    version (``kind == "store"``), or a KMS key URI at a KMS version
    (``kind == "kms"``)."""

    kind: str
    """``"store"`` or ``"kms"``."""
    uri: str
    """The key store or KMS URI."""
    version: Union[int, str]
    """The store version (int) or the KMS's version identifier (str)."""

    def __str__(self) -> str:
        if self.kind == "kms":
            return f"{self.uri} (KMS version {self.version})"
        return f"{self.uri} (version {self.version})"

    @classmethod
    def _from_json(cls, value: Any) -> KeyLocation:
        data = obj(value)
        kind = text(data["kind"])
        version: Union[int, str] = (
            integer(data["version"]) if kind == "store" else text(data["version"])
        )
        return cls(kind, text(data["uri"]), version)


class RotationPolicyMethods:
    """Named policies, and the pair the native layer takes."""

    if TYPE_CHECKING:
        period_days: int
        transition_window_days: int

    @classmethod
    def annual(cls: Type[_Policy]) -> _Policy:
        """Every 365 days, 30-day transition window (the default)."""
        return cls(365, 30)  # type: ignore[call-arg]

    @classmethod
    def quarterly(cls: Type[_Policy]) -> _Policy:
        """Every 90 days, 30-day transition window."""
        return cls(90, 30)  # type: ignore[call-arg]

    @classmethod
    def every_days(cls: Type[_Policy], days: int) -> _Policy:
        """A custom period with a 30-day window, or one day less than the
        period if that is shorter."""
        return cls(days, min(30, max(days - 1, 0)))  # type: ignore[call-arg]

    def _native(self) -> Tuple[int, int]:
        return (int(self.period_days), int(self.transition_window_days))


class KeyRecordMethods:
    """The public key of a key record, as a key."""

    if TYPE_CHECKING:
        public_key: str

    def load_public_key(self) -> PublicKey:
        """The public key as a :class:`~cosign_keys.PublicKey`."""
        return PublicKey.from_pem(self.public_key.encode("ascii"))


class KeyStatusMethods(KeyRecordMethods):
    """As :class:`KeyRecordMethods`."""


class ManifestMethods:
    """The manifest's active key."""

    if TYPE_CHECKING:
        keys: Tuple[KeyRecord, ...]

    @property
    def active(self) -> Optional[KeyRecord]:
        """The active key, if any."""
        return next((k for k in self.keys if k.state == "active"), None)


class PendingOperationMethods:
    """Where an interrupted rotation puts its new key."""

    if TYPE_CHECKING:
        target: Optional[PendingTarget]

    @property
    def target_uri(self) -> Optional[str]:
        """Rotations: where the new key goes."""
        return None if self.target is None else self.target.uri


class StatusMethods:
    """A key of a status by id or fingerprint."""

    if TYPE_CHECKING:
        keys: Tuple[KeyStatus, ...]

    def key(self, key: Union[int, str, Fingerprint]) -> KeyStatus:
        """The key with this id (``2``, ``"2"``, ``"#2"``) or fingerprint
        (``KeyError`` if none)."""
        if isinstance(key, bool):
            raise TypeError("a key is an id (int) or a fingerprint, not a bool")
        wanted = str(key).lstrip("#")
        for k in self.keys:
            if str(k.id) == wanted or str(k.fingerprint) == wanted:
                return k
        raise KeyError(key)


class TrustBundleMethods:
    """The bundle's current and previous key, and its fingerprints."""

    if TYPE_CHECKING:
        keys: Tuple[TrustedKey, ...]

    @property
    def current(self) -> Optional[TrustedKey]:
        """The active key (``cosign.pub``)."""
        return next((k for k in self.keys if k.state == "active"), None)

    @property
    def previous(self) -> Optional[TrustedKey]:
        """The newest deactivated key still trusted (``cosign.pub.old``)."""
        return next((k for k in self.keys if k.state == "deactivated"), None)

    @property
    def fingerprints(self) -> List[str]:
        """The fingerprints, in bundle order."""
        return [k.fingerprint for k in self.keys]


__all__ = [
    "KeyLocation",
    "KeyRecordMethods",
    "KeyStatusMethods",
    "ManifestMethods",
    "PendingOperationMethods",
    "RotationPolicyMethods",
    "StatusMethods",
    "TrustBundleMethods",
]
