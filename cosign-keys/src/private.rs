//! Private keys: generation, PKCS#8 form, signing, and sealing into a Cosign
//! key file.
//!
//! Signing runs on AWS-LC (constant-time, including RSA, so RUSTSEC-2023-0071
//! "Marvin" does not apply). The PKCS#8 DER kept beside the AWS-LC key is
//! wiped on drop, as is every temporary copy.

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{self as sig, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _};
use der::asn1::ObjectIdentifier;
use der::Decode;
use zeroize::Zeroizing;

use crate::envelope::{DecryptOptions, EncryptedPrivateKey, ScryptParams};
use crate::public::bit_len;
use crate::{
    oid, pem, Algorithm, Error, Fingerprint, Password, PublicKey, Result, SecretBytes, Signature,
};

enum Signer {
    Ecdsa(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
    Rsa(RsaKeyPair),
}

/// An unlocked private key of a supported algorithm.
///
/// It has no `Clone`, `Debug` or `Display`, so the key cannot be copied or
/// printed by accident; the secret leaves only through
/// [`PrivateKey::to_pkcs8_der`] / [`PrivateKey::to_pkcs8_pem`] (wiped
/// buffers) or sealed with [`PrivateKey::encrypt`].
///
/// ```
/// use cosign_keys::{Algorithm, PrivateKey};
/// let key = PrivateKey::generate(Algorithm::EcdsaP256)?;
/// let sig = key.sign(b"hello")?;
/// key.public_key().verify(b"hello", &sig)?;
/// # Ok::<(), cosign_keys::Error>(())
/// ```
///
/// ```compile_fail
/// let key = cosign_keys::PrivateKey::generate(cosign_keys::Algorithm::Ed25519).unwrap();
/// println!("{:?}", key); // no Debug: secrets never reach a log line
/// ```
pub struct PrivateKey {
    algorithm: Algorithm,
    pkcs8: Zeroizing<Vec<u8>>,
    signer: Signer,
    public: PublicKey,
}

impl PrivateKey {
    /// Generates a key pair from the OS CSPRNG.
    ///
    /// # Errors
    /// [`Error::Crypto`] or [`Error::Rng`] if AWS-LC fails (should not happen).
    ///
    /// ```
    /// use cosign_keys::{Algorithm, PrivateKey};
    /// for alg in [Algorithm::EcdsaP256, Algorithm::Ed25519] {
    ///     assert_eq!(PrivateKey::generate(alg)?.algorithm(), alg);
    /// }
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    pub fn generate(algorithm: Algorithm) -> Result<Self> {
        let failed = |_| Error::Crypto {
            context: "key generation",
        };
        // Build straight from the fresh AWS-LC key: no PKCS#8 round trip.
        let signer = match algorithm {
            Algorithm::EcdsaP256 | Algorithm::EcdsaP384 | Algorithm::EcdsaP521 => {
                Signer::Ecdsa(EcdsaKeyPair::generate(ecdsa_signing(algorithm)).map_err(failed)?)
            }
            Algorithm::Ed25519 => Signer::Ed25519(Ed25519KeyPair::generate().map_err(failed)?),
            Algorithm::Rsa2048 | Algorithm::Rsa3072 | Algorithm::Rsa4096 => {
                let size = match algorithm {
                    Algorithm::Rsa2048 => KeySize::Rsa2048,
                    Algorithm::Rsa3072 => KeySize::Rsa3072,
                    _ => KeySize::Rsa4096,
                };
                Signer::Rsa(RsaKeyPair::generate(size).map_err(failed)?)
            }
        };
        Self::from_signer(algorithm, signer)
    }

