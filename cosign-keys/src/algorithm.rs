//! The key algorithms Cosign works with, and their stable names.

use std::fmt;
use std::str::FromStr;

use crate::{Error, HashAlg, Result};

/// `ecdsa-p256`: ECDSA on NIST P-256 with SHA-256 (cosign's default).
const ECDSA_P256: &str = "ecdsa-p256";
/// `ecdsa-p384`: ECDSA on NIST P-384 with SHA-384 (cosign imports these).
const ECDSA_P384: &str = "ecdsa-p384";
/// `ecdsa-p521`: ECDSA on NIST P-521 with SHA-512 (cosign imports these).
const ECDSA_P521: &str = "ecdsa-p521";
/// `ed25519`: pure Ed25519 (RFC 8032).
const ED25519: &str = "ed25519";
/// `rsa-2048`: RSA, 2048-bit modulus, PKCS#1 v1.5 signatures with SHA-256.
const RSA_2048: &str = "rsa-2048";
/// `rsa-3072`: RSA, 3072-bit modulus, PKCS#1 v1.5 signatures with SHA-256.
const RSA_3072: &str = "rsa-3072";
/// `rsa-4096`: RSA, 4096-bit modulus, PKCS#1 v1.5 signatures with SHA-256.
const RSA_4096: &str = "rsa-4096";

/// A signing key algorithm.
///
/// The names (`ecdsa-p256`, `ed25519`, `rsa-2048`, …) are the same in the
/// CLI, the C header, Go and Python.
///
/// ```
/// use cosign_keys::Algorithm;
/// let alg: Algorithm = "rsa-3072".parse()?;
/// assert_eq!(alg, Algorithm::Rsa3072);
/// assert_eq!(alg.to_string(), "rsa-3072");
/// assert_eq!(Algorithm::default(), Algorithm::EcdsaP256);
/// # Ok::<(), cosign_keys::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[non_exhaustive]
pub enum Algorithm {
    /// ECDSA over NIST P-256, SHA-256, ASN.1 DER signatures. Cosign's default.
    #[default]
    EcdsaP256,
    /// ECDSA over NIST P-384, SHA-384, ASN.1 DER signatures.
    EcdsaP384,
    /// ECDSA over NIST P-521, SHA-512, ASN.1 DER signatures.
    EcdsaP521,
    /// Ed25519 (pure EdDSA over the message).
    Ed25519,
    /// RSA 2048, PKCS#1 v1.5 with SHA-256.
    Rsa2048,
    /// RSA 3072, PKCS#1 v1.5 with SHA-256.
    Rsa3072,
    /// RSA 4096, PKCS#1 v1.5 with SHA-256.
    Rsa4096,
}

impl Algorithm {
    /// Every algorithm, in a stable order.
    pub const ALL: &'static [Algorithm] = &[
        Self::EcdsaP256,
        Self::EcdsaP384,
        Self::EcdsaP521,
        Self::Ed25519,
        Self::Rsa2048,
        Self::Rsa3072,
        Self::Rsa4096,
    ];

    /// The stable name, e.g. `ecdsa-p256`.
    ///
    /// ```
    /// assert_eq!(cosign_keys::Algorithm::Ed25519.as_str(), "ed25519");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::EcdsaP256 => ECDSA_P256,
            Self::EcdsaP384 => ECDSA_P384,
            Self::EcdsaP521 => ECDSA_P521,
            Self::Ed25519 => ED25519,
            Self::Rsa2048 => RSA_2048,
            Self::Rsa3072 => RSA_3072,
            Self::Rsa4096 => RSA_4096,
        }
    }

    /// Whether this is an RSA algorithm.
    ///
    /// ```
    /// assert!(cosign_keys::Algorithm::Rsa4096.is_rsa());
    /// ```
    #[must_use]
    pub const fn is_rsa(self) -> bool {
        matches!(self, Self::Rsa2048 | Self::Rsa3072 | Self::Rsa4096)
    }

    /// Whether this is an ECDSA algorithm.
    ///
    /// ```
    /// assert!(cosign_keys::Algorithm::EcdsaP256.is_ecdsa());
    /// ```
    #[must_use]
    pub const fn is_ecdsa(self) -> bool {
        matches!(self, Self::EcdsaP256 | Self::EcdsaP384 | Self::EcdsaP521)
    }

    /// The RSA modulus size in bits, if this is RSA.
    ///
    /// ```
    /// assert_eq!(cosign_keys::Algorithm::Rsa2048.rsa_bits(), Some(2048));
    /// assert_eq!(cosign_keys::Algorithm::Ed25519.rsa_bits(), None);
    /// ```
    #[must_use]
    pub const fn rsa_bits(self) -> Option<usize> {
        match self {
            Self::Rsa2048 => Some(2048),
            Self::Rsa3072 => Some(3072),
            Self::Rsa4096 => Some(4096),
            Self::EcdsaP256 | Self::EcdsaP384 | Self::EcdsaP521 | Self::Ed25519 => None,
        }
    }

    /// Whether the algorithm can sign a pre-computed digest. Pure Ed25519
    /// hashes the message itself, so it cannot.
    ///
    /// ```
    /// assert!(!cosign_keys::Algorithm::Ed25519.signs_digests());
    /// ```
    #[must_use]
    pub const fn signs_digests(self) -> bool {
        self.hash().is_some()
    }

    /// The hash cosign applies to a blob before signing with this algorithm
    /// (`None` for Ed25519, which signs the blob itself).
    ///
    /// ```
    /// use cosign_keys::{Algorithm, HashAlg};
    /// assert_eq!(Algorithm::EcdsaP256.hash(), Some(HashAlg::Sha256));
    /// assert_eq!(Algorithm::EcdsaP384.hash(), Some(HashAlg::Sha384));
    /// assert_eq!(Algorithm::Rsa4096.hash(), Some(HashAlg::Sha256));
    /// ```
    #[must_use]
    pub const fn hash(self) -> Option<HashAlg> {
        match self {
            Self::EcdsaP256 | Self::Rsa2048 | Self::Rsa3072 | Self::Rsa4096 => {
                Some(HashAlg::Sha256)
            }
            Self::EcdsaP384 => Some(HashAlg::Sha384),
            Self::EcdsaP521 => Some(HashAlg::Sha512),
            Self::Ed25519 => None,
        }
    }

    pub(crate) fn from_rsa_bits(bits: usize) -> Result<Self> {
        match bits {
            2048 => Ok(Self::Rsa2048),
            3072 => Ok(Self::Rsa3072),
            4096 => Ok(Self::Rsa4096),
            other => Err(Error::UnsupportedAlgorithm {
                algorithm: format!(
                    "RSA with a {other}-bit modulus (supported: 2048, 3072 and 4096 bits)"
                ),
            }),
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Algorithm {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| Error::InvalidArgument {
                name: "algorithm",
                reason: format!(
                    "unknown algorithm `{s}` (expected one of ecdsa-p256, ecdsa-p384, ecdsa-p521, \
                     ed25519, rsa-2048, rsa-3072, rsa-4096)"
                ),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for alg in Algorithm::ALL {
            assert_eq!(alg.as_str().parse::<Algorithm>().unwrap(), *alg);
        }
        assert!("rsa-1024".parse::<Algorithm>().is_err());
    }
}
