//! Every PEM shape this crate reads or writes, and one strict decoder.
//!
//! Writing always uses LF line endings and 64-column base64, exactly as Go's
//! `encoding/pem` (and therefore cosign) does.

use zeroize::Zeroizing;

use crate::{Error, Result};

/// Label cosign (v2 and later) writes on encrypted private keys.
pub const SIGSTORE_PRIVATE_KEY: &str = "ENCRYPTED SIGSTORE PRIVATE KEY";
/// Label older cosign releases wrote on encrypted private keys (still read).
pub const COSIGN_PRIVATE_KEY: &str = "ENCRYPTED COSIGN PRIVATE KEY";
/// PKIX SubjectPublicKeyInfo.
pub const PUBLIC_KEY: &str = "PUBLIC KEY";
/// Unencrypted PKCS#8 PrivateKeyInfo.
pub const PRIVATE_KEY: &str = "PRIVATE KEY";
/// Password-protected PKCS#8 EncryptedPrivateKeyInfo (PBES2).
pub const ENCRYPTED_PRIVATE_KEY: &str = "ENCRYPTED PRIVATE KEY";
/// SEC1 / RFC 5915 EC private key.
pub const EC_PRIVATE_KEY: &str = "EC PRIVATE KEY";
/// PKCS#1 RSA private key.
pub const RSA_PRIVATE_KEY: &str = "RSA PRIVATE KEY";

/// A decoded PEM block. The body is wiped on drop since it may be a key.
pub(crate) struct PemBlock {
    pub(crate) label: String,
    pub(crate) der: Zeroizing<Vec<u8>>,
}

/// Whether the input looks like PEM rather than DER.
pub(crate) fn looks_like_pem(input: &[u8]) -> bool {
    input.trim_ascii_start().starts_with(b"-----BEGIN ")
}

/// Decodes exactly one PEM block (surrounding whitespace allowed).
pub(crate) fn decode(input: &[u8]) -> Result<PemBlock> {
    let trimmed = input.trim_ascii();
    if trimmed.is_empty() {
        return Err(Error::MalformedPem {
            reason: "input is empty".into(),
        });
    }
    if !trimmed.starts_with(b"-----BEGIN ") {
        return Err(Error::MalformedPem {
            reason: "no `-----BEGIN …-----` line at the start".into(),
        });
    }
    // pem-rfc7468 wants the trailing newline of the END line to be optional;
    // give it the block with one trailing LF.
    let mut owned = Zeroizing::new(Vec::with_capacity(trimmed.len() + 1));
    owned.extend_from_slice(trimmed);
    owned.push(b'\n');
    let (label, der) = pem_rfc7468::decode_vec(&owned).map_err(|e| Error::MalformedPem {
        reason: describe(e),
    })?;
    Ok(PemBlock {
        label: label.to_owned(),
        der: Zeroizing::new(der),
    })
}

fn describe(e: pem_rfc7468::Error) -> String {
    use pem_rfc7468::Error as E;
    match e {
        E::Base64(_) => "the body is not valid base64 (truncated or corrupted?)".into(),
        E::PreEncapsulationBoundary | E::PostEncapsulationBoundary => {
            "missing or damaged BEGIN/END line (truncated file?)".into()
        }
        E::HeaderDisallowed => {
            "PEM headers (e.g. `Proc-Type`) are not supported; convert legacy OpenSSL \
             encryption to PKCS#8 (`openssl pkcs8 -topk8`)"
                .into()
        }
        E::Label => "the BEGIN and END labels are missing or do not match".into(),
        other => format!("{other}"),
    }
}

/// Encodes DER as PEM with LF line endings.
pub(crate) fn encode(label: &str, der: &[u8]) -> Result<String> {
    pem_rfc7468::encode_string(label, pem_rfc7468::LineEnding::LF, der).map_err(|_| Error::Crypto {
        context: "PEM encoding",
    })
}

/// Encodes secret DER as PEM into a wiped buffer.
pub(crate) fn encode_secret(label: &str, der: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let len = pem_rfc7468::encoded_len(label, pem_rfc7468::LineEnding::LF, der).map_err(|_| {
        Error::Crypto {
            context: "PEM encoding",
        }
    })?;
    let mut buf = Zeroizing::new(vec![0u8; len]);
    let written = pem_rfc7468::encode(label, pem_rfc7468::LineEnding::LF, der, &mut buf)
        .map_err(|_| Error::Crypto {
            context: "PEM encoding",
        })?
        .len();
    buf.truncate(written);
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let pem = encode(PUBLIC_KEY, b"hello world").unwrap();
        assert!(pem.ends_with("-----END PUBLIC KEY-----\n"));
        let block = decode(format!("\n  {pem}\n\n").as_bytes()).unwrap();
        assert_eq!(block.label, PUBLIC_KEY);
        assert_eq!(&block.der[..], b"hello world");

        assert!(matches!(decode(b""), Err(Error::MalformedPem { .. })));
        assert!(matches!(
            decode(b"garbage"),
            Err(Error::MalformedPem { .. })
        ));
        let truncated = &pem[..pem.len() - 10];
        assert!(matches!(
            decode(truncated.as_bytes()),
            Err(Error::MalformedPem { .. })
        ));
    }
}
