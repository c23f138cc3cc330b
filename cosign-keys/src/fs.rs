//! Writing files that hold keys: atomically, with chosen permissions, and
//! never over an existing file unless asked.
//!
//! The data goes to a temporary file in the same directory (created with
//! `O_EXCL` and the final mode), is flushed to disk, then moved into place:
//! with `rename` when overwriting is allowed, or with `link` when it is not,
//! which fails atomically if the target appeared meanwhile. The directory is
//! flushed afterwards, so after a crash either the old file or the complete
//! new one is there, never a torn one.
//!
//! Our own bookkeeping files are opened without following links, key files
//! and directories are checked as OpenSSH checks them, and in-place changes
//! of a plain key file lock it ([`replace_if_unchanged`]).
//!
//! [`shred`] is the opposite: overwrite a file's bytes, flush, then unlink it
//! (best effort; its documentation lists what it cannot reach).

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

use crate::{Error, Result};

mod hygiene;
#[cfg(unix)]
pub(crate) use hygiene::replace_with_symlink;
pub use hygiene::{
    check_key_dir, check_private_key_file, open_no_follow, read_key_file, refuse_symlink,
    replace_if_unchanged, write_key_pair_files, PermissionPolicy,
};
pub(crate) use hygiene::{read_no_follow, remove_temp_files, write_atomic_tidy};

#[cfg(all(unix, feature = "fault-injection"))]
#[doc(hidden)]
pub mod fault;

/// One write step (a file created, written, flushed, renamed, linked or
/// removed, a directory created or flushed): with the `fault-injection`
/// feature, where [`fault`] may kill the process or fail the step; without
/// it, nothing.
#[inline]
pub(crate) fn step(path: &Path) -> Result<()> {
    io_step().map_err(|e| Error::io(path, e))
}

/// [`step`] when `path` does not exist yet (a directory or file about to be
/// created); opening or creating what is already there changes nothing.
#[inline]
pub(crate) fn step_create(path: &Path) -> Result<()> {
    if cfg!(all(unix, feature = "fault-injection")) && path.symlink_metadata().is_err() {
        step(path)?;
    }
    Ok(())
}

/// [`step`] for code that works with `std::io` errors.
#[inline]
pub(crate) fn io_step() -> std::io::Result<()> {
    #[cfg(all(unix, feature = "fault-injection"))]
    {
        fault::step()
    }
    #[cfg(not(all(unix, feature = "fault-injection")))]
    {
        Ok(())
    }
}

/// `file.write_all(bytes)` as one write step; with the `fault-injection`
/// feature a fault there is a torn write (half the bytes, then the kill or
/// the error), as a full disk or a crash mid-write leaves.
#[inline]
pub(crate) fn write_all_io(file: &mut File, bytes: &[u8]) -> std::io::Result<()> {
    #[cfg(all(unix, feature = "fault-injection"))]
    {
        fault::write_all(file, bytes)
    }
    #[cfg(not(all(unix, feature = "fault-injection")))]
    {
        std::io::Write::write_all(file, bytes)
    }
}

/// Mode for files holding private keys.
pub const PRIVATE_FILE_MODE: u32 = 0o600;
/// Mode for files holding public data.
pub const PUBLIC_FILE_MODE: u32 = 0o644;

/// Whether an existing file may be replaced.
///
/// ```
/// assert_ne!(cosign_keys::fs::Overwrite::No, cosign_keys::fs::Overwrite::Yes);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overwrite {
    /// Fail with [`Error::AlreadyExists`] if the file exists.
    No,
    /// Replace the file atomically.
    Yes,
}

