//! `vault-kv://<mount>/<path>`: a key pair in a Vault (or OpenBao) KV
//! version 2 secret.
//!
//! # What is written
//!
//! * **`<mount>/<path>`**, the key secret, one KV version per
//!   [`put`](KeyStore::put): `private_key` (cosign's encrypted PEM, the same
//!   text as `cosign.key`), `public_key` (PEM), `password` (only when the
//!   record carries one), and the non-secret `fingerprint`, `algorithm`,
//!   `created_by`, `created_at` (RFC 3339), `labels`. The fields are the ones
//!   teams already use by hand, so
//!   `vault kv get -field=private_key secret/app/cosign > cosign.key` works.
//! * Its **custom metadata**: `fingerprint`, `algorithm`, `created_by` and
//!   `managed_by` of the latest version, and `fingerprint.v<N>` for each
//!   recent version (the newest 40, within Vault's limit of 64 keys and 512
//!   bytes a value), so [`versions`](KeyStore::versions) lists fingerprints
//!   without reading any private data.
//! * **`<mount>/<path>.pub`**, the public companion, written in the same
//!   put right after the key secret: the newest version's `public_key`,
//!   `fingerprint`, … and `version`, plus `versions` with every mirrored
//!   version's entry (newest 100). [`get_public`](KeyStore::get_public)
//!   reads only this, so a verifier's token needs no access to the private
//!   key (it falls back to the key secret for secrets written by other tools).
//!
//! # Check-and-set
//!
//! Every write of the key secret is a KV check-and-set: a create-only put
//! sends `cas=0` (an existing secret is [`Error::AlreadyExists`]), an
//! overwrite sends the version read just before, or
//! [`PutOptions::expected_version`]. When another writer got there first the
//! put is [`Error::Conflict`] and nothing was written. The companion is
//! updated with its own check-and-set loop, merging versions, so concurrent
//! puts never lose a public key.
//!
//! # Policies
//!
//! A writer needs `create`/`update`/`read` on `<mount>/data/<path>` and
//! `<mount>/data/<path>.pub`, `read`/`update` on `<mount>/metadata/<path>`
//! (`patch` too for race-free metadata merges), and for
//! [`delete`](KeyStore::delete) `update` on `<mount>/delete/<path>` /
//! `<mount>/destroy/<path>` and `delete` on the metadata paths. A verifier
//! needs only:
//!
//! ```hcl
//! path "secret/data/app/cosign.pub" { capabilities = ["read"] }
//! path "secret/metadata/app/cosign" { capabilities = ["read"] }  # for versions()
//! ```
//!
//! # Deleting
//!
//! | call | effect |
//! |---|---|
//! | `delete(Some(v), Soft)` | KV delete of version `v` (recoverable with `vault kv undelete`) |
//! | `delete(Some(v), Destroy)` | KV destroy of version `v` |
//! | `delete(None, Soft)` | KV delete of every live version, and of the companion's latest |
//! | `delete(None, Destroy)` | KV metadata delete of the secret and the companion: everything |
//!
//! Public keys stay readable from the companion after a single version is
//! deleted or destroyed (they are public; a verifier may still need them for
//! old signatures).

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::store::{
    DeleteMode, KeyPairRecord, KeyRef, KeyStore, PutOptions, StoredKey, StoredPublicKey,
    VersionInfo, VersionState,
};
use crate::vault::{Client, Fault, VaultConfig};
use crate::{Error, Result};

mod document;
mod record;

pub(crate) use document::VaultKvDocument;

use record::Companion;

/// Tries of the companion's check-and-set loop.
const COMPANION_TRIES: u32 = 8;

/// A key pair in a KV v2 secret. Open it with
/// [`store::open`](crate::store::open).
pub(crate) struct VaultKvStore {
    key_ref: KeyRef,
    client: Client,
    mount: String,
    path: String,
    public_path: String,
}

