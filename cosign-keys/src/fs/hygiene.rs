//! Hygiene for the files cosign-keys keeps for itself: no symbolic links
//! followed, no private key or key directory open to other users, no
//! temporary files left behind by killed writers, and a lock around
//! in-place changes of a plain key file.
//!
//! The bookkeeping of a store or a keyring (lock files, indexes, the
//! versions directory, audit logs, temporary files) is only ever opened with
//! `O_NOFOLLOW` or after a `symlink_metadata` check: a link planted there by
//! someone else must not redirect our writes (or reads) elsewhere. Together
//! with the directory check (no group- or world-writable key directory),
//! only the directory's owner can plant or swap a name between a check and
//! its use.

use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::{parent_dir, sync_dir, write_atomic, Overwrite};
use crate::{Error, Result};

/// What to do when a private key file can be read by others, or a key
/// directory can be written by others (OpenSSH's rule).
///
/// The default is [`PermissionPolicy::Enforce`]; the environment variable
/// [`PermissionPolicy::ENV`] set to `1` (or `true`, `yes`) makes
/// [`PermissionPolicy::from_env`] return [`PermissionPolicy::Warn`]. The CLI
/// flag `--allow-insecure-permissions` sets that variable.
///
/// ```
/// use cosign_keys::fs::PermissionPolicy;
/// assert_eq!(PermissionPolicy::default(), PermissionPolicy::Enforce);
/// assert_eq!(PermissionPolicy::ENV, "COSIGN_KEYS_ALLOW_INSECURE_PERMISSIONS");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum PermissionPolicy {
    /// Refuse with [`Error::PermissionDenied`].
    #[default]
    Enforce,
    /// Go on, with one warning through the [`log`] facade (target
    /// `cosign_keys::permissions`); the library itself prints nothing.
    Warn,
}

impl PermissionPolicy {
    /// The environment variable that downgrades the refusal to a warning.
    pub const ENV: &'static str = "COSIGN_KEYS_ALLOW_INSECURE_PERMISSIONS";

    /// [`PermissionPolicy::Warn`] when [`PermissionPolicy::ENV`] is `1`,
    /// `true` or `yes`; [`PermissionPolicy::Enforce`] otherwise.
    ///
    /// ```
    /// # use cosign_keys::fs::PermissionPolicy;
    /// let policy = PermissionPolicy::from_env();
    /// assert!(matches!(policy, PermissionPolicy::Enforce | PermissionPolicy::Warn));
    /// ```
    #[must_use]
    pub fn from_env() -> Self {
        match std::env::var(Self::ENV) {
            Ok(v) if matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes") => Self::Warn,
            _ => Self::Enforce,
        }
    }

    fn apply(self, path: &Path, problem: String) -> Result<()> {
        match self {
            Self::Enforce => Err(Error::PermissionDenied {
                backend: "file",
                what: path.display().to_string(),
                detail: format!(
                    "{problem}; fix the mode, or set {}=1 (CLI: --allow-insecure-permissions) \
                     to go on with a warning",
                    Self::ENV
                ),
            }),
            // A library prints nothing: the warning goes to the `log`
            // facade (target `cosign_keys::permissions`), which the CLI
            // shows on standard error.
            Self::Warn => {
                log::warn!(
                    target: "cosign_keys::permissions",
                    "{}: {problem} (allowed by {})",
                    path.display(),
                    Self::ENV
                );
                Ok(())
            }
        }
    }
}

/// Refuses (per `policy`) a private key file that its group or others may
/// read or write: checks the open file itself, so the answer is about the
/// bytes that will be read.
///
/// # Errors
/// [`Error::PermissionDenied`] under [`PermissionPolicy::Enforce`];
/// [`Error::Io`] if the file's status cannot be read.
///
/// ```
/// use cosign_keys::fs::{check_private_key_file, write_atomic, Overwrite, PermissionPolicy};
/// let dir = std::env::temp_dir().join(format!("ck-perm-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("k");
/// write_atomic(&path, b"x", 0o644, Overwrite::Yes)?;
/// let file = std::fs::File::open(&path).unwrap();
/// assert!(check_private_key_file(&path, &file, PermissionPolicy::Enforce).is_err());
/// assert!(check_private_key_file(&path, &file, PermissionPolicy::Warn).is_ok());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), cosign_keys::Error>(())
/// ```
pub fn check_private_key_file(path: &Path, file: &File, policy: PermissionPolicy) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = file
            .metadata()
            .map_err(|e| Error::io(path, e))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return policy.apply(
                path,
                format!(
                    "this private key file has mode {:04o}: its group or others may access it \
                     (use 0600)",
                    mode & 0o7777
                ),
            );
        }
    }
    #[cfg(not(unix))]
    let _ = (path, file, policy);
    Ok(())
}

