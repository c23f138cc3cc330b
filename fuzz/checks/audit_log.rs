//! The audit log over arbitrary bytes: the bytes are written as a log file
//! and read back with `AuditLog::verify`, `head`, `entries` and
//! `verify_anchored`, then appended to (which first repairs an incomplete
//! last record). A log that verifies must agree with itself everywhere
//! (the head read backwards from the end is the head the full check finds,
//! there is one entry per record) and must take an append that verifies
//! against the returned head, with the repair record counted when the tail
//! was torn.
//!
//! Shared by the fuzz target `audit_log` and `cosign-keys/tests/fuzz_corpus.rs`.

use std::path::PathBuf;
use std::sync::OnceLock;

use cosign_keys::audit::{AuditEvent, AuditHead, AuditLog, EventKind};
use cosign_keys::{Actor, Timestamp};

/// A private directory for this process (removed by nobody: it holds one
/// small log and its torn-tail sidecars, cleared on every call).
fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = std::env::var_os("CK_FUZZ_TMP")
            .map_or_else(std::env::temp_dir, PathBuf::from)
            .join(format!("ck-fuzz-audit-{}", std::process::id()));
        std::fs::create_dir_all(&base).expect("create the scratch directory");
        base
    })
}

/// Must not panic on any input.
pub(crate) fn check(data: &[u8]) {
    let dir = dir();
    for entry in std::fs::read_dir(dir)
        .expect("read the scratch directory")
        .flatten()
    {
        std::fs::remove_file(entry.path()).expect("clear the scratch directory");
    }
    let path = dir.join("audit.jsonl");
    std::fs::write(&path, data).expect("write the log");
    let log = AuditLog::new(&path);
    let event = AuditEvent::new(EventKind::KeyAccessed, &Actor::new("fuzz", "check"));
    let time = Timestamp::from_unix_seconds(1_700_000_000);

    let verified = log.verify(None);
    let head = log.head();
    let entries = log.entries();
    let Ok(report) = verified else {
        // A broken chain is refused; appending reads only the last record
        // and may succeed or fail, but never panics.
        let _ = log.verify_anchored(&AuditHead::empty());
        let _ = log.append(&event, time);
        return;
    };
    assert_eq!(
        head.as_ref().ok(),
        Some(&report.head),
        "the head read from the end differs from the verified chain's"
    );
    let entries = entries.expect("a verified log's records parse");
    assert_eq!(entries.len() as u64, report.records);
    for (i, entry) in entries.iter().enumerate() {
        assert_eq!(entry.seq, i as u64 + 1);
    }
    assert_eq!(
        log.verify(Some(&report.head))
            .expect("ends at its own head")
            .head,
        report.head
    );
    log.verify_anchored(&report.head)
        .expect("holds its own head as anchor");
    let later = AuditHead {
        seq: report.head.seq + 1,
        hash: report.head.hash.clone(),
    };
    assert!(log.verify(Some(&later)).is_err());
    assert!(log.verify_anchored(&later).is_err());

    let new_head = log
        .append(&event, time)
        .expect("a log that verifies takes an append");
    let repaired = u64::from(report.incomplete_tail > 0);
    assert_eq!(new_head.seq, report.records + 1 + repaired);
    let after = log
        .verify(Some(&new_head))
        .expect("the log verifies after the append");
    assert_eq!(after.incomplete_tail, 0);
    assert_eq!(after.records, new_head.seq);
    log.verify_anchored(&report.head)
        .expect("the old head is still held after the append");
    assert_eq!(log.head().expect("head after append"), new_head);
    if repaired == 1 {
        let kept = std::fs::read_dir(dir)
            .expect("read the scratch directory")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(".torn-"))
            .count();
        assert_eq!(kept, 1, "the torn tail is kept in one sidecar");
    }
}
