"""Key lifecycle: the keyring, its key versions and states, rotation,
revocation, retirement, destruction, the trust bundle and re-sign
bookkeeping.

A :class:`Keyring` is a versioned JSON manifest (a file, or a Vault KV
document with check-and-set) that records every key version: fingerprint,
algorithm, where its private key lives, its state and every transition. Next
to it are a signature ledger (for :meth:`Keyring.resign_list`) and a
hash-chained audit log (:mod:`cosign_keys.audit`). Every operation takes
``who`` and ``reason`` for the audit log, and ``now`` (an aware
:class:`~datetime.datetime`, default: the system clock) so a runbook can be
rehearsed without waiting a year.

States (NIST SP 800-57): ``pre-active`` -> ``active`` -> ``deactivated``
(still trusted for verification during its transition window, then
*retired*) -> ``destroyed``; ``compromised`` from any live state, never
active again. An operation a key's state does not allow raises
:class:`~cosign_keys.InvalidTransitionError`.

>>> import tempfile, pathlib
>>> from cosign_keys import Keyring, KeyState
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> with Keyring.open(str(d / "keyring.json"), d / "audit.jsonl") as keyring:
...     first = keyring.rotate(str(d / "keys"), password="pw", who="alice",
...                            reason="first key", scrypt=ScryptParams(n=1024))
...     status = keyring.status()
>>> first.new_key, status.active_key, status.keys[0].state is KeyState.ACTIVE
(1, 1, True)

Every call that touches the manifest, a key store, a KMS or the audit log,
or runs scrypt, releases the GIL.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import json
import os
from pathlib import Path
from types import TracebackType
from typing import Any, List, Optional, Tuple, Type, Union

from . import _native
from ._lifecycle_json import (
    Json,
    actor,
    int_list,
    invalid,
    obj,
    optional_int,
    optional_str,
    selector,
    text_list,
    unix_seconds,
    utc,
    utc_or_none,
)
from ._native import Fingerprint, PrivateKey, PublicKey, ScryptParams
from .algorithm import Algorithm
from .audit import AuditHead, AuditReport, verify_audit
from .errors import _handle_closed

__all__ = [
    "Actor",
    "Compromise",
    "Due",
    "HistoryEntry",
    "KeyLocation",
    "KeyRecord",
    "KeyState",
    "KeyStatus",
    "Keyring",
    "Manifest",
    "PendingOperation",
    "ResignEntry",
    "RevocationOutcome",
    "RotationOutcome",
    "RotationPolicy",
    "SignedArtifact",
    "SigningEvent",
    "Status",
    "TrustBundle",
    "TrustedKey",
]

PathArg = Union[str, "os.PathLike[str]"]
KeySelector = Union[int, str, Fingerprint]
"""A key by id (``2``, ``"2"``, ``"#2"``) or fingerprint (text or
:class:`~cosign_keys.Fingerprint`)."""
PasswordArg = Union[str, bytes, bytearray]


class KeyState(str, enum.Enum):
    """Where a key version is in its life. Members are strings
    (``KeyState.ACTIVE == "active"``)."""

    PRE_ACTIVE = "pre-active"
    """Generated and stored, not yet used."""
    ACTIVE = "active"
    """The signing key; at most one at a time."""
    DEACTIVATED = "deactivated"
    """No longer signs; trusted for verification during its transition
    window (and never again once retired)."""
    COMPROMISED = "compromised"
    """Trusted by no one from the moment it was marked; never active again."""
    DESTROYED = "destroyed"
    """Private material deleted; the record is kept. Terminal."""

    def __str__(self) -> str:
        return self.value


@dataclasses.dataclass(frozen=True)
class RotationPolicy:
    """How often the active key is replaced, and how long a replaced key
    stays trusted for verification. The core checks the numbers (a period of
    at least a day, a window shorter than the period) when the policy is
    used.

    >>> RotationPolicy.annual()
    RotationPolicy(period_days=365, transition_window_days=30)
    >>> RotationPolicy.quarterly().transition_window_days
    30
    >>> RotationPolicy.every_days(30)
    RotationPolicy(period_days=30, transition_window_days=29)
    """

    period_days: int = 365
    """Days from a key's activation until its rotation is due."""
    transition_window_days: int = 30
    """Days a deactivated key stays trusted for verification."""

    @classmethod
    def annual(cls) -> RotationPolicy:
        """Every 365 days, 30-day transition window (the default)."""
        return cls(365, 30)

    @classmethod
    def quarterly(cls) -> RotationPolicy:
        """Every 90 days, 30-day transition window."""
        return cls(90, 30)

    @classmethod
    def every_days(cls, days: int) -> RotationPolicy:
        """A custom period with a 30-day window, or one day less than the
        period if that is shorter."""
        return cls(days, min(30, max(days - 1, 0)))

    def _native(self) -> Tuple[int, int]:
        return (int(self.period_days), int(self.transition_window_days))

    @classmethod
    def _from_json(cls, data: Json) -> RotationPolicy:
        return cls(int(data["period_days"]), int(data["transition_window_days"]))