/// Writes `contents` to `path` atomically with permission bits `mode`.
///
/// # Errors
/// [`Error::AlreadyExists`] if the file exists and `overwrite` is
/// [`Overwrite::No`]; [`Error::Io`] for any I/O failure (the target is then
/// untouched and the temporary file removed).
///
/// ```
/// use cosign_keys::fs::{write_atomic, Overwrite, PRIVATE_FILE_MODE};
/// let dir = std::env::temp_dir().join(format!("ck-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("secret.txt");
/// # let _ = std::fs::remove_file(&path);
/// write_atomic(&path, b"one", PRIVATE_FILE_MODE, Overwrite::No)?;
/// assert!(write_atomic(&path, b"two", PRIVATE_FILE_MODE, Overwrite::No).is_err());
/// write_atomic(&path, b"two", PRIVATE_FILE_MODE, Overwrite::Yes)?;
/// assert_eq!(std::fs::read(&path).unwrap(), b"two");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), cosign_keys::Error>(())
/// ```
pub fn write_atomic(path: &Path, contents: &[u8], mode: u32, overwrite: Overwrite) -> Result<()> {
    if overwrite == Overwrite::No && path.symlink_metadata().is_ok() {
        return Err(Error::AlreadyExists {
            path: path.to_path_buf(),
        });
    }
    let dir = parent_dir(path);
    let (tmp_path, mut file) = create_temp(&dir, path, mode)?;
    let result = (|| {
        write_all_io(&mut file, contents).map_err(|e| Error::io(&tmp_path, e))?;
        step(&tmp_path)?;
        file.sync_all().map_err(|e| Error::io(&tmp_path, e))?;
        drop(file);
        failpoint::before_rename(path);
        step(path)?;
        match overwrite {
            Overwrite::Yes => fs::rename(&tmp_path, path).map_err(|e| Error::io(path, e)),
            Overwrite::No => {
                fs::hard_link(&tmp_path, path).map_err(|e| {
                    if e.kind() == std::io::ErrorKind::AlreadyExists {
                        Error::AlreadyExists {
                            path: path.to_path_buf(),
                        }
                    } else {
                        Error::io(path, e)
                    }
                })?;
                step(&tmp_path)?;
                fs::remove_file(&tmp_path).map_err(|e| Error::io(&tmp_path, e))
            }
        }
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp_path);
    }
    result?;
    sync_dir(&dir)
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn create_temp(dir: &Path, target: &Path, mode: u32) -> Result<(PathBuf, File)> {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "key".into());
    for attempt in 0..16u32 {
        let mut nonce = [0u8; 6];
        crate::rand::fill(&mut nonce)?;
        let suffix = base16ct::lower::encode_string(&nonce);
        let tmp = dir.join(format!(".{name}.tmp-{suffix}"));
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(mode);
        }
        match io_step().and_then(|()| opts.open(&tmp)) {
            Ok(file) => {
                // The umask may have cleared bits we asked for; set exactly.
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    step(&tmp)?;
                    file.set_permissions(fs::Permissions::from_mode(mode))
                        .map_err(|e| Error::io(&tmp, e))?;
                }
                return Ok((tmp, file));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 15 => {}
            Err(e) => return Err(Error::io(&tmp, e)),
        }
    }
    Err(Error::io(
        dir,
        std::io::Error::other("could not create a temporary file"),
    ))
}

