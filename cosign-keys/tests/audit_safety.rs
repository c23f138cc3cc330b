//! Issue 11, items 3-5, on real files: a torn audit tail is repaired (the
//! bytes kept aside), anything else stays AUDIT_TAMPERED; a revocation goes
//! through when the log cannot be written (a full or read-only file system,
//! a log that lost the keyring's anchor) and the next operation appends
//! the queued records; a deleted, truncated or replaced log is found by the
//! next operation through the manifest's anchor.
//!
//! The full and read-only file systems are real tmpfs mounts, which needs
//! root (the test suite runs as root). Without root these tests fail, unless
//! `COSIGN_KEYS_SKIP_TMPFS=1` says to skip them (printed, never silent).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/lifecycle.rs"]
mod lifecycle;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use cosign_keys::audit::{AuditEvent, AuditLog, EventKind};
use cosign_keys::keyring::blocking::Keyring;
use cosign_keys::keyring::{Compromise, KeyState, KeyringConfig};
use cosign_keys::{Error, Timestamp};

use lifecycle::{alice, config, new_key, password, t, TempDir};

fn incident() -> Compromise {
    Compromise {
        reason: "key seen in a public paste".into(),
        incident: "INC-11".into(),
    }
}

/// A keyring with two rotations (key 1 deactivated, key 2 active).
fn two_keys(dir: &TempDir, config: KeyringConfig) -> Keyring {
    let keyring = Keyring::open(config).unwrap();
    let store = dir.path("keys").display().to_string();
    keyring
        .rotate(&new_key(&store), &alice(), t("2026-01-05T09:00:00Z"))
        .unwrap();
    keyring
        .rotate(&new_key(&store), &alice(), t("2026-03-01T09:00:00Z"))
        .unwrap();
    keyring
}

fn tampered(result: Result<impl std::fmt::Debug, Error>) -> (u64, String) {
    match result {
        Err(Error::AuditTampered { record, reason }) => (record, reason),
        other => panic!("expected AUDIT_TAMPERED, got {other:?}"),
    }
}

fn kinds(log: &AuditLog) -> Vec<EventKind> {
    log.entries()
        .unwrap()
        .into_iter()
        .map(|e| e.event.event)
        .collect()
}

fn sidecars(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().contains(".torn-"))
        .collect();
    found.sort();
    found
}

#[test]
fn a_torn_tail_is_moved_aside_and_the_next_rotation_goes_on() {
    let dir = TempDir::new("audit-torn");
    let keyring = two_keys(&dir, config(&dir.0));
    let log = keyring.audit_log().clone();
    // An unanchored record (key access), torn by a "crash" mid-line.
    keyring
        .unlock(None, &password(), &alice(), t("2026-03-02T09:00:00Z"))
        .unwrap();
    let whole = fs::read(log.path()).unwrap();
    let cut = whole.len() - 40;
    let torn_start = whole[..whole.len() - 1]
        .iter()
        .rposition(|&b| b == b'\n')
        .unwrap()
        + 1;
    fs::OpenOptions::new()
        .write(true)
        .open(log.path())
        .unwrap()
        .set_len(cut as u64)
        .unwrap();
    let records_before = log.entries().unwrap().len();

    // Readers ignore the torn bytes and say how many there are.
    let report = log.verify(None).unwrap();
    assert_eq!(report.incomplete_tail, (cut - torn_start) as u64);
    assert!(keyring
        .status(t("2026-03-02T10:00:00Z"))
        .unwrap()
        .audit_problem
        .is_none());

    // The next writer repairs and goes on.
    let store = dir.path("keys").display().to_string();
    let out = keyring
        .rotate(&new_key(&store), &alice(), t("2026-03-03T09:00:00Z"))
        .unwrap();
    let report = log.verify(None).unwrap();
    assert_eq!(report.incomplete_tail, 0);
    assert_eq!(report.head, out.audit_head);
    assert_eq!(keyring.verify_audit().unwrap().head, out.audit_head);

    let entries = log.entries().unwrap();
    let repair = &entries[records_before];
    assert_eq!(repair.event.event, EventKind::AuditRepaired);
    assert_eq!(
        entries[records_before + 1].event.event,
        EventKind::KeyCreated
    );
    // The bytes are kept, in the sidecar the repair record names.
    let kept = sidecars(&dir.0);
    assert_eq!(kept.len(), 1, "{kept:?}");
    let name = kept[0].file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(repair.event.target.as_deref(), Some(name.as_str()));
    assert!(
        repair.event.reason.contains(&name),
        "{}",
        repair.event.reason
    );
    assert_eq!(fs::read(&kept[0]).unwrap(), &whole[torn_start..cut]);
    // Nothing else was touched: the records before are byte-identical.
    assert_eq!(
        &fs::read(log.path()).unwrap()[..torn_start],
        &whole[..torn_start]
    );
}