@dataclasses.dataclass(frozen=True)
class Actor:
    """Who acted, from which machine, and why."""

    who: str
    host: str
    reason: str

    @classmethod
    def _from_json(cls, data: Json) -> Actor:
        return cls(str(data["who"]), str(data["host"]), str(data["reason"]))


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
    def _from_json(cls, data: Json) -> KeyLocation:
        kind = str(data["kind"])
        version: Union[int, str] = (
            int(data["version"]) if kind == "store" else str(data["version"])
        )
        return cls(kind, str(data["uri"]), version)


@dataclasses.dataclass(frozen=True)
class Compromise:
    """Why a key was marked compromised."""

    reason: str
    incident_id: str

    @classmethod
    def _from_json(cls, data: Any) -> Optional[Compromise]:
        if data is None:
            return None
        return cls(str(data["reason"]), str(data["incident"]))


@dataclasses.dataclass(frozen=True)
class HistoryEntry:
    """One transition in a key's history."""

    event: str
    """``created``, ``activated``, ``deactivated``, ``retired``,
    ``compromised``, ``destroyed`` or ``recovered``."""
    state: KeyState
    """The state afterwards."""
    at: _dt.datetime
    """When (aware, UTC)."""
    by: Actor
    """Who, from where, why."""
    incident_id: Optional[str]
    """The incident, for a compromise."""
    operation: Optional[str]
    """The lifecycle operation it was part of."""

    @classmethod
    def _from_json(cls, data: Json) -> HistoryEntry:
        return cls(
            event=str(data["event"]),
            state=KeyState(data["state"]),
            at=utc(data["at"]),
            by=Actor._from_json(data["by"]),
            incident_id=optional_str(data.get("incident")),
            operation=optional_str(data.get("operation")),
        )


@dataclasses.dataclass(frozen=True)
class KeyRecord:
    """One key version in the keyring."""

    id: int
    """Sequence number in the keyring (1, 2, ...)."""
    fingerprint: str
    """``SHA256:...`` fingerprint of the public key."""
    algorithm: Algorithm
    location: KeyLocation
    """Where the private key lives."""
    public_key: str
    """The public key, PKIX PEM (what ``cosign.pub`` holds)."""
    state: KeyState
    created_at: _dt.datetime
    activated_at: Optional[_dt.datetime]
    deactivated_at: Optional[_dt.datetime]
    trusted_until: Optional[_dt.datetime]
    """End of the transition window (deactivated keys); verifiers trust the
    key before this time."""
    retired_at: Optional[_dt.datetime]
    compromised_at: Optional[_dt.datetime]
    destroyed_at: Optional[_dt.datetime]
    compromise: Optional[Compromise]
    predecessor: Optional[int]
    """The key it replaced."""
    successor: Optional[int]
    """The key that replaced it."""
    history: Tuple[HistoryEntry, ...]
    """Every transition, oldest first."""

    def load_public_key(self) -> PublicKey:
        """The public key as a :class:`~cosign_keys.PublicKey`."""
        return PublicKey.from_pem(self.public_key.encode("ascii"))

    @staticmethod
    def _fields(data: Json) -> Json:
        return {
            "id": int(data["id"]),
            "fingerprint": str(data["fingerprint"]),
            "algorithm": Algorithm(data["algorithm"]),
            "location": KeyLocation._from_json(data["location"]),
            "public_key": str(data["public_key"]),
            "state": KeyState(data["state"]),
            "created_at": utc(data["created_at"]),
            "activated_at": utc_or_none(data.get("activated_at")),
            "deactivated_at": utc_or_none(data.get("deactivated_at")),
            "trusted_until": utc_or_none(data.get("trusted_until")),
            "retired_at": utc_or_none(data.get("retired_at")),
            "compromised_at": utc_or_none(data.get("compromised_at")),
            "destroyed_at": utc_or_none(data.get("destroyed_at")),
            "compromise": Compromise._from_json(data.get("compromise")),
            "predecessor": optional_int(data.get("predecessor")),
            "successor": optional_int(data.get("successor")),
            "history": tuple(HistoryEntry._from_json(h) for h in data.get("history", [])),
        }

    @classmethod
    def _from_json(cls, data: Json) -> KeyRecord:
        return cls(**cls._fields(data))


@dataclasses.dataclass(frozen=True)
class KeyStatus(KeyRecord):
    """A key in a :class:`Status`: its record, plus whether verifiers trust
    it at the status time and its state in words."""

    trusted: bool
    """Whether verifiers trust it at :attr:`Status.now`."""
    status: str
    """E.g. ``active``, ``deactivated (trusted until 2027-02-04T09:00:00Z)``,
    ``deactivated (retired ...)``."""

    @classmethod
    def _from_json(cls, data: Json) -> KeyStatus:
        return cls(**cls._fields(data), trusted=bool(data["trusted"]), status=str(data["status"]))


