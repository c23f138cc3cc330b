//! Key stores: one interface over every place a Cosign key pair is kept.
//!
//! A [`KeyRef`] URI names the location; [`open`] gives the [`KeyStore`] for
//! it. Stores are async (network stores are); [`blocking`] wraps them for
//! synchronous callers, the FFI and Python.
//!
//! What is stored is always the *encrypted* private key (cosign's
//! `ENCRYPTED SIGSTORE PRIVATE KEY` PEM), the public key PEM, optionally the
//! password (for teams that keep it beside the key in a secret store), and
//! [`KeyMetadata`]. Every put creates a new version; nothing is overwritten
//! unless [`PutOptions::overwrite`] asks for it.
//!
//! | backend | URI | feature | versions |
//! |---|---|---|---|
//! | local directory | path, `file://` | always | the current pair plus a history directory |
//! | environment variable | `env://VAR` | always | one, read-only |
//! | Vault / OpenBao KV v2 | `vault-kv://mount/path` | `vault` | KV versions, check-and-set |
//! | Azure Key Vault secret | `azure-secret://vault/name` | `azure` | secret versions (no check-and-set) |

use std::collections::BTreeMap;
use std::time::SystemTime;

use crate::{Algorithm, EncryptedPrivateKey, Fingerprint, Password, PublicKey, Result};

#[cfg(feature = "azure")]
mod azure_secret;
pub mod blocking;
mod document_file;
pub mod env;
pub mod file;
mod keyref;
#[cfg(feature = "vault")]
mod vault_kv;

pub use crate::timestamp::{format_rfc3339, parse_rfc3339};
pub use document_file::FileDocumentStore;
pub use keyref::{KeyRef, DEFAULT_PREFIX};

/// Facts about a stored key pair, kept beside it (a sidecar file, KV custom
/// metadata, secret tags). Never secret.
///
/// ```
/// use cosign_keys::{Algorithm, PrivateKey};
/// use cosign_keys::store::KeyMetadata;
///
/// let key = PrivateKey::generate(Algorithm::EcdsaP256)?;
/// let meta = KeyMetadata::new(&key.public_key(), "release-bot");
/// assert_eq!(meta.fingerprint, key.public_key().fingerprint());
/// assert_eq!(meta.created_by, "release-bot");
/// # Ok::<(), cosign_keys::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMetadata {
    /// SHA-256 fingerprint of the public key.
    pub fingerprint: Fingerprint,
    /// The key's algorithm.
    pub algorithm: Algorithm,
    /// Who created it (a user, a pipeline id).
    pub created_by: String,
    /// When it was created.
    pub created_at: SystemTime,
    /// Free-form labels (team, purpose, ticket).
    pub labels: BTreeMap<String, String>,
}

impl KeyMetadata {
    /// Metadata for `public_key`, created now by `created_by`, no labels.
    ///
    /// ```
    /// # use cosign_keys::{Algorithm, PrivateKey};
    /// # use cosign_keys::store::KeyMetadata;
    /// # let key = PrivateKey::generate(Algorithm::Ed25519)?;
    /// let meta = KeyMetadata::new(&key.public_key(), "ci");
    /// assert_eq!(meta.algorithm, Algorithm::Ed25519);
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    #[must_use]
    pub fn new(public_key: &PublicKey, created_by: &str) -> Self {
        Self {
            fingerprint: public_key.fingerprint(),
            algorithm: public_key.algorithm(),
            created_by: created_by.to_owned(),
            created_at: SystemTime::now(),
            labels: BTreeMap::new(),
        }
    }
}

/// A key pair to store: what [`KeyStore::put`] takes.
///
/// Not `Clone` and not `Debug`: it may carry the password.
pub struct KeyPairRecord {
    /// The encrypted private key (cosign's envelope).
    pub private_key: EncryptedPrivateKey,
    /// The public key.
    pub public_key: PublicKey,
    /// The password, for stores that keep it beside the key (Vault KV's
    /// `password` field). `None` keeps it out of the store.
    pub password: Option<Password>,
    /// Fingerprint, algorithm, creator, time, labels.
    pub metadata: KeyMetadata,
}

