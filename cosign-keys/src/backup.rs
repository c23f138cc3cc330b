//! Encrypted offline backups of a keyring, and recovery — with the
//! passphrase optionally split into shares (split knowledge).
//!
//! A backup is one [age](https://age-encryption.org/v1) file, ASCII-armored
//! (`-----BEGIN AGE ENCRYPTED FILE-----`, printable, fine for paper or a
//! USB stick in a safe), encrypted to a passphrase with age's scrypt
//! recipient. Inside is the keyring manifest, the signature ledger, a copy
//! of the audit log and every locally stored key version that still has
//! private material (cosign's encrypted PEMs, public keys, metadata; see the
//! `archive` module). KMS keys are recorded in the manifest but have no
//! private material to back up.
//!
//! The passphrase is either chosen by the caller, or generated (32 random
//! bytes) and split into `n` shares of which any `k` recover it
//! ([`ShareSet`]). `age` decrypts the file with the passphrase alone
//! (`age -d backup.age`); shares are combined with [`combine_shares`] or by
//! [`recover`].
//!
//! Recovery writes every key back into its store (the original URI, or one
//! mapped with [`RecoveryOptions::store_map`]), updates the manifest's store
//! versions to where the keys landed, saves the manifest and ledger into the
//! target document store, restores the audit log if the target has none,
//! and audits the recovery.

use std::io::{Read, Write};
use std::path::Path;

use age::secrecy::SecretString;
use base64ct::{Base64, Encoding};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::audit::{AuditEvent, AuditHead, EventKind};
use crate::fs::{Overwrite, PRIVATE_FILE_MODE};
use crate::keyring::{
    canonical_input, HistoryEntry, HistoryEvent, KeyLocation, Keyring, KeyringConfig, Presence,
};
use crate::limits::{self, Input};
use crate::store::{KeyMetadata, KeyPairRecord, PutOptions};
use crate::{
    Actor, DecryptOptions, EncryptedPrivateKey, Error, Kdf, Password, PublicKey, Result,
    ScryptParams, Timestamp,
};

mod archive;
pub mod blocking;
mod shares;

use archive::{Archive, ArchivedKey};
pub use shares::ShareSet;

/// How a backup is protected.
///
/// Not `Clone` and not `Debug`: it may hold the passphrase.
pub enum BackupSecret {
    /// A passphrase the caller chose (and keeps).
    Passphrase(Password),
    /// A generated passphrase split into `shares` shares, any `threshold` of
    /// which recover it (2 ≤ threshold ≤ shares ≤ 255).
    Shares {
        /// How many shares recover the passphrase.
        threshold: u8,
        /// How many shares to make.
        shares: u8,
    },
}

/// How the secret is given back at recovery.
///
/// Not `Clone` and not `Debug`.
pub enum RecoverySecret {
    /// The passphrase.
    Passphrase(Password),
    /// At least `threshold` shares of one set, as printed.
    Shares(Vec<String>),
}

/// Options of [`create`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BackupOptions {
    /// age's scrypt work factor (log2 N); `None`: the largest one the
    /// default KDF limits accept at recovery ([`default_work_factor`], 17:
    /// 128 MiB, the same cost as cosign's largest key files). A higher
    /// factor makes a backup that only a recovery with raised
    /// [`RecoveryOptions::kdf_limits`] opens.
    pub work_factor: Option<u8>,
    /// Replace an existing backup file.
    pub overwrite: bool,
}

/// Options of [`recover`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecoveryOptions {
    /// Store URIs to restore into instead of the original ones:
    /// `(original, replacement)` pairs.
    pub store_map: Vec<(String, String)>,
    /// Replace a keyring that exists at the target.
    pub overwrite: bool,
    /// The limits on the scrypt cost in the backup's age header, the same
    /// limits (and defaults: 256 MiB of memory) as for Cosign key files.
    /// Checked before any key derivation: a hostile header asking for more
    /// is refused with [`Error::KdfLimitExceeded`] at once.
    pub kdf_limits: DecryptOptions,
    /// The highest scrypt work factor (log2 N) to accept, overriding the
    /// one [`RecoveryOptions::kdf_limits`] allows; `None`: from the limits.
    pub max_work_factor: Option<u8>,
}

