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
//! `append` returns. An append that fails (no space, I/O error) cuts the
//! file back to its previous length. A wait for the lock is bounded
//! (`COSIGN_KEYS_LOCK_WAIT` seconds, default 10). The log holds only public
//! facts (see [`AuditEvent`]).
//!
//! **Repair of a torn tail.** A crash or a full disk during an append can
//! leave an incomplete last line (no final newline). That record was never
//! acknowledged, so it is not part of the chain: readers ignore it
//! ([`AuditReport::incomplete_tail`] counts its bytes), and the next append
//! first copies those bytes into a sidecar file beside the log
//! (`<log>.torn-<offset>-<8 hex of their SHA-256>`, mode 0600, flushed),
//! cuts the log back to its last complete record, appends an
//! `audit.repaired` record whose `target` names the sidecar, then its own
//! record. Anything else that breaks the chain is [`Error::AuditTampered`].
//!
//! **Anchors.** A keyring manifest records the head it was saved after;
//! [`AuditLog::append_after`] and [`AuditLog::verify_anchored`] check that
//! the log still holds that record, so a deleted, truncated or replaced log
//! is found without a head kept elsewhere.

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::{Error, Result, Timestamp};

mod chain;
mod event;
mod tail;

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
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct AuditEntry {
    /// Position (1-based).
    pub seq: u64,
    /// When it was written.
    pub time: Timestamp,
    /// The event (its fields sit beside `seq` and `time`, as in the log).
    #[serde(flatten)]
    pub event: AuditEvent,
}

