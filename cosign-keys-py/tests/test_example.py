"""The release-script example runs end to end and its output verifies."""

from __future__ import annotations

import base64
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from cosign_keys import PrivateKey, PublicKey

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "release_script.py"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("release_script", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_release_script(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    example = load_example()
    keys = tmp_path / "keys"
    artifacts = []
    for name in ("app.tar.gz", "app.sbom.json"):
        path = tmp_path / name
        path.write_bytes(name.encode() * 100)
        artifacts.append(str(path))
    monkeypatch.setenv("COSIGN_PASSWORD", "release password")

    assert example.main(["--keys", str(keys), "--algorithm", "ed25519", *artifacts]) == 0
    public = PublicKey.from_pem((keys / "cosign.pub").read_bytes())
    key = PrivateKey.from_cosign_pem((keys / "cosign.key").read_bytes(), "release password")
    assert key.fingerprint == public.fingerprint
    assert (keys / "cosign.key").stat().st_mode & 0o777 == 0o600
    for artifact in artifacts:
        path = Path(artifact)
        sig = base64.b64decode((tmp_path / (path.name + ".sig")).read_bytes())
        public.verify(path.read_bytes(), sig)

    # A second run reuses the key pair; a wrong password is refused.
    assert example.main(["--keys", str(keys), *artifacts]) == 0
    monkeypatch.setenv("COSIGN_PASSWORD", "wrong")
    assert example.main(["--keys", str(keys), *artifacts]) == 3