/// A stored key pair as read back: what [`KeyStore::get`] returns.
///
/// Not `Clone` and not `Debug`: it may carry the password.
pub struct StoredKey {
    /// The version read (1 for stores without versions).
    pub version: u64,
    /// The encrypted private key.
    pub private_key: EncryptedPrivateKey,
    /// The public key.
    pub public_key: PublicKey,
    /// The password, when the store keeps one.
    pub password: Option<Password>,
    /// The metadata stored with it.
    pub metadata: KeyMetadata,
}

/// A public key as read back without touching the private key.
#[derive(Clone)]
pub struct StoredPublicKey {
    /// The version read.
    pub version: u64,
    /// The public key.
    pub public_key: PublicKey,
    /// The metadata stored with it.
    pub metadata: KeyMetadata,
}

/// One version of a stored key, as listed by [`KeyStore::versions`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionInfo {
    /// The version number (1-based, increasing).
    pub version: u64,
    /// Fingerprint of that version's public key, when the store records it.
    pub fingerprint: Option<Fingerprint>,
    /// When it was written, when known.
    pub created_at: Option<SystemTime>,
    /// Whether it can still be read.
    pub state: VersionState,
}

/// Whether a stored version can still be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VersionState {
    /// Readable.
    Live,
    /// Soft-deleted: not readable, but recoverable where the store supports
    /// it (Vault KV `undelete`).
    Deleted,
    /// Destroyed: the data is gone for good; the version's record remains.
    Destroyed,
}

/// How [`KeyStore::put`] may treat what is already there.
///
/// The default refuses to replace an existing key (`overwrite: false`) and
/// does no version check.
///
/// ```
/// use cosign_keys::store::PutOptions;
/// let create_only = PutOptions::default();
/// assert!(!create_only.overwrite);
/// let next = PutOptions { overwrite: true, expected_version: Some(3) };
/// # let _ = next;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PutOptions {
    /// Allow a new version over an existing key. Earlier versions are kept
    /// where the store keeps versions.
    pub overwrite: bool,
    /// Check-and-set: the write succeeds only if the current version is this
    /// one (`Some(0)`: only if nothing exists). A mismatch is
    /// [`Error::Conflict`](crate::Error::Conflict) and changes nothing.
    pub expected_version: Option<u64>,
}

/// How [`KeyStore::delete`] removes a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DeleteMode {
    /// Recoverable where the store supports it (Vault KV delete); a plain
    /// removal elsewhere.
    Soft,
    /// Irrecoverable: Vault KV destroy; for files, overwritten then unlinked
    /// (best effort; see the file store's documentation for the limits).
    Destroy,
}

/// One interface over every key store.
///
/// `version: None` means the latest version.
///
/// ```
/// use cosign_keys::store::{blocking, KeyMetadata, KeyPairRecord, PutOptions};
/// use cosign_keys::{Algorithm, Password, PrivateKey, ScryptParams};
///
/// let dir = std::env::temp_dir().join(format!("ck-store-doc-{}", std::process::id()));
/// # let _ = std::fs::remove_dir_all(&dir);
/// let store = blocking::Store::open(dir.to_str().unwrap())?;
/// let key = PrivateKey::generate(Algorithm::EcdsaP256)?;
/// let password = Password::from("correct horse");
/// // `encrypt` uses cosign's scrypt cost; the example uses a cheap one.
/// let record = KeyPairRecord {
///     private_key: key.encrypt_with(&password, ScryptParams::new(10, 8, 1)?)?,
///     public_key: key.public_key().clone(),
///     password: None,
///     metadata: KeyMetadata::new(key.public_key(), "doc"),
/// };
/// let version = store.put(record, &PutOptions::default())?;
/// assert_eq!(version, 1);
/// let public = store.get_public(Some(version))?;
/// assert_eq!(public.public_key.fingerprint(), key.public_key().fingerprint());
///
/// // What cosign reads: dir/cosign.key and dir/cosign.pub.
/// let stored = store.get(None)?;
/// assert_eq!(stored.private_key.to_pem(), std::fs::read_to_string(dir.join("cosign.key")).unwrap());
/// assert_eq!(stored.private_key.decrypt(&password)?.fingerprint(), key.fingerprint());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), cosign_keys::Error>(())
/// ```
#[async_trait::async_trait]
pub trait KeyStore: Send + Sync {
    /// Where this store points.
    fn key_ref(&self) -> &KeyRef;