/// The largest age work factor (log2 N, with age's r = 8, p = 1) whose
/// scrypt cost is within `limits`.
///
/// ```
/// use cosign_keys::backup::max_work_factor;
/// use cosign_keys::DecryptOptions;
/// assert_eq!(max_work_factor(&DecryptOptions::default()), 17);
/// // scrypt needs 128·r·(N + p) bytes, so exactly 2 GiB falls 1 KiB short of N = 2^21.
/// let roomy = DecryptOptions::default().with_max_memory_bytes(1 << 31).with_max_work(1 << 24);
/// assert_eq!(max_work_factor(&roomy), 20);
/// ```
#[must_use]
pub fn max_work_factor(limits: &DecryptOptions) -> u8 {
    (1..=63u8)
        .take_while(|&log_n| ScryptParams::new(log_n, 8, 1).is_ok_and(|p| limits.check(&p).is_ok()))
        .last()
        .unwrap_or(0)
}

/// The work factor backups are made with unless [`BackupOptions`] says
/// otherwise: the largest the default limits accept at recovery.
///
/// ```
/// assert_eq!(cosign_keys::backup::default_work_factor(), 17);
/// ```
#[must_use]
pub fn default_work_factor() -> u8 {
    max_work_factor(&DecryptOptions::default())
}

/// A key in a backup summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BackupKey {
    /// Keyring id.
    pub id: u32,
    /// Fingerprint.
    #[schemars(with = "crate::Fingerprint")]
    pub fingerprint: String,
    /// Where it was (backup) or where it is now (recovery).
    pub location: KeyLocation,
}

/// What [`create`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BackupSummary {
    /// The backup file.
    pub path: String,
    /// When.
    pub created_at: Timestamp,
    /// The keyring backed up.
    pub keyring: String,
    /// Its revision.
    pub manifest_revision: u64,
    /// The key versions whose private material is in the backup.
    pub keys: Vec<BackupKey>,
    /// With shares: the set id printed on each.
    pub share_set: Option<String>,
    /// With shares: how many recover the passphrase.
    pub threshold: Option<u8>,
    /// With shares: how many were made.
    pub shares: Option<u8>,
    /// The audit log's head after the backup's records.
    pub audit_head: AuditHead,
}

/// What [`recover`] restored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RecoverySummary {
    /// The keyring written.
    pub keyring: String,
    /// Its revision.
    pub revision: u64,
    /// The keys restored, at their new locations.
    pub keys: Vec<BackupKey>,
    /// Whether the audit log was restored from the backup.
    pub audit_restored: bool,
    /// The audit log's head after the recovery record.
    pub audit_head: AuditHead,
}

fn failed(reason: impl Into<String>) -> Error {
    Error::RecoveryFailed {
        reason: reason.into(),
    }
}

fn passphrase_text(password: &Password) -> Result<SecretString> {
    let text =
        std::str::from_utf8(password.expose_secret()).map_err(|_| Error::InvalidArgument {
            name: "passphrase",
            reason: "an age passphrase must be UTF-8 text".into(),
        })?;
    if text.is_empty() {
        return Err(Error::InvalidArgument {
            name: "passphrase",
            reason: "the backup passphrase must not be empty".into(),
        });
    }
    Ok(SecretString::from(text.to_owned()))
}

/// The passphrase a share set stands for: the 32 random bytes, hex.
fn passphrase_of(secret: &[u8]) -> Result<Password> {
    let mut hex = Zeroizing::new(vec![0u8; secret.len() * 2]);
    let hex = base16ct::lower::encode(secret, &mut hex).map_err(|_| Error::RecoveryFailed {
        reason: "internal error: hex buffer of the wrong size".into(),
    })?;
    Ok(Password::from_slice(hex))
}

