"""Shared helpers for the comparison scripts (unlock.py, sign.py).

Nothing here measures anything by itself: it builds ck-bench, runs it, and
does the statistics (medians, interquartile ranges, paired ratios).
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

BENCHES = Path(__file__).resolve().parent.parent
ROOT = BENCHES.parent

# The message ck-bench signs (see MESSAGE_LEN in src/bin/ck-bench.rs).
MESSAGE = bytes(i % 251 for i in range(256))


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


def ensure_pip(module: str, package: str) -> None:
    """Imports `module`, installing `package` with pip first if needed."""
    try:
        __import__(module)
    except ImportError:
        log(f"installing {package} with pip ...")
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", package], check=True)
        __import__(module)


def cargo_target_dir() -> Path:
    """The target directory cargo uses here (honours CARGO_TARGET_DIR)."""
    meta = json.loads(
        run(["cargo", "metadata", "--format-version", "1", "--no-deps"], cwd=ROOT).stdout
    )
    return Path(meta["target_directory"])


def build_ck_bench(skip: bool) -> Path:
    """Builds ck-bench in release mode and returns its path."""
    if not skip:
        log("building ck-bench (cargo build --release -p cosign-keys-benches) ...")
        subprocess.run(
            ["cargo", "build", "--release", "--quiet", "-p", "cosign-keys-benches"],
            cwd=ROOT,
            check=True,
        )
    exe = cargo_target_dir() / "release" / "ck-bench"
    if not exe.exists():
        sys.exit(f"{exe} not found (build it, or drop --no-build)")
    return exe


def samples(cmd: list[str]) -> list[float]:
    """Runs a timing command that prints one JSON object per sample and
    returns the per-op times in microseconds."""
    out = run(cmd).stdout
    return [json.loads(line)["us"] for line in out.splitlines() if line.startswith("{")]


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def iqr(xs: list[float]) -> tuple[float, float]:
    if len(xs) < 4:
        return (min(xs), max(xs))
    q = statistics.quantiles(xs, n=4)
    return (q[0], q[2])


def paired_ratio(rounds_a: list[list[float]], rounds_b: list[list[float]]) -> tuple[float, float, float]:
    """Median over rounds of median(a in round) / median(b in round), with
    the min and max per-round ratio. Both ran in the same round, so load
    drift on a shared machine cancels out better than in pooled medians."""
    ratios = [median(a) / median(b) for a, b in zip(rounds_a, rounds_b) if a and b]
    return (median(ratios), min(ratios), max(ratios))


def git_head() -> str:
    try:
        head = run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT).stdout.strip()
        dirty = run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (subprocess.CalledProcessError, FileNotFoundError):
        return "unknown"


def header(title: str) -> str:
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load = ""
    if hasattr(os, "getloadavg"):
        load = " load %.2f %.2f %.2f" % os.getloadavg()
    return f"{title}\n  {now}, git {git_head()}, {os.cpu_count()} CPUs,{load}"


def which_or_none(name: str) -> str | None:
    return shutil.which(name)
