"""Key algorithms, by the stable names used in every cosign-keys binding."""

from __future__ import annotations

import enum
from typing import Dict, Optional

from . import _native

__all__ = ["Algorithm"]

# name -> hash applied to a blob before signing (None: Ed25519 signs the blob).
_HASH_BY_NAME: Dict[str, Optional[str]] = dict(_native.algorithm_table())


class Algorithm(str, enum.Enum):
    """A signing key algorithm. Members are strings, so ``"ed25519"`` works
    wherever an ``Algorithm`` is accepted, and ``Algorithm("ed25519")`` parses
    one."""

    ECDSA_P256 = "ecdsa-p256"
    """ECDSA on NIST P-256 with SHA-256: cosign's default."""
    ECDSA_P384 = "ecdsa-p384"
    """ECDSA on NIST P-384 with SHA-384."""
    ECDSA_P521 = "ecdsa-p521"
    """ECDSA on NIST P-521 with SHA-512."""
    ED25519 = "ed25519"
    """Pure Ed25519 (RFC 8032)."""
    RSA_2048 = "rsa-2048"
    """RSA 2048, PKCS#1 v1.5 signatures with SHA-256."""
    RSA_3072 = "rsa-3072"
    """RSA 3072, PKCS#1 v1.5 signatures with SHA-256."""
    RSA_4096 = "rsa-4096"
    """RSA 4096, PKCS#1 v1.5 signatures with SHA-256."""

    def __str__(self) -> str:
        return self.value

    @property
    def hash_alg(self) -> Optional[str]:
        """The hash cosign applies to a blob before signing (``"sha256"``,
        ``"sha384"`` or ``"sha512"``, a :mod:`hashlib` name), or ``None`` for
        Ed25519, which signs the blob itself and cannot sign digests."""
        return _HASH_BY_NAME[self.value]

    @property
    def signs_digests(self) -> bool:
        """Whether ``sign_digest``/``verify_digest`` work with this algorithm."""
        return self.hash_alg is not None