#[test]
fn cutting_into_the_anchored_record_is_tampering_not_a_torn_tail() {
    let dir = TempDir::new("audit-cut-anchor");
    let keyring = two_keys(&dir, config(&dir.0));
    let path = keyring.audit_log().path().to_path_buf();
    // The last record is the one the manifest was saved after: it was
    // acknowledged, so losing its newline is not a crash's doing.
    let len = fs::metadata(&path).unwrap().len();
    fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(len - 1)
        .unwrap();
    let store = dir.path("keys").display().to_string();
    let err = keyring.rotate(&new_key(&store), &alice(), t("2026-03-03T09:00:00Z"));
    let (_, reason) = tampered(err);
    assert!(reason.contains("saved after record"), "{reason}");
    assert!(sidecars(&dir.0).is_empty());
    tampered(keyring.verify_audit());
}

#[test]
fn a_mid_chain_edit_stays_tampered() {
    let dir = TempDir::new("audit-edit");
    let keyring = two_keys(&dir, config(&dir.0));
    let path = keyring.audit_log().path().to_path_buf();
    let text = fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[1] = lines[1].replacen("runbook rehearsal", "nothing to see", 1);
    fs::write(&path, lines.join("\n") + "\n").unwrap();
    let (record, _) = tampered(keyring.verify_audit());
    assert_eq!(record, 2);
    let (record, _) = tampered(keyring.audit_log().verify(None));
    assert_eq!(record, 2);
    assert!(sidecars(&dir.0).is_empty());
}

#[test]
fn a_deleted_log_is_found_by_the_next_operation_and_by_verify() {
    let dir = TempDir::new("audit-deleted");
    let keyring = two_keys(&dir, config(&dir.0));
    let path = keyring.audit_log().path().to_path_buf();
    let anchor = keyring.manifest().unwrap().unwrap().0.audit_head.unwrap();
    assert_eq!(anchor, keyring.audit_log().head().unwrap());
    fs::remove_file(&path).unwrap();

    let store = dir.path("keys").display().to_string();
    let (record, reason) =
        tampered(keyring.rotate(&new_key(&store), &alice(), t("2026-04-01T09:00:00Z")));
    assert_eq!(record, 1);
    assert!(reason.contains("no records"), "{reason}");
    // Nothing started a new chain at record 1, and nothing was rotated.
    assert!(!path.exists());
    let manifest = keyring.manifest().unwrap().unwrap().0;
    assert_eq!(manifest.keys.len(), 2);
    assert!(manifest.pending.is_none());
    tampered(keyring.verify_audit());
    tampered(
        keyring
            .unlock(None, &password(), &alice(), t("2026-04-01T09:00:00Z"))
            .map(|_| ()),
    );
    let status = keyring.status(t("2026-04-01T09:00:00Z")).unwrap();
    assert!(status.audit_problem.unwrap().contains("AUDIT_TAMPERED"));
    assert_eq!(status.audit_head, anchor);
}

