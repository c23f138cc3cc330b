//! KMS keys: private keys that never leave the KMS or HSM.
//!
//! A [`KmsHandle`] names the key with cosign's own URI syntax, [`open`]
//! connects to it, and a [`Kms`] offers create, public key, sign (one digest
//! or many), list versions and rotate. There is no export: nothing here can
//! read private material out of a KMS.
//!
//! | backend | feature | tested against |
//! |---|---|---|
//! | `hashivault://` (Vault/OpenBao transit) | `vault` | OpenBao dev server |
//! | `awskms://` | `aws` | moto |
//! | `azurekms://` | `azure` | Lowkey Vault (Azure Key Vault emulator) |
//! | `gcpkms://` | — | parsed and validated; not supported in this build |
//!
//! `awskms://` takes its region and credentials from the standard AWS chain
//! (`AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_PROFILE`, SSO, web identity,
//! instance metadata, …); an endpoint in the URI means `https://<endpoint>`,
//! as in cosign, otherwise `AWS_ENDPOINT_URL_KMS`/`AWS_ENDPOINT_URL` or the
//! region's endpoint. TLS is always verified; `AWS_CA_BUNDLE` adds a PEM
//! bundle of trusted CAs. Only alias handles (`awskms:///alias/<name>`) can
//! be created or rotated: rotation points the alias at a new key of the same
//! spec and keeps the old key for verification.

use std::time::SystemTime;

use crate::{Algorithm, PublicKey, Result, Signature};

#[cfg(feature = "aws")]
mod aws;
#[cfg(feature = "azure")]
mod azure;
pub mod blocking;
#[cfg(any(feature = "aws", feature = "azure"))]
pub(crate) mod bulk;
mod handle;
#[cfg(feature = "vault")]
mod hashivault;

pub use handle::KmsHandle;

/// One version of a KMS key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmsKeyVersion {
    /// The KMS's version identifier (`1`, `2`, … for transit; the key id for
    /// AWS, whose asymmetric keys have no versions; the version id for Azure).
    pub version: String,
    /// That version's public key.
    pub public_key: PublicKey,
    /// When it was created, when the KMS says.
    pub created_at: Option<SystemTime>,
}

/// A key inside a KMS.
///
/// Signatures come back exactly as cosign makes them (ASN.1 DER for ECDSA,
/// PKCS#1 v1.5 for RSA), so `cosign verify-blob --key <public PEM>` accepts
/// them, and [`PublicKey::verify`] too.
#[async_trait::async_trait]
pub trait Kms: Send + Sync {
    /// The key this client signs with.
    fn handle(&self) -> &KmsHandle;

    /// Creates the key inside the KMS and returns its public key.
    ///
    /// # Errors
    /// [`Error::AlreadyExists`](crate::Error::AlreadyExists) when it exists,
    /// [`Error::UnsupportedAlgorithm`](crate::Error::UnsupportedAlgorithm)
    /// when the KMS lacks the algorithm, backend errors.
    async fn create(&self, algorithm: Algorithm) -> Result<PublicKey>;

    /// The public key of the current version.
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::Error::NotFound) and backend errors.
    async fn public_key(&self) -> Result<PublicKey>;

    /// Signs a digest made with the key's hash (SHA-256 for P-256 and RSA).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) for a digest
    /// of the wrong length, backend errors.
    async fn sign_digest(&self, digest: &[u8]) -> Result<Signature>;

    /// Signs a blob: hashes it locally and signs the digest, as cosign does.
    ///
    /// # Errors
    /// As [`Kms::sign_digest`].
    async fn sign_blob(&self, blob: &[u8]) -> Result<Signature> {
        let algorithm = self.public_key().await?.algorithm();
        let Some(hash) = algorithm.hash() else {
            return Err(crate::Error::UnsupportedOperation {
                operation: "signing a digest in a KMS",
                algorithm: algorithm.as_str(),
            });
        };
        let digest = hash.digest(blob);
        self.sign_digest(&digest).await
    }

    /// Signs many digests in one call: the backend's batch API where it has
    /// one, bounded concurrency where it does not. Results are in input order;
    /// one item's failure does not lose the others.
    async fn sign_digests(&self, digests: &[Vec<u8>]) -> Vec<Result<Signature>>;

    /// Every version of the key, oldest first.
    ///
    /// # Errors
    /// Backend errors.
    async fn versions(&self) -> Result<Vec<KmsKeyVersion>>;

    /// Rotates the key to a new version with the KMS's native rotation, and
    /// returns the new version's identifier.
    ///
    /// # Errors
    /// [`Error::NotSupported`](crate::Error::NotSupported) where the KMS has
    /// no on-demand rotation, backend errors.
    async fn rotate(&self) -> Result<String>;
}

/// Connection options for [`open`] beyond what the environment gives.
#[derive(Default)]
#[non_exhaustive]
pub struct KmsOptions {
    /// Vault connection settings for `hashivault://`; `None` reads the
    /// `VAULT_*` environment (and `TRANSIT_SECRET_ENGINE_PATH`).
    #[cfg(feature = "vault")]
    pub vault: Option<crate::vault::VaultConfig>,
}

/// Connects to the KMS key a URI names.
///
/// # Errors
/// [`Error::InvalidUri`](crate::Error::InvalidUri),
/// [`Error::NotSupported`](crate::Error::NotSupported) for `azurekms://`,
/// `gcpkms://` and for backends whose feature is off; connection errors.
pub async fn open(uri: &str, options: &KmsOptions) -> Result<Box<dyn Kms>> {
    open_handle(KmsHandle::parse(uri)?, options).await
}

/// [`open`] with a parsed handle.
///
/// # Errors
/// As [`open`].
#[allow(clippy::unused_async)]
pub async fn open_handle(handle: KmsHandle, options: &KmsOptions) -> Result<Box<dyn Kms>> {
    let _ = options;
    #[cfg(feature = "azure")]
    if let KmsHandle::AzureKms { .. } = handle {
        return Ok(Box::new(azure::AzureKms::open(handle)?));
    }
    #[cfg(feature = "aws")]
    if let KmsHandle::AwsKms { .. } = handle {
        return Ok(Box::new(aws::AwsKms::open(handle).await?));
    }
    #[cfg(feature = "vault")]
    if let KmsHandle::HashiVault { .. } = &handle {
        let kms = match &options.vault {
            Some(config) => hashivault::HashiVaultKms::open(handle, config).await?,
            None => {
                hashivault::HashiVaultKms::open(handle, &crate::vault::VaultConfig::from_env()?)
                    .await?
            }
        };
        return Ok(Box::new(kms));
    }
    let scheme = handle.scheme();
    let reason = match handle {
        KmsHandle::GcpKms { .. } => {
            "no Google Cloud KMS endpoint or emulator can be run where this build is tested, so \
             the client is not shipped untested"
        }
        #[cfg(not(feature = "azure"))]
        KmsHandle::AzureKms { .. } => "built without the `azure` feature",
        #[cfg(not(feature = "vault"))]
        KmsHandle::HashiVault { .. } => "built without the `vault` feature",
        #[cfg(not(feature = "aws"))]
        KmsHandle::AwsKms { .. } => "built without the `aws` feature",
        // HashiVault and AwsKms with their features on returned above.
        #[allow(unreachable_patterns)]
        _ => "no client for this scheme in this build",
    };
    Err(crate::Error::NotSupported {
        scheme: scheme.into(),
        reason: reason.into(),
    })
}
