//! `azure-secret://<vault>/<name>`: Cosign key pairs in Azure Key Vault
//! secrets, through the official `azure_security_keyvault_secrets`
//! (feature `azure`). Connection, credentials and retries: [`crate::azure`].
//!
//! Layout, one Key Vault secret version per put:
//!
//! | secret | value | content type |
//! |---|---|---|
//! | `<name>` | the encrypted private key PEM, exactly cosign's `cosign.key` | `application/x-pem-file` |
//! | `<name>-pub` | the public key PEM (readable without the private value) | `application/x-pem-file` |
//! | `<name>-password` | the password, only when the caller asks to keep it | `text/plain` |
//!
//! Every version carries the tags `cosign-keys-version` (this store's
//! 1-based version number), `fingerprint`, `algorithm`, `created_by`,
//! `created_at` and `label-<k>` per label (Key Vault allows 15 tags, so at
//! most 9 labels). The public companion is written first, so a reader never
//! finds a private version without its public key.
//!
//! **No check-and-set.** Key Vault secrets have no conditional write: two
//! writers putting at once can both read version `n` and both write `n+1`.
//! `expected_version` is checked by reading first, which narrows the window
//! but does not close it. Keep one writer per secret (a pipeline, a lock in
//! front); for the same reason a keyring manifest is never kept here.
//!
//! **Delete and destroy.** Deleting a secret is Azure's soft delete of every
//! version (with all its companions): it stays recoverable for the vault's
//! retention period (7-90 days) and its name stays taken until it is
//! recovered or purged. Deleting one version disables it (Key Vault cannot
//! delete a single version). Destroy deletes and then purges, which a vault
//! with purge protection refuses until the retention period ends: the error
//! says so, and the secret stays soft-deleted (unreadable) meanwhile.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use azure_core::http::RequestContent;
use azure_security_keyvault_secrets::models::{
    SecretAttributes, SecretClientGetSecretOptions, SecretClientUpdateSecretPropertiesOptions,
    SetSecretParameters, UpdateSecretPropertiesParameters,
};
use azure_security_keyvault_secrets::{SecretClient, SecretClientOptions};
use zeroize::Zeroizing;

use super::{
    format_rfc3339, parse_rfc3339, DeleteMode, KeyMetadata, KeyPairRecord, KeyRef, KeyStore,
    PutOptions, StoredKey, StoredPublicKey, VersionInfo, VersionState,
};
use crate::azure::{self, Pacer};
use crate::{EncryptedPrivateKey, Error, Fingerprint, Password, PublicKey, Result};

const API_VERSION: &str = "2025-07-01";
const PEM_TYPE: &str = "application/x-pem-file";
const TAG_VERSION: &str = "cosign-keys-version";
const TAG_FINGERPRINT: &str = "fingerprint";
const TAG_ALGORITHM: &str = "algorithm";
const TAG_CREATED_BY: &str = "created_by";
const TAG_CREATED_AT: &str = "created_at";
const TAG_LABEL_PREFIX: &str = "label-";
/// Key Vault's limits: 15 tags, 256 characters a value.
const MAX_TAGS: usize = 15;
const MAX_TAG_VALUE: usize = 256;
/// Versions listed at most (a pager bound).
const MAX_VERSIONS: usize = 10_000;
/// How long destroy waits for a deleted secret to become purgeable.
const PURGE_WAIT: Duration = Duration::from_secs(15);

/// One listed version: its Key Vault id and our number.
struct Listed {
    id: String,
    number: u64,
    enabled: bool,
    tags: HashMap<String, String>,
    created: Option<std::time::SystemTime>,
}

/// A key pair in an Azure Key Vault secret.
pub(crate) struct AzureSecretStore {
    key_ref: KeyRef,
    uri: String,
    name: String,
    client: SecretClient,
    pacer: Arc<Pacer>,
}

