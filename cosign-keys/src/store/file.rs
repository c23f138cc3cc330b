//! The file store: a local directory that cosign itself can use.
//!
//! # Layout
//!
//! For `file:///etc/keys` (prefix `cosign`; `?prefix=release` changes every
//! `cosign` below):
//!
//! | path | what | mode |
//! |---|---|---|
//! | `cosign.key` | the newest live version's encrypted private key, cosign's PEM | 0600 |
//! | `cosign.pub` | its public key (PKIX PEM) | 0644 |
//! | `cosign.meta.json` | the index of every version: number, state, fingerprint, algorithm, created_by, created_at (RFC 3339 UTC), labels; format described in the sidecar section below | 0644 |
//! | `.cosign.versions/<n>/cosign.key`, `.pub` | every live version, the newest included | 0600 / 0644 |
//! | `.cosign.lock` | the advisory lock (`flock`) writers take exclusively and readers shared | 0644 |
//!
//! So `cosign sign-blob --key /etc/keys/cosign.key` keeps working, and the
//! store reads any version from the history directory.
//!
//! # Sidecar format (version 1)
//!
//! `cosign.meta.json` is JSON: `format` (`"cosign-keys-file-store"`),
//! `format_version` (`1`), `prefix`, `current_version` (the highest version
//! ever written: the check-and-set counter, never reused) and `versions`, one
//! object per version ever committed, oldest first: `version`, `state`
//! (`live`, `deleted` or `destroyed`), `fingerprint` (`SHA256:…`),
//! `algorithm` (e.g. `ecdsa-p256`), `created_by`, `created_at`
//! (`2025-01-31T12:00:00Z`), `labels` (string map). Readers ignore unknown
//! fields; an incompatible change raises `format_version`, which this build
//! then refuses ([`Error::NotSupported`]).
//!
//! # Crash safety
//!
//! Every file is written with [`write_atomic`] (temporary file, fsync,
//! link or rename, directory fsync), and a put goes in this order:
//!
//! 1. take the exclusive lock, re-read the index, check `expected_version`
//!    and `overwrite`;
//! 2. write `.cosign.versions/<n>/cosign.key` and `.pub` (new files only);
//! 3. replace `cosign.meta.json`: **the commit point**;
//! 4. replace `cosign.key`, then `cosign.pub`, with copies of version `n`.
//!
//! A crash before step 3 leaves the index, and so every earlier version and
//! the cosign names, as they were; the half-written version directory and
//! temporary files are unlisted leftovers, removed by the next write. A
//! crash during step 4 leaves version `n` committed and readable through the
//! store, while the cosign names may still show the previous pair (or, for
//! a moment, the new key beside the previous `.pub`); the next write through
//! the store brings them back in line. The store's own reads always go
//! through the index and the history directory, never the cosign names.
//!
//! Deletes commit the new state to the index first, then remove files, so a
//! crash leaves files of a deleted version behind at worst, and the next
//! write (which tidies under the lock) removes or destroys them.
//!
//! Directories without `cosign.meta.json` are read as version 1 (`cosign
//! generate-key-pair` output). Putting over one with `overwrite` first
//! adopts that pair as version 1. The index is what lists the history:
//! without it, version directories are taken for leftovers.
//!
//! # What it refuses
//!
//! - A [`KeyPairRecord`] carrying a password ([`Error::InvalidArgument`]): a
//!   password in a file beside the key it unlocks protects nothing.
//! - Writing over a live key without [`PutOptions::overwrite`]
//!   ([`Error::AlreadyExists`]), or with a stale
//!   [`PutOptions::expected_version`] ([`Error::Conflict`]).
//!
//! Permission errors and read-only file systems are
//! [`Error::PermissionDenied`] (backend `file`), naming the path.
//!
//! # Delete
//!
//! [`DeleteMode::Soft`] unlinks a version's files and marks it `deleted`.
//! [`DeleteMode::Destroy`] overwrites them first ([`shred`]; read its limits:
//! copy-on-write file systems, SSD wear levelling, snapshots, backups and
//! journals can keep the old bytes) and marks the version `destroyed`.
//! Deleting the newest version puts the previous live one back under the
//! cosign names. `delete(None, _)` removes every version, the cosign names,
//! the index and the lock file.