#[test]
fn a_truncated_or_replaced_log_is_found() {
    let dir = TempDir::new("audit-replaced");
    let keyring = two_keys(&dir, config(&dir.0));
    let path = keyring.audit_log().path().to_path_buf();
    let original = fs::read(&path).unwrap();
    let text = String::from_utf8(original.clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let store = dir.path("keys").display().to_string();

    // Truncated: the last two records cut off cleanly.
    fs::write(&path, lines[..lines.len() - 2].join("\n") + "\n").unwrap();
    let (_, reason) =
        tampered(keyring.rotate(&new_key(&store), &alice(), t("2026-04-01T09:00:00Z")));
    assert!(reason.contains("truncated"), "{reason}");
    tampered(keyring.verify_audit());

    // Replaced: a fresh, valid chain of the same length.
    fs::remove_file(&path).unwrap();
    let fake = AuditLog::new(&path);
    for _ in 0..lines.len() {
        fake.append(
            &AuditEvent::new(EventKind::KeyAccessed, &alice()),
            t("2026-04-01T09:00:00Z"),
        )
        .unwrap();
    }
    assert!(fake.verify(None).is_ok());
    let (record, reason) =
        tampered(keyring.rotate(&new_key(&store), &alice(), t("2026-04-01T09:00:00Z")));
    assert_eq!(record, lines.len() as u64);
    assert!(reason.contains("replaced"), "{reason}");
    tampered(keyring.verify_audit());

    // Restored: everything goes on.
    fs::write(&path, &original).unwrap();
    keyring
        .rotate(&new_key(&store), &alice(), t("2026-04-01T09:00:00Z"))
        .unwrap();
    keyring.verify_audit().unwrap();
}

#[test]
fn an_old_manifest_without_an_anchor_reads_and_is_upgraded() {
    let dir = TempDir::new("audit-old-manifest");
    let keyring = two_keys(&dir, config(&dir.0));
    edit_manifest(&dir, |m| {
        m.remove("audit_head").unwrap();
    });
    assert!(keyring.manifest().unwrap().unwrap().0.audit_head.is_none());
    keyring.verify_audit().unwrap();
    keyring
        .retire(None, &alice(), t("2026-06-01T09:00:00Z"))
        .unwrap();
    let manifest = keyring.manifest().unwrap().unwrap().0;
    assert_eq!(
        manifest.audit_head.unwrap(),
        keyring.audit_log().head().unwrap()
    );
}

#[test]
fn revoke_with_a_deleted_log_still_marks_the_key_and_queues_its_records() {
    let dir = TempDir::new("audit-revoke-deleted");
    let keyring = two_keys(&dir, config(&dir.0));
    let path = keyring.audit_log().path().to_path_buf();
    let original = fs::read(&path).unwrap();
    fs::remove_file(&path).unwrap();

    let out = keyring
        .revoke("2", &incident(), &alice(), t("2026-04-01T09:00:00Z"))
        .unwrap();
    assert_eq!(out.audit_pending, 1);
    assert!(out
        .audit_error
        .as_deref()
        .unwrap()
        .contains("AUDIT_TAMPERED"));
    let manifest = keyring.manifest().unwrap().unwrap().0;
    assert_eq!(manifest.key(2).unwrap().state, KeyState::Compromised);
    assert!(manifest.pending.is_none());
    assert_eq!(
        manifest.audit_pending[0].record.event,
        EventKind::KeyCompromised
    );
    assert!(!path.exists(), "no new chain was started");

    // Other operations stay blocked until the log is back.
    tampered(keyring.retire(None, &alice(), t("2026-06-01T09:00:00Z")));
    fs::write(&path, &original).unwrap();
    keyring
        .retire(None, &alice(), t("2026-06-01T09:00:00Z"))
        .unwrap();
    assert!(keyring
        .manifest()
        .unwrap()
        .unwrap()
        .0
        .audit_pending
        .is_empty());
    keyring.verify_audit().unwrap();
    let entries = keyring.audit_log().entries().unwrap();
    let compromised = entries
        .iter()
        .find(|e| e.event.event == EventKind::KeyCompromised)
        .unwrap();
    assert_eq!(compromised.time, t("2026-04-01T09:00:00Z"));
    assert_eq!(
        compromised.event.operation.as_deref(),
        Some(out.operation.as_str())
    );
}

/// After a plain revocation of the active key with the log unwritable, the
/// rotation that gives the keyring a new active key is part of the
/// emergency: it goes through and queues its records too.
#[test]
fn replacing_a_revoked_active_key_is_not_blocked_by_the_log() {
    let dir = TempDir::new("audit-replace-revoked");
    let keyring = two_keys(&dir, config(&dir.0));
    let path = keyring.audit_log().path().to_path_buf();
    let original = fs::read(&path).unwrap();
    fs::remove_file(&path).unwrap();
    keyring
        .revoke("2", &incident(), &alice(), t("2026-04-01T09:00:00Z"))
        .unwrap();
    let store = dir.path("keys").display().to_string();
    let out = keyring
        .rotate(&new_key(&store), &alice(), t("2026-04-01T09:05:00Z"))
        .unwrap();
    assert_eq!(out.new_key, 3);
    assert!(out.audit_pending >= 2, "{}", out.audit_pending);
    let manifest = keyring.manifest().unwrap().unwrap().0;
    assert_eq!(manifest.active().map(|k| k.id), Some(3));
    assert!(!path.exists(), "no new chain was started");
    // A routine operation with a key active again waits for the log.
    tampered(keyring.retire(None, &alice(), t("2026-06-01T09:00:00Z")));
    fs::write(&path, &original).unwrap();
    keyring
        .retire(None, &alice(), t("2026-06-01T09:00:00Z"))
        .unwrap();
    keyring.verify_audit().unwrap();
    let kinds = kinds(keyring.audit_log());
    assert!(kinds.contains(&EventKind::KeyCompromised), "{kinds:?}");
    assert!(kinds.contains(&EventKind::KeyCreated), "{kinds:?}");
}

/// A tmpfs mounted for one test, unmounted when dropped.
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    fn mount(dir: PathBuf, size: &str) -> Option<Self> {
        fs::create_dir_all(&dir).unwrap();
        let ok = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Some(Self { dir });
        }
        if std::env::var("COSIGN_KEYS_SKIP_TMPFS").as_deref() == Ok("1") {
            eprintln!("SKIP: cannot mount a tmpfs (COSIGN_KEYS_SKIP_TMPFS=1)");
            return None;
        }
        panic!(
            "cannot mount a tmpfs at {} (these tests need root); set COSIGN_KEYS_SKIP_TMPFS=1 to \
             skip them",
            dir.display()
        );
    }

    fn remount(&self, option: &str) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,{option}")])
            .arg(&self.dir)
            .status()
            .unwrap()
            .success();
        assert!(ok, "remount {option}");
    }

    /// Fills the file system: first pads the log so its last page is full
    /// (tmpfs allocates whole pages), then takes every free page.
    fn fill(&self, log: &AuditLog) -> PathBuf {
        let page = 4096u64;
        let len = fs::metadata(log.path()).unwrap().len();
        let probe = AuditEvent::new(EventKind::KeyAccessed, &alice()).target("");
        log.append(&probe, t("2026-04-01T08:00:00Z")).unwrap();
        let base = fs::metadata(log.path()).unwrap().len() - len;
        let len = len + base;
        let mut need = (page - 16 - len % page) % page;
        if need < base {
            need += page;
        }
        let pad = AuditEvent::new(EventKind::KeyAccessed, &alice())
            .target("x".repeat(usize::try_from(need - base).unwrap()));
        log.append(&pad, t("2026-04-01T08:00:00Z")).unwrap();
        assert!(page - fs::metadata(log.path()).unwrap().len() % page < 100);
        let filler = self.dir.join("filler");
        let mut file = fs::File::create(&filler).unwrap();
        let block = vec![0u8; 4096];
        loop {
            if file
                .write_all(&block)
                .and_then(|()| file.sync_all())
                .is_err()
            {
                break;
            }
        }
        filler
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
    }
}