/// Adds what was already done to an error's message.
fn annotate(e: Error, note: &str) -> Error {
    match e {
        Error::NotFound { what } => Error::NotFound {
            what: format!("{what}; {note}"),
        },
        Error::Conflict { what, reason } => Error::Conflict {
            what,
            reason: format!("{reason}; {note}"),
        },
        Error::PermissionDenied {
            backend,
            what,
            detail,
        } => Error::PermissionDenied {
            backend,
            what,
            detail: format!("{detail}; {note}"),
        },
        Error::Unavailable { backend, reason } => Error::Unavailable {
            backend,
            reason: format!("{reason}; {note}"),
        },
        Error::Backend {
            backend,
            status,
            message,
        } => Error::Backend {
            backend,
            status,
            message: format!("{message}; {note}"),
        },
        other => other,
    }
}

impl VaultKvStore {
    /// Connects (AppRole login if configured) and points at `mount/path`.
    pub(crate) async fn open(key_ref: KeyRef, config: &VaultConfig) -> Result<Self> {
        let KeyRef::VaultKv { mount, path } = &key_ref else {
            return Err(Error::InvalidArgument {
                name: "key_ref",
                reason: format!("`{key_ref}` is not a vault-kv:// location"),
            });
        };
        let (mount, path) = (mount.clone(), path.clone());
        let client = Client::connect(config).await?;
        Ok(Self {
            public_path: format!("{path}.pub"),
            key_ref,
            client,
            mount,
            path,
        })
    }

    fn what(&self, version: Option<u64>) -> String {
        match version {
            Some(v) => format!("{} version {v}", self.key_ref),
            None => self.key_ref.to_string(),
        }
    }

    fn what_public(&self) -> String {
        format!("vault-kv://{}/{}", self.mount, self.public_path)
    }

    /// Adds `version`'s public entry to the companion, with check-and-set
    /// against concurrent writers (merge and retry on a mismatch).
    async fn update_companion(&self, version: u64, record: &KeyPairRecord) -> Result<()> {
        let what = self.what_public();
        let entry = record::public_entry(&record.public_key, &record.metadata);
        let err = |f: Fault| self.client.error(f, &what);
        for attempt in 0..COMPANION_TRIES {
            let current = self
                .client
                .kv_metadata(&self.mount, &self.public_path)
                .await
                .map_err(err)?
                .map_or(0, |m| m.current_version);
            let mut companion = match current {
                0 => Companion::default(),
                n => self
                    .client
                    .kv_read(&self.mount, &self.public_path, Some(n))
                    .await
                    .map_err(err)?
                    .map(|s| Companion::decode(&s.data))
                    .unwrap_or_default(),
            };
            companion.insert(version, entry.clone());
            match self
                .client
                .kv_write(&self.mount, &self.public_path, &companion.encode(), current)
                .await
            {
                Ok(_) => return Ok(()),
                Err(f) if f.is_cas_mismatch() => {
                    tokio::time::sleep(std::time::Duration::from_millis(
                        10 * u64::from(attempt + 1),
                    ))
                    .await;
                }
                Err(f) => return Err(err(f)),
            }
        }
        Err(Error::Conflict {
            what,
            reason: format!("{COMPANION_TRIES} concurrent writers in a row changed it"),
        })
    }

    /// Records `version`'s fingerprint (and, if it is the newest, the
    /// "latest" keys) in the key secret's custom metadata.
    async fn update_metadata(&self, version: u64, record: &KeyPairRecord) -> Result<()> {
        let what = format!("{} (custom metadata)", self.key_ref);
        let md = self
            .client
            .kv_metadata(&self.mount, &self.path)
            .await
            .map_err(|f| self.client.error(f, &what))?;
        let (custom, live, latest) = match &md {
            Some(md) => (
                md.custom.clone(),
                md.versions.keys().copied().collect::<BTreeSet<u64>>(),
                md.current_version <= version,
            ),
            None => Default::default(),
        };
        let patch = record::metadata_patch(version, &record.metadata, latest, &custom, &live);
        self.client
            .kv_patch_custom(&self.mount, &self.path, patch)
            .await
            .map_err(|f| self.client.error(f, &what))
    }

