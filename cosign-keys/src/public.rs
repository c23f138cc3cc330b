//! Public keys: PKIX `PUBLIC KEY` PEM (what `cosign public-key` prints),
//! fingerprints, and signature verification.

use std::fmt;

use aws_lc_rs::signature as sig;
use der::asn1::{AnyRef, BitString, ObjectIdentifier};
use der::{Decode, Encode};
use spki::{AlgorithmIdentifier, SubjectPublicKeyInfo, SubjectPublicKeyInfoRef};

use crate::{oid, pem, Algorithm, Error, Fingerprint, Result, Signature};

/// A public key of a supported algorithm, held in canonical form (the DER
/// SubjectPublicKeyInfo exactly as Go's `x509.MarshalPKIXPublicKey` writes it).
///
/// ```
/// use cosign_keys::{Algorithm, PrivateKey, PublicKey};
/// let key = PrivateKey::generate(Algorithm::EcdsaP256)?;
/// let pem = key.public_key().to_pem();
/// let public = PublicKey::from_pem(pem.as_bytes())?;
/// assert_eq!(&public, key.public_key());
/// let sig = key.sign(b"blob")?;
/// public.verify(b"blob", &sig)?;
/// # Ok::<(), cosign_keys::Error>(())
/// ```
#[derive(Clone)]
pub struct PublicKey {
    algorithm: Algorithm,
    spki_der: Vec<u8>,
    /// Parsed once, so repeated verification skips key parsing.
    parsed: sig::ParsedPublicKey,
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.spki_der == other.spki_der
    }
}

impl Eq for PublicKey {}

impl std::hash::Hash for PublicKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.spki_der.hash(state);
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("algorithm", &self.algorithm)
            .field("fingerprint", &self.fingerprint().to_string())
            .finish()
    }
}

impl PublicKey {
    /// Parses a `PUBLIC KEY` PEM (e.g. `cosign.pub`).
    ///
    /// # Errors
    /// [`Error::MalformedPem`], [`Error::UnknownPemLabel`],
    /// [`Error::WrongKeyKind`] (a private key was given),
    /// [`Error::MalformedKey`] or [`Error::UnsupportedAlgorithm`].
    ///
    /// ```
    /// use cosign_keys::{Error, PublicKey};
    /// let err = PublicKey::from_pem(b"-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n");
    /// assert!(matches!(err, Err(Error::WrongKeyKind { .. })));
    /// ```
    pub fn from_pem(input: &[u8]) -> Result<Self> {
        let block = pem::decode(input)?;
        match block.label.as_str() {
            pem::PUBLIC_KEY => Self::from_spki_der(&block.der),
            pem::PRIVATE_KEY
            | pem::EC_PRIVATE_KEY
            | pem::RSA_PRIVATE_KEY
            | pem::ENCRYPTED_PRIVATE_KEY
            | pem::SIGSTORE_PRIVATE_KEY
            | pem::COSIGN_PRIVATE_KEY => Err(Error::WrongKeyKind {
                expected: "a public key (PUBLIC KEY)",
                found: format!("a private key (`{}`)", block.label),
            }),
            other => Err(Error::UnknownPemLabel {
                label: other.to_owned(),
                expected: "PUBLIC KEY",
            }),
        }
    }

    /// Parses DER SubjectPublicKeyInfo.
    ///
    /// # Errors
    /// [`Error::MalformedKey`] if it does not parse or the key is invalid,
    /// [`Error::UnsupportedAlgorithm`] for algorithms or sizes cosign refuses.
    ///
    /// ```
    /// assert!(cosign_keys::PublicKey::from_spki_der(b"\x30\x00").is_err());
    /// ```
    pub fn from_spki_der(der: &[u8]) -> Result<Self> {
        let spki = SubjectPublicKeyInfoRef::from_der(der)
            .map_err(|e| Error::malformed_key(format!("not a DER SubjectPublicKeyInfo: {e}")))?;
        let raw = spki
            .subject_public_key
            .as_bytes()
            .ok_or_else(|| Error::malformed_key("public key bit string has unused bits"))?;
        let alg_oid = spki.algorithm.oid;
        match alg_oid {
            oid::EC_PUBLIC_KEY => {
                let curve: ObjectIdentifier = spki
                    .algorithm
                    .parameters
                    .ok_or_else(|| Error::malformed_key("EC public key without a named curve"))?
                    .decode_as()
                    .map_err(|_| {
                        Error::malformed_key("EC public key parameters are not a named curve")
                    })?;
                Self::from_raw(oid::ec_algorithm(&curve)?, raw)
            }
            oid::ED25519 => Self::from_raw(Algorithm::Ed25519, raw),
            oid::RSA_ENCRYPTION => {
                let rsa = pkcs1::RsaPublicKeyRef::from_der(raw)
                    .map_err(|e| Error::malformed_key(format!("bad RSA public key: {e}")))?;
                let bits = bit_len(rsa.modulus.as_bytes());
                Self::from_raw(Algorithm::from_rsa_bits(bits)?, raw)
            }
            other => Err(Error::UnsupportedAlgorithm {
                algorithm: oid::algorithm_name(&other),
            }),
        }
    }