/// Reads a key file a user named (`--key cosign.key`, a PEM to import)
/// under the key-file size limit. When it holds a private key (a PEM block
/// whose label ends in `PRIVATE KEY`: Cosign's, PKCS#8, SEC1, PKCS#1; or
/// one of those structures in DER), the
/// file must not be open to its group or others, as OpenSSH requires
/// (per `policy`, checked on the open file). The path is the user's own, so
/// a symbolic link is followed. The bytes come back in a buffer that is
/// wiped when dropped.
///
/// # Errors
/// [`Error::PermissionDenied`] for an exposed private key under
/// [`PermissionPolicy::Enforce`]; [`Error::InputTooLarge`] over the limit;
/// [`Error::Io`] when it cannot be read.
///
/// ```
/// use cosign_keys::fs::{read_key_file, write_atomic, Overwrite, PermissionPolicy};
/// let dir = std::env::temp_dir().join(format!("ck-read-key-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let key = dir.join("cosign.key");
/// let pem = b"-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n";
/// write_atomic(&key, pem, 0o644, Overwrite::Yes)?;
/// let err = read_key_file(&key, PermissionPolicy::Enforce).unwrap_err();
/// assert_eq!(err.code(), cosign_keys::ErrorCode::PermissionDenied);
/// write_atomic(&key, pem, 0o600, Overwrite::Yes)?;
/// assert_eq!(read_key_file(&key, PermissionPolicy::Enforce)?.as_slice(), pem);
/// // A public key may be read by anyone.
/// let public = dir.join("cosign.pub");
/// write_atomic(&public, b"-----BEGIN PUBLIC KEY-----\n", 0o644, Overwrite::Yes)?;
/// assert!(read_key_file(&public, PermissionPolicy::Enforce).is_ok());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), cosign_keys::Error>(())
/// ```
pub fn read_key_file(path: &Path, policy: PermissionPolicy) -> Result<Zeroizing<Vec<u8>>> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let bytes = Zeroizing::new(crate::limits::read_open(
        &file,
        path,
        crate::limits::Input::KeyFile,
    )?);
    if holds_private_pem(&bytes) || crate::import::is_private_der(&bytes) {
        check_private_key_file(path, &file, policy)?;
    }
    Ok(bytes)
}

/// Whether `bytes` carry a PEM block labelled `… PRIVATE KEY`.
fn holds_private_pem(bytes: &[u8]) -> bool {
    bytes
        .split(|&b| b == b'\n')
        .filter_map(|line| line.trim_ascii().strip_prefix(b"-----BEGIN "))
        .any(|rest| {
            rest.strip_suffix(b"-----")
                .is_some_and(|label| label.ends_with(b"PRIVATE KEY"))
        })
}

/// Refuses (per `policy`) a key directory that its group or others may
/// write to (they could swap the key or plant links). A directory that does
/// not exist yet passes.
///
/// # Errors
/// [`Error::PermissionDenied`] under [`PermissionPolicy::Enforce`], or when
/// `dir` is a symbolic link to a directory that fails the check;
/// [`Error::Io`] if its status cannot be read.
///
/// ```
/// use cosign_keys::fs::{check_key_dir, PermissionPolicy};
/// let dir = std::env::temp_dir().join(format!("ck-dirperm-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// # use std::os::unix::fs::PermissionsExt;
/// std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
/// assert!(check_key_dir(&dir, PermissionPolicy::Enforce).is_err());
/// std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
/// check_key_dir(&dir, PermissionPolicy::Enforce)?;
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), cosign_keys::Error>(())
/// ```
pub fn check_key_dir(dir: &Path, policy: PermissionPolicy) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = match std::fs::metadata(dir) {
            Ok(meta) => meta.permissions().mode(),
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(Error::io(dir, e)),
        };
        if mode & 0o022 != 0 {
            return policy.apply(
                dir,
                format!(
                    "this key directory has mode {:04o}: its group or others may write to it \
                     (use 0755 or 0700)",
                    mode & 0o7777
                ),
            );
        }
    }
    #[cfg(not(unix))]
    let _ = (dir, policy);
    Ok(())
}

