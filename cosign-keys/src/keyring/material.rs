//! A key is its fingerprint: where a record's private material is, and
//! whether what is found there is the recorded key.
//!
//! Locations are canonical: a store location is recorded as an absolute
//! `file:///…` URI (or the backend's own URI, e.g. `vault-kv://…`). A
//! relative one, as older manifests recorded them, is resolved against the
//! directory of the manifest itself — never against the process's working
//! directory, which says nothing about where the keyring's keys are. A key
//! given as input now (a rotation's new key) is the caller's path: a
//! relative one is made absolute against the working directory once, before
//! anything is recorded.
//!
//! Before any operation reaches private material (destroy, unlock, sign,
//! backup, recover), the public key stored at the recorded location and
//! version is compared with the record's fingerprint; another key there is
//! [`Error::KeyMismatch`], nothing there is [`Error::NotFound`]. Only a
//! store's own record that the version was destroyed (with the recorded
//! fingerprint) proves the material is gone.

use std::path::{Path, PathBuf};

use super::{KeyLocation, KeyRecord, Keyring, Loaded, PendingOperation, PendingTarget, TargetKind};
use crate::store::{DeleteMode, KeyRef, KeyStore, VersionState, DEFAULT_PREFIX};
use crate::{Error, Fingerprint, Result, Timestamp};

/// What a check found at a record's store location.
pub(crate) enum Presence {
    /// The recorded key, readable (live) or soft-deleted (still
    /// recoverable in the store): the store is returned to act on it.
    Present(Box<dyn KeyStore>),
    /// The store records this version destroyed, with the recorded
    /// fingerprint: the material is provably gone.
    Destroyed,
}

/// The process's working directory (for inputs only).
fn working_dir() -> Result<PathBuf> {
    std::env::current_dir().map_err(|e| Error::io(".", e))
}

/// The canonical form of a key store URI given as input now: a relative
/// directory is made absolute against the working directory.
pub(crate) fn canonical_input(uri: &str) -> Result<String> {
    let key_ref = KeyRef::parse(uri)?;
    if key_ref.is_relative() {
        return Ok(key_ref.resolve_against(&working_dir()?).to_string());
    }
    Ok(key_ref.resolve_against(Path::new("/")).to_string())
}

/// A document location (manifest, ledger) made absolute against the
/// working directory; other locations unchanged.
pub(crate) fn canonical_document(uri: &str) -> Result<String> {
    match KeyRef::parse(uri)? {
        file @ KeyRef::File { .. } => {
            let is_default =
                matches!(&file, KeyRef::File { prefix, .. } if prefix == DEFAULT_PREFIX);
            if !is_default {
                // open_document refuses it with the reason.
                return Ok(uri.to_owned());
            }
            Ok(file.resolve_against(&working_dir()?).to_string())
        }
        _ => Ok(uri.to_owned()),
    }
}

/// The directory a file manifest location lives in, absolute.
pub(crate) fn manifest_dir(uri: &str) -> Option<PathBuf> {
    match KeyRef::parse(uri).ok()? {
        KeyRef::File { dir, .. } if dir.is_absolute() => dir.parent().map(Path::to_path_buf),
        _ => None,
    }
}

fn mismatch(location: String, expected: Fingerprint, found: Fingerprint) -> Error {
    Error::KeyMismatch {
        location,
        expected: expected.to_string(),
        found: found.to_string(),
    }
}

impl Keyring {
    /// The canonical URI of a store location recorded in the manifest.
    ///
    /// # Errors
    /// [`Error::InvalidUri`] for a relative location in a keyring that is
    /// not a file (it has no directory to be relative to).
    pub(crate) fn resolve_recorded(&self, uri: &str) -> Result<String> {
        let key_ref = KeyRef::parse(uri)?;
        if !key_ref.is_relative() {
            return Ok(key_ref.resolve_against(Path::new("/")).to_string());
        }
        match &self.manifest_dir {
            Some(dir) => Ok(key_ref.resolve_against(dir).to_string()),
            None => Err(Error::InvalidUri {
                uri: crate::error::redact_uri(uri),
                reason: format!(
                    "a relative key location in the keyring {}, which is not a file and so has \
                     no directory it could be relative to; record the store's absolute file:/// \
                     URI",
                    self.location()
                ),
            }),
        }
    }

    /// A record's location with its store URI resolved (KMS unchanged).
    pub(crate) fn resolved_location(&self, location: &KeyLocation) -> Result<KeyLocation> {
        Ok(match location {
            KeyLocation::Store { uri, version } => KeyLocation::Store {
                uri: self.resolve_recorded(uri)?,
                version: *version,
            },
            other => other.clone(),
        })
    }

    /// Whether a pending rotation's recorded target and a target given now
    /// are the same (comparing canonical forms).
    pub(crate) fn same_target(&self, recorded: &PendingTarget, given: &PendingTarget) -> bool {
        if recorded.kind != given.kind || recorded.algorithm != given.algorithm {
            return false;
        }
        match recorded.kind {
            TargetKind::Store => self
                .resolve_recorded(&recorded.uri)
                .is_ok_and(|uri| uri == given.uri),
            TargetKind::Kms => recorded.uri == given.uri,
        }
    }