/// What [`AuditLog::verify`] found in a log that checks out.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct AuditReport {
    /// Number of records.
    pub records: u64,
    /// The head to keep for the next verification.
    pub head: AuditHead,
    /// Bytes of an incomplete last record after the head (a write cut
    /// short by a crash or a full disk, never acknowledged): not part of the
    /// chain; the next append moves them aside and records the repair. 0
    /// when the log ends with a complete record.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub incomplete_tail: u64,
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero(n: &u64) -> bool {
    *n == 0
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
    /// when this returns. An incomplete last record left by a crash is
    /// moved aside first (see the module docs).
    ///
    /// # Errors
    /// [`Error::Io`] (the file is then back at its previous length);
    /// [`Error::AuditTampered`] when the last complete record is unreadable
    /// (nothing is appended to a broken log); [`Error::Unavailable`] when
    /// another process holds the log's lock too long.
    pub fn append(&self, event: &AuditEvent, time: Timestamp) -> Result<AuditHead> {
        self.append_after(None, event, time)
    }

    /// [`AuditLog::append`], after checking (under the log's lock) that the
    /// log still holds `anchor`, the head a keyring was saved after.
    ///
    /// ```
    /// use cosign_keys::audit::{AuditEvent, AuditLog, EventKind};
    /// use cosign_keys::{Actor, Timestamp};
    ///
    /// let dir = std::env::temp_dir().join(format!("ck-audit-anchor-{}", std::process::id()));
    /// let log = AuditLog::new(dir.join("audit.jsonl"));
    /// let event = AuditEvent::new(EventKind::KeyAccessed, &Actor::new("ci", "sign"));
    /// let anchor = log.append(&event, Timestamp::now())?;
    /// log.append_after(Some(&anchor), &event, Timestamp::now())?;
    ///
    /// // Deleted: the anchor shows it.
    /// std::fs::remove_file(log.path()).unwrap();
    /// let err = log.append_after(Some(&anchor), &event, Timestamp::now()).unwrap_err();
    /// assert!(matches!(err, cosign_keys::Error::AuditTampered { .. }));
    /// # std::fs::remove_dir_all(&dir).ok();
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`AuditLog::append`]; [`Error::AuditTampered`] when the log does
    /// not hold `anchor`.
    pub fn append_after(
        &self,
        anchor: Option<&AuditHead>,
        event: &AuditEvent,
        time: Timestamp,
    ) -> Result<AuditHead> {
        let anchor = anchor.map(|head| Anchor {
            head: head.clone(),
            offset: None,
        });
        self.append_anchored(anchor.as_ref(), event, time)
    }

    /// [`AuditLog::append_after`] with a keyring's anchor, which may carry
    /// the anchored record's byte offset (then checking it reads one line).
    pub(crate) fn append_anchored(
        &self,
        anchor: Option<&Anchor>,
        event: &AuditEvent,
        time: Timestamp,
    ) -> Result<AuditHead> {
        match self.write(anchor, event, time, false)? {
            Written::Appended(head) | Written::Present(head) => Ok(head),
        }
    }

    /// Appends unless a record of the same kind for the same operation is
    /// already in the log (a resumed operation, or records queued while the
    /// log could not be written); `None` when it was there.
    pub(crate) fn append_once(
        &self,
        anchor: Option<&Anchor>,
        event: &AuditEvent,
        time: Timestamp,
    ) -> Result<Option<AuditHead>> {
        Ok(match self.write(anchor, event, time, true)? {
            Written::Appended(head) => Some(head),
            Written::Present(_) => None,
        })
    }

    fn write(
        &self,
        anchor: Option<&Anchor>,
        event: &AuditEvent,
        time: Timestamp,
        once: bool,
    ) -> Result<Written> {
        let (mut file, created) = self.open_for_append()?;
        crate::lock::acquire(&file, &self.path, false)?;
        let tail = tail::read(&mut file, &self.path, 1)?;
        let mut head = tail.head()?;
        if let Some(anchor) = anchor {
            if let Err(e) = tail::check_anchor(
                &mut file,
                &self.path,
                &tail,
                &head,
                &anchor.head,
                anchor.offset,
            ) {
                if created {
                    // Do not leave an empty log where a deleted one was.
                    let _ = std::fs::remove_file(&self.path);
                }
                return Err(e);
            }
        }
        if once {
            if let Some(op) = &event.operation {
                let content = tail::read_complete(&mut file, &self.path, tail.complete)?;
                let present = chain::records(&content)?.iter().any(|r| {
                    r.event.event == event.event && r.event.operation.as_ref() == Some(op)
                });
                if present {
                    return Ok(Written::Present(head));
                }
            }
        }
        if tail.len > tail.complete {
            head = self.repair(&mut file, &tail, &head, event, time)?;
        }
        let head = write_line(&mut file, &self.path, &head, event, time)?;
        if created {
            sync_parent(&self.path)?;
        }
        Ok(Written::Appended(head))
    }

    /// Moves an incomplete last record into a sidecar file, cuts the log
    /// back to its last complete record and records the repair.
    fn repair(
        &self,
        file: &mut File,
        tail: &tail::Tail,
        head: &AuditHead,
        event: &AuditEvent,
        time: Timestamp,
    ) -> Result<AuditHead> {
        let torn = tail::read_range(file, &self.path, tail.complete, tail.len)?;
        let name = format!(
            "{}.torn-{}-{}",
            self.path
                .file_name()
                .map_or_else(|| "audit".into(), |n| n.to_string_lossy()),
            tail.complete,
            &base16ct::lower::encode_string(&crate::sha256(&torn))[..8]
        );
        let sidecar = self.path.with_file_name(&name);
        match crate::fs::write_atomic(
            &sidecar,
            &torn,
            crate::fs::PRIVATE_FILE_MODE,
            crate::fs::Overwrite::No,
        ) {
            Ok(()) => {}
            // An earlier repair of these same bytes stopped before the cut.
            Err(Error::AlreadyExists { .. })
                if std::fs::read(&sidecar).is_ok_and(|kept| kept == torn) => {}
            Err(e) => return Err(e),
        }
        crate::fs::io_step()
            .and_then(|()| file.set_len(tail.complete))
            .and_then(|()| crate::fs::io_step())
            .and_then(|()| file.sync_data())
            .map_err(|e| Error::io(&self.path, e))?;
        let mut record = AuditEvent::new(
            EventKind::AuditRepaired,
            &Actor::with_host(
                event.who.clone(),
                event.host.clone(),
                format!(
                    "repair: an incomplete last record ({} bytes after record {}, a write cut \
                     short by a crash or a full disk) was moved to {name}",
                    torn.len(),
                    head.seq
                ),
            ),
        )
        .target(name);
        record.keyring.clone_from(&event.keyring);
        write_line(file, &self.path, head, &record, time)
    }

    /// The current head (the empty head for a missing or empty log), from
    /// the last complete record alone.
    ///
    /// # Errors
    /// [`Error::Io`]; [`Error::AuditTampered`] for a broken last record.
    pub fn head(&self) -> Result<AuditHead> {
        let Some(mut file) = self.open_read()? else {
            return Ok(AuditHead::empty());
        };
        tail::read(&mut file, &self.path, 1)?.head()
    }

    /// Checks the whole chain and, with `expected`, that the log ends exactly
    /// at that head. A missing file is an empty log; an incomplete last
    /// record is reported in [`AuditReport::incomplete_tail`], not verified.
    ///
    /// # Errors
    /// [`Error::AuditTampered`] with the record number where the log was
    /// changed, and why; [`Error::Io`].
    pub fn verify(&self, expected: Option<&AuditHead>) -> Result<AuditReport> {
        let content = self.read_all()?;
        let head = chain::verify(&content, expected)?;
        Ok(report(head, &content))
    }

    /// Checks the whole chain and that it holds `anchor`, the head a keyring
    /// manifest was saved after (records after it are expected).
    ///
    /// ```
    /// use cosign_keys::audit::{AuditEvent, AuditLog, EventKind};
    /// use cosign_keys::{Actor, Timestamp};
    ///
    /// let dir = std::env::temp_dir().join(format!("ck-audit-anchored-{}", std::process::id()));
    /// let log = AuditLog::new(dir.join("audit.jsonl"));
    /// let event = AuditEvent::new(EventKind::KeyAccessed, &Actor::new("ci", "sign"));
    /// let anchor = log.append(&event, Timestamp::now())?;
    /// log.append(&event, Timestamp::now())?;
    /// assert_eq!(log.verify_anchored(&anchor)?.records, 2);
    /// # std::fs::remove_dir_all(&dir).ok();
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`AuditLog::verify`].
    pub fn verify_anchored(&self, anchor: &AuditHead) -> Result<AuditReport> {
        let content = self.read_all()?;
        let head = chain::verify_anchored(&content, anchor)?;
        Ok(report(head, &content))
    }

    /// Every complete record, oldest first (without verifying the chain).
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

    /// Whether the log still holds `anchor` (`None`: nothing to check); the
    /// log's current head as an anchor (with its record's byte offset).
    ///
    /// # Errors
    /// [`Error::AuditTampered`] when it does not; [`Error::Io`].
    pub(crate) fn check_anchor(&self, anchor: Option<&Anchor>) -> Result<Anchor> {
        let Some(mut file) = self.open_read()? else {
            let empty = AuditHead::empty();
            if let Some(anchor) = anchor {
                chain::check_anchor(&empty, None, &anchor.head)?;
            }
            return Ok(Anchor {
                head: empty,
                offset: None,
            });
        };
        let tail = tail::read(&mut file, &self.path, 1)?;
        let head = tail.head()?;
        if let Some(anchor) = anchor {
            tail::check_anchor(
                &mut file,
                &self.path,
                &tail,
                &head,
                &anchor.head,
                anchor.offset,
            )?;
        }
        let offset = (head.seq > 0).then_some(tail.last_start);
        Ok(Anchor { head, offset })
    }

    fn open_read(&self) -> Result<Option<File>> {
        crate::fs::refuse_symlink(&self.path)?;
        let file = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(&self.path, e)),
        };
        crate::lock::acquire(&file, &self.path, true)?;
        Ok(Some(file))
    }

    fn read_all(&self) -> Result<Vec<u8>> {
        let Some(file) = self.open_read()? else {
            return Ok(Vec::new());
        };
        crate::limits::read_open(&file, &self.path, crate::limits::Input::AuditLog)
    }

    fn open_for_append(&self) -> Result<(File, bool)> {
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::fs::step_create(dir)?;
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let existed = self.path.exists();
        crate::fs::step_create(&self.path)?;
        let mut opts = OpenOptions::new();
        opts.read(true).append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        // Never through a link (issue 11): refused as PermissionDenied.
        let file = crate::fs::open_no_follow(&self.path, &mut opts)?;
        Ok((file, !existed))
    }
}

