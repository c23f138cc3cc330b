"""Python call overhead against native Rust, measured in one interleaved run.

For each operation the same loop runs in Python (through the installed
``cosign_keys`` wheel) and in ``examples/native_bench.rs`` (straight on the
core crate, same release profile), alternating which goes first, round after
round. The report gives the median time per call on each side, their ratio
(which the targets judge) and the ratio of the fastest rounds (the least
disturbed by other load on the machine). Targets (issue #7): signing within 1.2x of native, unlock (scrypt)
within 1.05x.

    python bench/bench.py            # builds the native side with cargo
    python bench/bench.py --quick    # fewer rounds
    python bench/bench.py --check    # exit 1 if a target is missed

Run it with the interpreter that has the wheel installed, e.g. the venv that
run-tests.sh leaves at <target dir>/py-venv.
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Optional, Sequence

import cosign_keys
from cosign_keys import Algorithm, PrivateKey

HERE = Path(__file__).resolve().parent
CRATE = HERE.parent
PASSWORD = "bench password"
BLOB = bytes(range(256)) * 4  # a 1 KiB blob


class Native:
    """The native_bench example, driven over a pipe."""

    def __init__(self, executable: Path) -> None:
        self.proc = subprocess.Popen(
            [str(executable)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, command: str) -> int:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().strip()
        if not answer or answer.startswith("error"):
            raise RuntimeError(f"native_bench: {command!r} -> {answer!r}")
        return int(answer)

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("quit\n")
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def build_native() -> Path:
    """Builds examples/native_bench.rs (release, locked); returns its path."""
    out = subprocess.run(
        [
            "cargo", "build", "--release", "--locked", "--quiet",
            "-p", "cosign-keys-py", "--example", "native_bench",
            "--message-format=json-render-diagnostics",
        ],
        cwd=CRATE,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    for line in out.splitlines():
        message = json.loads(line)
        if (
            message.get("reason") == "compiler-artifact"
            and message["target"]["name"] == "native_bench"
            and message.get("executable")
        ):
            return Path(message["executable"])
    raise RuntimeError("cargo did not report the native_bench executable")


@dataclass
class Op:
    """One operation measured on both sides."""

    name: str
    iterations: int
    python: Callable[[int], int]  # runs the loop, returns elapsed ns
    native: str  # the native_bench command (without the iteration count)
    target: Optional[float] = None
    py_ns: List[float] = field(default_factory=list)
    native_ns: List[float] = field(default_factory=list)

    def ratio(self) -> float:
        """Median Python time over median native time (what targets judge)."""
        return statistics.median(self.py_ns) / statistics.median(self.native_ns)

    def best_ratio(self) -> float:
        """Fastest over fastest: the least disturbed by other load."""
        return min(self.py_ns) / min(self.native_ns)


def python_loop(call: Callable[[], object]) -> Callable[[int], int]:
    def run(n: int) -> int:
        start = time.perf_counter_ns()
        for _ in range(n):
            call()
        return time.perf_counter_ns() - start

    return run


def make_ops(workdir: Path, quick: bool) -> List[Op]:
    ops: List[Op] = []
    blob_path = workdir / "blob"
    blob_path.write_bytes(BLOB)
    scale = 4 if quick else 1

    p256 = PrivateKey.generate(Algorithm.ECDSA_P256)
    public = p256.public_key
    pub_path = workdir / "p256.pub"
    pub_path.write_bytes(public.to_pem())
    ops.append(
        Op(
            "fingerprint (P-256 public key)",
            200_000 // scale,
            python_loop(lambda: public.fingerprint),
            f"fingerprint {pub_path}",
        )
    )

    for algorithm, iterations in (
        (Algorithm.ECDSA_P256, 4000),
        (Algorithm.ED25519, 10_000),
        (Algorithm.RSA_2048, 400),
    ):
        key = p256 if algorithm is Algorithm.ECDSA_P256 else PrivateKey.generate(algorithm)
        pem_path = workdir / f"{algorithm.value}.pem"
        pem_path.write_bytes(bytes(key.to_pkcs8_pem()))
        ops.append(
            Op(
                f"sign 1 KiB ({algorithm.value})",
                iterations // scale,
                python_loop(functools.partial(key.sign, BLOB)),
                f"sign {pem_path} {blob_path}",
                target=1.2,
            )
        )

    cosign_pem = p256.encrypt(PASSWORD)  # cosign's cost, N=65536
    key_path = workdir / "cosign.key"
    key_path.write_bytes(cosign_pem)
    ops.append(
        Op(
            "unlock cosign.key (scrypt N=65536)",
            2,
            python_loop(lambda: PrivateKey.from_cosign_pem(cosign_pem, PASSWORD)),
            f"unlock {key_path} {PASSWORD.encode().hex()}",
            target=1.05,
        )
    )
    return ops


def measure(ops: Sequence[Op], native: Native, rounds: int) -> None:
    for op in ops:  # warm-up, both sides
        op.python(max(1, op.iterations // 10))
        native.run(f"{op.native} {max(1, op.iterations // 10)}")
    for round_ in range(rounds):
        for op in ops:
            # Alternate which side goes first, so drift favours neither.
            for side in ("python", "native") if round_ % 2 == 0 else ("native", "python"):
                if side == "python":
                    op.py_ns.append(op.python(op.iterations) / op.iterations)
                else:
                    op.native_ns.append(native.run(f"{op.native} {op.iterations}") / op.iterations)


def fmt_ns(ns: float) -> str:
    if ns >= 1e6:
        return f"{ns / 1e6:9.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:9.2f} µs"
    return f"{ns:9.0f} ns"


def report(ops: Sequence[Op], rounds: int) -> bool:
    print(f"cosign_keys {cosign_keys.__version__}, Python {sys.version.split()[0]}, {rounds} interleaved rounds")
    print(f"{'operation':38} {'python':>12} {'native':>12} {'ratio':>7} {'best':>7}  target (median ratio)")
    ok = True
    for op in ops:
        ratio = op.ratio()
        verdict = ""
        if op.target is not None:
            met = ratio <= op.target
            ok = ok and met
            verdict = f"<= {op.target:.2f}x {'ok' if met else 'MISSED'}"
        print(
            f"{op.name:38} {fmt_ns(statistics.median(op.py_ns)):>12} "
            f"{fmt_ns(statistics.median(op.native_ns)):>12} {ratio:6.3f}x {op.best_ratio():6.3f}x  {verdict}"
        )
    return ok


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Python vs native Rust call overhead")
    parser.add_argument("--native", type=Path, help="native_bench executable (default: build it)")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--quick", action="store_true", help="3 rounds, shorter loops")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    rounds: int = 3 if args.quick else args.rounds

    executable: Path = args.native or build_native()
    native = Native(executable)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            ops = make_ops(Path(tmp), args.quick)
            measure(ops, native, rounds)
    finally:
        native.close()
    ok = report(ops, rounds)
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
