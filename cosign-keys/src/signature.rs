//! Signatures as cosign makes and checks them, and their base64 text form.
//!
//! | key | what is signed | signature bytes |
//! |---|---|---|
//! | ECDSA P-256 | SHA-256 of the blob | ASN.1 DER `(r, s)` |
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

/// SHA-256 of a blob: what ECDSA and RSA keys sign.
///
/// ```
/// let d = cosign_keys::sha256(b"");
/// assert_eq!(d[0], 0xe3);
/// ```
#[must_use]
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// SHA-256 of everything a reader yields, read in 64 KiB chunks, so large
/// blobs need not fit in memory.
///
/// # Errors
/// Whatever the reader returns, as [`std::io::Error`].
///
/// ```
/// let d = cosign_keys::sha256_reader(&b"abc"[..])?;
/// assert_eq!(d, cosign_keys::sha256(b"abc"));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn sha256_reader(mut reader: impl std::io::Read) -> std::io::Result<[u8; 32]> {
    let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => ctx.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    Ok(out)
}

pub(crate) fn import_digest(digest: &[u8; 32]) -> Result<aws_lc_rs::digest::Digest> {
    aws_lc_rs::digest::Digest::import_less_safe(digest, &aws_lc_rs::digest::SHA256).map_err(|_| {
        Error::Crypto {
            context: "digest import",
        }
    })
}
