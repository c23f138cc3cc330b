//! The hashes cosign applies to blobs before signing them.

use std::fmt;

use crate::{Error, Result};

/// A hash function used for signing.
///
/// ```
/// use cosign_keys::HashAlg;
/// assert_eq!(HashAlg::Sha256.digest(b"").len(), 32);
/// assert_eq!(HashAlg::Sha384.output_len(), 48);
/// assert_eq!(HashAlg::Sha512.to_string(), "sha512");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[non_exhaustive]
pub enum HashAlg {
    /// SHA-256 (ECDSA P-256 and RSA).
    #[default]
    Sha256,
    /// SHA-384 (ECDSA P-384).
    Sha384,
    /// SHA-512 (ECDSA P-521).
    Sha512,
}

impl HashAlg {
    /// The name as cosign's `--signature-digest-algorithm` spells it.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }

    /// Digest length in bytes.
    #[must_use]
    pub const fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    fn aws(self) -> &'static aws_lc_rs::digest::Algorithm {
        match self {
            Self::Sha256 => &aws_lc_rs::digest::SHA256,
            Self::Sha384 => &aws_lc_rs::digest::SHA384,
            Self::Sha512 => &aws_lc_rs::digest::SHA512,
        }
    }

    /// Hashes a blob.
    ///
    /// ```
    /// let d = cosign_keys::HashAlg::Sha256.digest(b"abc");
    /// assert_eq!(d, cosign_keys::sha256(b"abc"));
    /// ```
    #[must_use]
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        aws_lc_rs::digest::digest(self.aws(), data)
            .as_ref()
            .to_vec()
    }

    /// Hashes everything a reader yields, in 64 KiB chunks, so large blobs
    /// need not fit in memory.
    ///
    /// # Errors
    /// Whatever the reader returns.
    ///
    /// ```
    /// use cosign_keys::HashAlg;
    /// let d = HashAlg::Sha384.digest_reader(&b"abc"[..])?;
    /// assert_eq!(d, HashAlg::Sha384.digest(b"abc"));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn digest_reader(self, mut reader: impl std::io::Read) -> std::io::Result<Vec<u8>> {
        let mut ctx = aws_lc_rs::digest::Context::new(self.aws());
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => ctx.update(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(ctx.finish().as_ref().to_vec())
    }

    /// Wraps a caller-supplied digest for AWS-LC, checking its length.
    pub(crate) fn import(self, digest: &[u8]) -> Result<aws_lc_rs::digest::Digest> {
        if digest.len() != self.output_len() {
            return Err(Error::InvalidArgument {
                name: "digest",
                reason: format!(
                    "expected a {}-byte {} digest, got {} bytes",
                    self.output_len(),
                    self.as_str(),
                    digest.len()
                ),
            });
        }
        aws_lc_rs::digest::Digest::import_less_safe(digest, self.aws()).map_err(|_| Error::Crypto {
            context: "digest import",
        })
    }
}

impl fmt::Display for HashAlg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// SHA-256 of a blob: what ECDSA P-256 and RSA keys sign.
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
