//! Reading the end of an open log: the last complete records (read
//! backwards, so an append or an anchor check does not read the whole
//! log), and where an incomplete last record starts.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::{chain, AuditHead};
use crate::{Error, Result};

/// How much is read per step backwards.
const CHUNK: u64 = 16 * 1024;

/// The end of a log.
pub(super) struct Tail {
    /// Bytes in the file.
    pub(super) len: u64,
    /// Bytes up to and including the last newline: the complete records.
    pub(super) complete: u64,
    /// Where the last complete record starts (0 for an empty log).
    pub(super) last_start: u64,
    /// The last complete lines (without newlines), oldest first.
    pub(super) lines: Vec<Vec<u8>>,
}

impl Tail {
    /// The head after the last complete record.
    pub(super) fn head(&self) -> Result<AuditHead> {
        match self.lines.last() {
            None => Ok(AuditHead::empty()),
            Some(line) => chain::head_of_last(line, 0),
        }
    }
}

/// The longest line a record can take. Records this library writes are a
/// few hundred bytes (the longest field is a caller's reason, which the
/// audit event caps); a longer last line was not written by an append.
pub(super) const MAX_RECORD: u64 = 1024 * 1024;

/// How many bytes a scan backwards from the end may read (to find an
/// anchor in a manifest that predates byte-offset anchors): the audit-log
/// size limit, so such a scan never reads more than a verify would.
fn max_scan() -> u64 {
    crate::limits::Input::AuditLog.limit()
}

/// Reads the last `want` complete lines (fewer if the log has fewer),
/// reading backwards in chunks: linear in the bytes read, and never more
/// than the audit-log size limit.
pub(super) fn read(file: &mut File, path: &Path, want: usize) -> Result<Tail> {
    let io = |e| Error::io(path, e);
    let len = file.seek(SeekFrom::End(0)).map_err(io)?;
    // Chunks newest first; joined once at the end.
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    let mut newlines = 0usize;
    let mut pos = len;
    let limit = max_scan();
    // Enough once a newline precedes the first wanted line.
    while pos > 0 && newlines <= want {
        if len - pos >= limit {
            return Err(
                crate::limits::Input::AuditLog.too_large(&path.display().to_string(), limit)
            );
        }
        let step = pos.min(CHUNK);
        pos -= step;
        let mut chunk = vec![0u8; usize::try_from(step).unwrap_or(0)];
        file.seek(SeekFrom::Start(pos))
            .and_then(|_| file.read_exact(&mut chunk))
            .map_err(io)?;
        newlines += chunk.iter().filter(|&&b| b == b'\n').count();
        chunks.push(chunk);
        if want == 1 && newlines <= 1 && len - pos > 2 * MAX_RECORD {
            // No record is that long: the end of the log is not ours.
            return Err(chain::tampered(
                0,
                "the last record is longer than any record an append writes",
            ));
        }
    }
    let mut buf = Vec::with_capacity(chunks.iter().map(Vec::len).sum());
    for chunk in chunks.iter().rev() {
        buf.extend_from_slice(chunk);
    }
    let (complete, _) = chain::split_torn(&buf);
    let complete_len = pos + complete.len() as u64;
    let mut lines: Vec<Vec<u8>> = Vec::new();
    if !complete.is_empty() {
        let body = &complete[..complete.len() - 1];
        lines = body.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
        if pos > 0 {
            // The first piece starts in the middle of a line.
            lines.remove(0);
        }
    }
    let skip = lines.len().saturating_sub(want);
    lines.drain(..skip);
    let last_start = lines
        .last()
        .map_or(0, |l| complete_len - l.len() as u64 - 1);
    Ok(Tail {
        len,
        complete: complete_len,
        last_start,
        lines,
    })
}

/// Checks that the log whose last complete record is `head` holds
/// `anchor`: the record at the anchor's position has the anchor's hash.
/// With the anchored record's byte `offset` (manifests record it) one line
/// is read there; without it (older manifests) the log is read backwards
/// from its end, within the audit-log size limit.
pub(super) fn check_anchor(
    file: &mut File,
    path: &Path,
    tail: &Tail,
    head: &AuditHead,
    anchor: &AuditHead,
    offset: Option<u64>,
) -> Result<()> {
    if anchor.seq == 0 || head.seq < anchor.seq {
        return chain::check_anchor(head, None, anchor);
    }
    if let Some(offset) = offset {
        let line = line_at(file, path, tail.complete, offset)?;
        let found = line
            .and_then(|l| chain::head_of_last(&l, anchor.seq).ok())
            .filter(|h| h.seq == anchor.seq);
        return chain::check_anchor(head, found.as_ref().map(|h| h.hash.as_str()), anchor);
    }
    // The anchored record is this many lines back (a forged `seq` only
    // makes this read up to the size limit and fail).
    let want = usize::try_from(head.seq - anchor.seq)
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    let back = read(file, path, want)?;
    let hash = (back.lines.len() == want).then(|| chain::line_hash(&back.lines[0]));
    chain::check_anchor(head, hash.as_deref(), anchor)
}

/// The complete line that starts at byte `offset` (`None` when no line of
/// at most [`MAX_RECORD`] bytes starts there, before `complete`).
fn line_at(file: &mut File, path: &Path, complete: u64, offset: u64) -> Result<Option<Vec<u8>>> {
    if offset >= complete {
        return Ok(None);
    }
    if offset > 0 {
        // A line starts after a newline.
        let before = read_range(file, path, offset - 1, offset)?;
        if before != b"\n" {
            return Ok(None);
        }
    }
    let end = complete.min(offset.saturating_add(MAX_RECORD + 1));
    let bytes = read_range(file, path, offset, end)?;
    Ok(bytes
        .iter()
        .position(|&b| b == b'\n')
        .map(|i| bytes[..i].to_vec()))
}

/// The complete records' bytes (the first `complete` bytes).
pub(super) fn read_complete(file: &mut File, path: &Path, complete: u64) -> Result<Vec<u8>> {
    let limit = crate::limits::Input::AuditLog.limit();
    if complete > limit {
        return Err(crate::limits::Input::AuditLog.too_large(&path.display().to_string(), limit));
    }
    read_range(file, path, 0, complete)
}

/// Bytes `from..to` of the file.
pub(super) fn read_range(file: &mut File, path: &Path, from: u64, to: u64) -> Result<Vec<u8>> {
    let mut bytes = vec![0u8; usize::try_from(to.saturating_sub(from)).unwrap_or(0)];
    file.seek(SeekFrom::Start(from))
        .and_then(|_| file.read_exact(&mut bytes))
        .map_err(|e| Error::io(path, e))?;
    Ok(bytes)
}
