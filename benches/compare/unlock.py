#!/usr/bin/env python3
"""Unlocking a Cosign key (scrypt N=32768, r=8, p=1 by default; --log-n 16
for N=65536, what cosign v2.6.5 writes through go-securesystemslib's
`Standard` level): cosign-keys against libsodium, OpenSSL and cosign's own Go
code, in one run.

Contestants (each times its own loop in-process; process start is never timed):

  libsodium scrypt   PyNaCl crypto_pwhash_scryptsalsa208sha256_ll, scrypt alone
  OpenSSL scrypt     hashlib.scrypt (Python's OpenSSL), scrypt alone
  cosign (Go)        go-unlock/: pem.Decode + go-securesystemslib encrypted.Decrypt
                     + x509.ParsePKCS8PrivateKey, i.e. cosign's LoadPrivateKey
  cosign-keys unlock ck-bench unlock: EncryptedPrivateKey::from_pem + decrypt
                     (parse + scrypt + secretbox open + PKCS#8 load)
  cosign-keys decrypt ck-bench scrypt: decrypt of an already parsed key

All use the same password and salt (those of one cosign.key written by ck-bench).
Rounds are interleaved and the order rotates every round; the table gives the
median over all samples and, for cosign-keys, the median of per-round ratios.

Then peak RSS (/usr/bin/time -v) of one unlock by ck-bench against a baseline
run of the same binary that only parses the key file, and against scrypt's
working set (128·N·r bytes: 32 MiB at N=32768).

Usage: python3 benches/compare/unlock.py [--rounds 20] [--per-round 2] [--log-n 15] [--no-build]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from common import log, median  # noqa: E402

R, P = 8, 1
PASSWORD = "ck-bench unlock password"
GO_DIR = Path(__file__).resolve().parent / "go-unlock"


def envelope_salt(key_file: Path, n: int) -> bytes:
    lines = key_file.read_text().strip().splitlines()
    body = base64.b64decode("".join(lines[1:-1]))
    env = json.loads(body)
    assert env["kdf"]["params"] == {"N": n, "r": R, "p": P}, env["kdf"]["params"]
    return base64.b64decode(env["kdf"]["salt"])


def build_go(out_dir: Path) -> Path | None:
    if common.which_or_none("go") is None:
        log("go not found: skipping cosign's Go unlock")
        return None
    exe = out_dir / "go-unlock"
    log("building go-unlock (go-securesystemslib v0.9.1, x/crypto v0.46.0, as cosign v2.6.5) ...")
    subprocess.run(["go", "build", "-trimpath", "-o", str(exe), "."], cwd=GO_DIR, check=True)
    return exe


def in_process(fn, iters: int) -> list[float]:
    out = []
    for _ in range(iters):
        t0 = time.perf_counter_ns()
        fn()
        out.append((time.perf_counter_ns() - t0) / 1000.0)
    return out


def ensure_gnu_time() -> str | None:
    path = "/usr/bin/time"
    if Path(path).exists():
        return path
    if shutil.which("apt-get") is None:
        log("/usr/bin/time missing and no apt-get: skipping peak RSS")
        return None
    log("installing GNU time (apt-get install time) ...")
    subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "time"], check=False, capture_output=True)
    return path if Path(path).exists() else None


def peak_rss_kib(time_bin: str, cmd: list[str]) -> int:
    res = subprocess.run([time_bin, "-v", *cmd], check=True, text=True, capture_output=True)
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", res.stderr)
    if not m:
        raise RuntimeError(f"no RSS in /usr/bin/time output:\n{res.stderr}")
    return int(m.group(1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=20, help="interleaved rounds (default 20)")
    ap.add_argument("--per-round", type=int, default=2, help="unlocks per contestant per round (default 2)")
    ap.add_argument("--rss-runs", type=int, default=7, help="runs for each peak-RSS figure (default 7)")
    ap.add_argument("--log-n", type=int, default=15, help="scrypt log2(N) (default 15: N=32768)")
    ap.add_argument("--no-build", action="store_true", help="use the ck-bench already built")
    ap.add_argument("--json", type=Path, help="also write the raw samples here")
    args = ap.parse_args()
    started = time.monotonic()
    N = 1 << args.log_n
    # Same headroom as maxmem=64 MiB gives at N=32768: twice the working set.
    MAXMEM = max(64 << 20, 2 * 128 * N * R)
    SCRYPT_MIB = 128 * N * R / (1 << 20)

    common.ensure_pip("nacl", "pynacl")
    import nacl.bindings as sodium

    ck = common.build_ck_bench(args.no_build)
    tmp = Path(tempfile.mkdtemp(prefix="ck-unlock-"))
    try:
        go = build_go(tmp)
        key_dir = tmp / "key"
        common.run([str(ck), "write-key", "ecdsa-p256", str(key_dir), PASSWORD, str(args.log_n)])
        key_file = key_dir / "cosign.key"
        salt = envelope_salt(key_file, N)
        pw = PASSWORD.encode()

        def libsodium():
            sodium.crypto_pwhash_scryptsalsa208sha256_ll(pw, salt, N, R, P, dklen=32, maxmem=MAXMEM)

        def openssl():
            hashlib.scrypt(pw, salt=salt, n=N, r=R, p=P, maxmem=MAXMEM, dklen=32)

        k = args.per_round
        contestants = {
            "libsodium scrypt": lambda: in_process(libsodium, k),
            "OpenSSL scrypt": lambda: in_process(openssl, k),
            "cosign-keys unlock": lambda: common.samples([str(ck), "unlock", str(key_file), PASSWORD, str(k)]),
            "cosign-keys decrypt": lambda: common.samples([str(ck), "scrypt", str(k), str(args.log_n)]),
        }
        if go is not None:
            contestants["cosign (Go) unlock"] = lambda: common.samples([str(go), str(key_file), PASSWORD, str(k)])
        names = list(contestants)

        # Sanity: every contestant works, and a wrong password fails for ours.
        log("warm-up ...")
        for name in names:
            contestants[name]()
        bad = subprocess.run([str(ck), "unlock-once", str(key_file), "wrong"], capture_output=True)
        assert bad.returncode != 0, "ck-bench unlocked with a wrong password"

        rounds: dict[str, list[list[float]]] = {n: [] for n in names}
        log(f"{args.rounds} rounds x {len(names)} contestants x {k} unlocks ...")
        for i in range(args.rounds):
            order = names[i % len(names):] + names[: i % len(names)]
            for name in order:
                rounds[name].append(contestants[name]())

        # Peak RSS, interleaved too.
        rss: dict[str, list[int]] = {}
        time_bin = ensure_gnu_time()
        if time_bin:
            rss_cmds = {
                "ck-bench unlock-once": [str(ck), "unlock-once", str(key_file), PASSWORD],
                "ck-bench parse-once (baseline)": [str(ck), "parse-once", str(key_file)],
            }
            if go is not None:
                rss_cmds["go-unlock (1 unlock)"] = [str(go), str(key_file), PASSWORD, "1"]
            rss = {n: [] for n in rss_cmds}
            for _ in range(args.rss_runs):
                for name, cmd in rss_cmds.items():
                    rss[name].append(peak_rss_kib(time_bin, cmd))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    # ---- report -------------------------------------------------------------
    pooled = {n: [x for r in rounds[n] for x in r] for n in names}
    base = median(pooled["libsodium scrypt"])
    print(common.header(f"Cosign key unlock, scrypt N={N} r={R} p={P} (ms per unlock)"))
    print(f"  {args.rounds} interleaved rounds x {k} per contestant; OpenSSL: {_openssl_version()}")
    print()
    print(f"  {'contestant':<22} {'median ms':>10} {'IQR ms':>15} {'n':>4} {'x libsodium':>12}")
    for n in names:
        xs = pooled[n]
        lo, hi = common.iqr(xs)
        print(f"  {n:<22} {median(xs) / 1000:>10.1f} {lo / 1000:>7.1f}-{hi / 1000:<7.1f} {len(xs):>4} {median(xs) / base:>12.2f}")
    print()
    print("  cosign-keys unlock / other, median of per-round ratios [min-max]:")
    ratios = {}
    for other in names:
        if other.startswith("cosign-keys"):
            continue
        r, lo, hi = common.paired_ratio(rounds["cosign-keys unlock"], rounds[other])
        ratios[other] = r
        print(f"    vs {other:<20} {r:6.2f}  [{lo:.2f}-{hi:.2f}]")
    if go is not None:
        first_ours = [r[0] for r in rounds["cosign-keys unlock"]]
        first_go = [r[0] for r in rounds["cosign (Go) unlock"]]
        print(
            f"  first unlock in a fresh process: cosign-keys {median(first_ours) / 1000:.1f} ms, "
            f"Go {median(first_go) / 1000:.1f} ms"
        )
    if rss:
        print()
        print(f"Peak RSS of one unlock (median of {args.rss_runs} runs, /usr/bin/time -v)")
        for n, xs in rss.items():
            print(f"  {n:<32} {median(xs) / 1024:7.1f} MiB")
        peak = median(rss["ck-bench unlock-once"]) / 1024
        baseline = median(rss["ck-bench parse-once (baseline)"]) / 1024
        print(f"  unlock - baseline = {peak - baseline:.1f} MiB; "
              f"(unlock - baseline) / scrypt's {SCRYPT_MIB:.0f} MiB = {(peak - baseline) / SCRYPT_MIB:.2f}; "
              f"unlock / baseline = {peak / baseline:.2f}")
    elapsed = time.monotonic() - started
    print(f"\n  script run time {elapsed:.0f} s")

    if args.json:
        args.json.write_text(json.dumps({"rounds": rounds, "rss_kib": rss, "ratios": ratios}, indent=1))


def _openssl_version() -> str:
    import ssl

    return ssl.OPENSSL_VERSION


if __name__ == "__main__":
    main()