    /// Stores a key pair as a new version and returns its number.
    ///
    /// # Errors
    /// [`Error::AlreadyExists`](crate::Error::AlreadyExists) when a key is
    /// there and `overwrite` is off; [`Error::Conflict`](crate::Error::Conflict)
    /// on a check-and-set mismatch; backend errors.
    async fn put(&self, record: KeyPairRecord, options: &PutOptions) -> Result<u64>;

    /// Reads a version (the latest for `None`).
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::Error::NotFound) and backend errors.
    async fn get(&self, version: Option<u64>) -> Result<StoredKey>;

    /// Reads a version's public key and metadata without reading the private
    /// key (a verifier's credentials need no access to it where the store
    /// allows that split).
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::Error::NotFound) and backend errors.
    async fn get_public(&self, version: Option<u64>) -> Result<StoredPublicKey>;

    /// Every version, oldest first.
    ///
    /// # Errors
    /// Backend errors; an empty location is an empty list.
    async fn versions(&self) -> Result<Vec<VersionInfo>>;

    /// Deletes one version (`None`: every version and the metadata).
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::Error::NotFound) and backend errors.
    async fn delete(&self, version: Option<u64>, mode: DeleteMode) -> Result<()>;

    /// Finishes what an interrupted writer left half done, as the next
    /// writer would (the file store: points `cosign.key`/`cosign.pub` at the
    /// newest live version and tidies temporary files). A caller that adopts
    /// a version an interrupted write committed, without writing itself,
    /// calls this. Stores whose writes are single requests have nothing to
    /// finish.
    ///
    /// # Errors
    /// Backend errors.
    async fn repair(&self) -> Result<()> {
        Ok(())
    }
}

/// A small versioned document with check-and-set: the keyring manifest.
///
/// Revisions start at 1 and grow by one per save; 0 means "absent". A save
/// whose `expected` revision is not the current one is
/// [`Error::Conflict`](crate::Error::Conflict) and changes nothing, so two
/// writers never silently overwrite each other.
#[async_trait::async_trait]
pub trait DocumentStore: Send + Sync {
    /// Where the document lives, as a URI.
    fn location(&self) -> String;

    /// Reads the document and its revision; `None` when it does not exist.
    ///
    /// # Errors
    /// Backend errors.
    async fn load(&self) -> Result<Option<Document>>;

    /// Replaces the document if its current revision is `expected` (0: only
    /// if it does not exist yet), atomically; returns the new revision.
    ///
    /// # Errors
    /// [`Error::Conflict`](crate::Error::Conflict) on a revision mismatch;
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) for bytes
    /// the store cannot keep ([`FileDocumentStore`] keeps JSON only); backend
    /// errors.
    async fn save(&self, bytes: &[u8], expected: u64) -> Result<u64>;
}

/// A document read from a [`DocumentStore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The content.
    pub bytes: Vec<u8>,
    /// Its revision (1-based).
    pub revision: u64,
}

