"""The lifecycle on Vault (OpenBao): the manifest and the signature ledger in
Vault KV (saved with check-and-set), keys in Vault KV and in transit (a KMS
key, no password), backup and recovery into fresh Vault paths.

Needs the server `scripts/servers/openbao.sh` starts (see ``servers.py``)
and a wheel built with the core's ``vault`` feature; skipped with the reason
otherwise, a failure when COSIGN_KEYS_REQUIRE_SERVERS=1."""

from __future__ import annotations

import base64
import hashlib
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TypedDict

import pytest

import servers
from helpers import FAST_N

from cosign_keys import (
    Conflict,
    Keyring,
    KeyState,
    NotSupportedError,
    PublicKey,
    ScryptParams,
    audit_entries,
    create_backup,
    recover_backup,
    verify_audit,
)

PASSWORD = "vault lifecycle password"
FAST = ScryptParams(n=FAST_N)
WHO = "alice@example.com"
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


class Who(TypedDict):
    who: str
    reason: str


def open_or_skip(manifest: str, audit: Path) -> Keyring:
    """Opens a keyring in Vault KV; skips when this build has no Vault backend."""
    servers.require(*servers.VAULT_VARS)
    try:
        return Keyring.open(manifest, audit)
    except NotSupportedError as err:
        reason = f"this wheel has no Vault backend (core feature `vault`): {err}"
        if os.environ.get("COSIGN_KEYS_REQUIRE_SERVERS") == "1":
            pytest.fail(f"COSIGN_KEYS_REQUIRE_SERVERS=1 but {reason}")
        pytest.skip(reason)


def digest(n: int) -> str:
    return "sha256:" + hashlib.sha256(b"vault artifact %d" % n).hexdigest()


def verify(pem: str, n: int, signature_b64: str) -> None:
    PublicKey.from_pem(pem.encode()).verify_digest(
        hashlib.sha256(b"vault artifact %d" % n).digest(), base64.b64decode(signature_b64)
    )


def test_the_runbook_on_vault(tmp_path: Path) -> None:
    base = f"vault-kv://secret/cosign-keys-tests/{servers.unique('py-life')}"
    store = f"{base}/cosign"
    transit = f"hashivault://{servers.unique('py-life')}"
    keyring = open_or_skip(f"{base}/keyring", tmp_path / "audit.jsonl")
    me: Who = {"who": WHO, "reason": "vault runbook"}

    # Key #1 generated here and kept in Vault KV (with its password).
    first = keyring.rotate(store, password=PASSWORD, scrypt=FAST, keep_password=True, now=T0, **me)
    assert (first.new_key, first.location.kind, first.location.uri) == (1, "store", store)
    assert keyring.location.startswith("vault-kv://")
    signed = keyring.sign_digest(
        "registry.example/app:1.0", digest(1), pipeline_id="p-1", password=PASSWORD, now=T0, **me
    )
    pem1 = keyring.trust_bundle(T0).keys[0].public_key
    verify(pem1, 1, signed.signature)

    # Check-and-set: a rotation against a stale revision is refused.
    revision = keyring.status(T0).revision
    with pytest.raises(Conflict):
        keyring.rotate(store, password=PASSWORD, scrypt=FAST, expect_revision=revision - 1, now=T0, **me)

    # Key #2 is created in transit: no password; it signs inside Vault.
    t1 = T0 + timedelta(days=365)
    second = keyring.rotate(transit, now=t1, **me)
    assert (second.new_key, second.old_key, second.location.kind) == (2, 1, "kms")
    kms_signed = keyring.sign_digest("registry.example/api:2.0", digest(2), pipeline_id="p-2", now=t1, **me)
    bundle = keyring.trust_bundle(t1)
    assert [k.id for k in bundle.keys] == [2, 1]
    verify(bundle.keys[0].public_key, 2, kms_signed.signature)
    assert [e.artifact for e in keyring.resign_list()] == ["registry.example/app:1.0"]
    with pytest.raises(NotSupportedError):
        keyring.unlock(2, password=PASSWORD, now=t1, **me)

    # The transit key is compromised: emergency rotation back to Vault KV.
    t2 = t1 + timedelta(days=3)
    third = keyring.emergency_rotate(
        2, store, reason="transit policy misconfigured", incident_id="INC-77",
        password=PASSWORD, scrypt=FAST, now=t2, who=WHO,
    )
    assert third.new_key == 3
    status = keyring.status(t2)
    assert [k.state for k in status.keys] == [KeyState.DEACTIVATED, KeyState.COMPROMISED, KeyState.ACTIVE]
    assert status.trusted == (third.new_fingerprint, first.new_fingerprint)
    with pytest.raises(NotSupportedError, match="KMS"):
        keyring.destroy(2, now=t2, **me)  # a KMS key's material stays in the KMS

    # Backup (2 of 3) and recovery into fresh Vault paths.
    summary, shares = create_backup(
        keyring, tmp_path / "backup.age", threshold=2, shares=3, work_factor=10, now=t2, **me
    )
    assert shares is not None and {k.id for k in summary.keys} == {1, 3}
    head = keyring.audit_head()
    assert verify_audit(tmp_path / "audit.jsonl", head).records == head.seq
    recovered = recover_backup(
        tmp_path / "backup.age", shares=shares[1:], manifest_uri=f"{base}/recovered-keyring",
        audit_path=tmp_path / "recovered.jsonl", store_map={store: f"{base}/recovered-cosign"},
        now=t2, **me,
    )
    assert {k.location.uri for k in recovered.keys} == {f"{base}/recovered-cosign"}
    with Keyring.open(f"{base}/recovered-keyring", tmp_path / "recovered.jsonl") as restored:
        key, record = restored.unlock(password=PASSWORD, now=t2, **me)
        assert str(key.fingerprint) == third.new_fingerprint == record.fingerprint
        assert record.location.uri == f"{base}/recovered-cosign"
        again = restored.sign_digest(
            "registry.example/app:1.0", digest(1), pipeline_id="p-3", password=PASSWORD, now=t2, **me
        )
        verify(restored.trust_bundle(t2).keys[0].public_key, 1, again.signature)
        assert "backup.recovered" in {e.event for e in audit_entries(restored.audit_path)}
        restored.verify_audit()
    keyring.close()