mod lock;
mod sidecar;

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use lock::Lock;
use sidecar::{Sidecar, StateName, VersionRecord};

use super::{
    DeleteMode, KeyMetadata, KeyPairRecord, KeyRef, KeyStore, PutOptions, StoredKey,
    StoredPublicKey, VersionInfo, VersionState,
};
use crate::fs::{shred, sync_dir, write_atomic, Overwrite, PRIVATE_FILE_MODE, PUBLIC_FILE_MODE};
use crate::{EncryptedPrivateKey, Error, PublicKey, Result};

/// A key store in a local directory. See the [module documentation](self)
/// for the layout, the write order and the limits of secure delete.
///
/// ```
/// use cosign_keys::store::file::FileStore;
/// use cosign_keys::store::{KeyStore, KeyRef};
///
/// let store = FileStore::new("/etc/cosign", "release")?;
/// assert_eq!(store.key_ref().to_string(), "file:///etc/cosign?prefix=release");
/// assert!(FileStore::new("/etc/cosign", "../x").is_err());
/// # Ok::<(), cosign_keys::Error>(())
/// ```
pub struct FileStore {
    key_ref: KeyRef,
    dir: PathBuf,
    prefix: String,
}

impl FileStore {
    /// A store in `dir` with files named `<prefix>.key`, `<prefix>.pub`, …
    /// Touches nothing on disk.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a prefix that is empty, `.`, `..` or
    /// has characters other than letters, digits, `-`, `_` and `.`.
    pub fn new(dir: impl Into<PathBuf>, prefix: &str) -> Result<Self> {
        let valid = !prefix.is_empty()
            && prefix != "."
            && prefix != ".."
            && prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !valid {
            return Err(Error::InvalidArgument {
                name: "prefix",
                reason: "use letters, digits, '-', '_' or '.' (not '.' or '..')".into(),
            });
        }
        let dir = dir.into();
        Ok(Self {
            key_ref: KeyRef::File {
                dir: dir.clone(),
                prefix: prefix.to_owned(),
            },
            dir,
            prefix: prefix.to_owned(),
        })
    }

    fn name(&self, suffix: &str) -> PathBuf {
        self.dir.join(format!("{}{suffix}", self.prefix))
    }
    fn key_path(&self) -> PathBuf {
        self.name(".key")
    }
    fn pub_path(&self) -> PathBuf {
        self.name(".pub")
    }
    fn sidecar_path(&self) -> PathBuf {
        self.name(".meta.json")
    }
    fn lock_path(&self) -> PathBuf {
        self.dir.join(format!(".{}.lock", self.prefix))
    }
    fn history_dir(&self) -> PathBuf {
        self.dir.join(format!(".{}.versions", self.prefix))
    }
    fn version_dir(&self, version: u64) -> PathBuf {
        self.history_dir().join(version.to_string())
    }
    fn version_key(&self, version: u64) -> PathBuf {
        self.version_dir(version)
            .join(format!("{}.key", self.prefix))
    }
    fn version_pub(&self, version: u64) -> PathBuf {
        self.version_dir(version)
            .join(format!("{}.pub", self.prefix))
    }
    fn what(&self) -> String {
        self.key_ref.to_string()
    }

    fn read_index(&self) -> Result<Option<Sidecar>> {
        let path = self.sidecar_path();
        crate::limits::read_file_optional(&path, crate::limits::Input::StoreIndex)?
            .map(|bytes| Sidecar::parse(&bytes, &path, &self.prefix))
            .transpose()
    }

    fn not_found(&self, detail: &str) -> Error {
        Error::NotFound {
            what: format!("{}{detail}", self.what()),
        }
    }