/// Opens a document location: a file path (or `file://` path to the file,
/// not a directory), or `vault-kv://mount/path` (the document in a KV v2
/// secret, saved with check-and-set).
///
/// # Errors
/// [`Error::InvalidUri`](crate::Error::InvalidUri),
/// [`Error::NotSupported`](crate::Error::NotSupported) for `env://`,
/// `azure-secret://` and backends this build lacks.
#[allow(clippy::unused_async)]
pub async fn open_document(uri: &str, options: &StoreOptions) -> Result<Box<dyn DocumentStore>> {
    let key_ref = KeyRef::parse(uri)?;
    let _ = options;
    match key_ref {
        #[cfg(feature = "vault")]
        KeyRef::VaultKv { .. } => {
            let doc = match &options.vault {
                Some(config) => vault_kv::VaultKvDocument::open(key_ref, config).await?,
                None => {
                    vault_kv::VaultKvDocument::open(
                        key_ref,
                        &crate::vault::VaultConfig::from_env()?,
                    )
                    .await?
                }
            };
            Ok(Box::new(doc))
        }
        KeyRef::File { dir, prefix } => {
            if prefix != DEFAULT_PREFIX {
                return Err(crate::Error::InvalidUri {
                    uri: crate::error::redact_uri(uri),
                    reason: "a document location names a file; `prefix=` does not apply".into(),
                });
            }
            Ok(Box::new(FileDocumentStore::new(dir)))
        }
        KeyRef::AzureSecret { .. } => Err(crate::Error::NotSupported {
            scheme: "azure-secret".into(),
            reason: "a keyring manifest or ledger is never kept in an Azure Key Vault secret: \
                     Key Vault has no check-and-set, so two concurrent updates could silently \
                     lose one; keep the manifest in a file or in Vault KV (the keys themselves \
                     may live in azure-secret:// or azurekms://)"
                .into(),
        }),
        other => Err(crate::Error::NotSupported {
            scheme: other.scheme().into(),
            reason: "documents are kept in a file or in Vault KV".into(),
        }),
    }
}

/// Options for [`open`]: credentials and limits not carried by the URI.
///
/// Secrets are normally read from the environment (`VAULT_TOKEN`, …); these
/// override it for callers that hold them elsewhere.
#[derive(Default)]
#[non_exhaustive]
pub struct StoreOptions {
    /// Vault connection settings; `None` reads the `VAULT_*` environment.
    #[cfg(feature = "vault")]
    pub vault: Option<crate::vault::VaultConfig>,
}

/// Opens the store a URI names.
///
/// # Errors
/// [`Error::InvalidUri`](crate::Error::InvalidUri) for a bad URI,
/// [`Error::NotSupported`](crate::Error::NotSupported) for a backend this
/// build lacks, and connection errors of network stores.
pub async fn open(uri: &str, options: &StoreOptions) -> Result<Box<dyn KeyStore>> {
    open_ref(KeyRef::parse(uri)?, options).await
}

/// [`open`] with an already parsed [`KeyRef`].
///
/// # Errors
/// As [`open`].
#[allow(clippy::unused_async)]
pub async fn open_ref(key_ref: KeyRef, options: &StoreOptions) -> Result<Box<dyn KeyStore>> {
    let _ = options;
    match key_ref {
        KeyRef::File { dir, prefix } => Ok(Box::new(file::FileStore::new(dir, &prefix)?)),
        KeyRef::Env { var } => Ok(Box::new(env::EnvStore::new(&var)?)),
        #[cfg(feature = "azure")]
        KeyRef::AzureSecret { .. } => Ok(Box::new(azure_secret::AzureSecretStore::open(key_ref)?)),
        #[cfg(not(feature = "azure"))]
        KeyRef::AzureSecret { .. } => Err(crate::Error::NotSupported {
            scheme: "azure-secret".into(),
            reason: "built without the `azure` feature".into(),
        }),
        #[cfg(not(feature = "vault"))]
        KeyRef::VaultKv { .. } => Err(crate::Error::NotSupported {
            scheme: "vault-kv".into(),
            reason: "built without the `vault` feature".into(),
        }),
        #[cfg(feature = "vault")]
        KeyRef::VaultKv { .. } => {
            let store = match &options.vault {
                Some(config) => vault_kv::VaultKvStore::open(key_ref, config).await?,
                None => {
                    vault_kv::VaultKvStore::open(key_ref, &crate::vault::VaultConfig::from_env()?)
                        .await?
                }
            };
            Ok(Box::new(store))
        }
    }
}