impl AzureSecretStore {
    pub(crate) fn open(key_ref: KeyRef) -> Result<Self> {
        let KeyRef::AzureSecret { vault, name } = &key_ref else {
            return Err(Error::InvalidArgument {
                name: "key_ref",
                reason: format!("{key_ref} is not an azure-secret:// location"),
            });
        };
        let uri = key_ref.to_string();
        if name.len() > 127 - "-password".len() {
            return Err(Error::InvalidUri {
                uri: crate::error::redact_uri(&uri),
                reason: format!(
                    "the secret name may have at most {} characters (its companions add \
                     `-pub` / `-password`)",
                    127 - "-password".len()
                ),
            });
        }
        let mut options = SecretClientOptions {
            api_version: API_VERSION.into(),
            client_options: azure::client_options()?,
            ..SecretClientOptions::default()
        };
        options.verify_challenge_resource = Some(false);
        let client = SecretClient::new(
            &azure::vault_url(vault),
            azure::credential()?,
            Some(options),
        )
        .map_err(|e| azure::map_error(&uri, "set up client", &e))?;
        Ok(Self {
            name: name.clone(),
            uri,
            client,
            pacer: Arc::new(Pacer::new(azure::MIN_REQUEST_INTERVAL)),
            key_ref,
        })
    }

    fn pub_name(&self) -> String {
        format!("{}-pub", self.name)
    }

    fn password_name(&self) -> String {
        format!("{}-password", self.name)
    }

    fn err(&self, op: &str, e: &azure_core::Error) -> Error {
        azure::map_error(&self.uri, op, e)
    }

    fn corrupt(&self, reason: impl std::fmt::Display) -> Error {
        Error::Backend {
            backend: "azure",
            status: None,
            message: format!("{} is not a key stored by cosign-keys: {reason}", self.uri),
        }
    }

    /// Every version of `secret`, by our number (untagged versions last,
    /// numbered 0: written by something else).
    async fn list(&self, secret: &str) -> Result<Vec<Listed>> {
        use futures::StreamExt as _;
        const OP: &str = "list secret versions";
        let mut pager = self
            .client
            .list_secret_properties_versions(secret, None)
            .map_err(|e| self.err(OP, &e))?;
        let mut out = Vec::new();
        while let Some(item) = pager.next().await {
            let props = match item {
                Ok(p) => p,
                Err(e) => {
                    let err = self.err(OP, &e);
                    if err.code() == crate::ErrorCode::NotFound {
                        return Ok(Vec::new());
                    }
                    return Err(err);
                }
            };
            let Some(id) = props.id.as_deref().and_then(last_segment) else {
                continue;
            };
            let tags = props.tags.clone().unwrap_or_default();
            let number = tags
                .get(TAG_VERSION)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
            out.push(Listed {
                id: id.to_owned(),
                number,
                enabled: props
                    .attributes
                    .as_ref()
                    .and_then(|a| a.enabled)
                    .unwrap_or(true),
                created: props
                    .attributes
                    .as_ref()
                    .and_then(|a| a.created)
                    .and_then(to_system_time),
                tags,
            });
            if out.len() > MAX_VERSIONS {
                return Err(self.corrupt(format!("more than {MAX_VERSIONS} versions")));
            }
        }
        out.sort_by_key(|l| l.number);
        Ok(out)
    }

    /// The Key Vault id of version `number` (`None`: the newest enabled).
    async fn resolve(&self, secret: &str, number: Option<u64>) -> Result<(String, u64)> {
        let listed = self.list(secret).await?;
        let found = match number {
            Some(n) => listed.iter().find(|l| l.number == n && n > 0),
            None => listed.iter().rev().find(|l| l.enabled && l.number > 0),
        };
        match found {
            Some(l) if l.enabled => Ok((l.id.clone(), l.number)),
            Some(l) => Err(Error::NotFound {
                what: format!("{} version {} (disabled: deleted)", self.uri, l.number),
            }),
            None => Err(Error::NotFound {
                what: match number {
                    Some(n) => format!("{} version {n}", self.uri),
                    None => self.uri.clone(),
                },
            }),
        }
    }