    async fn read_companion(&self) -> Result<Option<Companion>> {
        Ok(self
            .client
            .kv_read(&self.mount, &self.public_path, None)
            .await
            .map_err(|f| self.client.error(f, &self.what_public()))?
            .map(|s| Companion::decode(&s.data)))
    }

    async fn read_key(&self, version: Option<u64>) -> Result<crate::vault::KvSecret> {
        let what = self.what(version);
        self.client
            .kv_read(&self.mount, &self.path, version)
            .await
            .map_err(|f| self.client.error(f, &what))?
            .ok_or_else(|| Error::NotFound {
                what: format!(
                    "{what} (absent, deleted or destroyed, at {})",
                    self.client.address()
                ),
            })
    }
}

#[async_trait::async_trait]
impl KeyStore for VaultKvStore {
    fn key_ref(&self) -> &KeyRef {
        &self.key_ref
    }

    async fn put(&self, record: KeyPairRecord, options: &PutOptions) -> Result<u64> {
        let cas = if options.overwrite {
            match options.expected_version {
                Some(v) => v,
                None => self
                    .client
                    .kv_metadata(&self.mount, &self.path)
                    .await
                    .map_err(|f| self.client.error(f, &self.what(None)))?
                    .map_or(0, |m| m.current_version),
            }
        } else {
            match options.expected_version {
                None | Some(0) => 0,
                Some(v) => {
                    return Err(Error::InvalidArgument {
                        name: "expected_version",
                        reason: format!(
                            "expecting version {v} means replacing it: set overwrite as well"
                        ),
                    })
                }
            }
        };
        let what = format!("{} (expected version {cas})", self.key_ref);
        let mut data = record::key_secret(&record, &what)?;
        let written = self
            .client
            .kv_write(&self.mount, &self.path, &data, cas)
            .await;
        crate::vault::wipe(&mut data);
        let version = match written {
            Ok(v) => v,
            Err(f) if f.is_cas_mismatch() && !options.overwrite => {
                return Err(Error::AlreadyExists {
                    path: PathBuf::from(self.key_ref.to_string()),
                })
            }
            Err(f) => return Err(self.client.error(f, &what)),
        };
        let note = format!("version {version} of {} was written", self.key_ref);
        self.update_companion(version, &record).await.map_err(|e| {
            annotate(
                e,
                &format!("{note}, but its public companion was not updated"),
            )
        })?;
        self.update_metadata(version, &record).await.map_err(|e| {
            annotate(
                e,
                &format!("{note}, but its fingerprint is missing from the custom metadata"),
            )
        })?;
        Ok(version)
    }

    async fn get(&self, version: Option<u64>) -> Result<StoredKey> {
        let secret = self.read_key(version).await?;
        record::decode_key(
            &secret.data,
            secret.version,
            secret.created,
            &self.what(Some(secret.version)),
        )
    }

    async fn get_public(&self, version: Option<u64>) -> Result<StoredPublicKey> {
        let companion = match self.read_companion().await {
            Ok(c) => c,
            // A token that may read the key secret but not the companion.
            Err(Error::PermissionDenied { .. }) => None,
            Err(e) => return Err(e),
        };
        if let Some(found) = companion
            .as_ref()
            .and_then(|c| c.get(version, &self.what_public()))
        {
            return found;
        }
        // Not mirrored (written by another tool, or an older put failed
        // half-way): read the public half of the key secret.
        match self.read_key(version).await {
            Ok(secret) => record::decode_key_public(&secret.data, secret.version, secret.created, &self.what(Some(secret.version))),
            Err(Error::PermissionDenied { .. }) => Err(Error::NotFound {
                what: format!(
                    "public key of {}: not in the public companion {}, and this token may not read the key secret",
                    self.what(version),
                    self.what_public()
                ),
            }),
            Err(e) => Err(e),
        }
    }

