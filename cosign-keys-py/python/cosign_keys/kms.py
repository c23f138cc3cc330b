"""KMS keys: signing keys that never leave a KMS, named with cosign's URIs.

==============================================  ==========================================
URI                                             KMS
==============================================  ==========================================
``hashivault://<key>``                          Vault/OpenBao transit (``VAULT_ADDR``,
                                                ``VAULT_TOKEN``, ``TRANSIT_SECRET_ENGINE_PATH``)
``awskms://[host:port]/<key-id|alias/x|arn>``   AWS KMS (the standard ``AWS_*`` variables)
``azurekms://<vault>/<key>[/<version>]``       Azure Key Vault (``COSIGN_KEYS_AZURE_TOKEN`` or
                                                Azure's credential chain; ``<vault>`` a name or
                                                host[:port]; ``COSIGN_KEYS_AZURE_CA_BUNDLE``)
``gcpkms://...``                                parsed, but not supported in this build
==============================================  ==========================================

Signatures are exactly what ``cosign sign-blob --key <uri>`` makes, so
``PublicKey.verify`` and ``cosign verify-blob --key <public PEM>`` accept
them. Every :class:`KmsKey` call releases the GIL while it waits on the KMS.

>>> import cosign_keys
>>> cosign_keys.parse_kms_handle("awskms://localhost:4566/alias/release")
'awskms://localhost:4566/alias/release'
>>> cosign_keys.open_kms_key("gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k")
Traceback (most recent call last):
...
cosign_keys.errors.NotSupportedError: `gcpkms` is not supported in this build: no Google Cloud KMS endpoint or emulator can be run where this build is tested, so the client is not shipped untested
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from ._native import KmsKey, PublicKey, is_kms_uri, parse_kms_handle

__all__ = [
    "KmsKey",
    "KmsKeyVersion",
    "is_kms_uri",
    "open_kms_key",
    "parse_kms_handle",
]


def open_kms_key(uri: str) -> KmsKey:
    """Connects to the KMS key ``uri`` names (same as :meth:`KmsKey.open`).

    Raises :class:`~cosign_keys.InvalidArgumentError` for a URI that does not
    parse, :class:`~cosign_keys.NotSupportedError` for ``gcpkms://``, and the
    KMS's connection errors.
    """
    return KmsKey.open(uri)


@dataclass(frozen=True)
class KmsKeyVersion:
    """One version of a KMS key, as :meth:`KmsKey.versions` lists it."""

    version: str
    """The KMS's identifier for it (``"1"``, ``"2"``, ... for transit)."""
    public_key: PublicKey
    """That version's public key."""
    created_at: Optional[datetime]
    """When it was created (aware, UTC), when the KMS says."""
