"""The Python examples in README.md run as written."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Dict, List

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> List[str]:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 2, "README lost its Python examples"
    return blocks


@pytest.mark.parametrize("index", range(len(python_blocks())))
def test_readme_block_runs(index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COSIGN_PASSWORD", "readme password")
    (tmp_path / "dist").mkdir()
    for name in ("a.tar.gz", "b.tar.gz"):
        (tmp_path / "dist" / name).write_bytes(name.encode() * 50)
    namespace: Dict[str, object] = {"__name__": "readme_example"}
    exec(compile(python_blocks()[index], f"README.md block {index}", "exec"), namespace)
    assert os.listdir(tmp_path)
