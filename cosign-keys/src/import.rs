//! Reading private keys written by other tools (OpenSSL, Go, cosign) and
//! normalizing them to PKCS#8, as `cosign import-key-pair` does.

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rsa::KeyPair as RsaKeyPair;
use aws_lc_rs::signature::EcdsaKeyPair;
use der::asn1::ObjectIdentifier;
use der::Decode;
use zeroize::Zeroizing;

use crate::envelope::{DecryptOptions, EncryptedPrivateKey, ScryptParams};
use crate::private::{check_rsa, ecdsa_signing};
use crate::{oid, pem, Error, Password, PrivateKey, Result};

/// Most PBKDF2 iterations accepted in an `ENCRYPTED PRIVATE KEY`: far above
/// what OpenSSL (2048) or pyca/cryptography write, and bounded so a hostile
/// file cannot pin a CPU for hours.
const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;

pub(crate) fn import(
    input: &[u8],
    password: Option<&Password>,
    options: &DecryptOptions,
) -> Result<PrivateKey> {
    if pem::looks_like_pem(input) {
        let block = pem::decode(input)?;
        match block.label.as_str() {
            pem::PRIVATE_KEY => PrivateKey::from_pkcs8_der(&block.der),
            pem::EC_PRIVATE_KEY => from_sec1(&block.der),
            pem::RSA_PRIVATE_KEY => from_pkcs1(&block.der),
            pem::ENCRYPTED_PRIVATE_KEY => {
                from_encrypted_pkcs8(&block.der, require(password)?, options)
            }
            pem::SIGSTORE_PRIVATE_KEY | pem::COSIGN_PRIVATE_KEY => {
                EncryptedPrivateKey::from_pem(input)?.decrypt_with(require(password)?, options)
            }
            pem::PUBLIC_KEY => Err(Error::WrongKeyKind {
                expected: "a private key",
                found: "a public key (`PUBLIC KEY`)".into(),
            }),
            other => Err(Error::UnknownPemLabel {
                label: other.to_owned(),
                expected: "PRIVATE KEY, EC PRIVATE KEY, RSA PRIVATE KEY, ENCRYPTED PRIVATE KEY, \
                           ENCRYPTED SIGSTORE PRIVATE KEY",
            }),
        }
    } else {
        from_der(input, password, options)
    }
}

fn require(password: Option<&Password>) -> Result<&Password> {
    password.ok_or(Error::InvalidArgument {
        name: "password",
        reason: "the key is encrypted; a password is needed to import it".into(),
    })
}

/// Whether `der` parses as one of the private key structures [`from_der`]
/// accepts (PKCS#8, encrypted PKCS#8, SEC1, PKCS#1).
pub(crate) fn is_private_der(der: &[u8]) -> bool {
    pkcs8::PrivateKeyInfoRef::try_from(der).is_ok()
        || pkcs8::EncryptedPrivateKeyInfoRef::try_from(der).is_ok()
        || sec1::EcPrivateKey::from_der(der).is_ok()
        || pkcs1::RsaPrivateKeyRef::from_der(der).is_ok()
}

/// DER of unknown shape: tell the structures apart by parsing.
fn from_der(
    der: &[u8],
    password: Option<&Password>,
    options: &DecryptOptions,
) -> Result<PrivateKey> {
    if der.is_empty() {
        return Err(Error::malformed_key("input is empty"));
    }
    if pkcs8::PrivateKeyInfoRef::try_from(der).is_ok() {
        return PrivateKey::from_pkcs8_der(der);
    }
    if pkcs8::EncryptedPrivateKeyInfoRef::try_from(der).is_ok() {
        return from_encrypted_pkcs8(der, require(password)?, options);
    }
    if sec1::EcPrivateKey::from_der(der).is_ok() {
        return from_sec1(der);
    }
    if pkcs1::RsaPrivateKeyRef::from_der(der).is_ok() {
        return from_pkcs1(der);
    }
    if spki::SubjectPublicKeyInfoRef::from_der(der).is_ok() {
        return Err(Error::WrongKeyKind {
            expected: "a private key",
            found: "a DER public key (SubjectPublicKeyInfo)".into(),
        });
    }
    Err(Error::malformed_key(
        "not PEM, and not a DER PKCS#8, encrypted PKCS#8, SEC1 or PKCS#1 private key",
    ))
}