    /// Loads an unencrypted PKCS#8 `PrivateKeyInfo` (the plaintext inside a
    /// Cosign key file). The algorithm is read from the key itself.
    ///
    /// # Errors
    /// [`Error::MalformedKey`] if it does not parse or is inconsistent,
    /// [`Error::UnsupportedAlgorithm`] for algorithms, curves or RSA sizes
    /// cosign does not accept.
    ///
    /// ```
    /// use cosign_keys::{Algorithm, PrivateKey};
    /// let key = PrivateKey::generate(Algorithm::Ed25519)?;
    /// let again = PrivateKey::from_pkcs8_der(key.to_pkcs8_der().expose_secret())?;
    /// assert_eq!(again.fingerprint(), key.fingerprint());
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self> {
        let info = pkcs8::PrivateKeyInfoRef::try_from(der)
            .map_err(|e| Error::malformed_key(format!("not a PKCS#8 PrivateKeyInfo: {e}")))?;
        let rejected = |what: &'static str| {
            move |e: aws_lc_rs::error::KeyRejected| Error::malformed_key(format!("{what}: {e}"))
        };
        match info.algorithm.oid {
            oid::EC_PUBLIC_KEY => {
                let curve: ObjectIdentifier = info
                    .algorithm
                    .parameters
                    .ok_or_else(|| Error::malformed_key("EC key without a named curve"))?
                    .decode_as()
                    .map_err(|_| Error::malformed_key("EC key parameters are not a named curve"))?;
                let alg = oid::ec_algorithm(&curve)?;
                let kp = EcdsaKeyPair::from_pkcs8(ecdsa_signing(alg), der)
                    .map_err(rejected("invalid EC private key"))?;
                Self::from_signer(alg, Signer::Ecdsa(kp))
            }
            oid::ED25519 => {
                let kp = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
                    .map_err(rejected("invalid Ed25519 private key"))?;
                Self::from_signer(Algorithm::Ed25519, Signer::Ed25519(kp))
            }
            oid::RSA_ENCRYPTION => {
                let rsa = pkcs1::RsaPrivateKeyRef::from_der(info.private_key.as_bytes())
                    .map_err(|e| Error::malformed_key(format!("bad RSA private key: {e}")))?;
                let alg = check_rsa(&rsa)?;
                let kp =
                    RsaKeyPair::from_pkcs8(der).map_err(rejected("invalid RSA private key"))?;
                Self::from_signer(alg, Signer::Rsa(kp))
            }
            other => Err(Error::UnsupportedAlgorithm {
                algorithm: oid::algorithm_name(&other),
            }),
        }
    }

    /// Builds the key from a loaded signer, re-encoding PKCS#8 canonically
    /// (version 1, as Go's `x509.MarshalPKCS8PrivateKey` writes it).
    fn from_signer(algorithm: Algorithm, signer: Signer) -> Result<Self> {
        let failed = |_| Error::Crypto {
            context: "PKCS#8 encoding",
        };
        let (pkcs8, raw_public): (Zeroizing<Vec<u8>>, Vec<u8>) = match &signer {
            Signer::Ecdsa(kp) => (
                Zeroizing::new(kp.to_pkcs8v1().map_err(failed)?.as_ref().to_vec()),
                kp.public_key().as_ref().to_vec(),
            ),
            Signer::Ed25519(kp) => {
                let der: Pkcs8V1Der<'_> = kp.as_der().map_err(failed)?;
                (
                    Zeroizing::new(der.as_ref().to_vec()),
                    kp.public_key().as_ref().to_vec(),
                )
            }
            Signer::Rsa(kp) => {
                let der: Pkcs8V1Der<'_> = kp.as_der().map_err(failed)?;
                (
                    Zeroizing::new(der.as_ref().to_vec()),
                    kp.public_key().as_ref().to_vec(),
                )
            }
        };
        let public = PublicKey::from_raw(algorithm, &raw_public)?;
        Ok(Self {
            algorithm,
            pkcs8,
            signer,
            public,
        })
    }

    /// Imports a private key the way `cosign import-key-pair` does, from PEM
    /// or DER: PKCS#8 (`PRIVATE KEY`), SEC1 (`EC PRIVATE KEY`), PKCS#1
    /// (`RSA PRIVATE KEY`), password-protected PKCS#8
    /// (`ENCRYPTED PRIVATE KEY`, needs `password`), or a Cosign key file
    /// (needs `password`).
    ///
    /// # Errors
    /// [`Error::WrongKeyKind`] for a public key, [`Error::UnknownPemLabel`],
    /// [`Error::MalformedKey`], [`Error::UnsupportedAlgorithm`] (e.g. RSA
    /// below 2048 bits, P-384), [`Error::DecryptionFailed`] for a wrong
    /// password, [`Error::InvalidArgument`] if an encrypted key comes
    /// without a password, and [`Error::KdfLimitExceeded`] if its KDF is
    /// too costly.
    ///
    /// ```
    /// use cosign_keys::{Algorithm, PrivateKey};
    /// let key = PrivateKey::generate(Algorithm::EcdsaP256)?;
    /// let pem = key.to_pkcs8_pem()?;
    /// let imported = PrivateKey::import(pem.expose_secret(), None)?;
    /// assert_eq!(imported.fingerprint(), key.fingerprint());
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    pub fn import(input: &[u8], password: Option<&Password>) -> Result<Self> {
        crate::import::import(input, password, &DecryptOptions::default())
    }