/// Combines shares (at least `threshold` of one set) into the backup
/// passphrase. Useful with `age -d` directly.
///
/// ```
/// use cosign_keys::backup::combine_shares;
/// let err = combine_shares(&["not a share"]).err().unwrap();
/// assert_eq!(err.code(), cosign_keys::ErrorCode::RecoveryFailed);
/// ```
///
/// # Errors
/// [`Error::RecoveryFailed`]: too few shares ("3 of 5 shares needed, 2
/// given"), shares of different sets, a corrupted or foreign share, a share
/// given twice.
pub fn combine_shares(shares: &[&str]) -> Result<Password> {
    let secret = shares::combine(shares)?;
    passphrase_of(&secret)
}

/// Writes an encrypted backup of `keyring` to `out` (mode 0600), and
/// returns what it holds and, for [`BackupSecret::Shares`], the shares.
/// Every private key read is audited (`key.accessed`), then the backup
/// (`backup.created`).
///
/// Each key's stored public key is checked against the keyring's
/// fingerprint before it is read out ([`Error::KeyMismatch`] for another
/// key, [`Error::NotFound`] for none); the backup records every location
/// absolute.
///
/// # Errors
/// [`Error::Conflict`] while an operation is pending (finish it first);
/// [`Error::AlreadyExists`] for an existing file without `overwrite`;
/// [`Error::InvalidArgument`] for a bad passphrase or share counts; store,
/// I/O and audit errors.
pub async fn create(
    keyring: &Keyring,
    out: &Path,
    secret: &BackupSecret,
    options: &BackupOptions,
    actor: &Actor,
    now: Timestamp,
) -> Result<(BackupSummary, Option<ShareSet>)> {
    if !options.overwrite && out.symlink_metadata().is_ok() {
        return Err(Error::AlreadyExists {
            path: out.to_path_buf(),
        });
    }
    // Check the secret's shape before reading any key.
    let (passphrase, share_set) = match secret {
        BackupSecret::Passphrase(p) => (passphrase_text(p)?, None),
        BackupSecret::Shares { threshold, shares } => {
            let mut random = Zeroizing::new([0u8; 32]);
            crate::rand::fill(random.as_mut())?;
            let set = shares::split(random.as_ref(), *threshold, *shares)?;
            (
                passphrase_text(&passphrase_of(random.as_ref())?)?,
                Some(set),
            )
        }
    };
    let state = keyring.load_flushed(now).await?;
    if let Some(p) = &state.manifest.pending {
        return Err(Error::Conflict {
            what: keyring.location(),
            reason: format!(
                "{} {} is pending; finish it before a backup",
                p.kind.as_str(),
                p.id
            ),
        });
    }
    let target = out.display().to_string();
    let mut keys = Vec::new();
    let mut summary_keys = Vec::new();
    for record in &state.manifest.keys {
        let KeyLocation::Store { version, .. } = &record.location else {
            continue;
        };
        if record.state == crate::keyring::KeyState::Destroyed {
            continue;
        }
        // A key is its fingerprint: what is at the recorded location must be
        // the recorded key before it is read out or audited as accessed.
        let store = match keyring.check_stored(record).await? {
            Presence::Present(store) => store,
            Presence::Destroyed => {
                return Err(Error::NotFound {
                    what: format!(
                        "the private material of key {} (its store records that version \
                         destroyed, but the keyring does not: destroy it in the keyring first)",
                        record.label()
                    ),
                })
            }
        };
        let location = keyring.resolved_location(&record.location)?;
        let KeyLocation::Store { uri, .. } = &location else {
            continue;
        };
        keyring.emit(
            state.manifest.anchor().as_ref(),
            AuditEvent::new(EventKind::KeyAccessed, actor)
                .fingerprint(record.fingerprint)
                .target(format!("backup {target}")),
            now,
        )?;
        let stored = store.get(Some(*version)).await?;
        if stored.public_key.fingerprint() != record.fingerprint {
            return Err(Error::KeyMismatch {
                location: location.to_string(),
                expected: record.fingerprint.to_string(),
                found: stored.public_key.fingerprint().to_string(),
            });
        }
        keys.push(ArchivedKey {
            key_id: record.id,
            fingerprint: record.fingerprint.to_string(),
            uri: uri.clone(),
            version: *version,
            private_key: stored.private_key.to_pem(),
            public_key: stored.public_key.to_pem(),
            password_base64: stored
                .password
                .as_ref()
                .map(|p| Base64::encode_string(p.expose_secret())),
            created_by: stored.metadata.created_by.clone(),
            created_at: stored.metadata.created_at.into(),
            labels: stored.metadata.labels.clone(),
        });
        summary_keys.push(BackupKey {
            id: record.id,
            fingerprint: record.fingerprint.to_string(),
            location: location.clone(),
        });
    }
    let ledger = keyring
        .ledger_document()
        .await?
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
    let audit_log = limits::read_file_optional(keyring.audit_log().path(), Input::AuditLog)?
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    let archive = Archive {
        format: archive::FORMAT.to_owned(),
        version: 1,
        created_at: now,
        keyring: keyring.location(),
        manifest_revision: state.revision,
        manifest: state.manifest.clone(),
        ledger,
        audit_log,
        keys,
    };
    let plaintext =
        Zeroizing::new(
            serde_json::to_vec(&archive).map_err(|e| Error::InvalidArgument {
                name: "backup",
                reason: e.to_string(),
            })?,
        );
    let ciphertext = encrypt(&plaintext, passphrase, options.work_factor)?;
    let overwrite = if options.overwrite {
        Overwrite::Yes
    } else {
        Overwrite::No
    };
    // Under a lock beside it, tidying what a killed earlier attempt left.
    crate::fs::write_atomic_tidy(out, &ciphertext, PRIVATE_FILE_MODE, overwrite)?;
    let mut event = AuditEvent::new(EventKind::BackupCreated, actor).target(target.clone());
    for key in &summary_keys {
        event = event.fingerprint(&key.fingerprint);
    }
    let audit_head = keyring.emit(state.manifest.anchor().as_ref(), event, now)?;
    Ok((
        BackupSummary {
            path: target,
            created_at: now,
            keyring: keyring.location(),
            manifest_revision: state.revision,
            keys: summary_keys,
            share_set: share_set.as_ref().map(|s| s.set_id().to_owned()),
            threshold: share_set.as_ref().map(ShareSet::threshold),
            shares: share_set
                .as_ref()
                .map(|s| u8::try_from(s.len()).unwrap_or(u8::MAX)),
            audit_head,
        },
        share_set,
    ))
}