    async fn get_value(
        &self,
        secret: &str,
        id: &str,
    ) -> Result<(Zeroizing<String>, HashMap<String, String>)> {
        const OP: &str = "get secret";
        let rsp = self
            .pacer
            .run(|| {
                let options = SecretClientGetSecretOptions {
                    secret_version: Some(id.to_owned()),
                    ..SecretClientGetSecretOptions::default()
                };
                self.client.get_secret(secret, Some(options))
            })
            .await
            .map_err(|e| self.err(OP, &e))?;
        let mut secret = rsp.into_model().map_err(|e| self.err(OP, &e))?;
        let value = Zeroizing::new(secret.value.take().unwrap_or_default());
        Ok((value, secret.tags.take().unwrap_or_default()))
    }

    async fn set(
        &self,
        secret: &str,
        value: &str,
        content_type: &str,
        tags: &HashMap<String, String>,
    ) -> Result<()> {
        const OP: &str = "set secret";
        self.pacer
            .run(|| {
                let params = SetSecretParameters {
                    value: Some(value.to_owned()),
                    content_type: Some(content_type.to_owned()),
                    tags: Some(tags.clone()),
                    ..SetSecretParameters::default()
                };
                let body: azure_core::Result<RequestContent<SetSecretParameters>> =
                    params.try_into();
                async move { self.client.set_secret(secret, body?, None).await }
            })
            .await
            .map_err(|e| self.err(OP, &e))?;
        Ok(())
    }

    fn metadata(
        &self,
        tags: &HashMap<String, String>,
        public_key: &PublicKey,
    ) -> Result<KeyMetadata> {
        let fingerprint = public_key.fingerprint();
        if let Some(recorded) = tags.get(TAG_FINGERPRINT) {
            let recorded: Fingerprint = recorded.parse().map_err(|e| self.corrupt(e))?;
            if recorded != fingerprint {
                return Err(self.corrupt(format!(
                    "the recorded fingerprint {recorded} is not the public key's ({fingerprint})"
                )));
            }
        }
        let created_at = tags
            .get(TAG_CREATED_AT)
            .map(|t| parse_rfc3339(t))
            .transpose()
            .map_err(|e| self.corrupt(e))?
            .unwrap_or(std::time::UNIX_EPOCH);
        let labels = tags
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix(TAG_LABEL_PREFIX)
                    .map(|k| (k.to_owned(), v.clone()))
            })
            .collect();
        Ok(KeyMetadata {
            fingerprint,
            algorithm: public_key.algorithm(),
            created_by: tags.get(TAG_CREATED_BY).cloned().unwrap_or_default(),
            created_at,
            labels,
        })
    }

    /// The public companion of version `number`.
    async fn public_of(&self, number: u64) -> Result<(PublicKey, KeyMetadata)> {
        let (id, _) = self.resolve(&self.pub_name(), Some(number)).await?;
        let (pem, tags) = self.get_value(&self.pub_name(), &id).await?;
        let public_key = PublicKey::from_pem(pem.as_bytes()).map_err(|e| self.corrupt(e))?;
        let meta = self.metadata(&tags, &public_key)?;
        Ok((public_key, meta))
    }

    async fn delete_one(&self, secret: &str) -> Result<bool> {
        match self
            .pacer
            .run(|| self.client.delete_secret(secret, None))
            .await
        {
            Ok(_) => Ok(true),
            Err(e) => match self.err("delete secret", &e) {
                Error::NotFound { .. } => Ok(false),
                other => Err(other),
            },
        }
    }

    async fn purge_one(&self, secret: &str) -> Result<()> {
        const OP: &str = "purge deleted secret";
        // Deletion completes asynchronously: wait until the vault lists it as deleted.
        let deadline = tokio::time::Instant::now() + PURGE_WAIT;
        loop {
            match self.client.get_deleted_secret(secret, None).await {
                Ok(_) => break,
                Err(e) => {
                    let err = self.err("get deleted secret", &e);
                    if err.code() != crate::ErrorCode::NotFound
                        || tokio::time::Instant::now() >= deadline
                    {
                        return Err(err);
                    }
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
            }
        }
        self.pacer
            .run(|| self.client.purge_deleted_secret(secret, None))
            .await
            .map_err(|e| match self.err(OP, &e) {
                Error::PermissionDenied {
                    backend,
                    what,
                    detail,
                } => Error::PermissionDenied {
                    backend,
                    what,
                    detail: format!(
                        "{detail}: the secret is soft-deleted but not purged (purge protection \
                         keeps it until the retention period ends, or the credential lacks the \
                         purge permission)"
                    ),
                },
                other => other,
            })?;
        Ok(())
    }
}

