//! Synchronous facade over [`Kms`](super::Kms), for sync Rust, the C ABI
//! and Python. Safe to call from inside a Tokio runtime.

use super::{Kms, KmsHandle, KmsKeyVersion, KmsOptions};
use crate::runtime::block_on;
use crate::{Algorithm, PublicKey, Result, Signature};

/// A KMS key used synchronously.
///
/// ```
/// use cosign_keys::kms::blocking::KmsKey;
/// use cosign_keys::ErrorCode;
///
/// // gcpkms:// is parsed and validated, and reported as unsupported here.
/// let err = KmsKey::open("gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k").err().unwrap();
/// assert_eq!(err.code(), ErrorCode::NotSupported);
/// ```
pub struct KmsKey {
    inner: Box<dyn Kms>,
}

impl KmsKey {
    /// Connects to the key a URI names, with credentials from the environment.
    ///
    /// # Errors
    /// As [`super::open`].
    pub fn open(uri: &str) -> Result<Self> {
        Self::open_with(uri, &KmsOptions::default())
    }

    /// Connects with explicit options.
    ///
    /// # Errors
    /// As [`super::open`].
    pub fn open_with(uri: &str, options: &KmsOptions) -> Result<Self> {
        Ok(Self {
            inner: block_on(super::open(uri, options))?,
        })
    }

    /// Wraps an already opened async client.
    #[must_use]
    pub fn from_async(inner: Box<dyn Kms>) -> Self {
        Self { inner }
    }

    /// The async client inside.
    #[must_use]
    pub fn as_async(&self) -> &dyn Kms {
        self.inner.as_ref()
    }

    /// The key's handle.
    #[must_use]
    pub fn handle(&self) -> &KmsHandle {
        self.inner.handle()
    }

    /// See [`Kms::create`].
    ///
    /// # Errors
    /// As [`Kms::create`].
    pub fn create(&self, algorithm: Algorithm) -> Result<PublicKey> {
        block_on(self.inner.create(algorithm))
    }

    /// See [`Kms::public_key`].
    ///
    /// # Errors
    /// As [`Kms::public_key`].
    pub fn public_key(&self) -> Result<PublicKey> {
        block_on(self.inner.public_key())
    }

    /// See [`Kms::sign_digest`].
    ///
    /// # Errors
    /// As [`Kms::sign_digest`].
    pub fn sign_digest(&self, digest: &[u8]) -> Result<Signature> {
        block_on(self.inner.sign_digest(digest))
    }

    /// See [`Kms::sign_blob`].
    ///
    /// # Errors
    /// As [`Kms::sign_blob`].
    pub fn sign_blob(&self, blob: &[u8]) -> Result<Signature> {
        block_on(self.inner.sign_blob(blob))
    }

    /// See [`Kms::sign_digests`].
    #[must_use]
    pub fn sign_digests(&self, digests: &[Vec<u8>]) -> Vec<Result<Signature>> {
        block_on(self.inner.sign_digests(digests))
    }

    /// See [`Kms::versions`].
    ///
    /// # Errors
    /// As [`Kms::versions`].
    pub fn versions(&self) -> Result<Vec<KmsKeyVersion>> {
        block_on(self.inner.versions())
    }

    /// See [`Kms::rotate`].
    ///
    /// # Errors
    /// As [`Kms::rotate`].
    pub fn rotate(&self) -> Result<String> {
        block_on(self.inner.rotate())
    }
}