/// The error for a symbolic link where cosign-keys keeps its own file.
fn link_refused(path: &Path) -> Error {
    Error::PermissionDenied {
        backend: "file",
        what: path.display().to_string(),
        detail: "is a symbolic link, and cosign-keys never follows links for its own \
                 bookkeeping files (lock, index, versions directory, audit log, temporary \
                 files); remove the link and keep the real file there"
            .into(),
    }
}

/// Refuses a symbolic link at `path` (a missing `path` passes).
///
/// # Errors
/// [`Error::PermissionDenied`] for a link, [`Error::Io`] if the name cannot
/// be examined.
///
/// ```
/// use cosign_keys::fs::refuse_symlink;
/// let dir = std::env::temp_dir().join(format!("ck-link-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// # let _ = std::fs::remove_file(dir.join("l"));
/// std::os::unix::fs::symlink("/etc", dir.join("l")).unwrap();
/// assert!(refuse_symlink(&dir.join("l")).is_err());
/// refuse_symlink(&dir)?;
/// refuse_symlink(&dir.join("missing"))?;
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), cosign_keys::Error>(())
/// ```
pub fn refuse_symlink(path: &Path) -> Result<()> {
    match path.symlink_metadata() {
        Ok(meta) if meta.file_type().is_symlink() => Err(link_refused(path)),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Opens one of our own files with `O_NOFOLLOW` added to `options`: a
/// symbolic link there is refused ([`Error::PermissionDenied`]).
///
/// # Errors
/// [`Error::PermissionDenied`] for a link; [`Error::Io`] otherwise (kind
/// `NotFound` for a missing file).
///
/// ```
/// use cosign_keys::fs::open_no_follow;
/// let dir = std::env::temp_dir().join(format!("ck-nofollow-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// std::fs::write(dir.join("f"), b"x").unwrap();
/// # let _ = std::fs::remove_file(dir.join("l"));
/// std::os::unix::fs::symlink(dir.join("f"), dir.join("l")).unwrap();
/// let mut read = std::fs::OpenOptions::new();
/// read.read(true);
/// assert!(open_no_follow(&dir.join("f"), &mut read).is_ok());
/// assert!(open_no_follow(&dir.join("l"), &mut read).is_err());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn open_no_follow(path: &Path, options: &mut OpenOptions) -> Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    match options.open(path) {
        Ok(file) => Ok(file),
        // ELOOP is what O_NOFOLLOW gives for a link.
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => Err(link_refused(path)),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Reads one of our own files without following a link; `None` if absent.
pub(crate) fn read_no_follow(path: &Path, kind: crate::limits::Input) -> Result<Option<Vec<u8>>> {
    let file = match open_no_follow(path, OpenOptions::new().read(true)) {
        Ok(file) => Ok(file),
        Err(Error::Io { source, .. }) if source.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => Err(e),
    }?;
    crate::limits::read_open(&file, path, kind).map(Some)
}

/// Removes the temporary files that [`write_atomic`](super::write_atomic)
/// (or a link swap) leaves in `dir` when a writer dies before its rename:
/// only names of the form `.<name>.tmp-<hex>` for a `name` in `names`, and
/// only regular files or links (never followed). Call it only while holding
/// the lock every writer of those names takes, so no live writer's file is
/// removed. Returns how many were removed.
pub(crate) fn remove_temp_files(dir: &Path, names: &[String]) -> Result<usize> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        let ours = names.iter().any(|n| {
            file_name
                .strip_prefix(&format!(".{n}.tmp-"))
                .is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit()))
        });
        let kind = entry.file_type().map_err(|e| Error::io(entry.path(), e))?;
        if ours && !kind.is_dir() {
            let path = entry.path();
            super::step(&path)?;
            match std::fs::remove_file(&path) {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(&path, e)),
            }
        }
    }
    if removed > 0 {
        sync_dir(dir)?;
    }
    Ok(removed)
}