@dataclasses.dataclass(frozen=True)
class PendingOperation:
    """A lifecycle operation that was interrupted: calling the same
    operation again (or :meth:`Keyring.resume`) completes it."""

    id: str
    kind: str
    """``rotate``, ``emergency-rotate``, ``revoke``, ``retire`` or ``destroy``."""
    step: str
    """``intent``, ``recorded`` or ``committed``."""
    started_at: _dt.datetime
    actor: Actor
    target_uri: Optional[str]
    """Rotations: where the new key goes."""
    old_key: Optional[int]
    new_key: Optional[int]
    compromised_key: Optional[int]
    keys: Tuple[int, ...]

    @classmethod
    def _from_json(cls, data: Any) -> Optional[PendingOperation]:
        if data is None:
            return None
        target = data.get("target")
        return cls(
            id=str(data["id"]),
            kind=str(data["kind"]),
            step=str(data["step"]),
            started_at=utc(data["started_at"]),
            actor=Actor._from_json(data["actor"]),
            target_uri=None if target is None else str(target["uri"]),
            old_key=optional_int(data.get("old_key")),
            new_key=optional_int(data.get("new_key")),
            compromised_key=optional_int(data.get("compromised_key")),
            keys=tuple(int_list(data.get("keys"))),
        )


@dataclasses.dataclass(frozen=True)
class Manifest:
    """The keyring manifest as stored, with its revision."""

    revision: int
    """The revision a check-and-set save expects (see ``expect_revision``)."""
    created_at: _dt.datetime
    updated_at: _dt.datetime
    policy: RotationPolicy
    keys: Tuple[KeyRecord, ...]
    pending: Optional[PendingOperation]

    @property
    def active(self) -> Optional[KeyRecord]:
        """The active key, if any."""
        return next((k for k in self.keys if k.state is KeyState.ACTIVE), None)

    @classmethod
    def _from_json(cls, text: str, revision: int) -> Manifest:
        data = obj(json.loads(text))
        return cls(
            revision=revision,
            created_at=utc(data["created_at"]),
            updated_at=utc(data["updated_at"]),
            policy=RotationPolicy._from_json(data["policy"]),
            keys=tuple(KeyRecord._from_json(k) for k in data["keys"]),
            pending=PendingOperation._from_json(data.get("pending")),
        )


@dataclasses.dataclass(frozen=True)
class Due:
    """What the rotation policy asks for at a time."""

    now: _dt.datetime
    rotation_due: bool
    """No active key, or its period is over."""
    rotation_due_at: Optional[_dt.datetime]
    reason: str
    """Why, in words."""
    retire: Tuple[int, ...]
    """Deactivated keys whose window has ended: retire them."""
    pending_operation: Optional[str]
    """An interrupted operation to retry, in words."""

    @classmethod
    def _from_json(cls, data: Json) -> Due:
        return cls(
            now=utc(data["now"]),
            rotation_due=bool(data["rotation_due"]),
            rotation_due_at=utc_or_none(data.get("rotation_due_at")),
            reason=str(data["reason"]),
            retire=tuple(int_list(data.get("retire"))),
            pending_operation=optional_str(data.get("pending_operation")),
        )


@dataclasses.dataclass(frozen=True)
class Status:
    """A keyring's state at a time."""

    keyring: str
    """The manifest's location."""
    revision: int
    now: _dt.datetime
    policy: RotationPolicy
    active_key: Optional[int]
    keys: Tuple[KeyStatus, ...]
    trusted: Tuple[str, ...]
    """Fingerprints verifiers should trust now, active first."""
    due: Due
    pending: Optional[PendingOperation]
    resign_count: int
    """Artifacts whose newest signature is by a key no longer active."""
    audit_head: AuditHead
    """The audit log's head: keep it to verify the log later."""
    audit_pending: int = 0
    """Audit records an emergency operation queued in the keyring because
    the log could not be written; the next operation that can write the log
    appends them."""
    audit_problem: Optional[str] = None
    """What is wrong with the audit log, if anything: it cannot be read, or
    it no longer holds the record the keyring was saved after (deleted,
    truncated or replaced)."""
    deferred: Optional[PendingOperation] = None
    """A destroy an emergency operation (revoke, emergency rotation) set
    aside; it becomes :attr:`pending` again when that operation closes."""

    def key(self, key: KeySelector) -> KeyStatus:
        """The key with this id or fingerprint (``KeyError`` if none)."""
        text = selector(key).lstrip("#")
        for k in self.keys:
            if str(k.id) == text or k.fingerprint == text:
                return k
        raise KeyError(key)

    @classmethod
    def _from_json(cls, text: str) -> Status:
        data = obj(json.loads(text))
        return cls(
            keyring=str(data["keyring"]),
            revision=int(data["revision"]),
            now=utc(data["now"]),
            policy=RotationPolicy._from_json(data["policy"]),
            active_key=optional_int(data.get("active_key")),
            keys=tuple(KeyStatus._from_json(k) for k in data["keys"]),
            trusted=tuple(text_list(data.get("trusted"))),
            due=Due._from_json(data["due"]),
            pending=PendingOperation._from_json(data.get("pending")),
            resign_count=int(data["resign_count"]),
            audit_head=AuditHead._from_json(data["audit_head"]),
            audit_pending=int(data.get("audit_pending", 0)),
            audit_problem=optional_str(data.get("audit_problem")),
            deferred=PendingOperation._from_json(data.get("deferred")),
        )


