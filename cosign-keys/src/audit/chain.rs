//! The hash chain: record format, hashing and verification, over bytes
//! (no I/O here).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::AuditEvent;
use crate::{sha256, Error, Result, Timestamp};

/// The `prev` of the first record: 64 zeros.
pub(crate) const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One line of the log.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Record {
    /// 1-based position in the log.
    pub(crate) seq: u64,
    /// When it was written.
    pub(crate) time: Timestamp,
    /// SHA-256 (hex) of the previous line's bytes; [`GENESIS`] for the first.
    pub(crate) prev: String,
    /// What happened.
    #[serde(flatten)]
    pub(crate) event: AuditEvent,
}

/// The end of the log: the last record's number and the SHA-256 of its line.
/// Keep it somewhere the log's writers cannot change (a ticket, another
/// system, the keyring): [`verify`](super::AuditLog::verify) with it detects
/// truncation and records appended out of band.
///
/// Text form `<seq>:<64 hex>`.
///
/// ```
/// use cosign_keys::audit::AuditHead;
/// let head: AuditHead = "3:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".parse()?;
/// assert_eq!(head.seq, 3);
/// assert_eq!(head.to_string().parse::<AuditHead>()?, head);
/// assert_eq!(AuditHead::empty().seq, 0);
/// // Digits only before the colon, 64 hex digits after.
/// let hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
/// assert!(format!("+3:{hash}").parse::<AuditHead>().is_err());
/// assert!(format!("3:{}", &hash[1..]).parse::<AuditHead>().is_err());
/// # Ok::<(), cosign_keys::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AuditHead {
    /// Number of records (the last record's `seq`); 0 for an empty log.
    pub seq: u64,
    /// SHA-256 of the last record's line, lowercase hex (64 zeros when empty).
    pub hash: String,
}

impl AuditHead {
    /// The head of an empty log.
    #[must_use]
    pub fn empty() -> Self {
        Self {
            seq: 0,
            hash: GENESIS.to_owned(),
        }
    }
}

impl fmt::Display for AuditHead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.seq, self.hash)
    }
}

impl FromStr for AuditHead {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let bad = || Error::InvalidArgument {
            name: "audit head",
            reason: format!(
                "`{}` is not `<record number>:<64 hex digits>`",
                crate::error::redact_uri(s)
            ),
        };
        let (seq, hash) = s.trim().split_once(':').ok_or_else(bad)?;
        // Digits only (`u64::from_str` would also take a `+`).
        if seq.is_empty() || !seq.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let seq = seq.parse().map_err(|_| bad())?;
        let is_hex = hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit());
        if !is_hex {
            return Err(bad());
        }
        Ok(Self {
            seq,
            hash: hash.to_ascii_lowercase(),
        })
    }
}

/// SHA-256 of one line (without its newline), hex.
pub(crate) fn line_hash(line: &[u8]) -> String {
    base16ct::lower::encode_string(&sha256(line))
}

/// Serializes the next record after `head`.
pub(crate) fn next_line(head: &AuditHead, time: Timestamp, event: &AuditEvent) -> Result<Vec<u8>> {
    let record = Record {
        seq: head.seq + 1,
        time,
        prev: head.hash.clone(),
        event: event.clone(),
    };
    // Compact JSON escapes control characters, so the line has no newline.
    serde_json::to_vec(&record).map_err(|e| Error::InvalidArgument {
        name: "audit event",
        reason: e.to_string(),
    })
}

pub(crate) fn tampered(record: u64, reason: impl Into<String>) -> Error {
    Error::AuditTampered {
        record,
        reason: reason.into(),
    }
}

/// The head after the last line of `content` (which must be whole lines);
/// checks only the last line's form, not the chain.
pub(crate) fn head_of_last(last_line: &[u8], position: u64) -> Result<AuditHead> {
    let record: Record = serde_json::from_slice(last_line)
        .map_err(|_| tampered(position, "the last record is not a valid audit record"))?;
    Ok(AuditHead {
        seq: record.seq,
        hash: line_hash(last_line),
    })
}

/// Splits the log into its complete part (through the last newline) and an
/// incomplete last record (what a write cut short leaves; empty when the
/// log ends with a newline).
pub(crate) fn split_torn(content: &[u8]) -> (&[u8], &[u8]) {
    let end = content
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    content.split_at(end)
}

/// Splits the complete part of a log into lines (an incomplete last record
/// is left out: see [`split_torn`]).
pub(crate) fn lines(content: &[u8]) -> Vec<&[u8]> {
    let (complete, _) = split_torn(content);
    if complete.is_empty() {
        return Vec::new();
    }
    let mut lines: Vec<&[u8]> = complete.split(|&b| b == b'\n').collect();
    lines.pop();
    lines
}

/// Parses every record.
pub(crate) fn records(content: &[u8]) -> Result<Vec<Record>> {
    lines(content)
        .iter()
        .enumerate()
        .map(|(i, line)| {
            serde_json::from_slice(line)
                .map_err(|_| tampered(i as u64 + 1, "not a valid audit record"))
        })
        .collect()
}

/// Verifies the whole chain, and the end against `expected` when given;
/// returns the head.
pub(crate) fn verify(content: &[u8], expected: Option<&AuditHead>) -> Result<AuditHead> {
    let (head, hashes) = verify_chain(content)?;
    if let Some(expected) = expected {
        check_head(&head, &hashes, expected)?;
    }
    Ok(head)
}