    /// Builds a public key from its algorithm-specific raw form, validating
    /// it and computing the canonical SPKI.
    pub(crate) fn from_raw(algorithm: Algorithm, raw: &[u8]) -> Result<Self> {
        let (raw, spki_der) = match algorithm {
            Algorithm::EcdsaP256 | Algorithm::EcdsaP384 | Algorithm::EcdsaP521 => {
                // Go's x509 (and so cosign) only reads uncompressed points.
                if raw.first() != Some(&4) {
                    return Err(Error::malformed_key(
                        "EC public key is not an uncompressed point (0x04 first)",
                    ));
                }
                let curve = oid::curve_of(algorithm);
                (raw.to_vec(), encode_spki(oid::EC_PUBLIC_KEY, curve, raw)?)
            }
            Algorithm::Ed25519 => {
                if raw.len() != 32 {
                    return Err(Error::malformed_key(format!(
                        "Ed25519 public key is {} bytes, expected 32",
                        raw.len()
                    )));
                }
                (raw.to_vec(), encode_spki(oid::ED25519, None, raw)?)
            }
            Algorithm::Rsa2048 | Algorithm::Rsa3072 | Algorithm::Rsa4096 => {
                let rsa = pkcs1::RsaPublicKeyRef::from_der(raw)
                    .map_err(|e| Error::malformed_key(format!("bad RSA public key: {e}")))?;
                // Re-encode canonically (minimal integers).
                let canonical = rsa
                    .to_der()
                    .map_err(|_| Error::malformed_key("RSA public key does not re-encode"))?;
                let der = encode_spki_rsa(&canonical)?;
                (canonical, der)
            }
        };
        // Parse (and so validate: point on curve, RSA sizes) once.
        let parsed = sig::ParsedPublicKey::new(verification_alg(algorithm), &raw)
            .map_err(|e| Error::malformed_key(format!("invalid {algorithm} public key: {e}")))?;
        Ok(Self {
            algorithm,
            spki_der,
            parsed,
        })
    }

    /// The PEM text, byte-for-byte what `cosign public-key` prints.
    ///
    /// ```
    /// # let key = cosign_keys::PrivateKey::generate(cosign_keys::Algorithm::Ed25519)?;
    /// let pem = key.public_key().to_pem();
    /// assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
    /// assert!(pem.ends_with("-----END PUBLIC KEY-----\n"));
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    #[must_use]
    pub fn to_pem(&self) -> String {
        pem::encode(pem::PUBLIC_KEY, &self.spki_der).unwrap_or_default()
    }

