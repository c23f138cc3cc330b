"""The key lifecycle from Python: the team's runbook on the file store
(init, rotate twice, trust bundle, re-sign list, revoke, emergency rotation,
forbidden transitions, audit verification and tampering, backup with 2-of-3
shares, wipe, recovery, the recovered key signs and verifies), plus argument
checks, secrets kept out of errors, and the GIL released."""

from __future__ import annotations

import base64
import doctest
import hashlib
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator, List, Tuple, TypedDict

import pytest

from helpers import FAST_N

import cosign_keys
from cosign_keys import (
    Algorithm,
    AuditTamperedError,
    Conflict,
    CosignKeysError,
    IncorrectPasswordError,
    InvalidArgumentError,
    InvalidTransitionError,
    KeyMismatchError,
    Keyring,
    KeyState,
    NotFound,
    PublicKey,
    RecoveryError,
    RotationPolicy,
    ScryptParams,
    audit_entries,
    audit_head,
    combine_shares,
    create_backup,
    recover_backup,
    verify_audit,
)

PASSWORD = "lifecycle test password"
FAST = ScryptParams(n=FAST_N)


class Who(TypedDict):
    who: str
    reason: str


ALICE: Who = {"who": "alice@example.com", "reason": "runbook drill"}
CI: Who = {"who": "release-pipeline", "reason": "release"}