/// Verifies the whole chain and that it holds `anchor` (the head a keyring
/// manifest was saved after): records after it are expected, a log that
/// ends before it or differs at it was truncated, deleted or replaced.
pub(crate) fn verify_anchored(content: &[u8], anchor: &AuditHead) -> Result<AuditHead> {
    let (head, hashes) = verify_chain(content)?;
    check_anchor(
        &head,
        hashes
            .get(
                usize::try_from(anchor.seq)
                    .unwrap_or(usize::MAX)
                    .wrapping_sub(1),
            )
            .map(String::as_str),
        anchor,
    )?;
    Ok(head)
}

/// Checks a log whose head is `head`, and whose record at the anchor's
/// position has hash `at_anchor`, against the keyring's `anchor`.
pub(crate) fn check_anchor(
    head: &AuditHead,
    at_anchor: Option<&str>,
    anchor: &AuditHead,
) -> Result<()> {
    if anchor.seq == 0 {
        return Ok(());
    }
    if head.seq < anchor.seq {
        let what = if head.seq == 0 {
            "the log has no records".to_owned()
        } else {
            format!("the log ends at record {}", head.seq)
        };
        return Err(tampered(
            head.seq + 1,
            format!(
                "{what}, but the keyring was saved after record {}: the log was deleted, \
                 truncated or replaced; restore it (backups hold a copy)",
                anchor.seq
            ),
        ));
    }
    if at_anchor != Some(anchor.hash.as_str()) {
        return Err(tampered(
            anchor.seq,
            format!(
                "record {} is not the one the keyring was saved after (its hash differs): the \
                 log was replaced or rewritten; restore it (backups hold a copy)",
                anchor.seq
            ),
        ));
    }
    Ok(())
}

/// Verifies the chain of the complete part; the head and every line's hash.
fn verify_chain(content: &[u8]) -> Result<(AuditHead, Vec<String>)> {
    let lines = lines(content);
    let mut parsed: Vec<Record> = Vec::with_capacity(lines.len());
    for (index, line) in lines.iter().enumerate() {
        parsed.push(serde_json::from_slice(line).map_err(|_| {
            tampered(
                index as u64 + 1,
                "not a valid audit record (edited, or a foreign line inserted)",
            )
        })?);
    }
    let hashes: Vec<String> = lines.iter().map(|l| line_hash(l)).collect();
    let seqs: Vec<u64> = parsed.iter().map(|r| r.seq).collect();
    for (index, record) in parsed.iter().enumerate() {
        let n = index as u64 + 1;
        let prev_hash = if index == 0 {
            GENESIS
        } else {
            hashes[index - 1].as_str()
        };
        if record.prev != prev_hash {
            // Which link broke tells what happened.
            if index >= 2 && record.prev == hashes[index - 2] {
                return Err(tampered(
                    n - 1,
                    format!(
                        "record {} was inserted: record {n} chains to record {} directly",
                        n - 1,
                        n - 2
                    ),
                ));
            }
            if record.seq != n {
                return Err(sequence_error(n, &seqs));
            }
            if index == 0 {
                return Err(tampered(
                    1,
                    "the first record does not start the chain: the log's beginning was removed \
                     or replaced",
                ));
            }
            return Err(tampered(
                n - 1,
                format!(
                    "record {} was changed after it was written (record {n} holds a different \
                     hash for it)",
                    n - 1
                ),
            ));
        }
        if record.seq != n {
            return Err(sequence_error(n, &seqs));
        }
    }
    let head = AuditHead {
        seq: lines.len() as u64,
        hash: hashes.last().cloned().unwrap_or_else(|| GENESIS.to_owned()),
    };
    Ok((head, hashes))
}

/// The record at 1-based `position` carries the wrong number: say whether
/// the expected record is elsewhere (reordered), twice (duplicated) or gone.
fn sequence_error(position: u64, seqs: &[u64]) -> Error {
    let index = usize::try_from(position - 1).unwrap_or(usize::MAX);
    let found = seqs.get(index).copied().unwrap_or_default();
    let elsewhere = seqs
        .iter()
        .enumerate()
        .find(|(i, &s)| *i != index && s == position)
        .map(|(i, _)| i as u64 + 1);
    match elsewhere {
        Some(at) => tampered(
            position,
            format!(
                "found record {found} at position {position}, and record {position} at position \
                 {at}: records were reordered"
            ),
        ),
        None if found > position => tampered(
            position,
            format!(
                "record {position} is missing (found record {found} in its place): records were \
                 deleted"
            ),
        ),
        None => tampered(
            position,
            format!("found record {found} at position {position}: records were duplicated"),
        ),
    }
}

fn check_head(head: &AuditHead, hashes: &[String], expected: &AuditHead) -> Result<()> {
    if head.seq < expected.seq {
        return Err(tampered(
            head.seq + 1,
            format!(
                "the log ends at record {} but the kept head is record {}: the log was truncated",
                head.seq, expected.seq
            ),
        ));
    }
    if expected.seq == 0 {
        if head.seq > 0 {
            return Err(tampered(
                1,
                "records exist although the kept head says the log was empty: appended out of \
                 band",
            ));
        }
        return Ok(());
    }
    let index = usize::try_from(expected.seq - 1).unwrap_or(usize::MAX);
    if hashes.get(index) != Some(&expected.hash) {
        return Err(tampered(
            expected.seq,
            format!(
                "record {} differs from the kept head: it was changed or the log was rewritten",
                expected.seq
            ),
        ));
    }
    if head.seq > expected.seq {
        return Err(tampered(
            expected.seq + 1,
            format!(
                "record {} and later were appended after the kept head (record {}): written out \
                 of band",
                expected.seq + 1,
                expected.seq
            ),
        ));
    }
    Ok(())
}