@dataclasses.dataclass(frozen=True)
class TrustedKey:
    """One key in a trust bundle."""

    id: int
    fingerprint: str
    state: KeyState
    """``active`` or ``deactivated``."""
    trusted_until: Optional[_dt.datetime]
    """For a deactivated key, when verifiers stop trusting it."""
    public_key: str
    """PKIX PEM."""

    @classmethod
    def _from_json(cls, data: Json) -> TrustedKey:
        return cls(
            id=int(data["id"]),
            fingerprint=str(data["fingerprint"]),
            state=KeyState(data["state"]),
            trusted_until=utc_or_none(data.get("trusted_until")),
            public_key=str(data["public_key"]),
        )


@dataclasses.dataclass(frozen=True)
class TrustBundle:
    """The public keys a verifier should trust at :attr:`at`: the active key,
    then deactivated keys inside their window, newest first; never a
    compromised, retired, destroyed or pre-active key."""

    at: _dt.datetime
    keys: Tuple[TrustedKey, ...]
    pem: str
    """Every key's PEM concatenated in bundle order: one multi-key bundle for
    admission controllers (the file ``cosign-trust-bundle.pem``)."""

    @property
    def current(self) -> Optional[TrustedKey]:
        """The active key (``cosign.pub``)."""
        return next((k for k in self.keys if k.state is KeyState.ACTIVE), None)

    @property
    def previous(self) -> Optional[TrustedKey]:
        """The newest deactivated key still trusted (``cosign.pub.old``)."""
        return next((k for k in self.keys if k.state is KeyState.DEACTIVATED), None)

    @property
    def fingerprints(self) -> List[str]:
        """The fingerprints, in bundle order."""
        return [k.fingerprint for k in self.keys]

    @classmethod
    def _from_native(cls, text: str, pem: str) -> TrustBundle:
        data = obj(json.loads(text))
        return cls(
            at=utc(data["at"]),
            keys=tuple(TrustedKey._from_json(k) for k in data["keys"]),
            pem=pem,
        )


@dataclasses.dataclass(frozen=True)
class RotationOutcome:
    """What a rotation did."""

    operation: str
    """The operation id (in the audit records and the store's labels)."""
    kind: str
    """``rotate`` or ``emergency-rotate``."""
    resumed: bool
    """Whether this call completed an interrupted rotation."""
    new_key: int
    new_fingerprint: str
    location: KeyLocation
    """Where the new private key lives."""
    old_key: Optional[int]
    old_fingerprint: Optional[str]
    old_trusted_until: Optional[_dt.datetime]
    """Until when the replaced key is still trusted (``None`` if compromised)."""
    revision: int
    audit_head: AuditHead
    audit_pending: int = 0
    """Audit records not yet in the log (an emergency rotation goes on when
    the log cannot be written): kept in the keyring and appended by the next
    operation that can write the log. 0: the audit trail is complete."""
    audit_error: Optional[str] = None
    """Why the log could not be written, when :attr:`audit_pending` is not 0."""

    @classmethod
    def _from_json(cls, text: str) -> RotationOutcome:
        data = obj(json.loads(text))
        return cls(
            operation=str(data["operation"]),
            kind=str(data["kind"]),
            resumed=bool(data["resumed"]),
            new_key=int(data["new_key"]),
            new_fingerprint=str(data["new_fingerprint"]),
            location=KeyLocation._from_json(data["location"]),
            old_key=optional_int(data.get("old_key")),
            old_fingerprint=optional_str(data.get("old_fingerprint")),
            old_trusted_until=utc_or_none(data.get("old_trusted_until")),
            revision=int(data["revision"]),
            audit_head=AuditHead._from_json(data["audit_head"]),
            audit_pending=int(data.get("audit_pending", 0)),
            audit_error=optional_str(data.get("audit_error")),
        )