    /// Checks that the store version a record names holds the recorded key,
    /// reading only public data.
    ///
    /// # Errors
    /// [`Error::KeyMismatch`] when another key is there;
    /// [`Error::NotFound`] when nothing is;
    /// [`Error::InvalidTransition`] for a soft-deleted version whose key the
    /// store does not name (recoverable, so not gone, and not checkable);
    /// store errors.
    pub(crate) async fn check_stored(&self, record: &KeyRecord) -> Result<Presence> {
        let KeyLocation::Store { uri, version } = &record.location else {
            return Err(Error::InvalidArgument {
                name: "key",
                reason: format!("key {} is not in a key store", record.label()),
            });
        };
        let uri = self.resolve_recorded(uri)?;
        let version = *version;
        let location = format!("{uri} (version {version})");
        let store = crate::store::open(&uri, self.store_options()).await?;
        let versions = store.versions().await?;
        let Some(info) = versions.iter().find(|v| v.version == version) else {
            return Err(Error::NotFound {
                what: format!(
                    "the private material of key {} at {location}: that store has no such \
                     version (if the material is known to be gone, record it with the \
                     explicit material-gone option, which the audit record notes)",
                    record.label()
                ),
            });
        };
        match info.state {
            VersionState::Live => {
                let found = match store.get_public(Some(version)).await {
                    Ok(stored) => stored.public_key.fingerprint(),
                    // The store lists the version as live, so its material
                    // may well be there although its public half is not
                    // readable: never "not found" (which "material gone"
                    // would record as destroyed). Judge by the fingerprint
                    // the store's own listing records, if any.
                    Err(Error::NotFound { .. }) => match info.fingerprint {
                        Some(found) => found,
                        None => {
                            return Err(Error::InvalidTransition {
                                key: record.label(),
                                state: format!(
                                    "listed as live at {location}, but its public key cannot \
                                     be read there and the store does not say which key it \
                                     holds, so its material cannot be checked and is not gone"
                                ),
                                operation: "destroy".into(),
                            })
                        }
                    },
                    Err(e) => return Err(e),
                };
                if found != record.fingerprint {
                    return Err(mismatch(location, record.fingerprint, found));
                }
                Ok(Presence::Present(store))
            }
            state => match info.fingerprint {
                Some(found) if found != record.fingerprint => {
                    Err(mismatch(location, record.fingerprint, found))
                }
                Some(_) if state == VersionState::Destroyed => Ok(Presence::Destroyed),
                Some(_) => Ok(Presence::Present(store)),
                // Soft-deleted without a recorded fingerprint: the material
                // can still be undeleted, so it is not gone, and it cannot
                // be checked. Not `NotFound`, so "material gone" cannot
                // record it destroyed either.
                None if state == VersionState::Deleted => Err(Error::InvalidTransition {
                    key: record.label(),
                    state: format!(
                        "soft-deleted at {location} and recoverable, so its material is not \
                         gone, and the store does not say which key it holds: undelete that \
                         version so its fingerprint can be checked, then destroy again"
                    ),
                    operation: "destroy".into(),
                }),
                None => Err(Error::NotFound {
                    what: format!(
                        "the private material of key {} at {location}: the version was deleted \
                         and the store does not say which key it held",
                        record.label()
                    ),
                }),
            },
        }
    }

    /// The destroy step of pending destroy `op`: erases each key's material
    /// after checking it is the recorded key, and returns the keys recorded
    /// on the caller's word. A mismatch, or material not found without
    /// `material_gone`, cancels the pending destroy (nothing was erased) and
    /// fails.
    pub(crate) async fn erase_material(
        &self,
        state: &mut Loaded,
        op: &str,
        p: &PendingOperation,
        now: Timestamp,
    ) -> Result<Vec<u32>> {
        let mut unverified = Vec::new();
        for &id in &p.keys {
            let key = state.manifest.key(id)?.clone();
            let KeyLocation::Store { version, .. } = &key.location else {
                continue;
            };
            match self.check_stored(&key).await {
                Ok(Presence::Present(store)) => {
                    store.delete(Some(*version), DeleteMode::Destroy).await?;
                }
                Ok(Presence::Destroyed) => {}
                Err(Error::NotFound { .. }) if p.material_gone => unverified.push(id),
                Err(e @ (Error::KeyMismatch { .. } | Error::NotFound { .. })) => {
                    self.advance(state, op, now, |m| {
                        m.pending = m.deferred.take();
                        Ok(())
                    })
                    .await?;
                    return Err(e);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(unverified)
    }

    /// Checks that a KMS key's current public key is the recorded one.
    ///
    /// # Errors
    /// [`Error::KeyMismatch`]; KMS errors.
    pub(crate) async fn check_kms(
        &self,
        record: &KeyRecord,
        kms: &dyn crate::kms::Kms,
    ) -> Result<()> {
        let found = kms.public_key().await?.fingerprint();
        if found != record.fingerprint {
            return Err(mismatch(
                record.location.to_string(),
                record.fingerprint,
                found,
            ));
        }
        Ok(())
    }
}

/// [`Error::KeyMismatch`] for a decrypted key that is not the recorded one.
pub(crate) fn check_unlocked(
    location: &KeyLocation,
    record: &KeyRecord,
    found: Fingerprint,
) -> Result<()> {
    if found == record.fingerprint {
        return Ok(());
    }
    Err(mismatch(location.to_string(), record.fingerprint, found))
}
