//! Synchronous facade over [`KeyStore`], for sync Rust,
//! the C ABI and Python. Safe to call from inside a Tokio runtime.

use super::{
    DeleteMode, KeyPairRecord, KeyRef, KeyStore, PutOptions, StoreOptions, StoredKey,
    StoredPublicKey, VersionInfo,
};
use crate::runtime::block_on;
use crate::Result;

/// A key store used synchronously.
///
/// ```
/// use cosign_keys::store::blocking::Store;
/// use cosign_keys::ErrorCode;
///
/// let dir = std::env::temp_dir().join(format!("ck-blocking-doc-{}", std::process::id()));
/// let store = Store::open(&format!("file://{}?prefix=release", dir.display()))?;
/// assert!(store.versions()?.is_empty()); // nothing there yet
/// assert_eq!(store.get(None).err().unwrap().code(), ErrorCode::NotFound);
///
/// // env:// is read-only and, like cosign, holds one key.
/// let env = Store::open("env://CK_BLOCKING_DOC_UNSET_VARIABLE")?;
/// assert!(env.versions()?.is_empty());
/// # Ok::<(), cosign_keys::Error>(())
/// ```
pub struct Store {
    inner: Box<dyn KeyStore>,
}

impl Store {
    /// Opens the store a URI names, with credentials from the environment.
    ///
    /// # Errors
    /// As [`super::open`].
    pub fn open(uri: &str) -> Result<Self> {
        Self::open_with(uri, &StoreOptions::default())
    }

    /// Opens the store a URI names, with explicit options.
    ///
    /// # Errors
    /// As [`super::open`].
    pub fn open_with(uri: &str, options: &StoreOptions) -> Result<Self> {
        let inner = block_on(super::open(uri, options))?;
        Ok(Self { inner })
    }

    /// Wraps an already opened async store.
    #[must_use]
    pub fn from_async(inner: Box<dyn KeyStore>) -> Self {
        Self { inner }
    }

    /// The async store inside.
    #[must_use]
    pub fn as_async(&self) -> &dyn KeyStore {
        self.inner.as_ref()
    }

    /// Where this store points.
    #[must_use]
    pub fn key_ref(&self) -> &KeyRef {
        self.inner.key_ref()
    }

    /// See [`KeyStore::put`].
    ///
    /// # Errors
    /// As [`KeyStore::put`].
    pub fn put(&self, record: KeyPairRecord, options: &PutOptions) -> Result<u64> {
        block_on(self.inner.put(record, options))
    }

    /// See [`KeyStore::get`].
    ///
    /// # Errors
    /// As [`KeyStore::get`].
    pub fn get(&self, version: Option<u64>) -> Result<StoredKey> {
        block_on(self.inner.get(version))
    }

    /// See [`KeyStore::get_public`].
    ///
    /// # Errors
    /// As [`KeyStore::get_public`].
    pub fn get_public(&self, version: Option<u64>) -> Result<StoredPublicKey> {
        block_on(self.inner.get_public(version))
    }

    /// See [`KeyStore::versions`].
    ///
    /// # Errors
    /// As [`KeyStore::versions`].
    pub fn versions(&self) -> Result<Vec<VersionInfo>> {
        block_on(self.inner.versions())
    }

    /// See [`KeyStore::delete`].
    ///
    /// # Errors
    /// As [`KeyStore::delete`].
    pub fn delete(&self, version: Option<u64>, mode: DeleteMode) -> Result<()> {
        block_on(self.inner.delete(version, mode))
    }
}