fn encrypt(plaintext: &[u8], passphrase: SecretString, work_factor: Option<u8>) -> Result<Vec<u8>> {
    let mut recipient = age::scrypt::Recipient::new(passphrase);
    recipient.set_work_factor(work_factor.unwrap_or_else(default_work_factor));
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
            .map_err(|e| Error::InvalidArgument {
                name: "backup",
                reason: format!("age: {e}"),
            })?;
    let mut out = Vec::new();
    let write = |out: &mut Vec<u8>| -> std::io::Result<()> {
        let armor = age::armor::ArmoredWriter::wrap_output(out, age::armor::Format::AsciiArmor)?;
        let mut writer = encryptor.wrap_output(armor)?;
        writer.write_all(plaintext)?;
        writer.finish()?.finish()?;
        Ok(())
    };
    write(&mut out).map_err(|_| Error::Crypto {
        context: "age encryption",
    })?;
    Ok(out)
}

pub(crate) fn decrypt(
    ciphertext: &[u8],
    passphrase: SecretString,
    options: &RecoveryOptions,
) -> Result<Zeroizing<Vec<u8>>> {
    limits::check_len("the backup", ciphertext.len(), Input::Backup)?;
    let reader = age::armor::ArmoredReader::new(ciphertext);
    let decryptor =
        age::Decryptor::new(reader).map_err(|e| failed(format!("not an age backup file: {e}")))?;
    if !decryptor.is_scrypt() {
        return Err(failed(
            "this age file is not encrypted to a passphrase: it is not a cosign-keys backup",
        ));
    }
    let max = options
        .max_work_factor
        .unwrap_or_else(|| max_work_factor(&options.kdf_limits));
    // age checks the header's work factor against this before running
    // scrypt (and before the header MAC, which needs the derived key).
    let mut identity = age::scrypt::Identity::new(passphrase);
    identity.set_max_work_factor(max);
    let mut reader = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::ExcessiveWork { required, .. } => {
                excessive_work(required, max, &options.kdf_limits)
            }
            _ => failed(
                "the passphrase (or the shares) does not open this backup: wrong passphrase, \
                 shares of another backup, or a damaged file",
            ),
        })?;
    let mut plaintext = Zeroizing::new(Vec::new());
    reader
        .read_to_end(&mut plaintext)
        .map_err(|e| failed(format!("the backup is damaged: {e}")))?;
    Ok(plaintext)
}

