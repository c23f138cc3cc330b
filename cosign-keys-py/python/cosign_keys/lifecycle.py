"""The former name of :mod:`cosign_keys.keyring`, kept so that
``from cosign_keys.lifecycle import Keyring`` goes on working: it re-exports
the same objects (``cosign_keys.lifecycle.Keyring is
cosign_keys.keyring.Keyring``). New code imports :mod:`cosign_keys.keyring`,
or the names from :mod:`cosign_keys` itself.
"""

from .keyring import (
    Actor,
    Compromise,
    Due,
    HistoryEntry,
    KeyLocation,
    KeyRecord,
    KeySelector,
    KeyState,
    KeyStatus,
    Keyring,
    Manifest,
    PasswordArg,
    PathArg,
    PendingOperation,
    ResignEntry,
    RevocationOutcome,
    RotationOutcome,
    RotationPolicy,
    SignedArtifact,
    SigningEvent,
    Status,
    TrustBundle,
    TrustedKey,
)

__all__ = [
    "Actor",
    "Compromise",
    "Due",
    "HistoryEntry",
    "KeyLocation",
    "KeyRecord",
    "KeySelector",
    "KeyState",
    "KeyStatus",
    "Keyring",
    "Manifest",
    "PasswordArg",
    "PathArg",
    "PendingOperation",
    "ResignEntry",
    "RevocationOutcome",
    "RotationOutcome",
    "RotationPolicy",
    "SignedArtifact",
    "SigningEvent",
    "Status",
    "TrustBundle",
    "TrustedKey",
]
