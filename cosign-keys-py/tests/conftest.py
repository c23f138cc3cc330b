"""Session-wide checks for the pytest suite."""

from __future__ import annotations

from pathlib import Path

import pytest

import cosign_keys


@pytest.fixture(scope="session", autouse=True)
def _installed_wheel_is_tested() -> None:
    """The suite must exercise the installed wheel, not a source checkout."""
    native = Path(cosign_keys._native.__file__)
    assert "site-packages" in native.parts, f"cosign_keys loaded from {native}"