@dataclasses.dataclass(frozen=True)
class RevocationOutcome:
    """What a revocation did."""

    operation: str
    resumed: bool
    key: int
    """The compromised key's id."""
    fingerprint: str
    previous_state: KeyState
    incident_id: str
    active_key: Optional[int]
    """The active key now (``None`` when the revoked key was the active one:
    rotate at once, or use :meth:`Keyring.emergency_rotate`)."""
    revision: int
    audit_head: AuditHead
    audit_pending: int = 0
    """Audit records not yet in the log: a revocation is never blocked by the
    audit log (full disk, I/O error, read-only, locked, or a log that no
    longer holds the keyring's anchor). They are kept in the keyring and
    appended by the next operation that can write the log. 0: the audit
    trail is complete."""
    audit_error: Optional[str] = None
    """Why the log could not be written, when :attr:`audit_pending` is not 0."""

    @classmethod
    def _from_json(cls, text: str) -> RevocationOutcome:
        data = obj(json.loads(text))
        return cls(
            operation=str(data["operation"]),
            resumed=bool(data["resumed"]),
            key=int(data["key"]),
            fingerprint=str(data["fingerprint"]),
            previous_state=KeyState(data["previous_state"]),
            incident_id=str(data["incident"]),
            active_key=optional_int(data.get("active_key")),
            revision=int(data["revision"]),
            audit_head=AuditHead._from_json(data["audit_head"]),
            audit_pending=int(data.get("audit_pending", 0)),
            audit_error=optional_str(data.get("audit_error")),
        )


@dataclasses.dataclass(frozen=True)
class SigningEvent:
    """An artifact signed by a key in a pipeline, as recorded."""

    artifact: str
    digest: str
    pipeline_id: str
    fingerprint: str
    """The signing key's fingerprint."""
    key_id: int
    """The signing key's id (0 if it is not in the keyring)."""
    signed_at: _dt.datetime

    @staticmethod
    def _fields(data: Json) -> Json:
        return {
            "artifact": str(data["artifact"]),
            "digest": str(data["digest"]),
            "pipeline_id": str(data["pipeline"]),
            "fingerprint": str(data["fingerprint"]),
            "key_id": int(data["key_id"]),
            "signed_at": utc(data["signed_at"]),
        }

    @classmethod
    def _from_json(cls, data: Json) -> SigningEvent:
        return cls(**cls._fields(data))


@dataclasses.dataclass(frozen=True)
class SignedArtifact(SigningEvent):
    """An artifact signed with the keyring's active key."""

    signature: str
    """The signature over the digest, base64 (as ``cosign sign-blob`` prints it)."""

    @classmethod
    def _from_json(cls, data: Json) -> SignedArtifact:
        return cls(**cls._fields(data), signature=str(data["signature"]))


@dataclasses.dataclass(frozen=True)
class ResignEntry(SigningEvent):
    """An artifact to sign again: its newest signature is by a key that is no
    longer active."""

    key_state: str
    """The signing key's state now, in words (``deactivated (trusted until
    ...)``, ``compromised``, ...; ``unknown`` for a key not in the keyring)."""

    @classmethod
    def _from_json(cls, data: Json) -> ResignEntry:
        return cls(**cls._fields(data), key_state=str(data["key_state"]))


def _scrypt(params: Optional[ScryptParams]) -> Optional[Tuple[int, int, int]]:
    if params is None:
        return None
    if not isinstance(params, ScryptParams):
        raise TypeError(f"scrypt must be a ScryptParams, not {type(params).__name__}")
    return (params.n, params.r, params.p)


def _policy(policy: RotationPolicy) -> Tuple[int, int]:
    if not isinstance(policy, RotationPolicy):
        raise TypeError(f"policy must be a RotationPolicy, not {type(policy).__name__}")
    return policy._native()


def _compromise(reason: str, incident_id: str) -> Tuple[str, str]:
    if not isinstance(incident_id, str) or not incident_id.strip():
        invalid("marking a key compromised needs an incident_id")
    if not reason.strip():
        invalid("marking a key compromised needs a reason")
    return (reason, incident_id)


