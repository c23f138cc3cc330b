"""The tamper-evident audit trail.

Every lifecycle act (rotation, revocation, key access, signing, trust
distribution, backup, recovery) appends one JSON line to the keyring's audit
log, and each line carries the SHA-256 of the line before it. So an edited,
deleted, reordered or inserted record breaks the chain at a place
:func:`verify_audit` names, raising :class:`~cosign_keys.AuditTamperedError`
(whose ``record`` is that record's number). Records cut off the end, or
appended with a correctly recomputed chain, are found only against a head
kept elsewhere: keep the :class:`AuditHead` every operation returns (in a
ticket, another system) and pass it as ``expected_head``.

>>> import tempfile, pathlib
>>> from cosign_keys import Keyring, verify_audit, audit_head
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> with Keyring.open(str(d / "keyring.json"), d / "audit.jsonl") as keyring:
...     _ = keyring.init(who="alice", reason="new keyring")
>>> head = audit_head(d / "audit.jsonl")
>>> head.seq
1
>>> verify_audit(d / "audit.jsonl", expected_head=head).records
1
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
from typing import List, Optional, Tuple, Union

from . import _native
from ._lifecycle_json import Json, optional_str, text_list, utc

__all__ = [
    "AuditEntry",
    "AuditHead",
    "AuditReport",
    "audit_entries",
    "audit_head",
    "verify_audit",
]

PathArg = Union[str, "os.PathLike[str]"]



@dataclasses.dataclass(frozen=True)
class AuditHead:
    """The end of an audit log: the number of records and the SHA-256 (hex)
    of the last record's line. Its text form is ``<seq>:<hash>``.

    >>> head = AuditHead.parse("3:" + "ab" * 32)
    >>> head.seq, str(head) == "3:" + "ab" * 32
    (3, True)
    >>> AuditHead.empty().seq
    0
    """

    seq: int
    """Number of records (the last record's ``seq``); 0 for an empty log."""
    hash: str
    """SHA-256 of the last record's line, lowercase hex (64 zeros when empty)."""

    @classmethod
    def parse(cls, text: str) -> AuditHead:
        """Parses ``<seq>:<64 hex digits>`` by the core's rule (the hash
        comes back lowercase); raises
        :class:`~cosign_keys.InvalidArgumentError` otherwise."""
        if not isinstance(text, str):
            raise TypeError(f"an audit head is text, not {type(text).__name__}")
        seq, digest = _native.audit_head_parse(text)
        return cls(seq, digest)

    @classmethod
    def empty(cls) -> AuditHead:
        """The head of an empty log."""
        return cls(0, "0" * 64)

    @classmethod
    def _from_json(cls, data: Json) -> AuditHead:
        return cls(int(data["seq"]), str(data["hash"]))

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"


@dataclasses.dataclass(frozen=True)
class AuditReport:
    """What :func:`verify_audit` found in a log that checks out."""

    records: int
    """Number of records."""
    head: AuditHead
    """The head to keep for the next verification."""


@dataclasses.dataclass(frozen=True)
class AuditEntry:
    """One audit record: who did what, when, from where, to which keys.
    Only public facts: fingerprints, URIs, names and reasons."""

    seq: int
    """Position in the log (from 1)."""
    time: _dt.datetime
    """When it was written (aware, UTC)."""
    event: str
    """What happened: ``keyring.created``, ``key.rotated``,
    ``key.compromised``, ``artifact.signed``, ``backup.created``, ..."""
    who: str
    """The person or pipeline."""
    host: str
    """The machine it came from."""
    reason: str
    """Why."""
    fingerprints: Tuple[str, ...] = ()
    """The keys concerned."""
    old_fingerprint: Optional[str] = None
    """Rotation: the key that stopped signing."""
    new_fingerprint: Optional[str] = None
    """Rotation: the key that signs from now on."""
    incident: Optional[str] = None
    """Compromise: the incident id."""
    artifact: Optional[str] = None
    """Signing: the artifact reference."""
    digest: Optional[str] = None
    """Signing: the artifact digest."""
    pipeline: Optional[str] = None
    """Signing: the pipeline (run) id."""
    target: Optional[str] = None
    """Distribution, backup, key access: where things went or came from."""
    keyring: Optional[str] = None
    """The keyring's location."""
    operation: Optional[str] = None
    """The lifecycle operation id the record belongs to."""

    @classmethod
    def _from_native(cls, seq: int, time: str, event_json: str) -> AuditEntry:
        data = json.loads(event_json)
        return cls(
            seq=seq,
            time=utc(time),
            event=str(data["event"]),
            who=str(data["who"]),
            host=str(data["host"]),
            reason=str(data["reason"]),
            fingerprints=tuple(text_list(data.get("fingerprints"))),
            old_fingerprint=optional_str(data.get("old_fingerprint")),
            new_fingerprint=optional_str(data.get("new_fingerprint")),
            incident=optional_str(data.get("incident")),
            artifact=optional_str(data.get("artifact")),
            digest=optional_str(data.get("digest")),
            pipeline=optional_str(data.get("pipeline")),
            target=optional_str(data.get("target")),
            keyring=optional_str(data.get("keyring")),
            operation=optional_str(data.get("operation")),
        )


def _head_text(head: Union[AuditHead, str, None]) -> Optional[str]:
    if head is None:
        return None
    if isinstance(head, AuditHead):
        return str(head)
    if isinstance(head, str):
        return head
    raise TypeError(f"expected_head must be an AuditHead or str, not {type(head).__name__}")


def verify_audit(path: PathArg, expected_head: Union[AuditHead, str, None] = None) -> AuditReport:
    """Checks the whole hash chain of the audit log at ``path`` and, with
    ``expected_head``, that the log ends exactly there (which also catches
    truncation and records appended out of band). A missing file is an empty
    log. Releases the GIL while reading and hashing.

    Raises :class:`~cosign_keys.AuditTamperedError` whose ``record`` is the
    record number where the log was changed, and whose message says how.

    >>> import tempfile, pathlib
    >>> verify_audit(pathlib.Path(tempfile.mkdtemp()) / "none.jsonl").records
    0
    """
    records, head = _native.audit_verify(os.fspath(path), _head_text(expected_head))
    return AuditReport(records, AuditHead.parse(head))


def audit_head(path: PathArg) -> AuditHead:
    """The head of the audit log at ``path``, read from its last record alone
    (the empty head for a missing log). Keep it somewhere the log's writers
    cannot change, and pass it to :func:`verify_audit` later."""
    return AuditHead.parse(_native.audit_head(os.fspath(path)))


def audit_entries(path: PathArg) -> List[AuditEntry]:
    """Every record of the audit log at ``path``, oldest first. This reads
    the records without checking the chain: call :func:`verify_audit` first
    when it matters."""
    return [
        AuditEntry._from_native(seq, time, event)
        for seq, time, event in _native.audit_entries(os.fspath(path))
    ]