fn last_segment(id: &str) -> Option<&str> {
    id.trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
}

fn to_system_time(t: azure_core::time::OffsetDateTime) -> Option<std::time::SystemTime> {
    let secs = u64::try_from(t.unix_timestamp()).ok()?;
    std::time::UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

/// The tags of one version.
fn tags_for(number: u64, meta: &KeyMetadata) -> Result<HashMap<String, String>> {
    let mut tags = HashMap::from([
        (TAG_VERSION.to_owned(), number.to_string()),
        (TAG_FINGERPRINT.to_owned(), meta.fingerprint.to_string()),
        (TAG_ALGORITHM.to_owned(), meta.algorithm.as_str().to_owned()),
        (TAG_CREATED_BY.to_owned(), meta.created_by.clone()),
        (TAG_CREATED_AT.to_owned(), format_rfc3339(meta.created_at)),
    ]);
    for (k, v) in &meta.labels {
        tags.insert(format!("{TAG_LABEL_PREFIX}{k}"), v.clone());
    }
    if tags.len() > MAX_TAGS {
        return Err(Error::InvalidArgument {
            name: "labels",
            reason: format!(
                "Azure Key Vault allows {MAX_TAGS} tags on a secret; this store uses 5, so at \
                 most {} labels",
                MAX_TAGS - 5
            ),
        });
    }
    if let Some((k, _)) = tags.iter().find(|(_, v)| v.chars().count() > MAX_TAG_VALUE) {
        return Err(Error::InvalidArgument {
            name: "labels",
            reason: format!("tag `{k}` is longer than Key Vault's {MAX_TAG_VALUE} characters"),
        });
    }
    Ok(tags)
}

#[async_trait::async_trait]
impl KeyStore for AzureSecretStore {
    fn key_ref(&self) -> &KeyRef {
        &self.key_ref
    }

    async fn put(&self, record: KeyPairRecord, options: &PutOptions) -> Result<u64> {
        let listed = self.list(&self.name).await?;
        let latest = listed.iter().map(|l| l.number).max().unwrap_or(0);
        if let Some(expected) = options.expected_version {
            if expected != latest {
                return Err(Error::Conflict {
                    what: self.uri.clone(),
                    reason: format!(
                        "expected version {expected}, found {latest} (Key Vault has no \
                         check-and-set: this check narrows, but does not close, the race)"
                    ),
                });
            }
        }
        if !listed.is_empty() && !options.overwrite {
            return Err(Error::AlreadyExists {
                path: self.uri.clone().into(),
            });
        }
        if record.public_key.fingerprint() != record.metadata.fingerprint {
            return Err(Error::InvalidArgument {
                name: "record",
                reason: "the metadata's fingerprint is not the public key's".into(),
            });
        }
        let number = latest + 1;
        let tags = tags_for(number, &record.metadata)?;
        self.set(
            &self.pub_name(),
            &record.public_key.to_pem(),
            PEM_TYPE,
            &tags,
        )
        .await?;
        if let Some(password) = &record.password {
            let text = Zeroizing::new(
                std::str::from_utf8(password.expose_secret())
                    .map_err(|_| Error::InvalidArgument {
                        name: "password",
                        reason: format!(
                            "{} keeps the password as text; this one is not UTF-8",
                            self.uri
                        ),
                    })?
                    .to_owned(),
            );
            self.set(&self.password_name(), &text, "text/plain", &tags)
                .await?;
        }
        let pem = Zeroizing::new(record.private_key.to_pem());
        self.set(&self.name, &pem, PEM_TYPE, &tags).await?;
        Ok(number)
    }

    async fn get(&self, version: Option<u64>) -> Result<StoredKey> {
        let (id, number) = self.resolve(&self.name, version).await?;
        let (pem, tags) = self.get_value(&self.name, &id).await?;
        let private_key =
            EncryptedPrivateKey::from_pem(pem.as_bytes()).map_err(|e| self.corrupt(e))?;
        let (public_key, metadata) = self.public_of(number).await?;
        if tags.get(TAG_FINGERPRINT) != Some(&metadata.fingerprint.to_string()) {
            return Err(self.corrupt(format!(
                "version {number}'s private and public secrets disagree on the fingerprint"
            )));
        }
        let password = match self.resolve(&self.password_name(), Some(number)).await {
            Ok((pid, _)) => {
                let (text, _) = self.get_value(&self.password_name(), &pid).await?;
                Some(Password::from(Zeroizing::new(text.as_bytes().to_vec())))
            }
            Err(Error::NotFound { .. }) => None,
            Err(e) => return Err(e),
        };
        Ok(StoredKey {
            version: number,
            private_key,
            public_key,
            password,
            metadata,
        })
    }

    async fn get_public(&self, version: Option<u64>) -> Result<StoredPublicKey> {
        let number = match version {
            Some(n) => n,
            None => self.resolve(&self.name, None).await?.1,
        };
        let (public_key, metadata) = self.public_of(number).await?;
        Ok(StoredPublicKey {
            version: number,
            public_key,
            metadata,
        })
    }

    async fn versions(&self) -> Result<Vec<VersionInfo>> {
        // A secret that does not exist has no versions (as in the other stores).
        let listed = self.list(&self.name).await?;
        Ok(listed
            .into_iter()
            .filter(|l| l.number > 0)
            .map(|l| VersionInfo {
                version: l.number,
                fingerprint: l.tags.get(TAG_FINGERPRINT).and_then(|f| f.parse().ok()),
                created_at: l.created,
                state: if l.enabled {
                    VersionState::Live
                } else {
                    VersionState::Deleted
                },
            })
            .collect())
    }

    async fn delete(&self, version: Option<u64>, mode: DeleteMode) -> Result<()> {
        match (version, mode) {
            (Some(n), DeleteMode::Soft) => {
                const OP: &str = "disable secret version";
                for secret in [self.name.clone(), self.password_name()] {
                    let listed = self.list(&secret).await?;
                    let Some(l) = listed.iter().find(|l| l.number == n && n > 0) else {
                        if secret == self.name {
                            return Err(Error::NotFound {
                                what: format!("{} version {n}", self.uri),
                            });
                        }
                        continue;
                    };
                    self.pacer
                        .run(|| {
                            let params = UpdateSecretPropertiesParameters {
                                secret_attributes: Some(SecretAttributes {
                                    enabled: Some(false),
                                    ..SecretAttributes::default()
                                }),
                                ..UpdateSecretPropertiesParameters::default()
                            };
                            let options = SecretClientUpdateSecretPropertiesOptions {
                                secret_version: Some(l.id.clone()),
                                ..SecretClientUpdateSecretPropertiesOptions::default()
                            };
                            let body: azure_core::Result<
                                RequestContent<UpdateSecretPropertiesParameters>,
                            > = params.try_into();
                            let secret = secret.clone();
                            async move {
                                self.client
                                    .update_secret_properties(&secret, body?, Some(options))
                                    .await
                            }
                        })
                        .await
                        .map_err(|e| self.err(OP, &e))?;
                }
                Ok(())
            }
            (Some(n), DeleteMode::Destroy) => Err(Error::NotSupported {
                scheme: "azure-secret".into(),
                reason: format!(
                    "destroying version {n} of {}: Key Vault purges a secret with all its \
                     versions only; delete the version (it is disabled) or destroy the whole \
                     secret",
                    self.uri
                ),
            }),
            (None, mode) => {
                let names = [self.name.clone(), self.pub_name(), self.password_name()];
                let mut deleted = Vec::new();
                for secret in &names {
                    if self.delete_one(secret).await? {
                        deleted.push(secret.clone());
                    }
                }
                if !deleted.contains(&self.name) {
                    return Err(Error::NotFound {
                        what: self.uri.clone(),
                    });
                }
                if mode == DeleteMode::Destroy {
                    for secret in &deleted {
                        self.purge_one(secret).await?;
                    }
                }
                Ok(())
            }
        }
    }
}