/// Parses a decrypted backup (the JSON inside the age file) and writes it
/// back: the archive's manifest and its serialized form. The entry point of
/// [`crate::fuzzing::backup_archive`].
pub(crate) fn archive_round_trip(plaintext: &[u8]) -> Result<(crate::keyring::Manifest, Vec<u8>)> {
    let archive = Archive::from_json(plaintext)?;
    let json = serde_json::to_vec(&archive).map_err(|e| failed(e.to_string()))?;
    Ok((archive.manifest.clone(), json))
}

/// The refusal of a header work factor over the limit, in the terms of the
/// KDF limits (age's scrypt has r = 8, p = 1).
fn excessive_work(required: u8, max: u8, limits: &DecryptOptions) -> Error {
    let cost = |log_n: u8| {
        ScryptParams::new(log_n.min(62), 8, 1)
            .map_or((u64::MAX, u64::MAX), |p| (p.memory_bytes(), p.work()))
    };
    let (required_bytes, required_work) = cost(required);
    let (limit_bytes, limit_work) = if max == max_work_factor(limits) {
        (limits.max_memory_bytes(), limits.max_work())
    } else {
        cost(max)
    };
    Error::KdfLimitExceeded {
        kdf: Kdf::AgeScrypt,
        required_bytes,
        limit_bytes,
        required_work,
        limit_work,
    }
}

