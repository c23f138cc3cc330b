//! The audit trail: every kind of tampering is found, with its record number.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use cosign_keys::audit::{AuditEvent, AuditHead, AuditLog, EventKind};
use cosign_keys::{Actor, Error, Timestamp};

/// A fresh directory (its path, and the `tempfile` guard that removes it).
struct TempDir(PathBuf, #[allow(dead_code)] tempfile::TempDir);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix(&format!("ck-audit-{name}-"))
            .tempdir()
            .unwrap();
        Self(dir.path().to_path_buf(), dir)
    }
}

/// A log of `n` records; returns it and its head.
fn log_with(dir: &TempDir, n: u64) -> (AuditLog, AuditHead) {
    let log = AuditLog::new(dir.0.join("audit.jsonl"));
    let actor = Actor::with_host("alice", "host-1", "test");
    let mut head = AuditHead::empty();
    for i in 0..n {
        let event = AuditEvent::new(EventKind::ArtifactSigned, &actor)
            .artifact(
                format!("registry.example/app:{i}"),
                format!("sha256:{i:064}"),
            )
            .pipeline(format!("run-{i}"));
        head = log
            .append(&event, Timestamp::from_unix_seconds(1_800_000_000 + i))
            .unwrap();
    }
    (log, head)
}

fn lines(log: &AuditLog) -> Vec<String> {
    std::fs::read_to_string(log.path())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn write_lines(log: &AuditLog, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(log.path(), text).unwrap();
}

fn tampered_at(result: Result<cosign_keys::audit::AuditReport, Error>) -> (u64, String) {
    match result {
        Err(Error::AuditTampered { record, reason }) => (record, reason),
        other => panic!("expected AuditTampered, got {other:?}"),
    }
}

#[test]
fn an_untouched_log_verifies_and_heads_agree() {
    let dir = TempDir::new("clean");
    let (log, head) = log_with(&dir, 5);
    let report = log.verify(Some(&head)).unwrap();
    assert_eq!(report.records, 5);
    assert_eq!(report.head, head);
    assert_eq!(log.head().unwrap(), head);
    assert_eq!(log.entries().unwrap().len(), 5);
    // A missing log is an empty one.
    let empty = AuditLog::new(dir.0.join("none.jsonl"));
    assert_eq!(empty.verify(Some(&AuditHead::empty())).unwrap().records, 0);
}

#[test]
fn an_edited_record_is_found() {
    let dir = TempDir::new("edit");
    let (log, head) = log_with(&dir, 5);
    let mut l = lines(&log);
    l[2] = l[2].replace("run-2", "run-X");
    write_lines(&log, &l);
    let (record, reason) = tampered_at(log.verify(None));
    assert_eq!(record, 3, "{reason}");
    assert!(reason.contains("changed"), "{reason}");
    // The last record edited: only the kept head can tell.
    let (log, head2) = (log, head);
    let mut l = lines(&log);
    l[2] = l[2].replace("run-X", "run-2");
    l[4] = l[4].replace("run-4", "run-Y");
    write_lines(&log, &l);
    assert!(log.verify(None).is_ok());
    let (record, reason) = tampered_at(log.verify(Some(&head2)));
    assert_eq!(record, 5, "{reason}");
}

#[test]
fn a_deleted_record_is_found() {
    let dir = TempDir::new("delete");
    let (log, _) = log_with(&dir, 5);
    let mut l = lines(&log);
    l.remove(1);
    write_lines(&log, &l);
    let (record, reason) = tampered_at(log.verify(None));
    assert_eq!(record, 2, "{reason}");
    assert!(reason.contains("missing"), "{reason}");
}

#[test]
fn reordered_records_are_found() {
    let dir = TempDir::new("reorder");
    let (log, _) = log_with(&dir, 5);
    let mut l = lines(&log);
    l.swap(2, 3);
    write_lines(&log, &l);
    let (record, reason) = tampered_at(log.verify(None));
    assert_eq!(record, 3, "{reason}");
    assert!(reason.contains("reordered"), "{reason}");
}

#[test]
fn truncation_is_found_against_the_kept_head() {
    let dir = TempDir::new("truncate");
    let (log, head) = log_with(&dir, 5);
    let mut l = lines(&log);
    l.truncate(3);
    write_lines(&log, &l);
    // The chain itself is intact: without the head nothing is wrong…
    assert_eq!(log.verify(None).unwrap().records, 3);
    // …with it, the cut is found.
    let (record, reason) = tampered_at(log.verify(Some(&head)));
    assert_eq!(record, 4, "{reason}");
    assert!(reason.contains("truncated"), "{reason}");
    // A torn last line (cut mid-record) is what a crash leaves: not part of
    // the chain, reported by size (the next append moves it aside)…
    let text = std::fs::read(log.path()).unwrap();
    std::fs::write(log.path(), &text[..text.len() - 10]).unwrap();
    let report = log.verify(None).unwrap();
    assert_eq!(report.records, 2);
    let torn = text[..text.len() - 10]
        .iter()
        .rev()
        .position(|&b| b == b'\n')
        .unwrap();
    assert_eq!(report.incomplete_tail, torn as u64);
    // …and a kept head that included it still finds the cut.
    let (record, reason) = tampered_at(log.verify(Some(&head)));
    assert_eq!(record, 3, "{reason}");
}

#[test]
fn an_inserted_record_is_found() {
    let dir = TempDir::new("insert");
    let (log, _) = log_with(&dir, 5);
    let mut l = lines(&log);
    // A forger who knows the format: seq 3, chained to record 2.
    let prev = cosign_keys::sha256(l[1].as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    let forged = format!(
        r#"{{"seq":3,"time":"2027-01-15T08:00:00Z","prev":"{prev}","event":"artifact.signed","who":"mallory","host":"h","reason":"x"}}"#
    );
    l.insert(2, forged);
    write_lines(&log, &l);
    let (record, reason) = tampered_at(log.verify(None));
    assert_eq!(record, 3, "{reason}");
    assert!(reason.contains("inserted"), "{reason}");
    // A foreign line is found too.
    let mut l = lines(&log);
    l[2] = "not json".into();
    write_lines(&log, &l);
    assert_eq!(tampered_at(log.verify(None)).0, 3);
}

#[test]
fn records_appended_out_of_band_are_found_against_the_kept_head() {
    let dir = TempDir::new("append");
    let (log, head) = log_with(&dir, 3);
    // Someone appends with the library (a correct chain) but keeps no head.
    let other = AuditLog::new(log.path());
    other
        .append(
            &AuditEvent::new(EventKind::KeyAccessed, &Actor::new("mallory", "x")),
            Timestamp::now(),
        )
        .unwrap();
    assert_eq!(log.verify(None).unwrap().records, 4);
    let (record, reason) = tampered_at(log.verify(Some(&head)));
    assert_eq!(record, 4, "{reason}");
    assert!(reason.contains("appended"), "{reason}");
}

#[test]
fn appends_from_many_threads_form_one_chain() {
    let dir = TempDir::new("threads");
    let path = dir.0.join("audit.jsonl");
    std::thread::scope(|s| {
        for t in 0..4 {
            let path = path.clone();
            s.spawn(move || {
                let log = AuditLog::new(path);
                for i in 0..10 {
                    let event =
                        AuditEvent::new(EventKind::KeyAccessed, &Actor::new(format!("t{t}"), "x"))
                            .target(format!("{i}"));
                    log.append(&event, Timestamp::now()).unwrap();
                }
            });
        }
    });
    let report = AuditLog::new(&path).verify(None).unwrap();
    assert_eq!(report.records, 40);
}

#[test]
fn heads_parse_and_print() {
    let head: AuditHead = format!("12:{}", "ab".repeat(32)).parse().unwrap();
    assert_eq!(head.seq, 12);
    for bad in ["", "12", "x:ab", &format!("1:{}", "g".repeat(64))] {
        assert!(bad.parse::<AuditHead>().is_err(), "{bad}");
    }
}
