//! Commands that write to a key store or a KMS, and version listings.

use std::collections::BTreeMap;
use std::path::PathBuf;

use cosign_keys::fs::{write_atomic, Overwrite, PUBLIC_FILE_MODE};
use cosign_keys::kms::blocking::KmsKey;
use cosign_keys::store::blocking::Store;
use cosign_keys::store::{format_rfc3339, KeyMetadata, KeyPairRecord, PutOptions, VersionState};
use cosign_keys::{Algorithm, Error, Password, PrivateKey};

use crate::source::KeySource;
use crate::{password, refuse_existing, CliResult, Failure};

/// How a new key pair goes into a store.
pub(crate) struct StoreWrite {
    /// Recorded as `created_by`; `$USER` (or `$LOGNAME`) when absent.
    pub(crate) created_by: Option<String>,
    /// `KEY=VALUE` labels.
    pub(crate) labels: Vec<String>,
    /// Write a new version over a live key.
    pub(crate) force: bool,
    /// Keep the password beside the key (stores that allow it).
    pub(crate) store_password: bool,
}

fn current_user() -> String {
    ["USER", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".to_owned())
}

fn parse_labels(labels: &[String]) -> CliResult<BTreeMap<String, String>> {
    labels
        .iter()
        .map(|l| match l.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
            _ => Err(Failure::Usage(format!(
                "--label must be KEY=VALUE, not `{l}`"
            ))),
        })
        .collect()
}

fn state_name(state: VersionState) -> &'static str {
    match state {
        VersionState::Live => "live",
        VersionState::Deleted => "deleted",
        VersionState::Destroyed => "destroyed",
        _ => "unknown",
    }
}

/// Opens the store and refuses early (before any password prompt) when it
/// already holds a live key and `--force` is off.
pub(crate) fn open_for_new_key(uri: &str, force: bool) -> CliResult<Store> {
    let store = Store::open(uri)?;
    if !force
        && store
            .versions()?
            .iter()
            .any(|v| v.state == VersionState::Live)
    {
        return Err(Error::AlreadyExists {
            path: PathBuf::from(store.key_ref().to_string()),
        }
        .into());
    }
    Ok(store)
}

/// Seals `key` with `password` and puts it into `store` as a new version.
pub(crate) fn put_new_key(
    store: &Store,
    key: &PrivateKey,
    password: Password,
    options: &StoreWrite,
) -> CliResult<()> {
    let labels = parse_labels(&options.labels)?;
    let created_by = options.created_by.clone().unwrap_or_else(current_user);
    let mut metadata = KeyMetadata::new(key.public_key(), &created_by);
    metadata.labels = labels;
    let record = KeyPairRecord {
        private_key: key.encrypt(&password)?,
        public_key: key.public_key().clone(),
        password: options.store_password.then_some(password),
        metadata,
    };
    let put = PutOptions {
        overwrite: options.force,
        expected_version: None,
    };
    let version = store.put(record, &put)?;
    note!(
        "Key pair stored in {} as version {version}",
        store.key_ref()
    );
    note!("Fingerprint: {}", key.fingerprint());
    Ok(())
}

/// `generate-key-pair --kms`: creates the key inside the KMS and writes only
/// its public key, as `cosign generate-key-pair --kms` does.
pub(crate) fn generate_in_kms(
    uri: &str,
    algorithm: Algorithm,
    prefix: &str,
    force: bool,
) -> CliResult<()> {
    let pub_path = PathBuf::from(format!("{prefix}.pub"));
    refuse_existing(&[&pub_path], force)?;
    let kms = KmsKey::open(uri)?;
    let public = kms.create(algorithm)?;
    let overwrite = if force { Overwrite::Yes } else { Overwrite::No };
    write_atomic(
        &pub_path,
        public.to_pem().as_bytes(),
        PUBLIC_FILE_MODE,
        overwrite,
    )?;
    note!("Key created in {}", kms.handle());
    note!("Public key written to {}", pub_path.display());
    note!("Fingerprint: {}", public.fingerprint());
    Ok(())
}

/// `versions`: one line per version, tab-separated: number, state,
/// fingerprint, created-at (`-` when unknown).
pub(crate) fn list_versions(source: &KeySource) -> CliResult<()> {
    let dash = || "-".to_owned();
    match source {
        KeySource::Store(uri) => {
            for v in Store::open(uri)?.versions()? {
                outln!(
                    "{}\t{}\t{}\t{}",
                    v.version,
                    state_name(v.state),
                    v.fingerprint.map_or_else(dash, |f| f.to_string()),
                    v.created_at.map_or_else(dash, format_rfc3339),
                )?;
            }
        }
        KeySource::Kms(uri) => {
            for v in KmsKey::open(uri)?.versions()? {
                outln!(
                    "{}\tlive\t{}\t{}",
                    v.version,
                    v.public_key.fingerprint(),
                    v.created_at.map_or_else(dash, format_rfc3339),
                )?;
            }
        }
        KeySource::File(path) => {
            return Err(Failure::Usage(format!(
                "{} is a key file, which has no versions; give a store (file://DIR, a \
                 directory, env://, vault-kv://) or a KMS URI",
                path.display()
            )))
        }
    }
    Ok(())
}

/// `change-password` on a store: the newest version, re-sealed under the new
/// password, becomes a new version (check-and-set against concurrent
/// writers). Earlier versions keep the old password.
pub(crate) fn change_password(uri: &str) -> CliResult<()> {
    let store = Store::open(uri)?;
    let stored = store.get(None)?;
    let versions = store.versions()?;
    let newest_live = versions
        .iter()
        .filter(|v| v.state == VersionState::Live)
        .map(|v| v.version)
        .max();
    if newest_live != Some(stored.version) {
        return Err(Error::Conflict {
            what: uri.to_owned(),
            reason: "the store changed while it was read; run the command again".into(),
        }
        .into());
    }
    let counter = versions
        .iter()
        .map(|v| v.version)
        .max()
        .unwrap_or(stored.version);
    let kept_password = stored.password.is_some();
    let old = match stored.password {
        Some(pw) => pw,
        None => password::existing()?,
    };
    let unlocked = stored.private_key.decrypt(&old)?;
    let new = password::new_for_change()?;
    let resealed = unlocked.encrypt_with(&new, stored.private_key.scrypt_params())?;
    let mut metadata = KeyMetadata::new(&stored.public_key, &current_user());
    metadata.labels = stored.metadata.labels;
    let record = KeyPairRecord {
        private_key: resealed,
        public_key: stored.public_key,
        password: kept_password.then_some(new),
        metadata,
    };
    let options = PutOptions {
        overwrite: true,
        expected_version: Some(counter),
    };
    let version = store.put(record, &options)?;
    note!(
        "Password changed: {} version {version} (version {} still opens with the old password)",
        store.key_ref(),
        stored.version
    );
    Ok(())
}