/// Restores a backup into the keyring described by `target` (its manifest
/// and ledger locations, its audit log), writing every key back into its
/// store. The restored keys are the same keys: same fingerprints, same
/// encrypted PEMs (their own passwords still unlock them).
///
/// Fingerprints are checked on the way: each key in the backup must be the
/// key its manifest records under that id, and what the target store holds
/// (found there, or just written) must be that key. Relative store
/// locations of an older manifest are relative to the manifest, that is to
/// the target's directory; every restored location is recorded absolute.
///
/// # Errors
/// [`Error::RecoveryFailed`] for too few, mixed or damaged shares, a wrong
/// passphrase or a file that is not a backup; [`Error::KeyMismatch`];
/// [`Error::KdfLimitExceeded`] when the backup's scrypt work factor is over
/// the limits (checked before any derivation); [`Error::InputTooLarge`] for
/// a backup over the [`Input::Backup`] size limit; [`Error::Conflict`] when
/// a keyring exists at the target and `overwrite` is off; store and audit
/// errors.
pub async fn recover(
    backup: &[u8],
    secret: &RecoverySecret,
    target: &KeyringConfig,
    options: &RecoveryOptions,
    actor: &Actor,
    now: Timestamp,
) -> Result<RecoverySummary> {
    let passphrase = match secret {
        RecoverySecret::Passphrase(p) => passphrase_text(p).map_err(|e| failed(e.to_string()))?,
        RecoverySecret::Shares(texts) => {
            let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
            passphrase_text(&combine_shares(&texts)?)?
        }
    };
    let plaintext = decrypt(backup, passphrase, options)?;
    let archive = Archive::from_json(&plaintext)?;
    let keyring = Keyring::open(target.clone()).await?;

    let existing = keyring.manifest().await?;
    let expected = match existing {
        Some((_, revision)) if options.overwrite => revision,
        Some(_) => {
            return Err(Error::Conflict {
                what: keyring.location(),
                reason: "a keyring already exists there; recover elsewhere or allow overwrite"
                    .into(),
            })
        }
        None => 0,
    };

    let mut manifest = archive.manifest.clone();
    let mut restored = Vec::new();
    for key in &archive.keys {
        // The backup's key must be the key its manifest records under that id.
        let recorded = manifest.key(key.key_id)?.fingerprint.to_string();
        if recorded != key.fingerprint {
            return Err(Error::KeyMismatch {
                location: format!("the backup's copy of key #{}", key.key_id),
                expected: recorded,
                found: key.fingerprint.clone(),
            });
        }
        // A relative location (from an older manifest) is relative to the
        // manifest, which is now the target's; a mapped one is the caller's.
        let original = keyring.resolve_recorded(&key.uri)?;
        let uri = match options.store_map.iter().find(|(from, _)| {
            from == &key.uri || canonical_input(from).is_ok_and(|f| f == original)
        }) {
            Some((_, to)) => canonical_input(to)?,
            None => original,
        };
        let version = restore_key(&keyring, key, &uri).await?;
        let location = KeyLocation::Store {
            uri: uri.clone(),
            version,
        };
        let record = manifest.key_mut(key.key_id)?;
        record.location = location.clone();
        record.history.push(HistoryEntry {
            event: HistoryEvent::Recovered,
            state: record.state,
            at: now,
            by: actor.clone(),
            incident: None,
            operation: None,
        });
        restored.push(BackupKey {
            id: key.key_id,
            fingerprint: key.fingerprint.clone(),
            location,
        });
    }

    let audit_path = keyring.audit_log().path().to_path_buf();
    let audit_empty = std::fs::metadata(&audit_path).map_or(true, |m| m.len() == 0);
    let audit_restored = audit_empty && !archive.audit_log.is_empty();
    if audit_restored {
        if let Some(dir) = audit_path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::fs::step_create(dir)?;
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        crate::fs::write_atomic_tidy(
            &audit_path,
            archive.audit_log.as_bytes(),
            PRIVATE_FILE_MODE,
            Overwrite::Yes,
        )?;
    }

    if !audit_restored {
        // The target's log is another chain: anchor the manifest to it.
        manifest.audit_head = None;
        manifest.audit_offset = None;
    }
    let revision = keyring.save(&mut manifest, expected, now).await?;
    if let Some(ledger) = &archive.ledger {
        keyring.restore_ledger(ledger.as_bytes()).await?;
    }
    let mut event = AuditEvent::new(EventKind::BackupRecovered, actor).target(format!(
        "from backup of {} taken {}",
        archive.keyring, archive.created_at
    ));
    for key in &restored {
        event = event.fingerprint(&key.fingerprint);
    }
    let audit_head = keyring.emit(manifest.anchor().as_ref(), event, now)?;
    Ok(RecoverySummary {
        keyring: keyring.location(),
        revision,
        keys: restored,
        audit_restored,
        audit_head,
    })
}

