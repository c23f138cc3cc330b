//! Signatures as cosign makes and checks them, and their base64 text form.
//!
//! | key | what is signed | signature bytes |
//! |---|---|---|
//! | ECDSA P-256 | SHA-256 of the blob | ASN.1 DER `(r, s)` |
//! | ECDSA P-384 / P-521 | SHA-384 / SHA-512 of the blob | ASN.1 DER `(r, s)` |
//! | RSA | SHA-256 of the blob | PKCS#1 v1.5 |
//! | Ed25519 | the blob itself (pure Ed25519) | 64 bytes |

use base64ct::{Base64, Encoding};

use crate::{Error, Result};

/// A signature, as raw bytes. `cosign sign-blob` prints it base64-encoded.
///
/// ```
/// use cosign_keys::Signature;
/// let sig = Signature::from_base64("MEUCIQ==\n")?;
/// assert_eq!(sig.as_bytes(), &[0x30, 0x45, 0x02, 0x21]);
/// assert_eq!(sig.to_base64(), "MEUCIQ==");
/// # Ok::<(), cosign_keys::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Signature(Vec<u8>);

impl Signature {
    /// Wraps raw signature bytes.
    ///
    /// ```
    /// assert_eq!(cosign_keys::Signature::from_bytes(vec![1, 2]).as_bytes(), &[1, 2]);
    /// ```
    #[must_use]
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// Parses standard padded base64, ignoring surrounding whitespace (as in
    /// a `.sig` file written by `cosign sign-blob --output-signature`).
    ///
    /// # Errors
    /// [`Error::MalformedSignature`] if the text is empty or not base64.
    ///
    /// ```
    /// assert!(cosign_keys::Signature::from_base64("not base64!").is_err());
    /// ```
    pub fn from_base64(text: &str) -> Result<Self> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::MalformedSignature {
                reason: "the signature is empty".into(),
            });
        }
        Base64::decode_vec(text)
            .map(Self)
            .map_err(|_| Error::MalformedSignature {
                reason: "the signature is not valid standard base64".into(),
            })
    }

    /// Standard padded base64, as `cosign sign-blob` prints it.
    #[must_use]
    pub fn to_base64(&self) -> String {
        Base64::encode_string(&self.0)
    }

    /// The raw bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Consumes the signature, returning its bytes.
    #[must_use]
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}
