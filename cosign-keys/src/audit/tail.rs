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

/// Reads the last `want` complete lines (fewer if the log has fewer).
pub(super) fn read(file: &mut File, path: &Path, want: usize) -> Result<Tail> {
    let io = |e| Error::io(path, e);
    let len = file.seek(SeekFrom::End(0)).map_err(io)?;
    let mut buf: Vec<u8> = Vec::new();
    let mut newlines = 0usize;
    let mut pos = len;
    // Enough once a newline precedes the first wanted line.
    while pos > 0 && newlines <= want {
        let step = pos.min(CHUNK);
        pos -= step;
        let mut chunk = vec![0u8; usize::try_from(step).unwrap_or(0)];
        file.seek(SeekFrom::Start(pos))
            .and_then(|_| file.read_exact(&mut chunk))
            .map_err(io)?;
        newlines += chunk.iter().filter(|&&b| b == b'\n').count();
        chunk.extend_from_slice(&buf);
        buf = chunk;
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
    Ok(Tail {
        len,
        complete: complete_len,
        lines,
    })
}

/// Checks that the log whose last complete record is `head` holds
/// `anchor`: the record at the anchor's position has the anchor's hash.
pub(super) fn check_anchor(
    file: &mut File,
    path: &Path,
    head: &AuditHead,
    anchor: &AuditHead,
) -> Result<()> {
    if anchor.seq == 0 || head.seq < anchor.seq {
        return chain::check_anchor(head, None, anchor);
    }
    // The anchored record is this many lines back (a forged `seq` only
    // makes this read the whole file and fail the check).
    let want = usize::try_from(head.seq - anchor.seq)
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    let tail = read(file, path, want)?;
    let hash = (tail.lines.len() == want).then(|| chain::line_hash(&tail.lines[0]));
    chain::check_anchor(head, hash.as_deref(), anchor)
}

/// The complete records' bytes (the first `complete` bytes).
pub(super) fn read_complete(file: &mut File, path: &Path, complete: u64) -> Result<Vec<u8>> {
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
