//! Our [`Algorithm`]s as AWS KMS key specs and signing algorithms.

use aws_sdk_kms::types::{KeySpec, SigningAlgorithmSpec};

use crate::{Algorithm, Error, Result};

/// The KMS key spec that holds a key of `algorithm`.
///
/// Ed25519 is refused: AWS KMS has `ECC_NIST_EDWARDS25519`, but moto (the
/// only KMS this build is tested against) does not, and cosign's own awskms
/// signer has no Ed25519 either, so the call is not shipped untested.
pub(super) fn key_spec(algorithm: Algorithm) -> Result<KeySpec> {
    Ok(match algorithm {
        Algorithm::EcdsaP256 => KeySpec::EccNistP256,
        Algorithm::EcdsaP384 => KeySpec::EccNistP384,
        Algorithm::EcdsaP521 => KeySpec::EccNistP521,
        Algorithm::Rsa2048 => KeySpec::Rsa2048,
        Algorithm::Rsa3072 => KeySpec::Rsa3072,
        Algorithm::Rsa4096 => KeySpec::Rsa4096,
        Algorithm::Ed25519 => return Err(ed25519_unsupported()),
    })
}

fn ed25519_unsupported() -> Error {
    Error::UnsupportedAlgorithm {
        algorithm: "ed25519 in awskms:// (not supported in this build: cosign's awskms signer \
                    has no Ed25519, and the KMS emulator it is tested against has no \
                    ECC_NIST_EDWARDS25519; use ecdsa-p256, ecdsa-p384, ecdsa-p521, rsa-2048, \
                    rsa-3072 or rsa-4096)"
            .into(),
    }
}

/// The algorithm of a KMS key spec, for keys cosign can use.
pub(super) fn algorithm_of(spec: &KeySpec) -> Result<Algorithm> {
    Ok(match spec {
        KeySpec::EccNistP256 => Algorithm::EcdsaP256,
        KeySpec::EccNistP384 => Algorithm::EcdsaP384,
        KeySpec::EccNistP521 => Algorithm::EcdsaP521,
        KeySpec::Rsa2048 => Algorithm::Rsa2048,
        KeySpec::Rsa3072 => Algorithm::Rsa3072,
        KeySpec::Rsa4096 => Algorithm::Rsa4096,
        other => {
            return Err(Error::UnsupportedAlgorithm {
                algorithm: format!(
                    "AWS KMS key spec {} (cosign-keys signs with ECC_NIST_P256/P384/P521 and \
                     RSA_2048/3072/4096 keys)",
                    other.as_str()
                ),
            })
        }
    })
}

/// The signing algorithm that makes the signature cosign makes with such a
/// key: ECDSA with the curve's hash (DER), RSA PKCS#1 v1.5 with SHA-256.
pub(super) fn signing_algorithm(algorithm: Algorithm) -> Result<SigningAlgorithmSpec> {
    Ok(match algorithm {
        Algorithm::EcdsaP256 => SigningAlgorithmSpec::EcdsaSha256,
        Algorithm::EcdsaP384 => SigningAlgorithmSpec::EcdsaSha384,
        Algorithm::EcdsaP521 => SigningAlgorithmSpec::EcdsaSha512,
        Algorithm::Rsa2048 | Algorithm::Rsa3072 | Algorithm::Rsa4096 => {
            SigningAlgorithmSpec::RsassaPkcs1V15Sha256
        }
        Algorithm::Ed25519 => return Err(ed25519_unsupported()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_supported_algorithm_round_trips() {
        for &alg in Algorithm::ALL {
            match key_spec(alg) {
                Ok(spec) => {
                    assert_eq!(algorithm_of(&spec).unwrap(), alg);
                    let sa = signing_algorithm(alg).unwrap();
                    // The hash of the signing algorithm is the one cosign uses.
                    let hash = alg.hash().unwrap();
                    assert!(
                        sa.as_str().ends_with(&hash.as_str()[3..]),
                        "{sa:?} {hash:?}"
                    );
                }
                Err(e) => {
                    assert_eq!(alg, Algorithm::Ed25519);
                    assert_eq!(e.code(), crate::ErrorCode::UnsupportedAlgorithm);
                    assert!(signing_algorithm(alg).is_err());
                }
            }
        }
        let err = algorithm_of(&KeySpec::EccSecgP256K1).unwrap_err();
        assert!(err.to_string().contains("ECC_SECG_P256K1"), "{err}");
    }
}
