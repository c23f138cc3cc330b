//! Encrypted keyring backups and recovery (`cosign_keys::backup::blocking`),
//! with the passphrase optionally split into shares. age's scrypt, the store
//! reads and writes and the audit appends all run with the GIL released.

use std::path::PathBuf;

use cosign_keys::backup::{
    blocking, combine_shares as combine, BackupOptions, BackupSecret, RecoveryOptions,
    RecoverySecret,
};
use cosign_keys::keyring::{to_json, KeyringConfig};
use cosign_keys::Error;
use pyo3::prelude::*;
use pyo3::types::PyByteArray;

use crate::convert::PasswordArg;
use crate::error::BindingResult;
use crate::keyring::{actor, timestamp, ActorArg, PyKeyring};

/// The backup secret: a passphrase, or `threshold`-of-`shares` shares of a
/// generated one (exactly one of the two).
fn backup_secret(
    passphrase: Option<PasswordArg>,
    threshold: Option<u8>,
    shares: Option<u8>,
) -> cosign_keys::Result<BackupSecret> {
    match (passphrase, threshold, shares) {
        (Some(p), None, None) => Ok(BackupSecret::Passphrase(p.0)),
        (None, Some(threshold), Some(shares)) => Ok(BackupSecret::Shares { threshold, shares }),
        _ => Err(Error::InvalidArgument {
            name: "passphrase",
            reason: "give either a passphrase, or both threshold and shares (a generated \
                     passphrase split into shares)"
                .into(),
        }),
    }
}

/// Writes an encrypted backup of `keyring` to `out`; returns the summary
/// JSON and, with `threshold`/`shares`, the shares.
#[allow(clippy::too_many_arguments)]
#[pyfunction]
#[pyo3(signature = (
    keyring, out, actor, *, passphrase = None, threshold = None, shares = None,
    work_factor = None, overwrite = false, now = None
))]
pub(crate) fn backup_create(
    py: Python<'_>,
    keyring: PyRef<'_, PyKeyring>,
    out: PathBuf,
    actor: ActorArg,
    passphrase: Option<PasswordArg>,
    threshold: Option<u8>,
    shares: Option<u8>,
    work_factor: Option<u8>,
    overwrite: bool,
    now: Option<String>,
) -> BindingResult<(String, Option<Vec<String>>)> {
    let actor = self::actor(actor)?;
    let mut options = BackupOptions::default();
    options.work_factor = work_factor;
    options.overwrite = overwrite;
    let keyring = &keyring.0;
    let (summary, share_set) = py.detach(|| {
        let secret = backup_secret(passphrase, threshold, shares)?;
        blocking::create(keyring, &out, &secret, &options, &actor, timestamp(&now)?)
    })?;
    let shares = share_set.map(|set| set.expose_shares().into_iter().map(str::to_owned).collect());
    Ok((to_json(&summary), shares))
}

/// Restores the backup file at `path` into the keyring at `manifest` /
/// `audit_log` (and `signatures`), writing every key back into its store
/// (or the one `store_map` names); returns the summary JSON.
#[allow(clippy::too_many_arguments)]
#[pyfunction]
#[pyo3(signature = (
    path, manifest, audit_log, actor, *, passphrase = None, shares = None,
    signatures = None, store_map = Vec::new(), overwrite = false,
    max_work_factor = None, now = None
))]
pub(crate) fn backup_recover(
    py: Python<'_>,
    path: PathBuf,
    manifest: String,
    audit_log: PathBuf,
    actor: ActorArg,
    passphrase: Option<PasswordArg>,
    shares: Option<Vec<String>>,
    signatures: Option<String>,
    store_map: Vec<(String, String)>,
    overwrite: bool,
    max_work_factor: Option<u8>,
    now: Option<String>,
) -> BindingResult<String> {
    let actor = self::actor(actor)?;
    let mut target = KeyringConfig::new(manifest, audit_log);
    target.signatures = signatures;
    let mut options = RecoveryOptions::default();
    options.store_map = store_map;
    options.overwrite = overwrite;
    options.max_work_factor = max_work_factor;
    let summary = py.detach(|| {
        let secret = match (passphrase, shares) {
            (Some(p), None) => RecoverySecret::Passphrase(p.0),
            (None, Some(shares)) => RecoverySecret::Shares(shares),
            _ => {
                return Err(Error::InvalidArgument {
                    name: "passphrase",
                    reason: "give either the passphrase or the shares".into(),
                })
            }
        };
        let backup = cosign_keys::limits::read_file(&path, cosign_keys::limits::Input::Backup)?;
        blocking::recover(
            &backup,
            &secret,
            &target,
            &options,
            &actor,
            timestamp(&now)?,
        )
    })?;
    Ok(to_json(&summary))
}

/// Combines shares into the backup passphrase (for `age -d`), as a
/// `bytearray` the caller can wipe.
#[pyfunction]
pub(crate) fn combine_shares(
    py: Python<'_>,
    shares: Vec<String>,
) -> BindingResult<Bound<'_, PyByteArray>> {
    let passphrase = py.detach(|| {
        let texts: Vec<&str> = shares.iter().map(String::as_str).collect();
        combine(&texts)
    })?;
    Ok(PyByteArray::new(py, passphrase.expose_secret()))
}