def t(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def digest(n: int) -> str:
    return "sha256:" + hashlib.sha256(b"artifact %d" % n).hexdigest()


def digest_bytes(n: int) -> bytes:
    return hashlib.sha256(b"artifact %d" % n).digest()


def verify_signature(pem: str, n: int, signature_b64: str) -> None:
    PublicKey.from_pem(pem.encode()).verify_digest(digest_bytes(n), base64.b64decode(signature_b64))


class Paths:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.store = root / "keys"
        self.manifest = root / "keyring.json"
        self.audit = root / "audit.jsonl"
        self.trust = root / "trust"
        self.backup = root / "offsite" / "keyring-backup.age"
        self.backup.parent.mkdir()


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    return Paths(tmp_path)


@pytest.fixture
def keyring(paths: Paths) -> Iterator[Keyring]:
    with Keyring.open(str(paths.manifest), paths.audit) as ring:
        yield ring


def rotate(ring: Keyring, paths: Paths, now: datetime) -> cosign_keys.RotationOutcome:
    return ring.rotate(str(paths.store), password=PASSWORD, scrypt=FAST, now=now, **ALICE)


def test_the_runbook(paths: Paths, keyring: Keyring) -> None:
    t0 = t("2026-01-05T09:00:00Z")

    # Init: an empty keyring, rotation due at once.
    manifest = keyring.init(RotationPolicy.annual(), now=t0, **ALICE)
    assert manifest.keys == () and manifest.policy == RotationPolicy(365, 30)
    assert manifest.created_at == t0 and manifest.revision >= 1
    assert keyring.due(t0).rotation_due
    with pytest.raises(Conflict):
        keyring.init(now=t0, **ALICE)

    # First rotation: key #1 active.
    first = rotate(keyring, paths, t0)
    assert (first.new_key, first.old_key, first.kind) == (1, None, "rotate")
    assert first.location.kind == "store" and first.location.uri.endswith("keys")
    status = keyring.status(t0)
    assert status.active_key == 1
    assert [k.state for k in status.keys] == [KeyState.ACTIVE]
    assert status.keys[0].algorithm is Algorithm.ECDSA_P256
    assert status.keys[0].activated_at == t0
    assert not status.due.rotation_due
    assert status.due.rotation_due_at == t("2027-01-05T09:00:00Z")

    # Sign two artifacts with the active key; record one signed elsewhere.
    a1 = keyring.sign_digest(
        "registry.example/app:1.0", digest(1), pipeline_id="pipeline-1",
        password=PASSWORD, now=t("2026-02-01T10:00:00Z"), **CI,
    )
    assert a1.key_id == 1 and a1.fingerprint == first.new_fingerprint
    assert a1.signed_at == t("2026-02-01T10:00:00Z")
    key1_pem = status.keys[0].public_key
    verify_signature(key1_pem, 1, a1.signature)
    keyring.sign_digest(
        "registry.example/api:2.3", digest(2), pipeline_id="pipeline-2",
        password=PASSWORD, now=t("2026-02-02T10:00:00Z"), **CI,
    )
    recorded = keyring.record_signing(
        "registry.example/worker:0.9", digest(3), pipeline_id="pipeline-3",
        fingerprint=cosign_keys.Fingerprint(first.new_fingerprint),
        now=t("2026-02-03T10:00:00Z"), **CI,
    )
    assert (recorded.key_id, recorded.pipeline_id) == (1, "pipeline-3")
    assert keyring.resign_list() == []

    # Second rotation a year later: #2 active, #1 deactivated for 30 days.
    t1 = t("2027-01-05T09:00:00Z")
    assert not keyring.due(t1 - timedelta(days=1)).rotation_due
    assert keyring.due(t1).rotation_due
    second = rotate(keyring, paths, t1)
    assert (second.new_key, second.old_key) == (2, 1)
    assert second.old_fingerprint == first.new_fingerprint
    assert second.old_trusted_until == t("2027-02-04T09:00:00Z")

    status = keyring.status(t1 + timedelta(days=1))
    assert status.active_key == 2
    old, new = status.keys
    assert (old.state, old.trusted, old.successor) == (KeyState.DEACTIVATED, True, 2)
    assert old.status == "deactivated (trusted until 2027-02-04T09:00:00Z)"
    assert (new.state, new.trusted, new.predecessor) == (KeyState.ACTIVE, True, 1)
    assert status.key("#1") == old and status.key(second.new_fingerprint) == new
    assert status.trusted == (second.new_fingerprint, first.new_fingerprint)
    assert status.resign_count == 3
    assert [h.event for h in old.history] == ["created", "activated", "deactivated"]
    assert old.history[0].by.who == ALICE["who"]

    # Trust bundle: both keys, active first; written out for verifiers.
    bundle = keyring.trust_bundle(t1 + timedelta(days=1))
    assert [k.id for k in bundle.keys] == [2, 1]
    key2_pem = new.public_key
    assert bundle.pem == key2_pem + key1_pem
    assert bundle.current is not None and bundle.current.id == 2
    assert bundle.previous is not None and bundle.previous.trusted_until == t("2027-02-04T09:00:00Z")
    written = keyring.distribute(paths.trust, now=t1 + timedelta(days=1), **ALICE)
    assert written == bundle
    assert (paths.trust / "cosign.pub").read_text() == key2_pem
    assert (paths.trust / "cosign.pub.old").read_text() == key1_pem
    assert (paths.trust / "cosign-trust-bundle.pem").read_text() == key2_pem + key1_pem
    # An old signature still verifies against the bundle during the window.
    verify_signature(bundle.keys[1].public_key, 1, a1.signature)
    # After the window, key #1 leaves the bundle.
    assert keyring.trust_bundle(t("2027-02-04T09:00:00Z")).fingerprints == [second.new_fingerprint]

    # Re-sign list: everything signed by #1, until re-signed with #2.
    resign = keyring.resign_list()
    assert {e.artifact for e in resign} == {
        "registry.example/app:1.0", "registry.example/api:2.3", "registry.example/worker:0.9",
    }
    assert {e.key_state for e in resign} == {"deactivated (trusted until 2027-02-04T09:00:00Z)"}
    resigned = keyring.sign_digest(
        "registry.example/app:1.0", digest(1), pipeline_id="pipeline-9",
        password=PASSWORD, now=t1 + timedelta(days=2), **CI,
    )
    verify_signature(key2_pem, 1, resigned.signature)
    assert {e.artifact for e in keyring.resign_list()} == {
        "registry.example/api:2.3", "registry.example/worker:0.9",
    }

    # Revoke the deactivated key #1: untrusted at once.
    t2 = t("2027-01-10T14:00:00Z")
    revoked = keyring.revoke(1, reason="old key leaked in a backup", incident_id="INC-1", now=t2, who=ALICE["who"])
    assert (revoked.key, revoked.previous_state, revoked.incident_id) == (1, KeyState.DEACTIVATED, "INC-1")
    assert revoked.active_key == 2
    status = keyring.status(t2)
    assert status.keys[0].state is KeyState.COMPROMISED and not status.keys[0].trusted
    assert status.keys[0].compromise == cosign_keys.Compromise("old key leaked in a backup", "INC-1")
    assert keyring.trust_bundle(t2).fingerprints == [second.new_fingerprint]

    # The active key #2 is compromised too: emergency rotation to #3.
    t3 = t("2027-02-10T14:30:00Z")
    third = keyring.emergency_rotate(
        "2", str(paths.store), reason="key found in a public CI log", incident_id="INC-4711",
        password=PASSWORD, scrypt=FAST, now=t3, who=ALICE["who"],
    )
    assert (third.new_key, third.kind, third.old_trusted_until) == (3, "emergency-rotate", None)
    status = keyring.status(t3)
    assert [k.state for k in status.keys] == [KeyState.COMPROMISED, KeyState.COMPROMISED, KeyState.ACTIVE]
    assert status.keys[1].successor == 3 and status.keys[2].predecessor == 2
    assert status.trusted == (third.new_fingerprint,)
    keyring.distribute(paths.trust, now=t3, **ALICE)
    assert not (paths.trust / "cosign.pub.old").exists()
    assert {e.key_state for e in keyring.resign_list()} == {"compromised"}

    # Forbidden transitions raise InvalidTransitionError and change nothing.
    revision = status.revision
    with pytest.raises(InvalidTransitionError, match="compromise"):
        keyring.emergency_rotate(
            2, str(paths.store), reason="again", incident_id="INC-4711",
            password=PASSWORD, scrypt=FAST, now=t3, who=CI["who"],
        )
    with pytest.raises(InvalidTransitionError, match="destroy"):
        keyring.destroy(3, now=t3, **ALICE)
    with pytest.raises(InvalidTransitionError, match="retire"):
        keyring.retire(3, now=t3, **ALICE)
    assert keyring.status(t3).revision == revision

    # A compromised key's material can be destroyed; its record stays.
    head = keyring.destroy(1, now=t3, **ALICE)
    status = keyring.status(t3)
    assert status.keys[0].state is KeyState.DESTROYED and status.keys[0].public_key == key1_pem
    assert status.audit_head == head
    with pytest.raises(InvalidTransitionError):
        keyring.unlock(1, password=PASSWORD, now=t3, **ALICE)

    # The audit log verifies against the head kept from status, and holds
    # every act with the fields an audit asks for.
    report = verify_audit(paths.audit, expected_head=head)
    assert report.head == head and report.records == head.seq > 10
    assert keyring.verify_audit(str(head)) == report
    assert audit_head(paths.audit) == keyring.audit_head() == head
    entries = audit_entries(paths.audit)
    assert [e.seq for e in entries] == list(range(1, head.seq + 1))
    kinds = {e.event for e in entries}
    assert {
        "keyring.created", "key.created", "key.rotated", "key.accessed", "artifact.signed",
        "trust.distributed", "key.compromised", "key.destroyed",
    } <= kinds
    rotated = next(e for e in entries if e.event == "key.rotated" and e.old_fingerprint)
    assert rotated.new_fingerprint == second.new_fingerprint
    assert rotated.time == t1
    incidents = {e.incident for e in entries if e.event == "key.compromised"}
    assert incidents == {"INC-1", "INC-4711"}
    signed = next(e for e in entries if e.event == "artifact.signed")
    assert (signed.pipeline, signed.artifact, signed.who) == ("pipeline-1", "registry.example/app:1.0", CI["who"])
    assert signed.host
    assert all(PASSWORD not in line for line in paths.audit.read_text().splitlines())

    # Backup with the passphrase split 2 of 3.
    summary, shares = create_backup(
        keyring, paths.backup, threshold=2, shares=3, work_factor=10, now=t3, **ALICE
    )
    assert shares is not None and len(shares) == 3 and len(set(shares)) == 3
    assert (summary.threshold, summary.shares) == (2, 3)
    assert summary.share_set is not None and all(summary.share_set in s for s in shares)
    assert {k.id for k in summary.keys} == {2, 3}  # key #1's material is destroyed
    assert paths.backup.read_text().startswith("-----BEGIN AGE ENCRYPTED FILE-----")
    assert paths.backup.stat().st_mode & 0o777 == 0o600
    assert not any(s in repr(summary) for s in shares)
    status_before = keyring.status(t3)
    resign_before = {e.artifact for e in keyring.resign_list()}

    # Disaster: everything but the offsite backup is lost.
    keyring.close()
    for lost in (paths.store, paths.trust):
        shutil.rmtree(lost)
    for lost in (paths.manifest, paths.audit, paths.root / "keyring.signatures.json"):
        lost.unlink()

    # One share is not enough, and says how many are needed.
    with pytest.raises(RecoveryError, match="2 of 3 shares needed, 1 given") as one:
        recover_backup(
            paths.backup, shares=shares[:1], manifest_uri=str(paths.manifest),
            audit_path=paths.audit, now=t3, **ALICE,
        )
    assert shares[0] not in str(one.value) and shares[0] not in repr(one.value)
    assert not paths.manifest.exists()

    # Any two shares recover the keyring and its keys.
    recovered = recover_backup(
        paths.backup, shares=[shares[2], shares[0].encode()], manifest_uri=str(paths.manifest),
        audit_path=paths.audit, now=t3 + timedelta(hours=1), **ALICE,
    )
    assert {k.fingerprint for k in recovered.keys} == {second.new_fingerprint, third.new_fingerprint}
    assert recovered.audit_restored
    with Keyring.open(str(paths.manifest), paths.audit) as restored:
        status = restored.status(t3)
        assert [(k.id, k.state, k.fingerprint) for k in status.keys] == [
            (k.id, k.state, k.fingerprint) for k in status_before.keys
        ]
        assert {e.artifact for e in restored.resign_list()} == resign_before
        # The recovered active key signs, and verifies with the trust bundle.
        key, record = restored.unlock(password=PASSWORD, now=t3 + timedelta(hours=2), **ALICE)
        assert str(key.fingerprint) == third.new_fingerprint == record.fingerprint
        signature = key.sign_digest(digest_bytes(7))
        bundle = restored.trust_bundle(t3 + timedelta(hours=2))
        PublicKey.from_pem(bundle.keys[0].public_key.encode()).verify_digest(digest_bytes(7), signature)
        signed_again = restored.sign_digest(
            "registry.example/app:1.0", digest(1), pipeline_id="pipeline-10",
            password=PASSWORD, now=t3 + timedelta(hours=3), **CI,
        )
        verify_signature(bundle.keys[0].public_key, 1, signed_again.signature)
        # The restored audit log still verifies, now with the recovery in it.
        report = restored.verify_audit()
        assert report.records > head.seq
        assert "backup.recovered" in {e.event for e in audit_entries(paths.audit)}


def test_audit_tampering_names_the_record(paths: Paths, keyring: Keyring) -> None:
    now = t("2026-03-01T00:00:00Z")
    keyring.init(now=now, **ALICE)
    rotate(keyring, paths, now)
    rotate(keyring, paths, now + timedelta(days=100))
    head = keyring.audit_head()
    assert verify_audit(paths.audit, head).records == head.seq >= 5
    lines = paths.audit.read_text().splitlines(keepends=True)

    def tampered(name: str, new_lines: List[str]) -> AuditTamperedError:
        copy = paths.root / f"{name}.jsonl"
        copy.write_text("".join(new_lines))
        with pytest.raises(AuditTamperedError) as caught:
            verify_audit(copy, expected_head=head)
        assert caught.value.code_name == "AUDIT_TAMPERED"
        return caught.value

    # An edited record: named by number.
    edited = list(lines)
    edited[2] = edited[2].replace(ALICE["reason"], "nothing to see here")
    assert edited[2] != lines[2]
    err = tampered("edited", edited)
    assert err.record == 3 and "record 3" in err.message
    # A deleted record.
    err = tampered("deleted", lines[:1] + lines[2:])
    assert err.record == 2
    # Two records swapped.
    err = tampered("reordered", [lines[0], lines[2], lines[1]] + lines[3:])
    assert err.record == 2
    # Truncation: the chain is fine, only the kept head shows it.
    assert verify_audit_copy(paths, lines[:-1]).records == head.seq - 1
    err = tampered("truncated", lines[:-1])
    assert err.record == head.seq
    # The original still verifies.
    assert verify_audit(paths.audit, str(head)).head == head


def test_revoke_is_never_blocked_by_the_audit_log(paths: Paths, keyring: Keyring) -> None:
    now = t("2026-03-01T00:00:00Z")
    rotate(keyring, paths, now)
    rotate(keyring, paths, now + timedelta(days=100))
    assert keyring.verify_audit().records == keyring.audit_head().seq
    original = paths.audit.read_bytes()
    paths.audit.unlink()
    # The manifest's anchor finds the deleted log, without a kept head.
    with pytest.raises(AuditTamperedError):
        keyring.verify_audit()
    with pytest.raises(AuditTamperedError):
        rotate(keyring, paths, now + timedelta(days=101))
    assert "AUDIT_TAMPERED" in (keyring.status(now=now + timedelta(days=101)).audit_problem or "")

    out = keyring.revoke(
        2, reason="leaked", incident_id="INC-11", now=now + timedelta(days=101), who="alice"
    )
    assert out.audit_pending == 1
    assert out.audit_error is not None and "AUDIT_TAMPERED" in out.audit_error
    status = keyring.status(now=now + timedelta(days=101))
    assert status.key(2).state is KeyState.COMPROMISED
    assert status.audit_pending == 1

    paths.audit.write_bytes(original)
    after = rotate(keyring, paths, now + timedelta(days=102))
    assert after.audit_pending == 0 and after.audit_error is None
    status = keyring.status(now=now + timedelta(days=102))
    assert status.audit_pending == 0 and status.audit_problem is None
    assert keyring.verify_audit().head == after.audit_head
    assert any(
        e.event == "key.compromised" and e.operation == out.operation
        for e in audit_entries(paths.audit)
    )


def verify_audit_copy(paths: Paths, lines: List[str]) -> cosign_keys.AuditReport:
    copy = paths.root / "copy.jsonl"
    copy.write_text("".join(lines))
    return verify_audit(copy)


def test_backup_with_a_passphrase_and_combined_shares(paths: Paths, keyring: Keyring) -> None:
    now = t("2026-04-01T00:00:00Z")
    rotate(keyring, paths, now)
    summary, shares = create_backup(keyring, paths.backup, passphrase="correct horse", work_factor=10, now=now, **ALICE)
    assert shares is None and summary.threshold is None and [k.id for k in summary.keys] == [1]
    with pytest.raises(RecoveryError) as wrong:
        recover_backup(
            paths.backup, passphrase="wrong horse", manifest_uri=str(paths.root / "r1.json"),
            audit_path=paths.root / "r1.jsonl", now=now, **ALICE,
        )
    assert "wrong horse" not in str(wrong.value)
    restored = recover_backup(
        paths.backup, passphrase=bytearray(b"correct horse"), manifest_uri=str(paths.root / "r1.json"),
        audit_path=paths.root / "r1.jsonl", store_map={str(paths.store): str(paths.root / "keys2")},
        now=now, **ALICE,
    )
    assert restored.keys[0].location.uri.endswith("keys2")
    # A keyring exists there now: refused unless overwrite.
    with pytest.raises(Conflict):
        recover_backup(
            paths.backup, passphrase="correct horse", manifest_uri=str(paths.root / "r1.json"),
            audit_path=paths.root / "r1.jsonl", now=now, **ALICE,
        )

    # With shares: combine_shares gives the passphrase age itself would take.
    _, split = create_backup(
        keyring, paths.root / "split.age", threshold=3, shares=5, work_factor=10, now=now, **ALICE
    )
    assert split is not None
    passphrase = combine_shares(split[1:4])
    assert isinstance(passphrase, bytearray) and len(passphrase) == 64
    recover_backup(
        paths.root / "split.age", passphrase=passphrase, manifest_uri=str(paths.root / "r2.json"),
        audit_path=paths.root / "r2.jsonl", now=now, **ALICE,
    )
    cosign_keys.wipe(passphrase)
    assert passphrase == bytearray(64)
    # Mixed sets, damaged and duplicated shares fail clearly, never echoing a share.
    _, other = create_backup(
        keyring, paths.root / "other.age", threshold=2, shares=2, work_factor=10, now=now, **ALICE
    )
    assert other is not None
    damaged = split[0][:-3] + ("AAA" if not split[0].endswith("AAA") else "BBB")
    for bad, why in (
        ([split[0], other[0], split[1]], "different backups"),
        ([damaged, split[1], split[2]], "corrupted"),
        ([split[0], split[0], split[1]], "twice"),
    ):
        with pytest.raises(RecoveryError, match=why) as caught:
            combine_shares(bad)
        assert all(s not in str(caught.value) for s in bad)
    # Exactly one of passphrase / shares.
    with pytest.raises(InvalidArgumentError):
        recover_backup(paths.backup, manifest_uri="x.json", audit_path="x.jsonl", **ALICE)
    with pytest.raises(InvalidArgumentError):
        create_backup(keyring, paths.root / "n.age", passphrase="p", threshold=2, shares=3, **ALICE)
    with pytest.raises(InvalidArgumentError):
        create_backup(keyring, paths.root / "n.age", threshold=1, shares=3, **ALICE)


def test_arguments_and_secrets(paths: Paths, keyring: Keyring) -> None:
    # Before the keyring exists.
    with pytest.raises(NotFound):
        keyring.status()
    assert keyring.manifest() is None
    # Naive datetimes are refused (ambiguous), aware ones in any zone work.
    with pytest.raises(InvalidArgumentError, match="naive"):
        keyring.init(now=datetime(2026, 1, 1), **ALICE)
    cet = timezone(timedelta(hours=1))
    manifest = keyring.init(RotationPolicy.quarterly(), now=datetime(2026, 1, 1, 1, 0, tzinfo=cet), **ALICE)
    assert manifest.created_at == t("2026-01-01T00:00:00Z")
    assert manifest.created_at.tzinfo == timezone.utc
    # A store key needs a password; a KMS key takes none.
    with pytest.raises(InvalidArgumentError, match="needs a password"):
        keyring.rotate(str(paths.store), **ALICE)
    with pytest.raises(InvalidArgumentError, match="KMS"):
        keyring.rotate("hashivault://release", password="x", **ALICE)
    with pytest.raises(InvalidArgumentError, match="incident"):
        keyring.revoke(1, reason="r", incident_id=" ", who=ALICE["who"])
    with pytest.raises(InvalidArgumentError, match="who"):
        keyring.init(who=" ", reason="r")
    with pytest.raises(InvalidArgumentError, match="transition window"):
        keyring.set_policy(RotationPolicy(30, 30), **ALICE)
    # The password never shows in errors, reprs or the manifest.
    rotate(keyring, paths, t("2026-01-02T00:00:00Z"))
    with pytest.raises(IncorrectPasswordError) as wrong:
        keyring.unlock(password="not the " + PASSWORD, **ALICE)
    assert PASSWORD not in str(wrong.value) and PASSWORD not in repr(wrong.value)
    assert PASSWORD not in paths.manifest.read_text()
    assert PASSWORD not in repr(keyring)
    key, record = keyring.unlock(1, password=bytearray(PASSWORD.encode()), **ALICE)
    assert PASSWORD not in repr(key) and record.state is KeyState.ACTIVE
    # Bad digests and unknown keys.
    with pytest.raises(InvalidArgumentError, match="digest"):
        keyring.sign_digest("a", "sha256:xyz", pipeline_id="p", password=PASSWORD, **CI)
    with pytest.raises(NotFound):
        keyring.revoke(9, reason="r", incident_id="INC", who=ALICE["who"])
    # expect_revision guards against a rotation that raced this one.
    stale = keyring.status().revision - 1
    with pytest.raises(Conflict, match="revision"):
        keyring.rotate(str(paths.store), password=PASSWORD, scrypt=FAST, expect_revision=stale, **ALICE)
    assert keyring.resume() is None
    assert keyring.location.startswith("file://") and keyring.audit_path == paths.audit
    assert keyring.signatures_uri.endswith("keyring.signatures.json")
    # A closed keyring refuses calls.
    keyring.close()
    assert keyring.closed and "closed" in repr(keyring)
    with pytest.raises(ValueError, match="closed") as info:
        keyring.status()
    assert isinstance(info.value, CosignKeysError) and info.value.code_name == "HANDLE_CLOSED"


def test_retire_after_the_window(paths: Paths, keyring: Keyring) -> None:
    t0 = t("2026-01-01T00:00:00Z")
    keyring.init(RotationPolicy(90, 14), now=t0, **ALICE)
    rotate(keyring, paths, t0)
    rotate(keyring, paths, t0 + timedelta(days=90))
    with pytest.raises(InvalidTransitionError, match="window has not ended"):
        keyring.retire(1, now=t0 + timedelta(days=100), **ALICE)
    end = t0 + timedelta(days=104)
    assert keyring.due(end).retire == (1,)
    assert keyring.retire(now=end, **ALICE) == [1]
    status = keyring.status(end)
    assert status.keys[0].status.startswith("deactivated (retired") and not status.keys[0].trusted
    assert status.keys[0].retired_at == end
    keyring.destroy("#1", now=end, **ALICE)
    assert keyring.status(end).keys[0].state is KeyState.DESTROYED
    with pytest.raises(InvalidTransitionError):
        keyring.unlock(1, password=PASSWORD, now=end, **ALICE)


@pytest.mark.parametrize("module", ["keyring", "audit", "backup"])
def test_docstring_examples_run(module: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = doctest.testmod(getattr(cosign_keys, module), raise_on_error=False, verbose=False)
    assert result.attempted > 0 and result.failed == 0


def test_the_lifecycle_module_is_an_alias_of_keyring() -> None:
    import cosign_keys.keyring
    import cosign_keys.lifecycle
    from cosign_keys.lifecycle import Keyring as OldKeyring

    assert OldKeyring is Keyring is cosign_keys.keyring.Keyring
    assert set(cosign_keys.keyring.__all__) <= set(cosign_keys.lifecycle.__all__)
    for name in cosign_keys.lifecycle.__all__:
        assert getattr(cosign_keys.lifecycle, name) is getattr(cosign_keys.keyring, name)


def _progress_during(call: Callable[[], object]) -> Tuple[float, int, float]:
    from test_gil import progress_during

    return progress_during(call)


@pytest.mark.parametrize("name", ["rotate (scrypt N=65536)", "backup (age scrypt 2^15)"])
def test_gil_released_by_lifecycle_calls(name: str, paths: Paths, keyring: Keyring) -> None:
    keyring.init(**ALICE)
    counter = iter(range(100))

    def call() -> object:
        if name.startswith("rotate"):
            return keyring.rotate(str(paths.store), password=PASSWORD, **ALICE)
        return create_backup(
            keyring, paths.root / f"b{next(counter)}.age", passphrase="p", work_factor=15, **ALICE
        )

    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(0.005)
    try:
        call()  # warm-up
        duration, count, longest = _progress_during(call)
        base_duration, base_count, _ = _progress_during(lambda: time.sleep(duration))
    finally:
        sys.setswitchinterval(old_interval)
    rate = (count / duration) / (base_count / base_duration)
    print(f"\n{name}: {duration * 1000:.0f} ms, {rate:.0%} of the baseline rate, longest pause {longest * 1000:.1f} ms")
    assert duration > 0.02
    assert rate > 0.1
    assert longest < duration / 2


def test_a_swapped_key_raises_key_mismatch_and_nothing_is_destroyed(paths: Paths, keyring: Keyring) -> None:
    t0 = t("2026-01-05T09:00:00Z")
    first = rotate(keyring, paths, t0)
    assert first.location.uri == paths.store.as_uri()
    keyring.revoke(1, reason="laptop stolen", incident_id="INC-11", now=t0, who=ALICE["who"])

    # Another keyring's key where key #1 should be.
    other = paths.root / "other"
    with Keyring.open(str(other / "keyring.json"), other / "audit.jsonl") as ring:
        foreign = ring.rotate(str(other / "keys"), password=PASSWORD, scrypt=FAST, now=t0, **ALICE)
    paths.store.rename(paths.root / "keys.orig")
    (other / "keys").rename(paths.store)

    def state() -> KeyState:
        manifest = keyring.manifest()
        assert manifest is not None
        return manifest.keys[0].state

    with pytest.raises(KeyMismatchError) as caught:
        keyring.destroy(1, now=t0, **ALICE)
    assert caught.value.code == 505 and caught.value.code_name == "KEY_MISMATCH"
    assert first.new_fingerprint in caught.value.message
    assert foreign.new_fingerprint in caught.value.message
    assert state() == KeyState.COMPROMISED
    assert (paths.store / "cosign.key").exists()

    # Nothing there: NotFound, unless the caller says the material is gone.
    shutil.rmtree(paths.store)
    with pytest.raises(NotFound):
        keyring.destroy(1, now=t0, **ALICE)
    assert state() == KeyState.COMPROMISED
    keyring.destroy(1, now=t0, material_gone=True, **ALICE)
    assert state() == KeyState.DESTROYED
    destroyed = [e for e in audit_entries(paths.audit) if e.event == "key.destroyed"]
    assert len(destroyed) == 1 and "material-gone: NOT verified" in destroyed[0].reason


def test_result_fingerprints_are_the_keys_fingerprints(paths: Paths, keyring: Keyring) -> None:
    """Results carry fingerprints as text; a Fingerprint equals its text and
    hashes like it, so the two compare and mix in sets either way round."""
    t0 = t("2026-01-05T09:00:00Z")
    outcome = rotate(keyring, paths, t0)
    private, record = keyring.unlock(password=PASSWORD, now=t0, **ALICE)
    bundle = keyring.trust_bundle(t0)
    assert bundle.current is not None
    assert bundle.current.fingerprint == private.fingerprint
    assert private.fingerprint == outcome.new_fingerprint == record.fingerprint
    assert private.fingerprint in {bundle.current.fingerprint}
    assert record.fingerprint in {private.fingerprint}
    assert private.fingerprint != "SHA256:" + "A" * 43
    # The generated classes decode the core's types: enums, aware times.
    assert record.state is KeyState.ACTIVE and record.created_at.tzinfo == timezone.utc
    assert keyring.status(t0).key(str(private.fingerprint)).id == outcome.new_key
