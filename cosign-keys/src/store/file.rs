//! The file store: a local directory that cosign itself can use.
//!
//! # Layout
//!
//! For `file:///etc/keys` (prefix `cosign`; `?prefix=release` changes every
//! `cosign` below):
//!
//! | path | what | mode |
//! |---|---|---|
//! | `cosign.key` | link to `.cosign.current/cosign.key`: the newest live version's encrypted private key, cosign's PEM | link (target 0600) |
//! | `cosign.pub` | link to `.cosign.current/cosign.pub`: its public key (PKIX PEM) | link (target 0644) |
//! | `.cosign.current` | link to `.cosign.versions/<n>`, the newest live version | link |
//! | `cosign.meta.json` | the index of every version: number, state, fingerprint, algorithm, created_by, created_at (RFC 3339 UTC), labels; format described in the sidecar section below | 0644 |
//! | `.cosign.versions/<n>/cosign.key`, `.pub` | every live version, the newest included | 0600 / 0644 |
//! | `.cosign.lock` | the advisory lock (`flock`) writers take exclusively and readers shared | 0644 |
//!
//! Every link is relative, so the directory can be moved or mounted
//! elsewhere. Stores written by earlier builds (plain files under the cosign
//! names) and pairs cosign wrote are turned into this layout by the next
//! write, without ever showing a mismatched pair (see below).
//!
//! So `cosign sign-blob --key /etc/keys/cosign.key` keeps working (cosign,
//! like any program, follows the links), and the store reads any version
//! from the history directory.
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
//!    and `overwrite`; point the names at the newest committed live version
//!    (finishing an interrupted write), then remove what killed writers left
//!    (`.*.tmp-*` files, uncommitted version directories);
//! 2. write `.cosign.versions/<n>/cosign.key` and `.pub` (new files only);
//! 3. replace `cosign.meta.json`: **the commit point**;
//! 4. replace `.cosign.current` with a link to `.cosign.versions/<n>`: one
//!    `rename(2)` moves both cosign names to version `n`.
//!
//! A crash before step 3 leaves the index, and so every earlier version and
//! the cosign names, as they were; the half-written version directory and
//! temporary files are unlisted leftovers, removed by the next write. A
//! crash before step 4 leaves version `n` committed and readable through the
//! store while the cosign names still show the previous pair; the next write
//! through the store moves them. The store's own reads always go through the
//! index and the history directory, never the cosign names.
//!
//! ## Why `cosign.key` and `cosign.pub` always hold one pair
//!
//! Claim: at every instant, whatever instruction a writer is killed at,
//! `cosign.key` and `cosign.pub` resolve to the two files of one version
//! directory (or a name resolves to nothing: never to a file of another
//! version).
//!
//! - Once the names are our links, nothing ever changes them: they hold the
//!   fixed text `.cosign.current/cosign.key` and `.cosign.current/cosign.pub`.
//!   Both therefore resolve through the same link, `.cosign.current`, and
//!   so into the same directory `.cosign.versions/<n>`.
//! - `.cosign.current` is only ever replaced by `rename(2)` of a complete
//!   link made under a temporary name; POSIX makes that rename atomic: any
//!   lookup sees the old link or the new one. So the names move from one
//!   version directory to another in one step, together.
//! - It is only pointed at a version whose two files were written, flushed
//!   and committed to the index before (step 4 follows step 3), and files in
//!   a version directory are never rewritten (`Overwrite::No`).
//! - A version directory is removed only after `.cosign.current` has moved
//!   away from it: a delete commits the index, moves the link to the newest
//!   remaining live version (or removes the link, which makes both names
//!   resolve to nothing at once), and only then removes files; the tidying
//!   of step 1 first moves the link, then removes only directories that are
//!   not the newest live version. A writer killed between those steps leaves
//!   the link on a directory whose files are still all there.
//! - Migration from plain files (an earlier build, or cosign's own
//!   `generate-key-pair`) first points `.cosign.current` at the live version
//!   whose bytes the plain names already hold, then renames a link over each
//!   name: each rename swaps a file for a link that resolves to the same
//!   bytes, so no reader sees a change. If the plain names hold no live
//!   version, the private key name is removed first, then the public name
//!   and the key name become links, in that order: at worst a reader finds
//!   no private key, never a key beside another key's public key.
//!
//! A version with no private key (a public key adopted from a directory
//! that had only `cosign.pub`) leaves the `cosign.key` link dangling: the
//! pair is then the public key alone.
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
//! - A symbolic link where the store keeps its own files: the lock file, the
//!   index, the versions directory and the version directories, their files,
//!   temporary files ([`Error::PermissionDenied`]). They are opened with
//!   `O_NOFOLLOW` or checked with `lstat` first. `.cosign.current` must be a
//!   link of the form above, so the names never lead outside the store.
//! - As OpenSSH does, a private key file its group or others may access, and
//!   a store directory its group or others may write to
//!   ([`Error::PermissionDenied`]), when reading a private key or writing.
//!   [`FileStore::with_permission_policy`] with [`PermissionPolicy::Warn`]
//!   (or `COSIGN_KEYS_ALLOW_INSECURE_PERMISSIONS=1`, the default of
//!   [`FileStore::new`]; CLI `--allow-insecure-permissions`) downgrades this
//!   to a warning on standard error.
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
mod names;
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
use crate::fs::{
    check_key_dir, check_private_key_file, open_no_follow, read_no_follow, refuse_symlink,
    remove_temp_files, shred, sync_dir, write_atomic, Overwrite, PermissionPolicy,
    PRIVATE_FILE_MODE, PUBLIC_FILE_MODE,
};
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
    permissions: PermissionPolicy,
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
            permissions: PermissionPolicy::from_env(),
        })
    }

    /// What to do about a private key file others may read or a store
    /// directory others may write to: refuse ([`PermissionPolicy::Enforce`],
    /// the default unless `COSIGN_KEYS_ALLOW_INSECURE_PERMISSIONS=1`) or go
    /// on with a warning ([`PermissionPolicy::Warn`]).
    ///
    /// ```
    /// use cosign_keys::fs::PermissionPolicy;
    /// use cosign_keys::store::file::FileStore;
    /// let store = FileStore::new("/srv/shared-keys", "cosign")?
    ///     .with_permission_policy(PermissionPolicy::Warn);
    /// # let _ = store;
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    #[must_use]
    pub fn with_permission_policy(mut self, policy: PermissionPolicy) -> Self {
        self.permissions = policy;
        self
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
    /// Refuses links where the store keeps its own files (before use).
    fn check_bookkeeping(&self, version: Option<u64>) -> Result<()> {
        refuse_symlink(&self.history_dir())?;
        refuse_symlink(&self.sidecar_path())?;
        refuse_symlink(&self.lock_path())?;
        if let Some(v) = version {
            refuse_symlink(&self.version_dir(v))?;
        }
        Ok(())
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
        read_no_follow(&path, crate::limits::Input::StoreIndex)?
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
        self.check_bookkeeping(Some(v))?;
        let path = self.version_pub(v);
        let pem = read_no_follow(&path, crate::limits::Input::KeyFile)?.ok_or_else(|| {
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
        self.check_bookkeeping(None)?;
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
        self.check_bookkeeping(None)?;
        check_key_dir(&self.dir, self.permissions)?;
        let _lock = Lock::shared(&self.lock_path(), &self.what())?;
        let (version, key_path, own, (public_key, metadata)) = match self.read_index()? {
            Some(index) => {
                let record = self.resolve(&index, version)?;
                let v = record.version;
                let public = self.read_version_public(record)?;
                (v, self.version_key(v), true, public)
            }
            None => (1, self.key_path(), false, self.read_legacy_public(version)?),
        };
        let missing = || {
            self.not_found(&format!(
                " version {version}: no private key ({} is missing)",
                key_path.display()
            ))
        };
        // The history's files are ours (never followed); a pair cosign wrote
        // is the user's and may be a link.
        let mut options = std::fs::OpenOptions::new();
        options.read(true);
        let opened = if own {
            open_no_follow(&key_path, &mut options)
        } else {
            options.open(&key_path).map_err(|e| Error::io(&key_path, e))
        };
        let file = match opened {
            Ok(file) => file,
            Err(Error::Io { source, .. }) if source.kind() == ErrorKind::NotFound => {
                return Err(missing())
            }
            Err(e) => return Err(e),
        };
        check_private_key_file(&key_path, &file, self.permissions)?;
        let pem = crate::limits::read_open(&file, &key_path, crate::limits::Input::KeyFile)?;
        Ok(StoredKey {
            version,
            private_key: EncryptedPrivateKey::from_pem(&pem)?,
            public_key,
            password: None,
            metadata,
        })
    }

    fn versions_now(&self) -> Result<Vec<VersionInfo>> {
        self.check_bookkeeping(None)?;
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
        check_key_dir(&self.dir, self.permissions)?;
        create_dir(&self.dir)?;
        self.check_bookkeeping(None)?;
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
        if adopt {
            self.tidy(&index)?;
            self.adopt_legacy(&mut index)?;
        } else {
            self.prepare(&index)?;
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
            let file =
                std::fs::File::open(self.key_path()).map_err(|e| Error::io(self.key_path(), e))?;
            check_private_key_file(&self.key_path(), &file, self.permissions)?;
        }
        self.write_version(1, key_pem.as_deref(), &pub_pem)?;
        let metadata = legacy_metadata(&public, modified(&pub_path)?);
        index.current_version = 1;
        index.versions.push(VersionRecord::new(1, &metadata));
        Ok(())
    }

    fn write_version(&self, version: u64, key_pem: Option<&[u8]>, pub_pem: &[u8]) -> Result<()> {
        let history = self.history_dir();
        refuse_symlink(&history)?;
        if !exists(&history)? {
            create_dir(&history)?;
            sync_dir(&self.dir)?;
        }
        let dir = self.version_dir(version);
        crate::fs::step(&dir)?;
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

    /// Under the exclusive lock, before changing anything: points the names
    /// at the newest committed live version (finishing an interrupted
    /// write), then tidies; in that order, so no directory the names lead
    /// into is removed.
    /// Under the writers' lock: the names and temporary files as the next
    /// writer would leave them (nothing to do without an index).
    fn repair_now(&self) -> Result<()> {
        if !exists(&self.dir)? {
            return Ok(());
        }
        check_key_dir(&self.dir, self.permissions)?;
        self.check_bookkeeping(None)?;
        let _lock = Lock::exclusive(&self.lock_path(), &self.what())?;
        match self.read_index()? {
            Some(index) => self.prepare(&index),
            None => Ok(()),
        }
    }

    fn prepare(&self, index: &Sidecar) -> Result<()> {
        self.sync_names(index)?;
        self.tidy(index)
    }

    /// Under the exclusive lock: removes what interrupted operations left
    /// (temporary files, uncommitted version directories, files of deleted
    /// or destroyed versions).
    fn tidy(&self, index: &Sidecar) -> Result<()> {
        let names = [
            format!("{}.key", self.prefix),
            format!("{}.pub", self.prefix),
            format!("{}.meta.json", self.prefix),
            format!(".{}.current", self.prefix),
        ];
        remove_temp_files(&self.dir, &names)?;
        let history = self.history_dir();
        refuse_symlink(&history)?;
        let current = self.current_version_link()?;
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
            if entry
                .file_type()
                .map_err(|e| Error::io(entry.path(), e))?
                .is_symlink()
            {
                return Err(refuse_symlink(&entry.path()).err().unwrap_or_else(|| {
                    Error::io(entry.path(), std::io::Error::other("unexpected link"))
                }));
            }
            match index.record(version).map(|r| r.state) {
                Some(StateName::Live) => {
                    remove_temp_files(&entry.path(), &names[..2])?;
                }
                // The names still lead there (a write was interrupted before
                // it moved them): keep it until they move.
                _ if current == Some(version) => {}
                Some(StateName::Destroyed) => self.remove_version(version, true)?,
                Some(StateName::Deleted) | None => self.remove_version(version, false)?,
            }
        }
        Ok(())
    }

    /// Removes a version's directory; `destroy` overwrites files first.
    fn remove_version(&self, version: u64, destroy: bool) -> Result<()> {
        let dir = self.version_dir(version);
        refuse_symlink(&dir)?;
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
                crate::fs::step(&path)?;
                std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
            }
        }
        crate::fs::step(&dir)?;
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
                crate::fs::step(&name)?;
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
        check_key_dir(&self.dir, self.permissions)?;
        self.check_bookkeeping(None)?;
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
        self.prepare(&index)?;
        let Some(version) = version else {
            for record in &mut index.versions {
                record.state = next_state(record.state, destroy);
            }
            self.commit(&index)?;
            // No version is live now: the link goes first, then the names.
            self.sync_names(&index)?;
            for record in &index.versions {
                self.remove_version(record.version, destroy)?;
            }
            crate::fs::step(&self.history_dir())?;
            match std::fs::remove_dir(self.history_dir()) {
                Ok(()) => {}
                // Something else lives there: leave it.
                Err(e)
                    if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::DirectoryNotEmpty) => {}
                Err(e) => return Err(Error::io(self.history_dir(), e)),
            }
            let sidecar = self.sidecar_path();
            crate::fs::step(&sidecar)?;
            std::fs::remove_file(&sidecar).map_err(|e| Error::io(&sidecar, e))?;
            return self.remove_lock(lock);
        };
        let record = index
            .record_mut(version)
            .ok_or_else(|| self.not_found(&format!(" version {version}")))?;
        record.state = next_state(record.state, destroy);
        self.commit(&index)?;
        // Move the names away (to the previous live version, or remove
        // them) before the version's files go.
        self.sync_names(&index)?;
        self.remove_version(version, destroy)
    }

    /// Removes the lock file while still holding it (see the `lock` module).
    fn remove_lock(&self, lock: Lock) -> Result<()> {
        let path = self.lock_path();
        crate::fs::step(&path)?;
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&path, e)),
        }
        drop(lock);
        sync_dir(&self.dir)
    }
}

/// Parses `bytes` as the index of a store with prefix `cosign` and writes
/// it back: the versions it lists and its serialized form. The entry point
/// of [`crate::fuzzing::store_index`].
pub(crate) fn index_round_trip(bytes: &[u8]) -> Result<(Vec<VersionInfo>, Vec<u8>)> {
    let index = Sidecar::parse(bytes, Path::new("cosign.meta.json"), "cosign")?;
    let versions = index.versions.iter().map(VersionRecord::info).collect();
    Ok((versions, index.to_bytes()))
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
    crate::fs::step_create(dir)?;
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o755);
    }
    builder.create(dir).map_err(|e| Error::io(dir, e))
}

/// Errors after the commit point: the version exists, a cosign name lags.
fn after_commit(version: u64, err: Error) -> Error {
    match err {
        Error::Io { path, source } => Error::Io {
            source: std::io::Error::new(
                source.kind(),
                format!(
                    "version {version} is stored, but the cosign names may still show an \
                     earlier version ({source}); the next write through the store moves them"
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

    async fn repair(&self) -> Result<()> {
        self.repair_now().map_err(classify)
    }
}