/// Puts one archived key into the store at `uri`, or finds it there
/// already (a retried recovery, or a store that was not lost).
async fn restore_key(keyring: &Keyring, key: &ArchivedKey, uri: &str) -> Result<u64> {
    let public = PublicKey::from_pem(key.public_key.as_bytes())?;
    let fingerprint = public.fingerprint();
    if fingerprint.to_string() != key.fingerprint {
        return Err(failed(format!(
            "key #{} in the backup does not match its fingerprint",
            key.key_id
        )));
    }
    let store = crate::store::open(uri, keyring.store_options()).await?;
    let check = |version: u64, found: crate::Fingerprint| {
        if found == fingerprint {
            Ok(version)
        } else {
            Err(Error::KeyMismatch {
                location: format!("{uri} (version {version})"),
                expected: fingerprint.to_string(),
                found: found.to_string(),
            })
        }
    };
    for info in store.versions().await? {
        if info.fingerprint == Some(fingerprint) && info.state == crate::store::VersionState::Live {
            // The index says so; the public key stored there must agree.
            let found = store.get_public(Some(info.version)).await?;
            return check(info.version, found.public_key.fingerprint());
        }
    }
    let password = key
        .password_base64
        .as_ref()
        .map(|b64| {
            Base64::decode_vec(b64)
                .map(Password::new)
                .map_err(|_| failed(format!("key #{}: the kept password is damaged", key.key_id)))
        })
        .transpose()?;
    let mut metadata = KeyMetadata::new(&public, &key.created_by);
    metadata.created_at = key.created_at.into();
    metadata.labels = key.labels.clone();
    let record = KeyPairRecord {
        private_key: EncryptedPrivateKey::from_pem(key.private_key.as_bytes())?,
        public_key: public,
        password,
        metadata,
    };
    let version = store
        .put(
            record,
            &PutOptions {
                overwrite: true,
                expected_version: None,
            },
        )
        .await?;
    let found = store.get_public(Some(version)).await?;
    check(version, found.public_key.fingerprint())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real backup at work factor 10, with the header's scrypt stanza
    /// edited to ask for `log_n` (its MAC is now wrong: the limit check has
    /// to come first).
    fn hostile(log_n: u8) -> Vec<u8> {
        let armored = encrypt(b"{}", SecretString::from("pw".to_owned()), Some(10)).unwrap();
        let text = String::from_utf8(armored).unwrap();
        let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
        let binary = Base64::decode_vec(&body).unwrap();
        let header_end = binary.windows(4).position(|w| w == b"\n---").unwrap();
        let header = std::str::from_utf8(&binary[..header_end]).unwrap();
        let edited = header.replace(" 10\n", &format!(" {log_n}\n"));
        assert_ne!(edited, header);
        let mut out = edited.into_bytes();
        out.extend_from_slice(&binary[header_end..]);
        out
    }

    #[test]
    fn a_hostile_work_factor_is_refused_before_deriving() {
        let err = decrypt(
            &hostile(22),
            SecretString::from("pw".to_owned()),
            &RecoveryOptions::default(),
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                Error::KdfLimitExceeded {
                    kdf: Kdf::AgeScrypt,
                    ..
                }
            ),
            "{err}"
        );
        let msg = err.to_string();
        assert!(msg.contains("work factor 22"), "{msg}");
        assert!(msg.contains("work factor 17"), "{msg}");
    }

    #[test]
    fn the_limits_are_the_envelope_limits_and_can_be_changed() {
        let backup = encrypt(b"{}", SecretString::from("pw".to_owned()), Some(12)).unwrap();
        let mut options = RecoveryOptions::default();
        assert!(decrypt(&backup, SecretString::from("pw".to_owned()), &options).is_ok());
        options.kdf_limits = DecryptOptions::default().with_max_memory_bytes(3 << 20);
        assert_eq!(max_work_factor(&options.kdf_limits), 11);
        let err = decrypt(&backup, SecretString::from("pw".to_owned()), &options).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::KdfLimitExceeded);
    }

    #[test]
    fn backups_are_made_within_the_default_limits() {
        assert_eq!(default_work_factor(), 17);
    }
}
