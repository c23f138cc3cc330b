//! Bounded waits for the advisory file locks (`flock`): the one wait every
//! lock of the crate uses (the file store's, the keyring manifest's, the
//! audit log's).
//!
//! A lock held by a live process that hangs (stopped, stuck on a dead NFS
//! server) must not block a revocation forever: every wait is bounded. The
//! bound is `COSIGN_KEYS_LOCK_WAIT` seconds (default 10); after it the
//! caller gets [`Error::Unavailable`] naming the lock, and decides what is
//! safe (a revocation goes on without the audit log and keeps its records
//! for later; nothing writes the manifest without its lock).

use std::fs::{File, TryLockError};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::{Error, Result};

/// The environment variable that sets the wait, in seconds.
pub(crate) const ENV_LOCK_WAIT: &str = "COSIGN_KEYS_LOCK_WAIT";

/// The default wait for a held lock.
const DEFAULT_WAIT: Duration = Duration::from_secs(10);

/// How long to wait for a held lock.
pub(crate) fn wait() -> Duration {
    std::env::var(ENV_LOCK_WAIT)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(DEFAULT_WAIT, Duration::from_secs)
}

/// Takes `file`'s exclusive (or, with `shared`, shared) lock, waiting at
/// most [`wait`].
///
/// # Errors
/// [`Error::Unavailable`] when another process kept it that long;
/// [`Error::Io`] when locking itself fails.
pub(crate) fn acquire(file: &File, path: &Path, shared: bool) -> Result<()> {
    let limit = wait();
    let start = Instant::now();
    let mut pause = Duration::from_millis(5);
    loop {
        let attempt = if shared {
            file.try_lock_shared()
        } else {
            file.try_lock()
        };
        match attempt {
            Ok(()) => return Ok(()),
            Err(TryLockError::Error(e)) => return Err(Error::io(path, e)),
            Err(TryLockError::WouldBlock) => {}
        }
        let waited = start.elapsed();
        if waited >= limit {
            return Err(Error::Unavailable {
                backend: "file lock",
                reason: format!(
                    "{} is locked by another process (waited {} s, the limit set by \
                     {ENV_LOCK_WAIT}); find the process holding it (e.g. `fuser {}`) or retry",
                    path.display(),
                    waited.as_secs(),
                    path.display()
                ),
            });
        }
        std::thread::sleep(pause.min(limit.saturating_sub(waited)));
        pause = (pause * 2).min(Duration::from_millis(200));
    }
}
