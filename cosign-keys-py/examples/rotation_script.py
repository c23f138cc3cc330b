"""A scheduled key-rotation job in Python, no cosign binary needed.

Run it daily (cron, a CI schedule). It keeps a keyring in ``--keyring-dir``
(manifest, signature ledger, audit log, and the key store ``keys/``):

1. verifies the audit log against the head kept in ``audit.head`` (so an
   edited, deleted, truncated or smuggled-in record stops the job; every
   other writer of this keyring, such as a pipeline recording its
   signatures, keeps the head it leaves there too);
2. rotates when the policy says so (annual by default), retires keys whose
   transition window has ended;
3. publishes ``cosign.pub``, ``cosign.pub.old`` and the multi-key trust
   bundle into ``--publish-dir``;
4. prints the artifacts to sign again (their newest signature is by a key
   that is no longer active), one per line, for the release pipeline;
5. keeps the new audit head for the next run.

    COSIGN_PASSWORD=... python rotation_script.py --keyring-dir ./keyring \\
        --publish-dir ./public --who "rotation-job"

Every call that runs scrypt or touches a file releases the GIL.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import List, Optional, Sequence

import cosign_keys
from cosign_keys import AuditHead, AuditTamperedError, Keyring, RotationPolicy


def read_password() -> bytearray:
    """The password for new keys, from $COSIGN_PASSWORD, as a bytearray so
    it can be wiped after the run."""
    value = os.environ.get("COSIGN_PASSWORD")
    if value is None:
        raise SystemExit("set COSIGN_PASSWORD to the password for new keys")
    return bytearray(value, "utf-8")


def run(
    keyring_dir: Path,
    publish_dir: Path,
    who: str,
    password: bytearray,
    now: Optional[datetime] = None,
    policy: RotationPolicy = RotationPolicy.annual(),
) -> List[str]:
    """One run of the job; returns the artifacts to sign again."""
    head_file = keyring_dir / "audit.head"
    audit_path = keyring_dir / "audit.jsonl"
    keyring_dir.mkdir(parents=True, exist_ok=True)

    # 1. The audit log must end where the last run left it.
    if head_file.exists():
        kept = AuditHead.parse(head_file.read_text())
        cosign_keys.verify_audit(audit_path, expected_head=kept)

    with Keyring.open(str(keyring_dir / "keyring.json"), audit_path) as keyring:
        if keyring.manifest() is None:
            keyring.init(policy, who=who, reason="keyring created by the rotation job", now=now)

        # 2. Rotate when due; retire keys whose window is over.
        due = keyring.due(now)
        if due.rotation_due:
            outcome = keyring.rotate(
                keyring_dir / "keys",
                password=password,
                who=who,
                reason=f"scheduled rotation: {due.reason}",
                now=now,
            )
            print(f"rotated: key #{outcome.new_key} {outcome.new_fingerprint} is active", file=sys.stderr)
        if due.retire:
            keyring.retire(who=who, reason="transition window ended", now=now)

        # 3. Publish the public keys verifiers should trust now.
        bundle = keyring.distribute(publish_dir, who=who, reason="publish trust bundle", now=now)
        print(f"trusted: {', '.join(bundle.fingerprints)}", file=sys.stderr)

        # 4. What the release pipeline must sign again.
        resign = sorted({entry.artifact for entry in keyring.resign_list()})

        # 5. Keep the head for the next run's check (elsewhere, in real life).
        head_file.write_text(str(keyring.audit_head()))
    return resign


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--keyring-dir", type=Path, default=Path("keyring"))
    parser.add_argument("--publish-dir", type=Path, default=Path("public"))
    parser.add_argument("--who", default="rotation-job")
    parser.add_argument("--now", help="pretend time, e.g. 2027-01-05T09:00:00Z (rehearsals)")
    args = parser.parse_args(argv)
    now = None
    if args.now:
        now = datetime.strptime(args.now, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)

    password = read_password()
    try:
        for artifact in run(args.keyring_dir, args.publish_dir, args.who, password, now):
            print(artifact)
    except AuditTamperedError as err:
        print(f"audit log check failed at record {err.record}: {err}", file=sys.stderr)
        return 4
    finally:
        cosign_keys.wipe(password)
    return 0


if __name__ == "__main__":
    sys.exit(main())
