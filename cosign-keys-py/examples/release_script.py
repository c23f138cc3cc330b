"""A release script in Python, no cosign binary needed.

It makes (or reuses) a Cosign key pair, signs every artifact given on the
command line exactly as ``cosign sign-blob --key cosign.key`` would, writes
``<artifact>.sig`` files (base64, what cosign writes), verifies them against
``cosign.pub`` and prints the key fingerprint, so the output can be pasted
into release notes. ``cosign verify-blob --key cosign.pub --signature
<artifact>.sig <artifact>`` accepts the result.

    COSIGN_PASSWORD=... python release_script.py --keys ./keys dist/*.tar.gz

Signing of many files runs with the GIL released (``sign_many``), and so do
scrypt and key generation.
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
from pathlib import Path
from typing import List, Optional, Sequence

import cosign_keys
from cosign_keys import Algorithm, IncorrectPasswordError, PrivateKey, PublicKey


def read_password() -> bytearray:
    """The key password from $COSIGN_PASSWORD (as cosign reads it), as a
    bytearray so it can be wiped once the key is unlocked."""
    value = os.environ.get("COSIGN_PASSWORD")
    if value is None:
        raise SystemExit("set COSIGN_PASSWORD to the key password")
    return bytearray(value, "utf-8")


def load_or_create_keys(key_dir: Path, password: bytearray, algorithm: Algorithm) -> PrivateKey:
    """Unlocks key_dir/cosign.key, or generates a key pair there first."""
    key_path = key_dir / "cosign.key"
    pub_path = key_dir / "cosign.pub"
    if key_path.exists():
        return PrivateKey.from_cosign_pem(key_path.read_bytes(), password)

    key_dir.mkdir(parents=True, exist_ok=True)
    key = PrivateKey.generate(algorithm)
    # cosign's own scrypt cost (N=65536, r=8, p=1): the cosign CLI opens it.
    cosign_keys.write_atomic(key_path, key.encrypt(password), mode=0o600)
    cosign_keys.write_atomic(pub_path, key.public_key.to_pem(), mode=0o644)
    print(f"generated {algorithm} key pair in {key_dir}")
    return key


def sign_artifacts(key: PrivateKey, artifacts: Sequence[Path]) -> List[Path]:
    """Signs each artifact and writes <artifact>.sig next to it."""
    blobs = [path.read_bytes() for path in artifacts]
    signatures = key.sign_many(blobs)
    written: List[Path] = []
    for path, signature in zip(artifacts, signatures):
        sig_path = path.with_name(path.name + ".sig")
        cosign_keys.write_atomic(sig_path, base64.b64encode(signature), mode=0o644, overwrite=True)
        written.append(sig_path)
    return written


def verify_artifacts(public: PublicKey, artifacts: Sequence[Path]) -> None:
    """Checks every <artifact>.sig against the public key alone."""
    for path in artifacts:
        signature = base64.b64decode(path.with_name(path.name + ".sig").read_bytes())
        public.verify(path.read_bytes(), signature)  # raises InvalidSignatureError


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--keys", type=Path, default=Path("keys"), help="key directory")
    parser.add_argument(
        "--algorithm",
        type=Algorithm,
        default=Algorithm.ECDSA_P256,
        choices=list(Algorithm),
        help="algorithm for a new key pair",
    )
    parser.add_argument("artifacts", nargs="+", type=Path)
    args = parser.parse_args(argv)
    artifacts: List[Path] = args.artifacts

    password = read_password()
    try:
        key = load_or_create_keys(args.keys, password, args.algorithm)
    except IncorrectPasswordError as err:
        print(f"cannot unlock {args.keys / 'cosign.key'}: {err}", file=sys.stderr)
        return 3
    finally:
        cosign_keys.wipe(password)

    sig_paths = sign_artifacts(key, artifacts)

    # Verify with nothing but the published public key, as a consumer would.
    public = PublicKey.from_pem((args.keys / "cosign.pub").read_bytes())
    assert public.fingerprint == key.fingerprint
    verify_artifacts(public, artifacts)

    print(f"key fingerprint: {public.fingerprint}")
    for artifact, sig in zip(artifacts, sig_paths):
        print(f"  {artifact} -> {sig}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