    /// As [`PrivateKey::import`], with explicit limits for the scrypt
    /// parameters of an encrypted input (a Cosign key file or a PBES2
    /// `ENCRYPTED PRIVATE KEY` using scrypt).
    ///
    /// # Errors
    /// As [`PrivateKey::import`].
    ///
    /// ```
    /// use cosign_keys::{Algorithm, DecryptOptions, Error, Password, PrivateKey, ScryptParams};
    /// let key = PrivateKey::generate(Algorithm::EcdsaP256)?;
    /// let file = key.encrypt_with(&Password::from("pw"), ScryptParams::new(12, 8, 1)?)?.to_pem();
    /// let tight = DecryptOptions::default().with_max_work(1 << 10);
    /// let err = PrivateKey::import_with(file.as_bytes(), Some(&Password::from("pw")), &tight);
    /// assert!(matches!(err, Err(Error::KdfLimitExceeded { .. })));
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    pub fn import_with(
        input: &[u8],
        password: Option<&Password>,
        options: &DecryptOptions,
    ) -> Result<Self> {
        crate::import::import(input, password, options)
    }

    /// The key algorithm.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The matching public key.
    #[must_use]
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The fingerprint of the public key (no password needed elsewhere: the
    /// same value comes from `cosign.pub`).
    #[must_use]
    pub fn fingerprint(&self) -> Fingerprint {
        self.public.fingerprint()
    }

    /// The unencrypted PKCS#8 DER, in a buffer wiped on drop.
    ///
    /// # Security
    /// This is the raw private key. Prefer [`PrivateKey::encrypt`].
    #[must_use]
    pub fn to_pkcs8_der(&self) -> SecretBytes {
        SecretBytes::new(self.pkcs8.to_vec())
    }

    /// The unencrypted PKCS#8 `PRIVATE KEY` PEM, in a buffer wiped on drop;
    /// `cosign import-key-pair` accepts it.
    ///
    /// # Errors
    /// [`Error::Crypto`] if PEM encoding fails (should not happen).
    ///
    /// # Security
    /// This is the raw private key. Prefer [`PrivateKey::encrypt`].
    pub fn to_pkcs8_pem(&self) -> Result<SecretBytes> {
        Ok(pem::encode_secret(pem::PRIVATE_KEY, &self.pkcs8)?.into())
    }

    /// Seals the key into a Cosign key file with cosign's own scrypt cost
    /// (N = 65536, r = 8, p = 1, what cosign v2 and v3 write) and a fresh
    /// salt and nonce.
    ///
    /// # Errors
    /// [`Error::Rng`], [`Error::OutOfMemory`] or [`Error::Crypto`].
    ///
    /// ```no_run
    /// # let key = cosign_keys::PrivateKey::generate(cosign_keys::Algorithm::EcdsaP256)?;
    /// let file_text = key.encrypt(&cosign_keys::Password::from("pw"))?.to_pem();
    /// std::fs::write("cosign.key", file_text).unwrap();
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    pub fn encrypt(&self, password: &Password) -> Result<EncryptedPrivateKey> {
        self.encrypt_with(password, ScryptParams::cosign_default())
    }

    /// Seals the key with chosen scrypt parameters. Only parameters for
    /// which [`ScryptParams::is_cosign_compatible`] holds give a file the
    /// `cosign` CLI can open.
    ///
    /// # Errors
    /// As [`PrivateKey::encrypt`].
    ///
    /// ```
    /// # let key = cosign_keys::PrivateKey::generate(cosign_keys::Algorithm::Ed25519)?;
    /// let params = cosign_keys::ScryptParams::new(15, 8, 1)?; // cosign's older, cheaper cost
    /// let sealed = key.encrypt_with(&cosign_keys::Password::from("pw"), params)?;
    /// assert_eq!(sealed.scrypt_params().n(), 32768);
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    pub fn encrypt_with(
        &self,
        password: &Password,
        params: ScryptParams,
    ) -> Result<EncryptedPrivateKey> {
        EncryptedPrivateKey::seal(&self.pkcs8, password, params)
    }

    /// Signs a blob exactly as `cosign sign-blob --key` does: ECDSA and RSA
    /// sign its hash ([`Algorithm::hash`]), Ed25519 signs the blob itself.
    ///
    /// # Errors
    /// [`Error::Crypto`] if AWS-LC fails (should not happen).
    ///
    /// ```
    /// # let key = cosign_keys::PrivateKey::generate(cosign_keys::Algorithm::Rsa2048)?;
    /// let sig = key.sign(b"artifact")?;
    /// println!("{}", sig.to_base64());
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    pub fn sign(&self, message: &[u8]) -> Result<Signature> {
        let failed = |_| Error::Crypto { context: "signing" };
        match &self.signer {
            Signer::Ecdsa(kp) => {
                let rng = aws_lc_rs::rand::SystemRandom::new();
                Ok(Signature::from_bytes(
                    kp.sign(&rng, message).map_err(failed)?.as_ref().to_vec(),
                ))
            }
            Signer::Ed25519(kp) => Ok(Signature::from_bytes(kp.sign(message).as_ref().to_vec())),
            Signer::Rsa(_) => self.sign_digest(&crate::sha256(message)),
        }
    }

    /// Signs a pre-computed digest of a blob, made with the algorithm's hash
    /// ([`Algorithm::hash`]: SHA-256 for P-256 and RSA). The signature is
    /// the one [`PrivateKey::sign`] makes for that blob, and
    /// `cosign verify-blob` accepts it.
    ///
    /// # Errors
    /// [`Error::UnsupportedOperation`] for Ed25519 (pure Ed25519 signs the
    /// message itself); [`Error::InvalidArgument`] for a digest of the wrong
    /// length; [`Error::Crypto`] if AWS-LC fails.
    ///
    /// ```
    /// use cosign_keys::{sha256, Algorithm, PrivateKey};
    /// let key = PrivateKey::generate(Algorithm::EcdsaP256)?;
    /// let sig = key.sign_digest(&sha256(b"artifact"))?;
    /// key.public_key().verify(b"artifact", &sig)?;
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    pub fn sign_digest(&self, digest: &[u8]) -> Result<Signature> {
        let failed = |_| Error::Crypto { context: "signing" };
        let Some(hash) = self.algorithm.hash() else {
            return Err(Error::UnsupportedOperation {
                operation: "signing a pre-computed digest",
                algorithm: self.algorithm.as_str(),
            });
        };
        let d = hash.import(digest)?;
        match &self.signer {
            Signer::Ecdsa(kp) => Ok(Signature::from_bytes(
                kp.sign_digest(&d).map_err(failed)?.as_ref().to_vec(),
            )),
            Signer::Rsa(kp) => {
                let mut out = vec![0u8; kp.public_modulus_len()];
                kp.sign_digest(&sig::RSA_PKCS1_SHA256, &d, &mut out)
                    .map_err(failed)?;
                Ok(Signature::from_bytes(out))
            }
            Signer::Ed25519(_) => Err(Error::UnsupportedOperation {
                operation: "signing a pre-computed digest",
                algorithm: self.algorithm.as_str(),
            }),
        }
    }
}

/// The AWS-LC signing algorithm of an ECDSA [`Algorithm`].
pub(crate) fn ecdsa_signing(alg: Algorithm) -> &'static sig::EcdsaSigningAlgorithm {
    match alg {
        Algorithm::EcdsaP384 => &sig::ECDSA_P384_SHA384_ASN1_SIGNING,
        Algorithm::EcdsaP521 => &sig::ECDSA_P521_SHA512_ASN1_SIGNING,
        _ => &sig::ECDSA_P256_SHA256_ASN1_SIGNING,
    }
}

/// Checks an RSA key the way `cosign import-key-pair` does: a 2048, 3072 or
/// 4096-bit modulus and the public exponent 65537.
pub(crate) fn check_rsa(rsa: &pkcs1::RsaPrivateKeyRef<'_>) -> Result<Algorithm> {
    let alg = Algorithm::from_rsa_bits(bit_len(rsa.modulus.as_bytes()))?;
    if rsa.public_exponent.as_bytes() != [0x01, 0x00, 0x01] {
        return Err(Error::UnsupportedAlgorithm {
            algorithm: "RSA with a public exponent other than 65537".into(),
        });
    }
    Ok(alg)
}