/// The lock beside a plain key file, `.<name>.lock` (never followed if a
/// link, mode 0600, left in place: removing it would race other waiters).
fn lock_beside(path: &Path) -> Result<(PathBuf, File)> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| Error::InvalidArgument {
            name: "path",
            reason: "names no file".into(),
        })?;
    let lock_path = parent_dir(path).join(format!(".{name}.lock"));
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    super::step_create(&lock_path)?;
    let file = open_no_follow(&lock_path, &mut options)?;
    // Bounded like the keyring's locks: a stopped holder is `Unavailable`
    // after `COSIGN_KEYS_LOCK_WAIT` seconds, never a hang.
    crate::lock::acquire(&file, &lock_path, false)?;
    Ok((lock_path, file))
}

/// Replaces the contents of a plain file (a key file whose password
/// changes) only if it still holds `expected`: under an exclusive lock on
/// `.<name>.lock` beside it, re-reads the file, refuses with
/// [`Error::Conflict`] if another writer changed it since the caller read
/// `expected`, removes temporary files killed writers of that name left,
/// then writes `contents` atomically with `mode`. Of two processes changing
/// one file from the same contents, exactly one wins. A `path` that is a
/// symbolic link changes the file it points to (the link stays).
///
/// # Errors
/// [`Error::Conflict`] (nothing written) if the file changed or vanished;
/// [`Error::PermissionDenied`] if the lock file is a symbolic link;
/// [`Error::Io`] for I/O failures (the file is then unchanged).
///
/// ```
/// use cosign_keys::fs::{replace_if_unchanged, write_atomic, Overwrite};
/// # use cosign_keys::Error;
/// let dir = std::env::temp_dir().join(format!("ck-replace-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("cosign.key");
/// write_atomic(&path, b"v1", 0o600, Overwrite::Yes)?;
/// replace_if_unchanged(&path, b"v1", b"v2", 0o600)?;
/// // A writer that read "v1" before that change loses: nothing is written.
/// let stale = replace_if_unchanged(&path, b"v1", b"v3", 0o600);
/// assert!(matches!(stale, Err(Error::Conflict { .. })));
/// assert_eq!(std::fs::read(&path).unwrap(), b"v2");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), cosign_keys::Error>(())
/// ```
pub fn replace_if_unchanged(
    path: &Path,
    expected: &[u8],
    contents: &[u8],
    mode: u32,
) -> Result<()> {
    // The user's path may be a symbolic link (`link.key` -> `secure/prod.key`):
    // the file to change is its target; renaming over the link would leave
    // the real key on its old contents.
    let resolved = match std::fs::canonicalize(path) {
        Ok(target) => target,
        Err(e) if e.kind() == ErrorKind::NotFound => path.to_path_buf(),
        Err(e) => return Err(Error::io(path, e)),
    };
    let path = resolved.as_path();
    let (_lock_path, _lock) = lock_beside(path)?;
    let conflict = |reason: &str| Error::Conflict {
        what: path.display().to_string(),
        reason: format!("{reason}; nothing was written: read it again and retry"),
    };
    let current = match crate::limits::read_file_optional(path, crate::limits::Input::KeyFile)? {
        Some(bytes) => bytes,
        None => return Err(conflict("the file was removed by another process")),
    };
    if current != expected {
        return Err(conflict(
            "another process changed the file since it was read",
        ));
    }
    if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
        remove_temp_files(&parent_dir(path), &[name.to_owned()])?;
    }
    write_atomic(path, contents, mode, Overwrite::Yes)
}

/// [`write_atomic`](super::write_atomic) under the lock beside `path`
/// (`.<name>.lock`), first removing the temporary files killed writers of
/// that name left there: for files that no store or keyring lock covers
/// (backups, a restored audit log).
pub(crate) fn write_atomic_tidy(
    path: &Path,
    contents: &[u8],
    mode: u32,
    overwrite: Overwrite,
) -> Result<()> {
    let (_lock_path, _lock) = lock_beside(path)?;
    if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
        remove_temp_files(&parent_dir(path), &[name.to_owned()])?;
    }
    write_atomic(path, contents, mode, overwrite)
}

