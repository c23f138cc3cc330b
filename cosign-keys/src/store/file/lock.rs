//! `.<prefix>.lock`: one advisory lock (`flock`) per store, exclusive for
//! writers and shared for readers, so check-and-set holds across threads and
//! processes.
//!
//! The lock file may be removed (deleting a whole store removes it, while
//! holding the lock). A process that opened the old file and then got the
//! lock would hold a lock nobody else sees, so after locking we check that
//! the name still points at the file we locked, and start over if not.
//!
//! The lock file is opened with `O_NOFOLLOW`: a link planted in its place is
//! refused, for readers and writers alike.

use std::fs::{File, OpenOptions};
use std::path::Path;

use crate::fs::open_no_follow;
use crate::{Error, Result};

/// A held lock; released when dropped (and by the kernel if the process dies).
pub(super) struct Lock {
    _file: File,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Shared,
    Exclusive,
}

impl Lock {
    /// The writers' lock, creating the lock file if needed.
    pub(super) fn exclusive(path: &Path, what: &str) -> Result<Self> {
        Self::acquire(path, what, Kind::Exclusive)?
            .ok_or_else(|| Error::io(path, std::io::Error::other("the lock file vanished")))
    }

    /// The readers' lock. `None` when there is no lock file (no store has
    /// been written here) or it cannot be opened (a reader without access
    /// to it); reads are still consistent then, since committed version
    /// files never change and the index is replaced atomically.
    pub(super) fn shared(path: &Path, what: &str) -> Result<Option<Self>> {
        Self::acquire(path, what, Kind::Shared)
    }

    /// Waits for the lock as every lock of the crate does
    /// ([`crate::lock::acquire`]: at most `COSIGN_KEYS_LOCK_WAIT` seconds),
    /// reporting a writer that held it too long as [`Error::Conflict`].
    fn acquire(path: &Path, what: &str, kind: Kind) -> Result<Option<Self>> {
        // A lock file replaced this many times while we locked it is being
        // replaced on purpose: give up rather than spin.
        for _ in 0..100 {
            let file = match open(path, kind) {
                Ok(file) => file,
                // A planted link is refused for readers too.
                Err(e @ Error::PermissionDenied { .. }) => return Err(e),
                Err(_) if kind == Kind::Shared => return Ok(None),
                Err(e) => return Err(e),
            };
            crate::lock::acquire(&file, path, kind == Kind::Shared).map_err(|e| match e {
                Error::Unavailable { reason, .. } => Error::Conflict {
                    what: what.to_owned(),
                    reason,
                },
                e => e,
            })?;
            if same_file(path, &file) {
                return Ok(Some(Self { _file: file }));
            }
            // Locked a file that was removed meanwhile: open the new one.
        }
        Err(Error::Conflict {
            what: what.to_owned(),
            reason: format!(
                "{} kept being replaced while it was being locked; retry later",
                path.display()
            ),
        })
    }
}

/// Opens the lock file without following a link (refused as
/// [`Error::PermissionDenied`]).
fn open(path: &Path, kind: Kind) -> Result<File> {
    let mut options = OpenOptions::new();
    match kind {
        // flock works on a read-only descriptor, so readers need no write
        // access (a read-only file system, another user's store).
        Kind::Shared => options.read(true),
        Kind::Exclusive => options.read(true).write(true).create(true),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o644);
    }
    if kind == Kind::Exclusive {
        crate::fs::step_create(path)?;
    }
    open_no_follow(path, &mut options)
}

fn same_file(path: &Path, file: &File) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::symlink_metadata(path), file.metadata()) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (path, file);
        true
    }
}