fn from_sec1(der: &[u8]) -> Result<PrivateKey> {
    let ec = sec1::EcPrivateKey::from_der(der)
        .map_err(|e| Error::malformed_key(format!("not a SEC1 EC private key: {e}")))?;
    let curve: ObjectIdentifier = ec
        .parameters
        .and_then(|p| p.named_curve())
        .ok_or_else(|| Error::malformed_key("SEC1 key does not name its curve"))?;
    let alg = oid::ec_algorithm(&curve)?;
    let kp = EcdsaKeyPair::from_private_key_der(ecdsa_signing(alg), der)
        .map_err(|e| Error::malformed_key(format!("invalid EC private key: {e}")))?;
    let pkcs8 = Zeroizing::new(
        kp.to_pkcs8v1()
            .map_err(|_| Error::Crypto {
                context: "PKCS#8 encoding",
            })?
            .as_ref()
            .to_vec(),
    );
    PrivateKey::from_pkcs8_der(&pkcs8)
}

fn from_pkcs1(der: &[u8]) -> Result<PrivateKey> {
    let rsa = pkcs1::RsaPrivateKeyRef::from_der(der)
        .map_err(|e| Error::malformed_key(format!("not a PKCS#1 RSA private key: {e}")))?;
    // Refuse odd sizes with a clear message before AWS-LC sees the key.
    check_rsa(&rsa)?;
    let kp = RsaKeyPair::from_der(der)
        .map_err(|e| Error::malformed_key(format!("invalid RSA private key: {e}")))?;
    let pkcs8: Pkcs8V1Der<'_> = kp.as_der().map_err(|_| Error::Crypto {
        context: "PKCS#8 encoding",
    })?;
    PrivateKey::from_pkcs8_der(pkcs8.as_ref())
}

fn from_encrypted_pkcs8(
    der: &[u8],
    password: &Password,
    options: &DecryptOptions,
) -> Result<PrivateKey> {
    let info = pkcs8::EncryptedPrivateKeyInfoRef::try_from(der)
        .map_err(|e| Error::malformed_key(format!("not a PKCS#8 EncryptedPrivateKeyInfo: {e}")))?;
    check_pbe_cost(&info.encryption_algorithm, options)?;
    let doc = info
        .decrypt(password.expose_secret())
        .map_err(|_| Error::DecryptionFailed)?;
    PrivateKey::from_pkcs8_der(doc.as_bytes())
}

/// Refuses PBES1 and checks PBES2's KDF cost before deriving anything.
fn check_pbe_cost(scheme: &pkcs5::EncryptionScheme, options: &DecryptOptions) -> Result<()> {
    let pkcs5::EncryptionScheme::Pbes2(params) = scheme else {
        return Err(Error::UnsupportedAlgorithm {
            algorithm:
                "PBES1 key encryption (re-encrypt with `openssl pkcs8 -topk8 -v2 aes-256-cbc`)"
                    .into(),
        });
    };
    match &params.kdf {
        pkcs5::pbes2::Kdf::Pbkdf2(p) => {
            if p.iteration_count > MAX_PBKDF2_ITERATIONS {
                return Err(Error::KdfLimitExceeded {
                    kdf: crate::Kdf::Pbkdf2,
                    required_bytes: 0,
                    limit_bytes: 0,
                    required_work: u64::from(p.iteration_count),
                    limit_work: u64::from(MAX_PBKDF2_ITERATIONS),
                });
            }
            Ok(())
        }
        pkcs5::pbes2::Kdf::Scrypt(p) => {
            let n = p.cost_parameter;
            let params =
                ScryptParams::from_n(n, u64::from(p.block_size), u64::from(p.parallelization))?;
            options.check(&params)
        }
        _ => Err(Error::UnsupportedAlgorithm {
            algorithm: "an unknown PBES2 key-derivation function".into(),
        }),
    }
}

#[cfg(test)]
mod pbkdf2_wording_tests {
    #[test]
    fn pbkdf2_limit_errors_speak_of_pbkdf2() {
        let err = crate::Error::KdfLimitExceeded {
            kdf: crate::Kdf::Pbkdf2,
            required_bytes: 0,
            limit_bytes: 0,
            required_work: u64::from(super::MAX_PBKDF2_ITERATIONS) + 1,
            limit_work: u64::from(super::MAX_PBKDF2_ITERATIONS),
        };
        let msg = err.to_string();
        assert!(msg.contains("PBKDF2"), "{msg}");
        assert!(!msg.contains("scrypt"), "{msg}");
    }
}