/// The head a keyring manifest was saved after, and where its record
/// starts in the log (`None` in manifests written before offsets were
/// recorded; then the log is searched from its end).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Anchor {
    /// The anchored head.
    pub(crate) head: AuditHead,
    /// Byte offset of the anchored record's first byte.
    pub(crate) offset: Option<u64>,
}

/// What a write did.
enum Written {
    Appended(AuditHead),
    /// The record was already there; the log's head.
    Present(AuditHead),
}

fn report(head: AuditHead, content: &[u8]) -> AuditReport {
    let (_, torn) = chain::split_torn(content);
    AuditReport {
        records: head.seq,
        head,
        incomplete_tail: torn.len() as u64,
    }
}

/// Writes the record after `head` at the end of the file and flushes it;
/// on failure cuts the file back to where it was, so no torn record stays.
fn write_line(
    file: &mut File,
    path: &Path,
    head: &AuditHead,
    event: &AuditEvent,
    time: Timestamp,
) -> Result<AuditHead> {
    let mut line = chain::next_line(head, time, event)?;
    let new_head = AuditHead {
        seq: head.seq + 1,
        hash: chain::line_hash(&line),
    };
    line.push(b'\n');
    let before = file
        .seek(SeekFrom::End(0))
        .map_err(|e| Error::io(path, e))?;
    if let Err(e) = crate::fs::write_all_io(file, &line)
        .and_then(|()| crate::fs::io_step())
        .and_then(|()| file.sync_data())
    {
        // Best effort: if even this fails, the next append repairs the tail.
        let _ = file.set_len(before).and_then(|()| file.sync_data());
        return Err(Error::io(path, e));
    }
    Ok(new_head)
}

fn sync_parent(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        crate::fs::step(&dir)?;
        File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| Error::io(&dir, e))?;
    }
    Ok(())
}
