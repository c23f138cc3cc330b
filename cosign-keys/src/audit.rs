//! The audit trail: a tamper-evident, append-only JSON Lines file.
//!
//! Every lifecycle act (and key access, signing, public-key distribution,
//! backup) appends one record: one JSON object per line,
//!
//! ```json
//! {"seq":7,"time":"2026-11-25T11:26:45Z","prev":"<sha256 hex of line 6>","event":"key.rotated","who":"alice","host":"build-7","reason":"annual rotation","old_fingerprint":"SHA256:…","new_fingerprint":"SHA256:…","keyring":"file:///keys/keyring.json","operation":"5f0c…"}
//! ```
//!
//! `seq` numbers records from 1; `prev` is the SHA-256 of the previous line's
//! exact bytes (64 zeros for the first), so changing, removing, reordering
//! or inserting any record breaks the chain at a place
//! [`AuditLog::verify`] names. Cutting records off the end, or appending
//! records with a correctly computed chain, can only be seen against a head
//! kept elsewhere: [`AuditLog::append`] returns the new [`AuditHead`], and
//! `verify(Some(&head))` checks the log ends exactly there.
//!
//! Appends are durable and safe across processes: the file is opened with
//! `O_APPEND`, an exclusive lock is held while the last record is read and
//! the new one written, and the data is flushed to disk (`fsync`) before
//! `append` returns. The log holds only public facts (see [`AuditEvent`]).

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::{Error, Result, Timestamp};

mod chain;
mod event;

pub use chain::AuditHead;
pub use event::{Actor, AuditEvent, EventKind};

/// One record read back from the log.
///
/// ```
/// # use cosign_keys::audit::{AuditLog, AuditEvent, EventKind};
/// # use cosign_keys::{Actor, Timestamp};
/// # let dir = std::env::temp_dir().join(format!("ck-audit-entry-{}", std::process::id()));
/// # let log = AuditLog::new(dir.join("audit.jsonl"));
/// log.append(&AuditEvent::new(EventKind::KeyAccessed, &Actor::new("ci", "sign")), Timestamp::now())?;
/// let entries = log.entries()?;
/// assert_eq!(entries[0].seq, 1);
/// assert_eq!(entries[0].event.event, EventKind::KeyAccessed);
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), cosign_keys::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Position (1-based).
    pub seq: u64,
    /// When it was written.
    pub time: Timestamp,
    /// The event.
    pub event: AuditEvent,
}

/// What [`AuditLog::verify`] found in a log that checks out.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditReport {
    /// Number of records.
    pub records: u64,
    /// The head to keep for the next verification.
    pub head: AuditHead,
}

/// An audit log file.
///
/// ```
/// use cosign_keys::audit::{AuditEvent, AuditLog, EventKind};
/// use cosign_keys::{Actor, Timestamp};
///
/// let dir = std::env::temp_dir().join(format!("ck-audit-doc-{}", std::process::id()));
/// let log = AuditLog::new(dir.join("audit.jsonl"));
/// let actor = Actor::new("alice", "rehearsal");
/// log.append(&AuditEvent::new(EventKind::KeyringCreated, &actor), Timestamp::now())?;
/// let head = log.append(&AuditEvent::new(EventKind::KeyAccessed, &actor), Timestamp::now())?;
/// assert_eq!(head.seq, 2);
/// assert_eq!(log.verify(Some(&head))?.records, 2);
///
/// // Cut the last record off: only the kept head can tell.
/// let text = std::fs::read_to_string(log.path()).unwrap();
/// let first_line = text.lines().next().unwrap();
/// std::fs::write(log.path(), format!("{first_line}\n")).unwrap();
/// assert!(log.verify(None).is_ok());
/// let err = log.verify(Some(&head)).unwrap_err();
/// assert!(matches!(err, cosign_keys::Error::AuditTampered { record: 2, .. }));
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), cosign_keys::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
}

impl AuditLog {
    /// The log at `path` (created, with its directory, on the first append).
    #[must_use]
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The log file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record and returns the new head. The record is on disk
    /// when this returns.
    ///
    /// # Errors
    /// [`Error::Io`]; [`Error::AuditTampered`] when the last record is
    /// incomplete or unreadable (nothing is appended to a broken log).
    pub fn append(&self, event: &AuditEvent, time: Timestamp) -> Result<AuditHead> {
        let (mut file, created) = self.open_for_append()?;
        file.lock().map_err(|e| Error::io(&self.path, e))?;
        let head = last_head(&mut file, &self.path)?;
        let mut line = chain::next_line(&head, time, event)?;
        let new_head = AuditHead {
            seq: head.seq + 1,
            hash: chain::line_hash(&line),
        };
        line.push(b'\n');
        file.write_all(&line)
            .and_then(|()| file.sync_data())
            .map_err(|e| Error::io(&self.path, e))?;
        if created {
            sync_parent(&self.path)?;
        }
        Ok(new_head)
    }