fn on_tmpfs(dir: &TempDir) -> Option<(Tmpfs, KeyringConfig)> {
    let mnt = Tmpfs::mount(dir.path("auditfs"), "256k")?;
    let config = KeyringConfig::new(
        dir.path("keyring.json").to_str().unwrap(),
        mnt.dir.join("audit.jsonl"),
    );
    Some((mnt, config))
}

#[test]
fn revoke_on_a_full_disk_marks_the_key_and_the_next_operation_writes_the_records() {
    let dir = TempDir::new("audit-enospc");
    let Some((mnt, config)) = on_tmpfs(&dir) else {
        return;
    };
    let keyring = two_keys(&dir, config);
    let log = keyring.audit_log().clone();
    let filler = mnt.fill(&log);
    let before = fs::read(log.path()).unwrap();

    let out = keyring
        .revoke("2", &incident(), &alice(), t("2026-04-01T09:00:00Z"))
        .unwrap();
    assert_eq!(out.audit_pending, 1);
    let error = out.audit_error.unwrap();
    assert!(
        error.contains("No space left") && error.contains("[IO]"),
        "{error}"
    );
    assert_eq!(
        keyring.manifest().unwrap().unwrap().0.key(2).unwrap().state,
        KeyState::Compromised
    );
    // The failed append was rolled back: no torn tail.
    assert_eq!(fs::read(log.path()).unwrap(), before);
    assert_eq!(log.verify(None).unwrap().incomplete_tail, 0);
    let status = keyring.status(t("2026-04-01T09:00:00Z")).unwrap();
    assert_eq!(status.audit_pending, 1);
    assert!(status.trusted.is_empty() || !status.trusted.contains(&out.fingerprint));

    // Space again: the next operation appends the queued record first.
    fs::remove_file(filler).unwrap();
    let store = dir.path("keys").display().to_string();
    let rotated = keyring
        .rotate(&new_key(&store), &alice(), t("2026-04-01T10:00:00Z"))
        .unwrap();
    assert_eq!(rotated.audit_pending, 0);
    assert!(keyring
        .manifest()
        .unwrap()
        .unwrap()
        .0
        .audit_pending
        .is_empty());
    let report = keyring.verify_audit().unwrap();
    assert_eq!(report.head, rotated.audit_head);
    let tail: Vec<EventKind> = kinds(&log).into_iter().rev().take(3).collect();
    assert_eq!(
        tail,
        [
            EventKind::KeyRotated,
            EventKind::KeyCreated,
            EventKind::KeyCompromised
        ]
    );
}

