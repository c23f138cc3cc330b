//! The only place that defines containers for secrets.
//!
//! [`Password`] and [`SecretBytes`] wipe their memory when dropped and
//! implement neither `Clone`, `Debug`, `Display` nor serde traits, so a secret
//! cannot be copied, logged or serialized by accident. The bytes are reached
//! only through `expose_secret()`, so every use can be found with grep.

use secrecy::{ExposeSecret, SecretSlice};
use zeroize::Zeroizing;

/// A password for a Cosign key file. May be empty, as in cosign.
///
/// ```
/// use cosign_keys::Password;
/// let pw = Password::from("correct horse");
/// assert_eq!(pw.expose_secret(), b"correct horse");
/// assert!(Password::empty().is_empty());
/// ```
///
/// It has no `Debug`, so it cannot end up in a log line:
///
/// ```compile_fail
/// let pw = cosign_keys::Password::from("secret");
/// println!("{:?}", pw);
/// ```
pub struct Password(SecretSlice<u8>);

impl Password {
    /// Takes ownership of the bytes; they are wiped when the password drops.
    #[must_use]
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(SecretSlice::from(bytes))
    }

    /// The empty password (cosign accepts it).
    #[must_use]
    pub fn empty() -> Self {
        Self::new(Vec::new())
    }

    /// Copies the bytes out of a borrowed slice (the caller remains
    /// responsible for wiping its own copy).
    #[must_use]
    pub fn from_slice(bytes: &[u8]) -> Self {
        Self::new(bytes.to_vec())
    }

    /// The password bytes.
    #[must_use]
    pub fn expose_secret(&self) -> &[u8] {
        self.0.expose_secret()
    }

    /// Whether the password is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.expose_secret().is_empty()
    }
}

impl From<&str> for Password {
    fn from(s: &str) -> Self {
        Self::from_slice(s.as_bytes())
    }
}

impl From<String> for Password {
    fn from(s: String) -> Self {
        Self::new(s.into_bytes())
    }
}

impl From<Vec<u8>> for Password {
    fn from(v: Vec<u8>) -> Self {
        Self::new(v)
    }
}

impl From<Zeroizing<Vec<u8>>> for Password {
    fn from(mut v: Zeroizing<Vec<u8>>) -> Self {
        Self::new(std::mem::take(&mut *v))
    }
}

/// Secret bytes handed out by the crate, such as an unencrypted PKCS#8 key
/// or its PEM text. Wiped on drop.
///
/// ```
/// use cosign_keys::{Algorithm, PrivateKey};
/// let key = PrivateKey::generate(Algorithm::Ed25519)?;
/// let pem = key.to_pkcs8_pem()?; // SecretBytes
/// assert!(pem.expose_secret().starts_with(b"-----BEGIN PRIVATE KEY-----"));
/// # Ok::<(), cosign_keys::Error>(())
/// ```
pub struct SecretBytes(Zeroizing<Vec<u8>>);

impl SecretBytes {
    /// Takes ownership of the bytes.
    #[must_use]
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The secret bytes.
    #[must_use]
    pub fn expose_secret(&self) -> &[u8] {
        &self.0
    }

    /// Number of bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no bytes.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Zeroizing<Vec<u8>>> for SecretBytes {
    fn from(v: Zeroizing<Vec<u8>>) -> Self {
        Self(v)
    }
}
