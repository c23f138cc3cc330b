"""Encrypted offline backups of a keyring, and recovery with split
knowledge.

A backup is one ASCII-armored `age <https://age-encryption.org>`_ file
encrypted to a passphrase. It holds the manifest, the signature ledger, a
copy of the audit log and every locally stored key version that still has
private material (in cosign's own encrypted format: each key's password
still unlocks it). KMS keys are recorded but have no private material to
back up.

The passphrase is either chosen by the caller, or generated and split into
``shares`` printable shares of which any ``threshold`` recover it (Shamir's
secret sharing); fewer shares reveal nothing and raise
:class:`~cosign_keys.RecoveryError` saying how many are missing.

>>> import tempfile, pathlib
>>> from cosign_keys import Keyring, create_backup, recover_backup
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> keyring = Keyring.open(str(d / "keyring.json"), d / "audit.jsonl")
>>> _ = keyring.init(who="alice", reason="new keyring")
>>> summary, shares = create_backup(keyring, d / "backup.age", threshold=2, shares=3,
...                                 who="alice", reason="quarterly backup", work_factor=10)
>>> summary.threshold, len(shares)
(2, 3)
>>> restored = recover_backup(d / "backup.age", shares=shares[:2],
...                           manifest_uri=str(d / "restored.json"),
...                           audit_path=d / "restored.jsonl", who="alice", reason="drill")
>>> restored.audit_restored
True

Shares, like passphrases, are secrets: hand each to a different person and
never log them. Error messages never contain them.
"""

from __future__ import annotations

import datetime as _dt
import os
from typing import Iterable, List, Mapping, Optional, Tuple, Union

from . import _native
from ._lifecycle_json import actor, invalid, rfc3339
from ._wire import BackupKey, BackupSummary, RecoverySummary
from .keyring import Keyring

__all__ = [
    "BackupKey",
    "BackupSummary",
    "RecoverySummary",
    "combine_shares",
    "create_backup",
    "recover_backup",
]

PathArg = Union[str, "os.PathLike[str]"]
PasswordArg = Union[str, bytes, bytearray]
ShareArg = Union[str, bytes, bytearray, memoryview]


def _share_texts(shares: Iterable[ShareArg]) -> List[str]:
    if isinstance(shares, (str, bytes, bytearray, memoryview)):
        raise TypeError("shares must be a list of shares, not a single share")
    texts: List[str] = []
    for position, share in enumerate(shares, start=1):
        if isinstance(share, str):
            texts.append(share.strip())
        elif isinstance(share, (bytes, bytearray, memoryview)):
            # Undecodable bytes become U+FFFD, which the core reports as a
            # damaged share (by position, never by content).
            texts.append(bytes(share).decode("ascii", errors="replace").strip())
        else:
            raise TypeError(f"share {position} must be str or bytes, not {type(share).__name__}")
    return texts


def create_backup(
    keyring: Keyring,
    out_path: PathArg,
    *,
    who: str,
    reason: str,
    passphrase: Optional[PasswordArg] = None,
    threshold: Optional[int] = None,
    shares: Optional[int] = None,
    work_factor: Optional[int] = None,
    overwrite: bool = False,
    host: Optional[str] = None,
    now: Optional[_dt.datetime] = None,
) -> Tuple[BackupSummary, Optional[List[str]]]:
    """Writes an encrypted backup of ``keyring`` to ``out_path`` (mode 0600).

    Give either ``passphrase`` (returns ``(summary, None)``), or
    ``threshold`` and ``shares`` (2 <= threshold <= shares <= 255): a random
    passphrase is generated and split, and the shares are returned as
    ``(summary, [share, ...])``. ``work_factor`` is age's scrypt cost (log2
    N; default: 17, the largest recovery accepts under the default 256 MiB
    KDF limit). Every private key read is
    audited, then the backup. Raises :class:`~cosign_keys.Conflict` while an
    operation is pending, :class:`~cosign_keys.AlreadyExistsError` for an
    existing file unless ``overwrite``.
    """
    if not isinstance(keyring, Keyring):
        raise TypeError(f"keyring must be a cosign_keys.Keyring, not {type(keyring).__name__}")
    if passphrase is not None and (threshold is not None or shares is not None):
        invalid("give either a passphrase, or threshold and shares, not both")
    text, share_list = _native.backup_create(
        keyring._k,
        os.fspath(out_path),
        actor(who, reason, host),
        passphrase=passphrase,
        threshold=threshold,
        shares=shares,
        work_factor=work_factor,
        overwrite=overwrite,
        now=rfc3339(now),
    )
    return BackupSummary._from_json(text), share_list


def recover_backup(
    path: PathArg,
    *,
    manifest_uri: PathArg,
    audit_path: PathArg,
    who: str,
    reason: str,
    passphrase: Optional[PasswordArg] = None,
    shares: Optional[Iterable[ShareArg]] = None,
    signatures_uri: Optional[str] = None,
    store_map: Optional[Mapping[str, str]] = None,
    overwrite: bool = False,
    max_work_factor: Optional[int] = None,
    host: Optional[str] = None,
    now: Optional[_dt.datetime] = None,
) -> RecoverySummary:
    """Restores the backup at ``path`` into the keyring at ``manifest_uri``
    (audit log ``audit_path``): every key is written back into its store, or
    into the store ``store_map`` maps its URI to, and the manifest records
    where the keys landed. The keys are the same keys: same fingerprints,
    their own passwords still unlock them.

    Give ``passphrase``, or at least the threshold number of ``shares``.
    Raises :class:`~cosign_keys.RecoveryError` for too few, mixed or damaged
    shares, a wrong passphrase or a file that is not a backup, and
    :class:`~cosign_keys.Conflict` when a keyring exists at the target
    unless ``overwrite``.
    """
    if (passphrase is None) == (shares is None):
        invalid("give either the passphrase or the shares")
    texts = None if shares is None else _share_texts(shares)
    summary = _native.backup_recover(
        os.fspath(path),
        os.fspath(manifest_uri),
        os.fspath(audit_path),
        actor(who, reason, host),
        passphrase=passphrase,
        shares=texts,
        signatures=signatures_uri,
        store_map=list((store_map or {}).items()),
        overwrite=overwrite,
        max_work_factor=max_work_factor,
        now=rfc3339(now),
    )
    return RecoverySummary._from_json(summary)


def combine_shares(shares: Iterable[ShareArg]) -> bytearray:
    """Combines at least the threshold number of shares into the backup
    passphrase, e.g. to open the file with ``age -d`` directly. Returned as
    a ``bytearray``: wipe it with :func:`cosign_keys.wipe` after use. Raises
    :class:`~cosign_keys.RecoveryError` for too few, mixed or damaged
    shares."""
    return _native.combine_shares(_share_texts(shares))