#[test]
fn emergency_rotation_on_a_read_only_log_rotates_and_queues_every_record() {
    let dir = TempDir::new("audit-erofs");
    let Some((mnt, config)) = on_tmpfs(&dir) else {
        return;
    };
    let keyring = two_keys(&dir, config);
    let log = keyring.audit_log().clone();
    let records = log.entries().unwrap().len();
    mnt.remount("ro");

    let store = dir.path("keys").display().to_string();
    let out = keyring
        .emergency_rotate(
            "2",
            &incident(),
            &new_key(&store),
            &alice(),
            t("2026-04-01T09:00:00Z"),
        )
        .unwrap();
    assert_eq!(out.audit_pending, 3, "compromised, created, rotated");
    assert!(out.audit_error.unwrap().contains("Read-only"));
    let manifest = keyring.manifest().unwrap().unwrap().0;
    assert_eq!(manifest.key(2).unwrap().state, KeyState::Compromised);
    assert_eq!(manifest.active().unwrap().id, 3);
    assert_eq!(log.entries().unwrap().len(), records);
    // Ordinary operations wait for the log: they cannot leave records out.
    let err = keyring
        .unlock(None, &password(), &alice(), t("2026-04-01T09:00:00Z"))
        .err()
        .unwrap();
    assert!(err.to_string().contains("Read-only"), "{err}");

    mnt.remount("rw");
    keyring
        .unlock(None, &password(), &alice(), t("2026-04-01T11:00:00Z"))
        .unwrap();
    assert!(keyring
        .manifest()
        .unwrap()
        .unwrap()
        .0
        .audit_pending
        .is_empty());
    keyring.verify_audit().unwrap();
    let kinds = kinds(&log);
    assert_eq!(
        kinds[records..],
        [
            EventKind::KeyCompromised,
            EventKind::KeyCreated,
            EventKind::KeyRotated,
            EventKind::KeyAccessed
        ]
    );
}

#[test]
fn a_failed_append_leaves_the_log_as_it_was() {
    let dir = TempDir::new("audit-rollback");
    let Some(mnt) = Tmpfs::mount(dir.path("fs"), "64k") else {
        return;
    };
    let log = AuditLog::new(mnt.dir.join("audit.jsonl"));
    let event = AuditEvent::new(EventKind::KeyAccessed, &alice());
    log.append(&event, Timestamp::from_unix_seconds(0)).unwrap();
    let filler = mnt.fill(&log);
    let before = fs::read(log.path()).unwrap();
    let big = AuditEvent::new(EventKind::KeyAccessed, &alice()).target("y".repeat(3000));
    let err = log
        .append(&big, Timestamp::from_unix_seconds(1))
        .unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert_eq!(fs::read(log.path()).unwrap(), before);
    fs::remove_file(filler).unwrap();
    log.append(&big, Timestamp::from_unix_seconds(2)).unwrap();
    assert_eq!(log.verify(None).unwrap().incomplete_tail, 0);
}