class Keyring:
    """A keyring: manifest, signature ledger and audit log, with the
    lifecycle operations. Open it with :meth:`open`; it is a context manager
    (closing only drops the handle: every operation is complete when it
    returns). Safe to share between threads.

    A new key goes into a key store (a directory, ``vault-kv://...``; it is
    generated here, sealed with ``password`` in cosign's format and stored as
    a new version) or is created in a KMS (``hashivault://``,
    ``awskms://``; no password).

    >>> import tempfile, pathlib
    >>> from datetime import datetime, timezone
    >>> from cosign_keys import InvalidTransitionError
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> ring = Keyring.open(str(d / "keyring.json"), d / "audit.jsonl")
    >>> me = {"who": "alice", "reason": "CHG-1"}
    >>> jan = datetime(2026, 1, 5, tzinfo=timezone.utc)
    >>> _ = ring.rotate(str(d / "keys"), password="pw", scrypt=ScryptParams(n=1024), now=jan, **me)
    >>> later = jan.replace(year=2027)
    >>> ring.due(later).rotation_due
    True
    >>> second = ring.rotate(str(d / "keys"), password="pw", scrypt=ScryptParams(n=1024), now=later, **me)
    >>> [k.id for k in ring.trust_bundle(later).keys]    # active first, then the old key
    [2, 1]
    >>> ring.revoke(1, reason="leaked", incident_id="INC-9", who="alice", now=later).previous_state
    <KeyState.DEACTIVATED: 'deactivated'>
    >>> [k.id for k in ring.trust_bundle(later).keys]
    [2]
    >>> try:
    ...     ring.destroy(2, now=later, **me)             # the active key: not allowed
    ... except InvalidTransitionError as err:
    ...     print(err.code_name)
    INVALID_TRANSITION
    """

    __slots__ = ("_handle",)

    def __init__(self, handle: _native.Keyring) -> None:
        """Wraps a native handle; use :meth:`open`."""
        self._handle: Optional[_native.Keyring] = handle

    @classmethod
    def open(
        cls,
        manifest_uri: PathArg,
        audit_path: PathArg,
        *,
        signatures_uri: Optional[str] = None,
    ) -> Keyring:
        """Opens the keyring whose manifest is at ``manifest_uri`` (a file
        path, ``file://...`` or ``vault-kv://mount/path``) with its audit log
        at the local file ``audit_path``. The signature ledger lives beside
        the manifest unless ``signatures_uri`` says otherwise. Nothing is
        read or created yet; network credentials come from the environment.
        """
        return cls(
            _native.Keyring.open(os.fspath(manifest_uri), os.fspath(audit_path), signatures_uri)
        )

    def __enter__(self) -> Keyring:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    def close(self) -> None:
        """Drops the native handle; later calls raise :class:`ValueError`."""
        self._handle = None

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._handle is None

    @property
    def _k(self) -> _native.Keyring:
        if self._handle is None:
            raise _handle_closed("keyring")
        return self._handle

    def __repr__(self) -> str:
        if self._handle is None:
            return "Keyring(<closed>)"
        return f"Keyring({self._handle.location!r})"

    @property
    def location(self) -> str:
        """The manifest's location as a URI."""
        return self._k.location

    @property
    def audit_path(self) -> Path:
        """The audit log file."""
        return Path(self._k.audit_log)

    @property
    def signatures_uri(self) -> str:
        """The signature ledger's location."""
        return self._k.signatures

    def manifest(self) -> Optional[Manifest]:
        """The manifest and its revision; ``None`` before it exists."""
        found = self._k.manifest()
        return None if found is None else Manifest._from_json(*found)

    def init(
        self,
        policy: Optional[RotationPolicy] = None,
        *,
        who: str,
        reason: str,
        host: Optional[str] = None,
        now: Optional[_dt.datetime] = None,
    ) -> Manifest:
        """Creates an empty keyring with ``policy`` (annual by default).
        Raises :class:`~cosign_keys.Conflict` if it exists. (A first
        :meth:`rotate` also creates it.)"""
        self._k.init(
            _policy(policy or RotationPolicy.annual()),
            actor(who, reason, host),
            unix_seconds(now),
        )
        created = self.manifest()
        if created is None:  # another writer removed it at once
            raise RuntimeError("the keyring manifest vanished right after it was created")
        return created

    def set_policy(
        self,
        policy: RotationPolicy,
        *,
        who: str,
        reason: str,
        host: Optional[str] = None,
        now: Optional[_dt.datetime] = None,
    ) -> None:
        """Changes the rotation policy (windows already running keep their
        end)."""
        self._k.set_policy(_policy(policy), actor(who, reason, host), unix_seconds(now))

    def rotate(
        self,
        new_key_uri: PathArg,
        *,
        who: str,
        reason: str,
        algorithm: Union[Algorithm, str] = Algorithm.ECDSA_P256,
        password: Optional[PasswordArg] = None,
        host: Optional[str] = None,
        now: Optional[_dt.datetime] = None,
        window_days: Optional[int] = None,
        expect_revision: Optional[int] = None,
        policy: Optional[RotationPolicy] = None,
        keep_password: bool = False,
        scrypt: Optional[ScryptParams] = None,
    ) -> RotationOutcome:
        """Rotates: creates a new key at ``new_key_uri``, stores it first,
        then activates it; the old active key is deactivated and stays
        trusted for ``window_days`` (default: the policy's window). Creates
        the keyring (with ``policy``, annual by default) if it does not
        exist.

        For a key store URI the key is generated here and sealed with
        ``password`` (cosign's scrypt cost unless ``scrypt`` is given; with
        ``keep_password`` the password is also kept in the store, for Vault
        KV). For a KMS URI the key is created in the KMS and ``password``
        must be ``None``.

        ``expect_revision`` rotates only if the keyring is still at that
        revision. If a rotation to the same target was interrupted, this
        completes it. Raises :class:`~cosign_keys.Conflict` when another
        operation is pending or won a race.
        """
        text = self._k.rotate(
            os.fspath(new_key_uri),
            algorithm,
            password,
            actor(who, reason, host),
            now=unix_seconds(now),
            window_days=window_days,
            expect_revision=expect_revision,
            policy=None if policy is None else _policy(policy),
            keep_password=keep_password,
            scrypt=_scrypt(scrypt),
        )
        return RotationOutcome._from_json(text)

    def emergency_rotate(
        self,
        key: KeySelector,
        new_key_uri: PathArg,
        *,
        reason: str,
        incident_id: str,
        who: str,
        algorithm: Union[Algorithm, str] = Algorithm.ECDSA_P256,
        password: Optional[PasswordArg] = None,
        host: Optional[str] = None,
        now: Optional[_dt.datetime] = None,
        keep_password: bool = False,
        scrypt: Optional[ScryptParams] = None,
    ) -> RotationOutcome:
        """Marks ``key`` compromised (untrusted at once, never active again)
        and rotates to a new key at ``new_key_uri``, in one call. ``reason``
        and ``incident_id`` go into the keyring and the audit log. The new
        key is made as in :meth:`rotate`."""
        text = self._k.emergency_rotate(
            selector(key),
            _compromise(reason, incident_id),
            os.fspath(new_key_uri),
            algorithm,
            password,
            actor(who, reason, host),
            now=unix_seconds(now),
            keep_password=keep_password,
            scrypt=_scrypt(scrypt),
        )
        return RotationOutcome._from_json(text)

    def revoke(
        self,
        key: KeySelector,
        *,
        reason: str,
        incident_id: str,
        who: str,
        host: Optional[str] = None,
        now: Optional[_dt.datetime] = None,
    ) -> RevocationOutcome:
        """Marks ``key`` compromised with a reason and an incident id:
        verifiers stop trusting it at once and it can never be active again.
        If it was the active key, the keyring has no active key until the
        next rotation (see :meth:`emergency_rotate`). Raises
        :class:`~cosign_keys.InvalidTransitionError` for a key already
        compromised or destroyed."""
        text = self._k.revoke(
            selector(key),
            _compromise(reason, incident_id),
            actor(who, reason, host),
            unix_seconds(now),
        )
        return RevocationOutcome._from_json(text)

    def resume(
        self,
        new_key_uri: Optional[PathArg] = None,
        *,
        algorithm: Union[Algorithm, str] = Algorithm.ECDSA_P256,
        password: Optional[PasswordArg] = None,
        now: Optional[_dt.datetime] = None,
        keep_password: bool = False,
        scrypt: Optional[ScryptParams] = None,
    ) -> Optional[str]:
        """Completes an interrupted operation and returns its kind
        (``rotate``, ``revoke``, ...), or ``None`` if nothing was pending. A
        rotation stopped before its new key was stored needs the same new
        key (URI, algorithm, password) it was started with."""
        return self._k.resume(
            None if new_key_uri is None else os.fspath(new_key_uri),
            algorithm,
            password,
            now=unix_seconds(now),
            keep_password=keep_password,
            scrypt=_scrypt(scrypt),
        )

    def retire(
        self,
        key: Optional[KeySelector] = None,
        *,
        who: str,
        reason: str,
        host: Optional[str] = None,
        now: Optional[_dt.datetime] = None,
    ) -> List[int]:
        """Retires ``key``, or every deactivated key whose transition window
        has ended (``None``); a retired key is never trusted again and may
        be destroyed. Returns the ids retired. Raises
        :class:`~cosign_keys.InvalidTransitionError` for a key whose window
        is still open."""
        return self._k.retire(
            None if key is None else selector(key),
            actor(who, reason, host),
            unix_seconds(now),
        )

    def destroy(
        self,
        key: KeySelector,
        *,
        who: str,
        reason: str,
        host: Optional[str] = None,
        now: Optional[_dt.datetime] = None,
        material_gone: bool = False,
    ) -> AuditHead:
        """Deletes ``key``'s private material from its store (the record and
        its public key stay). Allowed for pre-active, compromised and retired
        keys; KMS keys raise :class:`~cosign_keys.NotSupportedError` (delete
        them in the KMS). Returns the audit head.

        The key at the recorded location must be the recorded one: another
        key there raises :class:`~cosign_keys.KeyMismatchError`, nothing there
        :class:`~cosign_keys.NotFound`; both erase and record nothing. With
        ``material_gone=True`` a key whose material is not found is recorded
        destroyed anyway (you know it is gone), and the audit record says it
        was not verified."""
        head = self._k.destroy(
            selector(key),
            actor(who, reason, host),
            unix_seconds(now),
            material_gone,
        )
        return AuditHead.parse(head)

    def status(self, now: Optional[_dt.datetime] = None) -> Status:
        """The keyring's state at ``now``. Raises
        :class:`~cosign_keys.NotFound` before the keyring exists."""
        return Status._from_json(self._k.status(unix_seconds(now)))

    def due(self, now: Optional[_dt.datetime] = None) -> Due:
        """What the rotation policy asks for at ``now``."""
        return Due._from_json(obj(json.loads(self._k.due(unix_seconds(now)))))

    def trust_bundle(self, at: Optional[_dt.datetime] = None) -> TrustBundle:
        """The public keys verifiers should trust at ``at``."""
        return TrustBundle._from_native(*self._k.trust_bundle(unix_seconds(at, "at")))

    def distribute(
        self,
        directory: PathArg,
        *,
        who: str,
        reason: str,
        host: Optional[str] = None,
        now: Optional[_dt.datetime] = None,
    ) -> TrustBundle:
        """Writes the trust bundle at ``now`` into ``directory``:
        ``cosign.pub`` (the active key), ``cosign.pub.old`` (the newest key
        still in its window; removed when there is none) and
        ``cosign-trust-bundle.pem`` (every trusted key), and audits the
        distribution."""
        return TrustBundle._from_native(
            *self._k.distribute(os.fspath(directory), actor(who, reason, host), unix_seconds(now))
        )

    def unlock(
        self,
        key: Optional[KeySelector] = None,
        *,
        password: PasswordArg,
        who: str,
        reason: str,
        host: Optional[str] = None,
        now: Optional[_dt.datetime] = None,
    ) -> Tuple[PrivateKey, KeyRecord]:
        """Reads and decrypts a stored private key (the active key for
        ``None``); every access is audited. Destroyed keys raise
        :class:`~cosign_keys.InvalidTransitionError`; KMS keys, whose private
        key never leaves the KMS, :class:`~cosign_keys.NotSupportedError`."""
        private, record = self._k.unlock(
            None if key is None else selector(key),
            password,
            actor(who, reason, host),
            unix_seconds(now),
        )
        return private, KeyRecord._from_json(obj(json.loads(record)))

    def sign_digest(
        self,
        artifact: str,
        digest: str,
        *,
        pipeline_id: str,
        who: str,
        reason: str,
        password: Optional[PasswordArg] = None,
        host: Optional[str] = None,
        now: Optional[_dt.datetime] = None,
    ) -> SignedArtifact:
        """Signs ``artifact``'s ``digest`` (``sha256:<hex>`` or ``<hex>``)
        with the active key: a stored key unlocked with ``password``, or a
        KMS key (no password). The signing is recorded for the re-sign list
        and audited. The signature is over the digest bytes, as
        ``cosign sign-blob`` of a pre-hashed blob."""
        text = self._k.sign_digest(
            artifact, digest, pipeline_id, password, actor(who, reason, host), unix_seconds(now)
        )
        return SignedArtifact._from_json(obj(json.loads(text)))

    def record_signing(
        self,
        artifact: str,
        digest: str,
        *,
        pipeline_id: str,
        who: str,
        reason: str,
        fingerprint: Optional[Union[str, Fingerprint]] = None,
        host: Optional[str] = None,
        now: Optional[_dt.datetime] = None,
    ) -> SigningEvent:
        """Records that ``artifact`` at ``digest`` was signed elsewhere (e.g.
        ``cosign sign`` in a pipeline) by the key with ``fingerprint`` (the
        active key for ``None``), and audits it."""
        text = self._k.record_signing(
            artifact,
            digest,
            pipeline_id,
            None if fingerprint is None else str(fingerprint),
            actor(who, reason, host),
            unix_seconds(now),
        )
        return SigningEvent._from_json(obj(json.loads(text)))

    def resign_list(self) -> List[ResignEntry]:
        """The artifacts whose newest recorded signature is by a key that is
        no longer active: exactly those a pipeline should sign again."""
        return [ResignEntry._from_json(obj(e)) for e in json.loads(self._k.resign_list())]

    def audit_head(self) -> AuditHead:
        """The audit log's current head."""
        return AuditHead.parse(self._k.audit_head())

    def verify_audit(self, expected_head: Union[AuditHead, str, None] = None) -> AuditReport:
        """Verifies this keyring's audit log: the whole hash chain, and that
        the log still holds the record the keyring was last saved after (its
        anchor), so a deleted, truncated or replaced log raises
        :class:`~cosign_keys.AuditTamperedError` without a head kept
        elsewhere. With ``expected_head``, also that the log ends exactly
        there (:func:`cosign_keys.verify_audit`)."""
        records, head = self._k.verify_audit()
        if expected_head is not None:
            return verify_audit(self.audit_path, expected_head)
        return AuditReport(records, AuditHead.parse(head))
