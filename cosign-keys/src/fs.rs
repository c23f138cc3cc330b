//! Writing files that hold keys: atomically, with chosen permissions, and
//! never over an existing file unless asked.
//!
//! The data goes to a temporary file in the same directory (created with
//! `O_EXCL` and the final mode), is flushed to disk, then moved into place:
//! with `rename` when overwriting is allowed, or with `link` when it is not,
//! which fails atomically if the target appeared meanwhile. The directory is
//! flushed afterwards, so after a crash either the old file or the complete
//! new one is there, never a torn one.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

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
        file.write_all(contents)
            .map_err(|e| Error::io(&tmp_path, e))?;
        file.sync_all().map_err(|e| Error::io(&tmp_path, e))?;
        drop(file);
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
        let suffix: String = nonce.iter().map(|b| format!("{b:02x}")).collect();
        let tmp = dir.join(format!(".{name}.tmp-{suffix}"));
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(mode);
        }
        match opts.open(&tmp) {
            Ok(file) => {
                // The umask may have cleared bits we asked for; set exactly.
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
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

fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| Error::io(dir, e))?;
    }
    Ok(())
}
