#!/usr/bin/env python3
"""Sign, verify and key generation: cosign-keys (AWS-LC, through ck-bench)
against OpenSSL (through pyca/cryptography), in one interleaved run.

Every operation signs or verifies the same 256-byte message as cosign does
(ECDSA and RSA over its SHA-256, PKCS#1 v1.5 for RSA, pure Ed25519). Each
side times its own loop in-process; fast operations are timed in batches and
divided, so a sample is never a single clock read of a few microseconds.
pyca/cryptography's figures include its Python call overhead (well under a
microsecond per call), which slightly favours cosign-keys on the fastest
operations.

Key generation by cosign-keys also encodes the key as PKCS#8, loads it back
and encodes the public key (that is what PrivateKey::generate returns);
pyca's generate_private_key only generates.

Usage: python3 benches/compare/sign.py [--rounds 15] [--no-build]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from common import MESSAGE, log, median  # noqa: E402

# (op, alg, samples per round, batch): the order of the report.
CASES = [
    ("sign", "ecdsa-p256", 10, 20),
    ("verify", "ecdsa-p256", 10, 20),
    ("sign", "ed25519", 10, 20),
    ("verify", "ed25519", 10, 20),
    ("sign", "rsa-2048", 6, 2),
    ("verify", "rsa-2048", 10, 20),
    ("sign", "rsa-3072", 4, 1),
    ("verify", "rsa-3072", 10, 10),
    ("keygen", "ecdsa-p256", 10, 10),
    ("keygen", "ed25519", 10, 10),
    ("keygen", "rsa-2048", 4, 1),
]


def pyca_cases():
    """Returns {(op, alg): zero-argument callable} for pyca/cryptography."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

    ecdsa = ec.ECDSA(hashes.SHA256())
    pkcs1 = padding.PKCS1v15()
    sha256 = hashes.SHA256()
    fns = {}

    p256 = ec.generate_private_key(ec.SECP256R1())
    p256_pub = p256.public_key()
    p256_sig = p256.sign(MESSAGE, ecdsa)
    fns[("sign", "ecdsa-p256")] = lambda: p256.sign(MESSAGE, ecdsa)
    fns[("verify", "ecdsa-p256")] = lambda: p256_pub.verify(p256_sig, MESSAGE, ecdsa)
    fns[("keygen", "ecdsa-p256")] = lambda: ec.generate_private_key(ec.SECP256R1())

    ed = ed25519.Ed25519PrivateKey.generate()
    ed_pub = ed.public_key()
    ed_sig = ed.sign(MESSAGE)
    fns[("sign", "ed25519")] = lambda: ed.sign(MESSAGE)
    fns[("verify", "ed25519")] = lambda: ed_pub.verify(ed_sig, MESSAGE)
    fns[("keygen", "ed25519")] = ed25519.Ed25519PrivateKey.generate

    for bits in (2048, 3072):
        key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        pub = key.public_key()
        sig = key.sign(MESSAGE, pkcs1, sha256)
        fns[("sign", f"rsa-{bits}")] = lambda key=key: key.sign(MESSAGE, pkcs1, sha256)
        fns[("verify", f"rsa-{bits}")] = lambda pub=pub, sig=sig: pub.verify(sig, MESSAGE, pkcs1, sha256)
    fns[("keygen", "rsa-2048")] = lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return fns


def pyca_samples(fn, samples: int, batch: int) -> list[float]:
    out = []
    for _ in range(samples):
        t0 = time.perf_counter_ns()
        for _ in range(batch):
            fn()
        out.append((time.perf_counter_ns() - t0) / 1000.0 / batch)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=15, help="interleaved rounds (default 15)")
    ap.add_argument("--no-build", action="store_true", help="use the ck-bench already built")
    ap.add_argument("--json", type=Path, help="also write the raw samples here")
    args = ap.parse_args()
    started = time.monotonic()

    import cryptography
    from cryptography.hazmat.backends.openssl import backend

    ck = common.build_ck_bench(args.no_build)
    pyca = pyca_cases()

    def ours(op, alg, samples, batch):
        return common.samples([str(ck), op, alg, str(samples), str(batch)])

    log("warm-up ...")
    for op, alg, _, batch in CASES:
        ours(op, alg, 1, batch)
        pyca_samples(pyca[(op, alg)], 1, batch)

    rounds = {(op, alg): {"ours": [], "pyca": []} for op, alg, _, _ in CASES}
    log(f"{args.rounds} rounds x {len(CASES)} cases ...")
    for i in range(args.rounds):
        for op, alg, samples, batch in CASES:
            # Alternate which side goes first, round by round.
            sides = [("ours", lambda: ours(op, alg, samples, batch)),
                     ("pyca", lambda: pyca_samples(pyca[(op, alg)], samples, batch))]
            if i % 2:
                sides.reverse()
            for side, fn in sides:
                rounds[(op, alg)][side].append(fn())

    print(common.header("Sign / verify / keygen: cosign-keys (AWS-LC) vs OpenSSL via pyca/cryptography (µs per op)"))
    print(f"  {args.rounds} interleaved rounds; pyca/cryptography {cryptography.__version__}, "
          f"{backend.openssl_version_text()}; message {len(MESSAGE)} bytes")
    print()
    print(f"  {'op':<8} {'alg':<11} {'ours µs':>10} {'OpenSSL µs':>11} {'ours/OpenSSL':>13} {'[min-max]':>13}  n")
    summary = {}
    for op, alg, _, _ in CASES:
        r = rounds[(op, alg)]
        a = [x for s in r["ours"] for x in s]
        b = [x for s in r["pyca"] for x in s]
        ratio, lo, hi = common.paired_ratio(r["ours"], r["pyca"])
        summary[f"{op}/{alg}"] = {"ours_us": median(a), "openssl_us": median(b), "ratio": ratio}
        print(f"  {op:<8} {alg:<11} {median(a):>10.1f} {median(b):>11.1f} {ratio:>13.2f} "
              f"{f'[{lo:.2f}-{hi:.2f}]':>13}  {len(a)}")
    print("\n  ours/OpenSSL is the median of per-round ratios; below 1 means cosign-keys is faster.")
    print(f"  script run time {time.monotonic() - started:.0f} s")

    if args.json:
        raw = {f"{op}/{alg}": v for (op, alg), v in rounds.items()}
        args.json.write_text(json.dumps({"rounds": raw, "summary": summary}, indent=1))


if __name__ == "__main__":
    main()