    /// The version record a read asks for, which must be live.
    fn resolve<'a>(&self, index: &'a Sidecar, version: Option<u64>) -> Result<&'a VersionRecord> {
        match version {
            None => index
                .latest_live()
                .ok_or_else(|| self.not_found(" (every version was deleted)")),
            Some(v) => match index.record(v) {
                None => Err(self.not_found(&format!(" version {v}"))),
                Some(r) if r.state == StateName::Live => Ok(r),
                Some(r) => Err(self.not_found(&format!(
                    " version {v} (it was {})",
                    if r.state == StateName::Deleted {
                        "deleted"
                    } else {
                        "destroyed"
                    }
                ))),
            },
        }
    }

    /// A committed version's public key, checked against the index.
    fn read_version_public(&self, record: &VersionRecord) -> Result<(PublicKey, KeyMetadata)> {
        let v = record.version;
        let path = self.version_pub(v);
        let pem = read_optional(&path)?.ok_or_else(|| {
            self.not_found(&format!(" version {v}: {} is missing", path.display()))
        })?;
        let public = PublicKey::from_pem(&pem)?;
        let metadata = record.metadata()?;
        if public.fingerprint() != metadata.fingerprint {
            return Err(Error::Backend {
                backend: "file",
                status: None,
                message: format!(
                    "{} does not match the fingerprint recorded for version {v} in {}",
                    path.display(),
                    self.sidecar_path().display()
                ),
            });
        }
        Ok((public, metadata))
    }

    /// A directory written by cosign (no index): version 1 from the names.
    fn read_legacy_public(&self, version: Option<u64>) -> Result<(PublicKey, KeyMetadata)> {
        if !matches!(version, None | Some(1)) {
            return Err(self.not_found(&format!(" version {}", version.unwrap_or_default())));
        }
        let path = self.pub_path();
        let Some(pem) = read_optional(&path)? else {
            if exists(&self.key_path())? {
                return Err(Error::NotFound {
                    what: format!(
                        "{} (the public key beside {}; restore it with `cosign public-key`)",
                        path.display(),
                        self.key_path().display()
                    ),
                });
            }
            return Err(self.not_found(" (no key pair there)"));
        };
        let public = PublicKey::from_pem(&pem)?;
        let created_at = modified(&path)?;
        let metadata = legacy_metadata(&public, created_at);
        Ok((public, metadata))
    }

    fn get_public_now(&self, version: Option<u64>) -> Result<StoredPublicKey> {
        let _lock = Lock::shared(&self.lock_path(), &self.what())?;
        let (version, (public_key, metadata)) = match self.read_index()? {
            Some(index) => {
                let record = self.resolve(&index, version)?;
                (record.version, self.read_version_public(record)?)
            }
            None => (1, self.read_legacy_public(version)?),
        };
        Ok(StoredPublicKey {
            version,
            public_key,
            metadata,
        })
    }

    fn get_now(&self, version: Option<u64>) -> Result<StoredKey> {
        let _lock = Lock::shared(&self.lock_path(), &self.what())?;
        let (version, key_path, (public_key, metadata)) = match self.read_index()? {
            Some(index) => {
                let record = self.resolve(&index, version)?;
                let v = record.version;
                (v, self.version_key(v), self.read_version_public(record)?)
            }
            None => (1, self.key_path(), self.read_legacy_public(version)?),
        };
        let pem = read_optional(&key_path)?.ok_or_else(|| {
            self.not_found(&format!(
                " version {version}: no private key ({} is missing)",
                key_path.display()
            ))
        })?;
        Ok(StoredKey {
            version,
            private_key: EncryptedPrivateKey::from_pem(&pem)?,
            public_key,
            password: None,
            metadata,
        })
    }

    fn versions_now(&self) -> Result<Vec<VersionInfo>> {
        let _lock = Lock::shared(&self.lock_path(), &self.what())?;
        if let Some(index) = self.read_index()? {
            return Ok(index.versions.iter().map(VersionRecord::info).collect());
        }
        let (key, public) = (self.key_path(), self.pub_path());
        if !exists(&key)? && !exists(&public)? {
            return Ok(Vec::new());
        }
        let (fingerprint, created_at) = match self.read_legacy_public(None) {
            Ok((pk, meta)) => (Some(pk.fingerprint()), Some(meta.created_at)),
            Err(_) => (None, modified(&key).ok()),
        };
        Ok(vec![VersionInfo {
            version: 1,
            fingerprint,
            created_at,
            state: VersionState::Live,
        }])
    }

    fn put_now(&self, record: &KeyPairRecord, options: &PutOptions) -> Result<u64> {
        if record.password.is_some() {
            return Err(Error::InvalidArgument {
                name: "password",
                reason: "a file store never writes the password: in a file beside the key it \
                         unlocks it would protect nothing. Keep it in COSIGN_PASSWORD or a secret \
                         store (vault-kv://), and put the record with `password: None`"
                    .into(),
            });
        }
        if record.metadata.fingerprint != record.public_key.fingerprint()
            || record.metadata.algorithm != record.public_key.algorithm()
        {
            return Err(Error::InvalidArgument {
                name: "metadata",
                reason: "its fingerprint and algorithm must be those of the public key".into(),
            });
        }
        // Refuse before creating anything (the lock file included); the
        // check is repeated under the lock.
        if !options.overwrite {
            for path in [self.key_path(), self.pub_path()] {
                if exists(&path)? {
                    return Err(Error::AlreadyExists { path });
                }
            }
        }
        create_dir(&self.dir)?;
        let _lock = Lock::exclusive(&self.lock_path(), &self.what())?;
        let names_exist = exists(&self.key_path())? || exists(&self.pub_path())?;
        let (mut index, adopt) = match self.read_index()? {
            Some(index) => (index, false),
            None => (Sidecar::new(&self.prefix), names_exist),
        };
        let current = if adopt { 1 } else { index.current_version };
        if let Some(expected) = options.expected_version {
            if expected != current {
                return Err(Error::Conflict {
                    what: self.what(),
                    reason: format!(
                        "expected version {expected}, but the current version is {current}; \
                         nothing was written"
                    ),
                });
            }
        }
        if !options.overwrite && (names_exist || index.latest_live().is_some()) {
            let path = if exists(&self.key_path())? || !names_exist {
                self.key_path()
            } else {
                self.pub_path()
            };
            return Err(Error::AlreadyExists { path });
        }
        self.tidy(&index)?;
        if adopt {
            self.adopt_legacy(&mut index)?;
        }
        let version = current + 1;
        self.write_version(
            version,
            Some(record.private_key.to_pem().as_bytes()),
            record.public_key.to_pem().as_bytes(),
        )?;
        index.current_version = version;
        index
            .versions
            .push(VersionRecord::new(version, &record.metadata));
        self.commit(&index)?;
        self.sync_names(&index)
            .map_err(|e| after_commit(version, e))?;
        Ok(version)
    }

    /// Takes a pair cosign wrote (no index yet) into the history as version 1.
    fn adopt_legacy(&self, index: &mut Sidecar) -> Result<()> {
        let pub_path = self.pub_path();
        let pub_pem = read_optional(&pub_path)?.ok_or_else(|| Error::NotFound {
            what: format!(
                "{} (needed to keep the existing {} as version 1; restore it with `cosign \
                 public-key`, or move the key away)",
                pub_path.display(),
                self.key_path().display()
            ),
        })?;
        let public = PublicKey::from_pem(&pub_pem)?;
        let key_pem = read_optional(&self.key_path())?;
        if let Some(pem) = &key_pem {
            EncryptedPrivateKey::from_pem(pem)?;
        }
        self.write_version(1, key_pem.as_deref(), &pub_pem)?;
        let metadata = legacy_metadata(&public, modified(&pub_path)?);
        index.current_version = 1;
        index.versions.push(VersionRecord::new(1, &metadata));
        Ok(())
    }

    fn write_version(&self, version: u64, key_pem: Option<&[u8]>, pub_pem: &[u8]) -> Result<()> {
        let history = self.history_dir();
        if !exists(&history)? {
            create_dir(&history)?;
            sync_dir(&self.dir)?;
        }
        let dir = self.version_dir(version);
        std::fs::create_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        sync_dir(&history)?;
        if let Some(pem) = key_pem {
            write_atomic(
                &self.version_key(version),
                pem,
                PRIVATE_FILE_MODE,
                Overwrite::No,
            )?;
        }
        write_atomic(
            &self.version_pub(version),
            pub_pem,
            PUBLIC_FILE_MODE,
            Overwrite::No,
        )
    }

    fn commit(&self, index: &Sidecar) -> Result<()> {
        write_atomic(
            &self.sidecar_path(),
            &index.to_bytes(),
            PUBLIC_FILE_MODE,
            Overwrite::Yes,
        )
    }

    /// Makes the cosign names a copy of the newest live version (key first,
    /// then public key), or removes them when no version is live.
    fn sync_names(&self, index: &Sidecar) -> Result<()> {
        let targets = [
            (self.key_path(), PRIVATE_FILE_MODE),
            (self.pub_path(), PUBLIC_FILE_MODE),
        ];
        let Some(latest) = index.latest_live() else {
            for (name, _) in &targets {
                if exists(name)? {
                    shred(name)?;
                }
            }
            return Ok(());
        };
        let v = latest.version;
        for ((name, mode), source) in targets
            .iter()
            .zip([self.version_key(v), self.version_pub(v)])
        {
            match read_optional(&source)? {
                Some(want) if read_optional(name)?.as_deref() != Some(want.as_slice()) => {
                    write_atomic(name, &want, *mode, Overwrite::Yes)?;
                }
                Some(_) => {}
                // A version without a private key (an adopted public key).
                None if exists(name)? => shred(name)?,
                None => {}
            }
        }
        Ok(())
    }

    /// Under the exclusive lock: removes what interrupted operations left
    /// (temporary files, uncommitted version directories, files of deleted
    /// or destroyed versions).
    fn tidy(&self, index: &Sidecar) -> Result<()> {
        let names = [
            format!("{}.key", self.prefix),
            format!("{}.pub", self.prefix),
            format!("{}.meta.json", self.prefix),
        ];
        remove_temp_files(&self.dir, &names)?;
        let history = self.history_dir();
        let entries = match std::fs::read_dir(&history) {
            Ok(entries) => entries,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(Error::io(&history, e)),
        };
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(&history, e))?;
            let Some(version) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u64>().ok())
            else {
                continue;
            };
            match index.record(version).map(|r| r.state) {
                Some(StateName::Live) => remove_temp_files(&entry.path(), &names[..2])?,
                Some(StateName::Destroyed) => self.remove_version(version, true)?,
                Some(StateName::Deleted) | None => self.remove_version(version, false)?,
            }
        }
        Ok(())
    }

    /// Removes a version's directory; `destroy` overwrites files first.
    fn remove_version(&self, version: u64, destroy: bool) -> Result<()> {
        let dir = self.version_dir(version);
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(Error::io(&dir, e)),
        };
        for entry in entries {
            let path = entry.map_err(|e| Error::io(&dir, e))?.path();
            if destroy {
                shred(&path)?;
            } else {
                std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
            }
        }
        std::fs::remove_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        sync_dir(&self.history_dir())
    }

    fn remove_names(&self, destroy: bool) -> Result<()> {
        for name in [self.key_path(), self.pub_path()] {
            if !exists(&name)? {
                continue;
            }
            if destroy {
                shred(&name)?;
            } else {
                std::fs::remove_file(&name).map_err(|e| Error::io(&name, e))?;
            }
        }
        sync_dir(&self.dir)
    }

    fn delete_now(&self, version: Option<u64>, mode: DeleteMode) -> Result<()> {
        let destroy = mode == DeleteMode::Destroy;
        if !exists(&self.dir)? {
            return Err(self.not_found(" (no key pair there)"));
        }
        let lock = Lock::exclusive(&self.lock_path(), &self.what())?;
        let Some(mut index) = self.read_index()? else {
            // A pair written by cosign: it is version 1 and the only one.
            if !exists(&self.key_path())? && !exists(&self.pub_path())? {
                self.remove_lock(lock)?;
                return Err(self.not_found(" (no key pair there)"));
            }
            if let Some(v) = version.filter(|v| *v != 1) {
                return Err(self.not_found(&format!(" version {v}")));
            }
            self.tidy(&Sidecar::new(&self.prefix))?;
            self.remove_names(destroy)?;
            return self.remove_lock(lock);
        };
        self.tidy(&index)?;
        let Some(version) = version else {
            for record in &mut index.versions {
                record.state = next_state(record.state, destroy);
            }
            self.commit(&index)?;
            self.remove_names(destroy)?;
            for record in &index.versions {
                self.remove_version(record.version, destroy)?;
            }
            match std::fs::remove_dir(self.history_dir()) {
                Ok(()) => {}
                // Something else lives there: leave it.
                Err(e)
                    if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::DirectoryNotEmpty) => {}
                Err(e) => return Err(Error::io(self.history_dir(), e)),
            }
            let sidecar = self.sidecar_path();
            std::fs::remove_file(&sidecar).map_err(|e| Error::io(&sidecar, e))?;
            return self.remove_lock(lock);
        };
        // The cosign names may hold this version (the newest, or left there
        // by an interrupted write): destroying it overwrites them too,
        // before another version is renamed over them.
        let names_hold_it = destroy
            && read_optional(&self.version_key(version))?
                .is_some_and(|v| read_optional(&self.key_path()).ok().flatten() == Some(v));
        let record = index
            .record_mut(version)
            .ok_or_else(|| self.not_found(&format!(" version {version}")))?;
        record.state = next_state(record.state, destroy);
        self.commit(&index)?;
        if names_hold_it {
            self.remove_names(true)?;
        }
        self.remove_version(version, destroy)?;
        self.sync_names(&index)
    }

    /// Removes the lock file while still holding it (see the `lock` module).
    fn remove_lock(&self, lock: Lock) -> Result<()> {
        let path = self.lock_path();
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&path, e)),
        }
        drop(lock);
        sync_dir(&self.dir)
    }
}

