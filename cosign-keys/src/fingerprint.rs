//! Key fingerprints: SHA-256 over the DER SubjectPublicKeyInfo.
//!
//! Cosign itself has no key fingerprint; this crate defines one that any tool
//! can reproduce: `sha256(SPKI DER)`, where the SPKI is exactly the DER inside
//! the `PUBLIC KEY` PEM that `cosign public-key` prints. It is shown as
//! `SHA256:` followed by unpadded standard base64 (the OpenSSH style), or as
//! 64 lowercase hex digits.
//!
//! ```sh
//! # the same value with standard tools:
//! openssl pkey -pubin -in cosign.pub -outform DER | sha256sum
//! ```

use std::fmt;
use std::str::FromStr;

use base64ct::{Base64Unpadded, Encoding};

use crate::{Error, Result};

const PREFIX: &str = "SHA256:";

/// A SHA-256 key fingerprint.
///
/// ```
/// use cosign_keys::Fingerprint;
/// let fp = Fingerprint::of_spki_der(b"example");
/// let text = fp.to_string();
/// assert!(text.starts_with("SHA256:"));
/// assert_eq!(text.parse::<Fingerprint>()?, fp);
/// assert_eq!(fp.to_hex().parse::<Fingerprint>()?, fp);
/// # Ok::<(), cosign_keys::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// Hashes DER SubjectPublicKeyInfo bytes. Most callers use
    /// [`PublicKey::fingerprint`](crate::PublicKey::fingerprint) instead.
    ///
    /// ```
    /// let fp = cosign_keys::Fingerprint::of_spki_der(b"");
    /// assert_eq!(fp.to_hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    /// ```
    #[must_use]
    pub fn of_spki_der(spki_der: &[u8]) -> Self {
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, spki_der);
        let mut out = [0u8; 32];
        out.copy_from_slice(digest.as_ref());
        Self(out)
    }

    /// Wraps a raw 32-byte SHA-256 value.
    ///
    /// ```
    /// let fp = cosign_keys::Fingerprint::from_bytes([0u8; 32]);
    /// assert_eq!(fp.as_bytes(), &[0u8; 32]);
    /// ```
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The raw 32 bytes.
    ///
    /// ```
    /// assert_eq!(cosign_keys::Fingerprint::of_spki_der(b"x").as_bytes().len(), 32);
    /// ```
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// 64 lowercase hex digits.
    ///
    /// ```
    /// let fp = cosign_keys::Fingerprint::from_bytes([0xab; 32]);
    /// assert_eq!(fp.to_hex(), "ab".repeat(32));
    /// ```
    #[must_use]
    pub fn to_hex(&self) -> String {
        base16ct::lower::encode_string(&self.0)
    }
}

impl fmt::Display for Fingerprint {
    /// `SHA256:` followed by unpadded standard base64.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(PREFIX)?;
        f.write_str(&Base64Unpadded::encode_string(&self.0))
    }
}

impl FromStr for Fingerprint {
    type Err = Error;

    /// Accepts `SHA256:<unpadded base64>` or 64 hex digits (either case).
    fn from_str(s: &str) -> Result<Self> {
        let invalid = |reason: &str| Error::InvalidFingerprint {
            reason: reason.to_owned(),
        };
        if let Some(b64) = s.strip_prefix(PREFIX) {
            let mut out = [0u8; 32];
            let decoded = Base64Unpadded::decode(b64, &mut out).map_err(|_| {
                invalid("the part after `SHA256:` is not unpadded base64 of 32 bytes")
            })?;
            if decoded.len() != 32 {
                return Err(invalid("the part after `SHA256:` is not 32 bytes"));
            }
            return Ok(Self(out));
        }
        if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
            let mut out = [0u8; 32];
            base16ct::mixed::decode(s, &mut out).map_err(|_| invalid("not hex"))?;
            return Ok(Self(out));
        }
        Err(invalid(
            "expected `SHA256:` followed by unpadded base64, or 64 hex digits",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_malformed_text() {
        for bad in [
            "",
            "SHA256:",
            "SHA256:!!!",
            "abc",
            &"g".repeat(64),
            "sha256:AAAA",
        ] {
            assert!(matches!(
                bad.parse::<Fingerprint>(),
                Err(Error::InvalidFingerprint { .. })
            ));
        }
    }
}
