"""Shared test helpers: the vector files, and one generated key per algorithm."""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any, Dict, List

from cosign_keys import Algorithm, PrivateKey

# A cheap scrypt cost for tests that seal many keys (cosign itself uses
# N=65536; tests that need the real cost say so).
FAST_N = 1024


def vectors_dir() -> Path:
    """tests/vectors at the workspace root (or $COSIGN_KEYS_VECTORS)."""
    override = os.environ.get("COSIGN_KEYS_VECTORS")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "tests" / "vectors"


def load_vectors(name: str) -> List[Dict[str, Any]]:
    """Reads one vector file; a missing file fails the run, never skips."""
    path = vectors_dir() / name
    if not path.is_file():
        raise FileNotFoundError(
            f"shared test vectors not found at {path}; run from the cosign-keys "
            "workspace or set COSIGN_KEYS_VECTORS"
        )
    cases: List[Dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    assert cases, f"{path} has no cases"
    return cases


@functools.lru_cache(maxsize=None)
def generated_key(algorithm: Algorithm) -> PrivateKey:
    """One key per algorithm for the whole run (RSA-4096 is slow to make)."""
    return PrivateKey.generate(algorithm)