fn next_state(state: StateName, destroy: bool) -> StateName {
    match (state, destroy) {
        (_, true) | (StateName::Destroyed, false) => StateName::Destroyed,
        _ => StateName::Deleted,
    }
}

fn legacy_metadata(public: &PublicKey, created_at: SystemTime) -> KeyMetadata {
    let mut metadata = KeyMetadata::new(public, "");
    metadata.created_at = created_at;
    metadata
}

fn read_optional(path: &Path) -> Result<Option<Vec<u8>>> {
    crate::limits::read_file_optional(path, crate::limits::Input::KeyFile)
}

fn exists(path: &Path) -> Result<bool> {
    match path.symlink_metadata() {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io(path, e)),
    }
}

fn modified(path: &Path) -> Result<SystemTime> {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .map_err(|e| Error::io(path, e))
}

fn create_dir(dir: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o755);
    }
    builder.create(dir).map_err(|e| Error::io(dir, e))
}

/// Removes `.<name>.tmp-*` files that [`write_atomic`] leaves when a process
/// dies between writing and renaming.
fn remove_temp_files(dir: &Path, names: &[String]) -> Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let mut removed = false;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        let leftover = names
            .iter()
            .any(|n| file_name.starts_with(&format!(".{n}.tmp-")));
        if leftover {
            let path = entry.path();
            std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
            removed = true;
        }
    }
    if removed {
        sync_dir(dir)?;
    }
    Ok(())
}

