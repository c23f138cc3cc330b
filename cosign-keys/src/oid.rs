//! Object identifiers of the key algorithms and curves we recognise.

use der::asn1::ObjectIdentifier;

/// id-ecPublicKey (RFC 5480).
pub(crate) const EC_PUBLIC_KEY: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// prime256v1 / secp256r1 / NIST P-256.
pub(crate) const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// secp384r1 / NIST P-384.
pub(crate) const P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
/// secp521r1 / NIST P-521.
pub(crate) const P521: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
/// secp256k1.
pub(crate) const SECP256K1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.10");
/// id-Ed25519 (RFC 8410).
pub(crate) const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
/// id-Ed448 (RFC 8410).
pub(crate) const ED448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.113");
/// rsaEncryption (PKCS#1).
pub(crate) const RSA_ENCRYPTION: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// id-RSASSA-PSS.
pub(crate) const RSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
/// id-dsa.
pub(crate) const DSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10040.4.1");

/// A readable name for a curve OID, for error messages.
pub(crate) fn curve_name(oid: &ObjectIdentifier) -> String {
    match *oid {
        P256 => "NIST P-256".into(),
        P384 => "NIST P-384".into(),
        P521 => "NIST P-521".into(),
        SECP256K1 => "secp256k1".into(),
        other => format!("curve {other}"),
    }
}

/// A readable name for a key algorithm OID, for error messages.
pub(crate) fn algorithm_name(oid: &ObjectIdentifier) -> String {
    match *oid {
        EC_PUBLIC_KEY => "ECDSA".into(),
        ED25519 => "Ed25519".into(),
        ED448 => "Ed448".into(),
        RSA_ENCRYPTION => "RSA".into(),
        RSA_PSS => "RSASSA-PSS".into(),
        DSA => "DSA".into(),
        other => format!("algorithm {other}"),
    }
}

/// The algorithm for an EC named curve, refusing curves cosign refuses.
pub(crate) fn ec_algorithm(curve: &ObjectIdentifier) -> crate::Result<crate::Algorithm> {
    match *curve {
        P256 => Ok(crate::Algorithm::EcdsaP256),
        P384 => Ok(crate::Algorithm::EcdsaP384),
        P521 => Ok(crate::Algorithm::EcdsaP521),
        other => Err(crate::Error::UnsupportedAlgorithm {
            algorithm: format!(
                "ECDSA on {} (supported: P-256, P-384, P-521)",
                curve_name(&other)
            ),
        }),
    }
}

/// The named-curve OID of an ECDSA algorithm.
pub(crate) fn curve_of(alg: crate::Algorithm) -> Option<ObjectIdentifier> {
    match alg {
        crate::Algorithm::EcdsaP256 => Some(P256),
        crate::Algorithm::EcdsaP384 => Some(P384),
        crate::Algorithm::EcdsaP521 => Some(P521),
        _ => None,
    }
}
