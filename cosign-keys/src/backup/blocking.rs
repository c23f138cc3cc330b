//! Synchronous [`create`](super::create) and [`recover`](super::recover),
//! for sync Rust, the C ABI and Python. Safe inside a Tokio runtime.

use std::path::Path;

use super::{
    BackupOptions, BackupSecret, BackupSummary, RecoveryOptions, RecoverySecret, RecoverySummary,
    ShareSet,
};
use crate::keyring::{blocking::Keyring, KeyringConfig};
use crate::runtime::block_on;
use crate::{Actor, Result, Timestamp};

/// See [`super::create`].
///
/// ```
/// use cosign_keys::backup::{blocking, BackupOptions, BackupSecret, RecoverySecret, RecoveryOptions};
/// use cosign_keys::keyring::{blocking::Keyring, KeyringConfig, RotationPolicy};
/// use cosign_keys::{Actor, Timestamp};
///
/// let dir = std::env::temp_dir().join(format!("ck-backup-doc-{}", std::process::id()));
/// # let _ = std::fs::remove_dir_all(&dir);
/// let config = KeyringConfig::new(dir.join("keyring.json").to_str().unwrap(), dir.join("audit.jsonl"));
/// let keyring = Keyring::open(config)?;
/// let (alice, now) = (Actor::new("alice", "drill"), Timestamp::now());
/// keyring.init(RotationPolicy::annual(), &alice, now)?;
///
/// let mut options = BackupOptions::default();
/// options.work_factor = Some(10); // cheap for the example; the default costs about a second
/// let secret = BackupSecret::Shares { threshold: 2, shares: 3 };
/// let (summary, shares) = blocking::create(&keyring, &dir.join("backup.age"), &secret, &options, &alice, now)?;
/// let shares = shares.unwrap();
/// assert_eq!(summary.threshold, Some(2));
///
/// // One share is not enough, and says so.
/// let one = RecoverySecret::Shares(vec![shares.expose_shares()[0].to_owned()]);
/// let target = KeyringConfig::new(dir.join("restored.json").to_str().unwrap(), dir.join("restored.jsonl"));
/// let bytes = std::fs::read(dir.join("backup.age")).unwrap();
/// let err = blocking::recover(&bytes, &one, &target, &RecoveryOptions::default(), &alice, now).err().unwrap();
/// assert!(err.to_string().contains("2 of 3 shares needed, 1 given"));
///
/// let two = RecoverySecret::Shares(shares.expose_shares()[1..].iter().map(|s| s.to_string()).collect());
/// blocking::recover(&bytes, &two, &target, &RecoveryOptions::default(), &alice, now)?;
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), cosign_keys::Error>(())
/// ```
///
/// # Errors
/// As [`super::create`].
pub fn create(
    keyring: &Keyring,
    out: &Path,
    secret: &BackupSecret,
    options: &BackupOptions,
    actor: &Actor,
    now: Timestamp,
) -> Result<(BackupSummary, Option<ShareSet>)> {
    block_on(super::create(
        keyring.as_async(),
        out,
        secret,
        options,
        actor,
        now,
    ))
}

/// See [`super::recover`].
///
/// # Errors
/// As [`super::recover`].
pub fn recover(
    backup: &[u8],
    secret: &RecoverySecret,
    target: &KeyringConfig,
    options: &RecoveryOptions,
    actor: &Actor,
    now: Timestamp,
) -> Result<RecoverySummary> {
    block_on(super::recover(backup, secret, target, options, actor, now))
}
