"""The scheduled-rotation example runs end to end: it creates the keyring,
rotates when due, publishes the trust bundle, lists what to re-sign, and
stops when the audit log was tampered with."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from cosign_keys import Keyring, PublicKey

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "rotation_script.py"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("rotation_script", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rotation_script(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    example = load_example()
    ring, public = tmp_path / "keyring", tmp_path / "public"
    args = ["--keyring-dir", str(ring), "--publish-dir", str(public), "--who", "rotation-job"]
    monkeypatch.setenv("COSIGN_PASSWORD", "rotation password")

    # First run: a keyring with key #1, published.
    assert example.main([*args, "--now", "2026-01-05T09:00:00Z"]) == 0
    first = PublicKey.from_pem((public / "cosign.pub").read_bytes())
    assert not (public / "cosign.pub.old").exists()
    assert capsys.readouterr().out == ""

    # The pipeline signs an artifact with key #1 (recorded in the ledger).
    digest = "sha256:" + hashlib.sha256(b"app 1.0").hexdigest()
    with Keyring.open(str(ring / "keyring.json"), ring / "audit.jsonl") as keyring:
        keyring.record_signing(
            "registry.example/app:1.0", digest, pipeline_id="build-17",
            who="release-pipeline", reason="release 1.0",
        )
        # Every writer of the log keeps the head it leaves.
        (ring / "audit.head").write_text(str(keyring.audit_head()))

    # Not due yet: nothing changes, nothing to re-sign.
    assert example.main([*args, "--now", "2026-06-01T00:00:00Z"]) == 0
    assert capsys.readouterr().out == ""
    assert PublicKey.from_pem((public / "cosign.pub").read_bytes()) == first

    # A year on: rotated; the old key is cosign.pub.old; the artifact is listed.
    assert example.main([*args, "--now", "2027-01-05T09:00:00Z"]) == 0
    assert capsys.readouterr().out.splitlines() == ["registry.example/app:1.0"]
    assert PublicKey.from_pem((public / "cosign.pub.old").read_bytes()) == first
    assert PublicKey.from_pem((public / "cosign.pub").read_bytes()) != first

    # After the window the old key is retired and unpublished.
    assert example.main([*args, "--now", "2027-02-05T00:00:00Z"]) == 0
    assert not (public / "cosign.pub.old").exists()

    # Someone deletes an audit record: the next run refuses to go on.
    audit = ring / "audit.jsonl"
    lines = audit.read_text().splitlines(keepends=True)
    audit.write_text("".join(lines[:2] + lines[3:]))
    assert example.main([*args, "--now", "2027-02-06T00:00:00Z"]) == 4
    assert "audit log check failed at record 3" in capsys.readouterr().err