/// Errors after the commit point: the version exists, a cosign name lags.
fn after_commit(version: u64, err: Error) -> Error {
    match err {
        Error::Io { path, source } => Error::Io {
            source: std::io::Error::new(
                source.kind(),
                format!(
                    "version {version} is stored, but this name still shows an earlier \
                     version ({source}); the next write through the store updates it"
                ),
            ),
            path,
        },
        other => other,
    }
}

/// Permission problems (including a read-only file system) become
/// [`Error::PermissionDenied`], naming the path.
fn classify(err: Error) -> Error {
    match err {
        Error::Io { path, source }
            if matches!(
                source.kind(),
                ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem
            ) =>
        {
            Error::PermissionDenied {
                backend: "file",
                what: path.display().to_string(),
                detail: source.to_string(),
            }
        }
        other => other,
    }
}

#[async_trait::async_trait]
impl KeyStore for FileStore {
    fn key_ref(&self) -> &KeyRef {
        &self.key_ref
    }

    async fn put(&self, record: KeyPairRecord, options: &PutOptions) -> Result<u64> {
        self.put_now(&record, options).map_err(classify)
    }

    async fn get(&self, version: Option<u64>) -> Result<StoredKey> {
        self.get_now(version).map_err(classify)
    }

    async fn get_public(&self, version: Option<u64>) -> Result<StoredPublicKey> {
        self.get_public_now(version).map_err(classify)
    }

    async fn versions(&self) -> Result<Vec<VersionInfo>> {
        self.versions_now().map_err(classify)
    }

    async fn delete(&self, version: Option<u64>, mode: DeleteMode) -> Result<()> {
        self.delete_now(version, mode).map_err(classify)
    }
}