/// Flushes a directory's entries (new, renamed or removed names) to disk, so
/// a crash cannot bring back a removed name or lose a new one.
///
/// # Errors
/// [`Error::Io`] if the directory cannot be opened or flushed.
///
/// ```
/// cosign_keys::fs::sync_dir(&std::env::temp_dir())?;
/// # Ok::<(), cosign_keys::Error>(())
/// ```
pub fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        step(dir)?;
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| Error::io(dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Best-effort secure delete: overwrites the file's bytes in place with
/// random data of the same length, flushes them to the device, then unlinks
/// the file and flushes its directory. A symbolic link or other non-regular
/// file is unlinked without following it.
///
/// What it cannot promise, because the old bytes may live on where no
/// program can reach them:
/// - copy-on-write and log-structured file systems (Btrfs, ZFS, APFS,
///   F2FS, NILFS) write the new bytes elsewhere and keep the old blocks
///   until they are reused;
/// - SSDs and flash remap writes (wear levelling) and keep old pages until
///   garbage collection; only the device's own secure erase or full-disk
///   encryption reaches those;
/// - file-system snapshots, backups, and copies made earlier (including the
///   page cache of another process holding the file open) keep their copy;
/// - a journal in `data=journal` mode may hold a copy of the old data.
///
/// So the key should have been encrypted at rest in the first place (cosign
/// keys always are), and a destroyed key that mattered should be rotated.
///
/// # Errors
/// [`Error::Io`] if the file cannot be opened, overwritten, flushed or
/// removed (a file that does not exist is an `Io` error of kind `NotFound`).
///
/// ```
/// use cosign_keys::fs::{shred, write_atomic, Overwrite, PRIVATE_FILE_MODE};
/// let dir = std::env::temp_dir().join(format!("ck-shred-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("old.key");
/// write_atomic(&path, b"secret bytes", PRIVATE_FILE_MODE, Overwrite::Yes)?;
/// shred(&path)?;
/// assert!(!path.exists());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), cosign_keys::Error>(())
/// ```
pub fn shred(path: &Path) -> Result<()> {
    let meta = path.symlink_metadata().map_err(|e| Error::io(path, e))?;
    if meta.file_type().is_file() {
        overwrite_in_place(path, &meta)?;
    }
    step(path)?;
    fs::remove_file(path).map_err(|e| Error::io(path, e))?;
    sync_dir(&parent_dir(path))
}

fn overwrite_in_place(path: &Path, expected: &fs::Metadata) -> Result<()> {
    use std::io::{Seek, SeekFrom};
    step(path)?;
    let mut file = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    #[cfg(unix)]
    {
        // The name may have been swapped for a link between the two looks:
        // overwrite only the file that was checked.
        use std::os::unix::fs::MetadataExt;
        if meta.dev() != expected.dev() || meta.ino() != expected.ino() {
            return Err(Error::io(
                path,
                std::io::Error::other("the file changed while it was being destroyed"),
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = expected;
    let mut remaining = meta.len();
    file.seek(SeekFrom::Start(0))
        .map_err(|e| Error::io(path, e))?;
    let mut chunk = zeroize::Zeroizing::new(vec![0u8; 64 * 1024]);
    while remaining > 0 {
        let n = usize::try_from(remaining).map_or(chunk.len(), |r| r.min(chunk.len()));
        crate::rand::fill(&mut chunk[..n])?;
        write_all_io(&mut file, &chunk[..n]).map_err(|e| Error::io(path, e))?;
        remaining -= n as u64;
    }
    step(path)?;
    file.sync_all().map_err(|e| Error::io(path, e))
}

/// Crash injection for tests of the crash-safety promises. **Not a public
/// API**: hidden from the documentation and free to change at any time.
///
/// A registered hook runs inside [`write_atomic`] after the temporary file
/// is complete and flushed, just before it is moved onto its final name.
/// A hook that panics (or aborts the process) there simulates a crash at
/// the worst moment: no cleanup runs and the temporary file stays behind.
/// Hooks see every write in the process, so they filter on the path.
#[doc(hidden)]
pub mod failpoint {
    use std::path::Path;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::{Arc, Mutex, PoisonError};

    type Hook = Arc<dyn Fn(&Path) + Send + Sync>;

    static ARMED: AtomicBool = AtomicBool::new(false);
    static NEXT_ID: AtomicU64 = AtomicU64::new(0);
    static HOOKS: Mutex<Vec<(u64, Hook)>> = Mutex::new(Vec::new());

    /// Removes its hook when dropped.
    #[must_use = "the hook is removed when the guard drops"]
    pub struct Guard(u64);

    impl Drop for Guard {
        fn drop(&mut self) {
            let mut hooks = HOOKS.lock().unwrap_or_else(PoisonError::into_inner);
            hooks.retain(|(id, _)| *id != self.0);
            ARMED.store(!hooks.is_empty(), Ordering::SeqCst);
        }
    }

    /// Runs `hook(target)` before every rename or link in
    /// [`write_atomic`](super::write_atomic) until the guard drops.
    pub fn on_before_rename(hook: impl Fn(&Path) + Send + Sync + 'static) -> Guard {
        let id = NEXT_ID.fetch_add(1, Ordering::SeqCst);
        let mut hooks = HOOKS.lock().unwrap_or_else(PoisonError::into_inner);
        hooks.push((id, Arc::new(hook)));
        ARMED.store(true, Ordering::SeqCst);
        Guard(id)
    }

    pub(crate) fn before_rename(target: &Path) {
        if !ARMED.load(Ordering::SeqCst) {
            return;
        }
        let hooks: Vec<Hook> = HOOKS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(_, h)| Arc::clone(h))
            .collect();
        for hook in hooks {
            hook(target);
        }
    }
}