    /// The DER SubjectPublicKeyInfo.
    #[must_use]
    pub fn as_spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// The key algorithm.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// SHA-256 over the SPKI DER.
    ///
    /// ```
    /// # let key = cosign_keys::PrivateKey::generate(cosign_keys::Algorithm::EcdsaP256)?;
    /// let fp = key.public_key().fingerprint();
    /// assert_eq!(fp, cosign_keys::Fingerprint::of_spki_der(key.public_key().as_spki_der()));
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    #[must_use]
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of_spki_der(&self.spki_der)
    }

    /// Verifies a signature over a blob, as `cosign verify-blob --key` does.
    ///
    /// # Errors
    /// [`Error::SignatureInvalid`] if it does not verify.
    ///
    /// ```
    /// # use cosign_keys::{Algorithm, Error, PrivateKey};
    /// let key = PrivateKey::generate(Algorithm::Ed25519)?;
    /// let sig = key.sign(b"blob")?;
    /// key.public_key().verify(b"blob", &sig)?;
    /// assert!(matches!(key.public_key().verify(b"other", &sig), Err(Error::SignatureInvalid)));
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    pub fn verify(&self, message: &[u8], signature: &Signature) -> Result<()> {
        self.parsed
            .verify_sig(message, signature.as_bytes())
            .map_err(|_| Error::SignatureInvalid)
    }

    /// Verifies a signature over a pre-computed digest of the blob, made
    /// with the algorithm's hash ([`Algorithm::hash`]: SHA-256 for P-256 and
    /// RSA, SHA-384 for P-384, SHA-512 for P-521).
    ///
    /// # Errors
    /// [`Error::SignatureInvalid`] if it does not verify;
    /// [`Error::InvalidArgument`] if the digest has the wrong length;
    /// [`Error::UnsupportedOperation`] for Ed25519, which signs the message
    /// itself and cannot be checked against a digest.
    ///
    /// ```
    /// # use cosign_keys::{Algorithm, PrivateKey, sha256};
    /// let key = PrivateKey::generate(Algorithm::EcdsaP256)?;
    /// let sig = key.sign(b"blob")?;
    /// key.public_key().verify_digest(&sha256(b"blob"), &sig)?;
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    pub fn verify_digest(&self, digest: &[u8], signature: &Signature) -> Result<()> {
        let Some(hash) = self.algorithm.hash() else {
            return Err(Error::UnsupportedOperation {
                operation: "verifying a pre-computed digest",
                algorithm: self.algorithm.as_str(),
            });
        };
        let digest = hash.import(digest)?;
        self.parsed
            .verify_digest_sig(&digest, signature.as_bytes())
            .map_err(|_| Error::SignatureInvalid)
    }
}

fn verification_alg(algorithm: Algorithm) -> &'static dyn sig::VerificationAlgorithm {
    match algorithm {
        Algorithm::EcdsaP256 => &sig::ECDSA_P256_SHA256_ASN1,
        Algorithm::EcdsaP384 => &sig::ECDSA_P384_SHA384_ASN1,
        Algorithm::EcdsaP521 => &sig::ECDSA_P521_SHA512_ASN1,
        Algorithm::Ed25519 => &sig::ED25519,
        Algorithm::Rsa2048 | Algorithm::Rsa3072 | Algorithm::Rsa4096 => {
            &sig::RSA_PKCS1_2048_8192_SHA256
        }
    }
}

/// Number of significant bits in a big-endian unsigned integer.
pub(crate) fn bit_len(be: &[u8]) -> usize {
    let mut bytes = be;
    while let Some((&0, rest)) = bytes.split_first() {
        bytes = rest;
    }
    match bytes.first() {
        None => 0,
        Some(&top) => bytes.len() * 8 - usize::try_from(top.leading_zeros()).unwrap_or(0),
    }
}

fn encode_spki(
    alg: ObjectIdentifier,
    curve: Option<ObjectIdentifier>,
    key: &[u8],
) -> Result<Vec<u8>> {
    let bits = BitString::from_bytes(key).map_err(|_| Error::malformed_key("bit string"))?;
    let params = curve.map(|c| AnyRef::from(&c).into());
    let spki: SubjectPublicKeyInfo<der::Any, BitString> = SubjectPublicKeyInfo {
        algorithm: AlgorithmIdentifier {
            oid: alg,
            parameters: params,
        },
        subject_public_key: bits,
    };
    spki.to_der()
        .map_err(|_| Error::malformed_key("SubjectPublicKeyInfo does not encode"))
}

fn encode_spki_rsa(pkcs1_der: &[u8]) -> Result<Vec<u8>> {
    let bits = BitString::from_bytes(pkcs1_der).map_err(|_| Error::malformed_key("bit string"))?;
    let spki: SubjectPublicKeyInfo<der::Any, BitString> = SubjectPublicKeyInfo {
        algorithm: AlgorithmIdentifier {
            oid: oid::RSA_ENCRYPTION,
            // Go (and so cosign) writes an explicit NULL for RSA.
            parameters: Some(der::asn1::Null.into()),
        },
        subject_public_key: bits,
    };
    spki.to_der()
        .map_err(|_| Error::malformed_key("SubjectPublicKeyInfo does not encode"))
}