/// The manifest JSON (the file's `document` member), changed by `edit`.
fn edit_manifest(
    dir: &TempDir,
    edit: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>),
) {
    let manifest_path = dir.path("keyring.json");
    let text = fs::read_to_string(&manifest_path).unwrap();
    let mut file: serde_json::Value = serde_json::from_str(&text).unwrap();
    edit(file["document"].as_object_mut().unwrap());
    fs::write(
        &manifest_path,
        format!("{}\n", serde_json::to_string_pretty(&file).unwrap()),
    )
    .unwrap();
}

#[test]
fn the_anchor_records_where_its_record_starts_and_an_edit_there_is_found() {
    let dir = TempDir::new("audit-offset");
    let keyring = two_keys(&dir, config(&dir.0));
    let path = keyring.audit_log().path().to_path_buf();
    let manifest = keyring.manifest().unwrap().unwrap().0;
    let anchor = manifest.audit_head.clone().unwrap();
    let offset = usize::try_from(manifest.audit_offset.expect("an offset is recorded")).unwrap();
    let log = fs::read(&path).unwrap();
    assert!(offset == 0 || log[offset - 1] == b'\n');
    let end = offset + log[offset..].iter().position(|&b| b == b'\n').unwrap();
    assert_eq!(
        cosign_keys::sha256(&log[offset..end])
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>(),
        anchor.hash
    );

    // Unanchored records (key accesses) after it leave the anchor as it was
    // and are checked against it.
    for _ in 0..3 {
        keyring
            .unlock(None, &password(), &alice(), t("2026-03-02T09:00:00Z"))
            .unwrap();
    }
    assert_eq!(
        keyring.manifest().unwrap().unwrap().0.audit_offset,
        manifest.audit_offset
    );
    assert_eq!(keyring.audit_log().head().unwrap().seq, anchor.seq + 3);

    // The anchored record rewritten in place (same length): found there.
    let mut edited = log.clone();
    let at = offset + edited[offset..end].iter().position(|&b| b == b'"').unwrap() + 1;
    edited[at] = if edited[at] == b'x' { b'y' } else { b'x' };
    edited.extend_from_slice(&fs::read(&path).unwrap()[log.len()..]);
    fs::write(&path, &edited).unwrap();
    let store = dir.path("keys").display().to_string();
    let (record, reason) =
        tampered(keyring.rotate(&new_key(&store), &alice(), t("2026-04-01T09:00:00Z")));
    assert_eq!(record, anchor.seq);
    assert!(reason.contains("replaced or rewritten"), "{reason}");
}

#[test]
fn a_manifest_without_an_offset_searches_the_log_and_records_one() {
    let dir = TempDir::new("audit-no-offset");
    let keyring = two_keys(&dir, config(&dir.0));
    keyring
        .unlock(None, &password(), &alice(), t("2026-03-02T09:00:00Z"))
        .unwrap();
    edit_manifest(&dir, |m| {
        m.remove("audit_offset").unwrap();
    });
    assert!(keyring
        .manifest()
        .unwrap()
        .unwrap()
        .0
        .audit_offset
        .is_none());
    keyring
        .retire(None, &alice(), t("2026-06-01T09:00:00Z"))
        .unwrap();
    let manifest = keyring.manifest().unwrap().unwrap().0;
    assert_eq!(
        manifest.audit_head.unwrap(),
        keyring.audit_log().head().unwrap()
    );
    assert!(manifest.audit_offset.is_some());
    keyring.verify_audit().unwrap();
}

#[test]
fn a_last_line_longer_than_any_record_is_tampering() {
    let dir = TempDir::new("audit-long-line");
    let keyring = two_keys(&dir, config(&dir.0));
    let path = keyring.audit_log().path().to_path_buf();
    let mut file = fs::OpenOptions::new().append(true).open(&path).unwrap();
    let mut line = vec![b'a'; 3 * 1024 * 1024];
    line.push(b'\n');
    file.write_all(&line).unwrap();
    drop(file);
    tampered(keyring.audit_log().head());
    let store = dir.path("keys").display().to_string();
    tampered(keyring.rotate(&new_key(&store), &alice(), t("2026-04-01T09:00:00Z")));
    assert!(sidecars(&dir.0).is_empty());
}
