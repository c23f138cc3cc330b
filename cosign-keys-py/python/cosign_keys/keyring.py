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

import datetime as _dt
import json
import os
from pathlib import Path
from types import TracebackType
from typing import List, Optional, Tuple, Type, Union

from . import _native
from ._lifecycle_json import actor, invalid, rfc3339, selector
from ._native import Fingerprint, PrivateKey, ScryptParams
from ._wire import (
    Actor,
    Compromise,
    Due,
    HistoryEntry,
    HistoryEvent,
    KeyRecord,
    KeyState,
    KeyStatus,
    Manifest,
    PendingKind,
    PendingOperation,
    PendingTarget,
    ResignEntry,
    RevocationOutcome,
    RotationOutcome,
    RotationPolicy,
    SignedArtifact,
    SigningEvent,
    Status,
    Step,
    TargetKind,
    TrustBundle,
    TrustedKey,
)
from ._wire_methods import KeyLocation
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


def _bundle(found: Tuple[str, str]) -> TrustBundle:
    """A trust bundle from the native layer's ``(json, pem)``."""
    return TrustBundle._from_json(found[0], pem=found[1])


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
        return None if found is None else Manifest._from_json(found[0], revision=found[1])

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
            rfc3339(now),
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
        self._k.set_policy(_policy(policy), actor(who, reason, host), rfc3339(now))

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
            now=rfc3339(now),
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
            now=rfc3339(now),
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
            rfc3339(now),
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
            now=rfc3339(now),
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
            rfc3339(now),
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
            rfc3339(now),
            material_gone,
        )
        return AuditHead.parse(head)

    def status(self, now: Optional[_dt.datetime] = None) -> Status:
        """The keyring's state at ``now``. Raises
        :class:`~cosign_keys.NotFound` before the keyring exists."""
        return Status._from_json(self._k.status(rfc3339(now)))

    def due(self, now: Optional[_dt.datetime] = None) -> Due:
        """What the rotation policy asks for at ``now``."""
        return Due._from_json(self._k.due(rfc3339(now)))

    def trust_bundle(self, at: Optional[_dt.datetime] = None) -> TrustBundle:
        """The public keys verifiers should trust at ``at``."""
        return _bundle(self._k.trust_bundle(rfc3339(at, "at")))

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
        return _bundle(
            self._k.distribute(os.fspath(directory), actor(who, reason, host), rfc3339(now))
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
            rfc3339(now),
        )
        return private, KeyRecord._from_json(record)

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
            artifact, digest, pipeline_id, password, actor(who, reason, host), rfc3339(now)
        )
        return SignedArtifact._from_json(text)

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
            rfc3339(now),
        )
        return SigningEvent._from_json(text)

    def resign_list(self) -> List[ResignEntry]:
        """The artifacts whose newest recorded signature is by a key that is
        no longer active: exactly those a pipeline should sign again."""
        return [ResignEntry._from_json(e) for e in json.loads(self._k.resign_list())]

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