    async fn versions(&self) -> Result<Vec<VersionInfo>> {
        let what = self.what(None);
        let Some(md) = self
            .client
            .kv_metadata(&self.mount, &self.path)
            .await
            .map_err(|f| self.client.error(f, &what))?
        else {
            return Ok(Vec::new());
        };
        let mut out: Vec<VersionInfo> = md
            .versions
            .iter()
            .map(|(n, v)| VersionInfo {
                version: *n,
                fingerprint: record::metadata_fingerprint(&md.custom, *n),
                created_at: v.created,
                state: if v.destroyed {
                    VersionState::Destroyed
                } else if v.deleted {
                    VersionState::Deleted
                } else {
                    VersionState::Live
                },
            })
            .collect();
        if out.iter().any(|v| v.fingerprint.is_none()) {
            // Older versions may only be in the companion; it is optional.
            if let Ok(Some(companion)) = self.read_companion().await {
                for v in out.iter_mut().filter(|v| v.fingerprint.is_none()) {
                    v.fingerprint = companion.fingerprint(v.version);
                }
            }
        }
        Ok(out)
    }

    async fn delete(&self, version: Option<u64>, mode: DeleteMode) -> Result<()> {
        let what = self.what(version);
        let err = |f: Fault| self.client.error(f, &what);
        let md = self
            .client
            .kv_metadata(&self.mount, &self.path)
            .await
            .map_err(err)?;
        let not_found = || Error::NotFound {
            what: format!("{what} (at {})", self.client.address()),
        };
        match (version, mode) {
            (Some(v), mode) => {
                if !md.is_some_and(|m| m.versions.contains_key(&v)) {
                    return Err(not_found());
                }
                match mode {
                    DeleteMode::Soft => {
                        self.client
                            .kv_delete_versions(&self.mount, &self.path, vec![v])
                            .await
                    }
                    _ => {
                        self.client
                            .kv_destroy_versions(&self.mount, &self.path, vec![v])
                            .await
                    }
                }
                .map_err(err)
            }
            (None, DeleteMode::Soft) => {
                let md = md.ok_or_else(not_found)?;
                let live: Vec<u64> = md
                    .versions
                    .iter()
                    .filter(|(_, v)| !v.deleted && !v.destroyed)
                    .map(|(n, _)| *n)
                    .collect();
                if !live.is_empty() {
                    self.client
                        .kv_delete_versions(&self.mount, &self.path, live)
                        .await
                        .map_err(err)?;
                }
                let public_what = self.what_public();
                if let Some(pmd) = self
                    .client
                    .kv_metadata(&self.mount, &self.public_path)
                    .await
                    .map_err(|f| self.client.error(f, &public_what))?
                {
                    self.client
                        .kv_delete_versions(
                            &self.mount,
                            &self.public_path,
                            vec![pmd.current_version],
                        )
                        .await
                        .map_err(|f| self.client.error(f, &public_what))?;
                }
                Ok(())
            }
            (None, _) => {
                let public_what = self.what_public();
                let public = self
                    .client
                    .kv_metadata(&self.mount, &self.public_path)
                    .await
                    .map_err(|f| self.client.error(f, &public_what))?;
                if md.is_none() && public.is_none() {
                    return Err(not_found());
                }
                if md.is_some() {
                    self.client
                        .kv_delete_metadata(&self.mount, &self.path)
                        .await
                        .map_err(err)?;
                }
                if public.is_some() {
                    self.client
                        .kv_delete_metadata(&self.mount, &self.public_path)
                        .await
                        .map_err(|f| self.client.error(f, &public_what))?;
                }
                Ok(())
            }
        }
    }
}