    /// The current head (the empty head for a missing or empty log), from
    /// the last record alone.
    ///
    /// # Errors
    /// [`Error::Io`]; [`Error::AuditTampered`] for a broken last record.
    pub fn head(&self) -> Result<AuditHead> {
        let mut file = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(AuditHead::empty()),
            Err(e) => return Err(Error::io(&self.path, e)),
        };
        file.lock_shared().map_err(|e| Error::io(&self.path, e))?;
        last_head(&mut file, &self.path)
    }

    /// Checks the whole chain and, with `expected`, that the log ends exactly
    /// at that head. A missing file is an empty log.
    ///
    /// # Errors
    /// [`Error::AuditTampered`] with the record number where the log was
    /// changed, and why; [`Error::Io`].
    pub fn verify(&self, expected: Option<&AuditHead>) -> Result<AuditReport> {
        let content = self.read_all()?;
        let head = chain::verify(&content, expected)?;
        Ok(AuditReport {
            records: head.seq,
            head,
        })
    }

    /// Every record, oldest first (without verifying the chain).
    ///
    /// # Errors
    /// [`Error::Io`]; [`Error::AuditTampered`] for an unreadable record.
    pub fn entries(&self) -> Result<Vec<AuditEntry>> {
        let content = self.read_all()?;
        Ok(chain::records(&content)?
            .into_iter()
            .map(|r| AuditEntry {
                seq: r.seq,
                time: r.time,
                event: r.event,
            })
            .collect())
    }

    /// Whether a record of `kind` for lifecycle operation `operation` is
    /// already in the log (a resumed operation does not write it twice).
    pub(crate) fn contains(&self, operation: &str, kind: EventKind) -> Result<bool> {
        Ok(self
            .entries()?
            .iter()
            .any(|e| e.event.event == kind && e.event.operation.as_deref() == Some(operation)))
    }

    fn read_all(&self) -> Result<Vec<u8>> {
        let file = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io(&self.path, e)),
        };
        file.lock_shared().map_err(|e| Error::io(&self.path, e))?;
        crate::limits::read_open(&file, &self.path, crate::limits::Input::AuditLog)
    }

    fn open_for_append(&self) -> Result<(File, bool)> {
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let existed = self.path.exists();
        let mut opts = OpenOptions::new();
        opts.read(true).append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let file = opts
            .open(&self.path)
            .map_err(|e| Error::io(&self.path, e))?;
        Ok((file, !existed))
    }
}

/// Reads the head from the end of the file: the last line only.
fn last_head(file: &mut File, path: &Path) -> Result<AuditHead> {
    let len = file
        .seek(SeekFrom::End(0))
        .map_err(|e| Error::io(path, e))?;
    if len == 0 {
        return Ok(AuditHead::empty());
    }
    // Read backwards in chunks until the newline before the last line.
    let mut tail: Vec<u8> = Vec::new();
    let mut pos = len;
    let start_of_last = loop {
        let step = pos.min(4096);
        pos -= step;
        let mut chunk = vec![0u8; usize::try_from(step).unwrap_or(4096)];
        file.seek(SeekFrom::Start(pos))
            .and_then(|_| file.read_exact(&mut chunk))
            .map_err(|e| Error::io(path, e))?;
        chunk.extend_from_slice(&tail);
        tail = chunk;
        if tail.last() != Some(&b'\n') {
            return Err(Error::AuditTampered {
                record: 0,
                reason: format!(
                    "{}: the last record is incomplete (no final newline); nothing was appended",
                    path.display()
                ),
            });
        }
        let body = &tail[..tail.len() - 1];
        if let Some(nl) = body.iter().rposition(|&b| b == b'\n') {
            break nl + 1;
        }
        if pos == 0 {
            break 0;
        }
    };
    let line = &tail[start_of_last..tail.len() - 1];
    chain::head_of_last(line, 0)
}

fn sync_parent(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| Error::io(&dir, e))?;
    }
    Ok(())
}