/// Writes a plain key pair (`cosign.key` and `cosign.pub` named by the
/// user) so that no kill leaves a private key beside another key's public
/// half: under the lock beside `key_path`, after tidying temporary files
/// that killed writers of either name left, an existing private key is
/// removed first (only with [`Overwrite::Yes`]), then the public key is
/// written, then the private key, each atomically. A reader sees the old
/// pair, the public half alone (old or new), or the new pair.
///
/// # Errors
/// [`Error::AlreadyExists`] (nothing written) when either file exists and
/// `overwrite` is [`Overwrite::No`]; [`Error::Unavailable`] when another
/// process holds the lock too long; [`Error::Io`].
///
/// ```
/// use cosign_keys::fs::{write_key_pair_files, Overwrite};
/// let dir = std::env::temp_dir().join(format!("ck-pair-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let (key, public) = (dir.join("cosign.key"), dir.join("cosign.pub"));
/// write_key_pair_files(&key, b"key v1", &public, b"pub v1", Overwrite::No)?;
/// let again = write_key_pair_files(&key, b"key v2", &public, b"pub v2", Overwrite::No);
/// assert_eq!(again.unwrap_err().code(), cosign_keys::ErrorCode::AlreadyExists);
/// write_key_pair_files(&key, b"key v2", &public, b"pub v2", Overwrite::Yes)?;
/// assert_eq!(std::fs::read(&key).unwrap(), b"key v2");
/// assert_eq!(std::fs::read(&public).unwrap(), b"pub v2");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), cosign_keys::Error>(())
/// ```
pub fn write_key_pair_files(
    key_path: &Path,
    key_pem: &[u8],
    pub_path: &Path,
    pub_pem: &[u8],
    overwrite: Overwrite,
) -> Result<()> {
    let (_lock_path, _lock) = lock_beside(key_path)?;
    for path in [key_path, pub_path] {
        if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
            remove_temp_files(&parent_dir(path), &[name.to_owned()])?;
        }
        if overwrite == Overwrite::No && path.symlink_metadata().is_ok() {
            return Err(Error::AlreadyExists {
                path: path.to_path_buf(),
            });
        }
    }
    if key_path.symlink_metadata().is_ok() {
        super::step(key_path)?;
        std::fs::remove_file(key_path).map_err(|e| Error::io(key_path, e))?;
        sync_dir(&parent_dir(key_path))?;
    }
    write_atomic(pub_path, pub_pem, super::PUBLIC_FILE_MODE, Overwrite::Yes)?;
    write_atomic(key_path, key_pem, super::PRIVATE_FILE_MODE, Overwrite::Yes)
}

/// Points `link` at `target` (a relative path) with one `rename(2)`: a link
/// is made under a temporary name beside it, flushed in, then renamed over
/// `link`, so readers see the old target or the new one, never neither.
/// Crash-injection hooks run just before the rename.
#[cfg(unix)]
pub(crate) fn replace_with_symlink(link: &Path, target: &Path) -> Result<()> {
    let dir = parent_dir(link);
    let name = link
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = None;
    for _ in 0..16 {
        let mut nonce = [0u8; 6];
        crate::rand::fill(&mut nonce)?;
        let suffix = base16ct::lower::encode_string(&nonce);
        let candidate = dir.join(format!(".{name}.tmp-{suffix}"));
        match super::io_step().and_then(|()| std::os::unix::fs::symlink(target, &candidate)) {
            Ok(()) => {
                tmp = Some(candidate);
                break;
            }
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
            Err(e) => return Err(Error::io(&candidate, e)),
        }
    }
    let tmp = tmp.ok_or_else(|| {
        Error::io(
            &dir,
            std::io::Error::other("could not create a temporary link"),
        )
    })?;
    super::failpoint::before_rename(link);
    if let Err(e) = super::io_step().and_then(|()| std::fs::rename(&tmp, link)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(link, e));
    }
    sync_dir(&dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_temporary_names_are_tidied() {
        let dir = std::env::temp_dir().join(format!("ck-tidy-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for name in [
            ".k.tmp-00ff",
            ".k.tmp-",
            ".k.tmp-zz",
            ".other.tmp-00",
            "k.tmp-00",
            "k",
        ] {
            std::fs::write(dir.join(name), b"x").unwrap();
        }
        std::os::unix::fs::symlink("/etc/passwd", dir.join(".k.tmp-abcd")).unwrap();
        assert_eq!(remove_temp_files(&dir, &["k".to_owned()]).unwrap(), 2);
        assert!(!dir.join(".k.tmp-00ff").exists());
        assert!(dir.join(".k.tmp-").exists() && dir.join(".k.tmp-zz").exists());
        assert!(dir.join(".other.tmp-00").exists() && dir.join("k").exists());
        assert!(std::fs::read("/etc/passwd").is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
