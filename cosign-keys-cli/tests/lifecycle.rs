//! The lifecycle subcommands as an operator runs them: rotate, trust-bundle,
//! due, retire, revoke with emergency rotation, destroy, status, audit
//! verify, backup with shares, recover.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::path::PathBuf;
use std::process::{Command, Output};

#[path = "support/cli.rs"]
mod support;

use support::*;

/// A test directory: its path, and the guard that removes it.
struct Dir(PathBuf, #[allow(dead_code)] tempfile::TempDir);

impl Dir {
    fn new(name: &str) -> Self {
        let (path, guard) = temp_dir(&format!("ck-cli-life-{name}"));
        Self(path, guard)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Runs a lifecycle command with the keyring in `keyring.json`, as
    /// `alice`, at `now`.
    fn run(&self, now: &str, args: &[&str]) -> Output {
        let mut full: Vec<&str> = args.to_vec();
        full.extend(["--now", now]);
        self.plain(&full)
    }

    /// Runs any command in the directory, with the test environment.
    fn plain(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .current_dir(&self.0)
            .args(args)
            .env("COSIGN_KEYS_KEYRING", "keyring.json")
            .env("COSIGN_KEYS_ACTOR", "alice")
            .env("COSIGN_PASSWORD", "key password")
            .env_remove("COSIGN_KEYS_AUDIT_LOG")
            .env_remove("COSIGN_KEYS_BACKUP_PASSPHRASE")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    }

    /// `status --json`, parsed.
    fn status(&self, now: &str) -> serde_json::Value {
        let out = self.run(now, &["status", "--json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

#[test]
fn an_operator_runs_the_runbook_from_the_shell() {
    let d = Dir::new("runbook");
    let out = ok(&d.run(
        "2026-01-05T09:00:00Z",
        &["rotate", "--store", "keys", "--period", "quarterly"],
    ));
    assert!(out.contains("Key #1"), "{out}");
    let status = d.status("2026-01-05T09:00:00Z");
    assert_eq!(status["active_key"], 1);
    assert_eq!(status["policy"]["period_days"], 90);
    assert_eq!(status["keys"][0]["state"], "active");

    // Not due before the quarter ends; due after.
    ok(&d.run("2026-04-04T09:00:00Z", &["due", "--check"]));
    let due = d.run("2026-04-05T09:00:00Z", &["due", "--check"]);
    assert_eq!(due.status.code(), Some(1), "{}", stdout(&due));
    assert!(stdout(&due).contains("ROTATION DUE"));

    let out = ok(&d.run(
        "2026-04-05T09:00:00Z",
        &["rotate", "--store", "keys", "--reason", "CHG-1", "--json"],
    ));
    let rotated: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (rotated["new_key"].as_u64(), rotated["old_key"].as_u64()),
        (Some(2), Some(1))
    );

    let out = ok(&d.run("2026-04-06T09:00:00Z", &["trust-bundle", "--out", "trust"]));
    assert!(out.contains("(2 keys)"), "{out}");
    let bundle = std::fs::read_to_string(d.path("trust/cosign-trust-bundle.pem")).unwrap();
    assert_eq!(bundle.matches("BEGIN PUBLIC KEY").count(), 2);
    assert!(d.path("trust/cosign.pub.old").exists());

    // The real verifier path: the CLI's own verify-blob with cosign.pub.
    std::fs::write(d.path("blob"), b"artifact").unwrap();
    let sig = ok(&d.plain(&["sign-blob", "--key", "keys/cosign.key", "blob"]));
    ok(&d.plain(&[
        "verify-blob",
        "--key",
        "trust/cosign.pub",
        "--signature",
        sig.trim(),
        "blob",
    ]));

    // The window ends; retire.
    let due = d.run("2026-05-06T09:00:00Z", &["due", "--check"]);
    assert_eq!(due.status.code(), Some(1));
    assert!(
        stdout(&due).contains("Ready to retire: #1"),
        "{}",
        stdout(&due)
    );
    assert!(ok(&d.run("2026-05-06T09:00:00Z", &["retire"])).contains("Retired #1"));
    ok(&d.run("2026-05-06T09:00:00Z", &["due", "--check"]));

    // Compromise of the active key, with an emergency rotation.
    let usage = d.run(
        "2026-05-07T09:00:00Z",
        &["revoke", "2", "--incident", "INC-1"],
    );
    assert_eq!(usage.status.code(), Some(2), "a revocation needs a reason");
    let out = ok(&d.run(
        "2026-05-07T09:00:00Z",
        &[
            "revoke",
            "2",
            "--incident",
            "INC-1",
            "--reason",
            "leaked in a CI log",
            "--store",
            "keys",
        ],
    ));
    assert!(out.contains("Key #3"), "{out}");
    let status = d.status("2026-05-07T09:00:00Z");
    assert_eq!(status["keys"][1]["state"], "compromised");
    assert_eq!(status["keys"][1]["compromise"]["incident"], "INC-1");
    assert_eq!(status["trusted"].as_array().unwrap().len(), 1);

    // A compromised key cannot be retired; destroy the retired one.
    let refused = d.run("2026-05-07T09:00:00Z", &["retire", "2"]);
    assert!(
        stderr(&refused).contains("INVALID_TRANSITION"),
        "{}",
        stderr(&refused)
    );
    ok(&d.run("2026-05-07T09:00:00Z", &["destroy", "1"]));
    assert_eq!(
        d.status("2026-05-07T09:00:00Z")["keys"][0]["state"],
        "destroyed"
    );

    // The audit log verifies against the head status reports…
    let head = d.status("2026-05-07T09:00:00Z")["audit_head"].clone();
    let head = format!("{}:{}", head["seq"], head["hash"].as_str().unwrap());
    let out = ok(&d.plain(&[
        "audit",
        "verify",
        "--audit-log",
        "keyring.audit.jsonl",
        "--head",
        &head,
    ]));
    assert!(out.contains("Audit log OK"), "{out}");
    let log = std::fs::read_to_string(d.path("keyring.audit.jsonl")).unwrap();
    assert!(!log.contains("key password") && !log.contains("PRIVATE KEY"));

    // …backup with shares, lose everything, recover from two of three.
    let out = ok(&d.run(
        "2026-05-07T10:00:00Z",
        &[
            "backup",
            "--out",
            "backup.age",
            "--shares",
            "3",
            "--threshold",
            "2",
            "--work-factor",
            "10",
        ],
    ));
    let shares: Vec<&str> = out.lines().collect();
    assert_eq!(shares.len(), 3);
    assert!(shares.iter().all(|s| s.starts_with("CKS1-")));
    let fingerprint3 = d.status("2026-05-07T10:00:00Z")["keys"][2]["fingerprint"].clone();
    for name in [
        "keys",
        "keyring.json",
        "keyring.signatures.json",
        "keyring.audit.jsonl",
        "trust",
    ] {
        let _ = std::fs::remove_dir_all(d.path(name));
        let _ = std::fs::remove_file(d.path(name));
    }
    std::fs::write(d.path("one-share.txt"), format!("{}\n", shares[0])).unwrap();
    let failed = d.run(
        "2026-05-08T09:00:00Z",
        &[
            "recover",
            "--backup",
            "backup.age",
            "--shares-file",
            "one-share.txt",
        ],
    );
    assert!(!failed.status.success());
    assert!(
        stderr(&failed).contains("2 of 3 shares needed, 1 given"),
        "{}",
        stderr(&failed)
    );
    std::fs::write(
        d.path("shares.txt"),
        format!("# from Bob and Carol\n{}\n{}\n", shares[2], shares[0]),
    )
    .unwrap();
    let out = ok(&d.run(
        "2026-05-08T09:00:00Z",
        &[
            "recover",
            "--backup",
            "backup.age",
            "--shares-file",
            "shares.txt",
        ],
    ));
    assert!(out.contains("restored"), "{out}");
    let status = d.status("2026-05-08T09:00:00Z");
    assert_eq!(status["active_key"], 3);
    assert_eq!(status["keys"][2]["fingerprint"], fingerprint3);
    // The recovered key signs, and its public key verifies.
    ok(&d.run("2026-05-08T09:00:00Z", &["trust-bundle", "--out", "trust"]));
    let sig = ok(&d.plain(&["sign-blob", "--key", "keys/cosign.key", "blob"]));
    ok(&d.plain(&[
        "verify-blob",
        "--key",
        "trust/cosign.pub",
        "--signature",
        sig.trim(),
        "blob",
    ]));
    ok(&d.plain(&["audit", "verify", "--audit-log", "keyring.audit.jsonl"]));
}

#[test]
fn audit_verify_names_the_tampered_record() {
    let d = Dir::new("tamper");
    ok(&d.run("2026-01-05T09:00:00Z", &["rotate", "--store", "keys"]));
    ok(&d.run("2026-02-05T09:00:00Z", &["trust-bundle", "--out", "trust"]));
    ok(&d.run("2026-03-05T09:00:00Z", &["trust-bundle", "--out", "trust"]));
    let path = d.path("keyring.audit.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[1] = lines[1].replace("alice", "mallory");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let out = d.plain(&["audit", "verify", "--audit-log", "keyring.audit.jsonl"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("record 2"), "{}", stderr(&out));
    assert!(stderr(&out).contains("AUDIT_TAMPERED"), "{}", stderr(&out));
}

#[test]
fn usage_errors_are_clear() {
    let d = Dir::new("usage");
    let out = d.run("2026-01-05T09:00:00Z", &["rotate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--store"), "{}", stderr(&out));
    let out = d.run("2026-01-05T09:00:00Z", &["status"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("NOT_FOUND"), "{}", stderr(&out));
    let out = d.run("2026-01-05T09:00:00Z", &["backup", "--out", "b.age"]);
    assert!(
        stderr(&out).contains("COSIGN_KEYS_BACKUP_PASSPHRASE"),
        "{}",
        stderr(&out)
    );
    let out = Command::new(BIN)
        .args(["status", "--keyring", "vault-kv://secret/x"])
        .output()
        .unwrap();
    assert!(stderr(&out).contains("--audit-log"), "{}", stderr(&out));
}

/// Runs a lifecycle command in `cwd` against the keyring of `ring` (named
/// by its absolute path), at `now`.
fn run_from(cwd: &std::path::Path, ring: &Dir, now: &str, args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(cwd)
        .args(args)
        .args(["--now", now])
        .env("COSIGN_KEYS_KEYRING", ring.path("keyring.json"))
        .env("COSIGN_KEYS_ACTOR", "alice")
        .env("COSIGN_PASSWORD", "key password")
        .env_remove("COSIGN_KEYS_AUDIT_LOG")
        .env_remove("COSIGN_KEYS_BACKUP_PASSPHRASE")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

/// Rewrites the manifest as an older version wrote it: store locations
/// relative (`keys/v1`).
fn make_locations_relative(d: &Dir) {
    let path = d.path("keyring.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let absolute = format!("file://{}/", d.0.display());
    assert!(text.contains(&absolute), "{text}");
    std::fs::write(&path, text.replace(&absolute, "")).unwrap();
}

fn key_state(d: &Dir, id: usize) -> String {
    let out = ok(&run_from(
        &d.0,
        d,
        "2026-03-01T00:00:00Z",
        &["status", "--json"],
    ));
    let status: serde_json::Value = serde_json::from_str(&out).unwrap();
    status["keys"][id - 1]["state"].as_str().unwrap().to_owned()
}

#[test]
fn destroy_acts_only_on_the_recorded_key_whatever_the_working_directory() {
    // Keyring A with key #1 at A/keys/v1, recorded relatively (old style),
    // compromised; directory B has its own unrelated key at B/keys/v1; C is
    // empty.
    let a = Dir::new("wrongdir-a");
    let b = Dir::new("wrongdir-b");
    let c = Dir::new("wrongdir-c");
    let t = "2026-02-01T00:00:00Z";
    ok(&a.run(t, &["rotate", "--store", "keys/v1"]));
    ok(&a.run(
        t,
        &[
            "revoke",
            "1",
            "--incident",
            "INC-9",
            "--reason",
            "laptop stolen",
        ],
    ));
    make_locations_relative(&a);
    ok(&b.plain(&["generate-key-pair", "--store", "keys/v1"]));
    let b_key = std::fs::read(b.path("keys/v1/cosign.key")).unwrap();

    // Another key where A's key should be: KEY_MISMATCH, exit 14, nothing
    // erased or recorded.
    std::fs::rename(a.path("keys/v1"), a.path("keys/v1.orig")).unwrap();
    ok(&a.plain(&["generate-key-pair", "--store", "keys/v1"]));
    let out = run_from(&b.0, &a, t, &["destroy", "1"]);
    assert_eq!(out.status.code(), Some(14), "{}", stderr(&out));
    assert!(stderr(&out).contains("[KEY_MISMATCH]"), "{}", stderr(&out));
    assert!(a.path("keys/v1/cosign.key").exists());
    assert_eq!(key_state(&a, 1), "compromised");

    // Nothing where A's key should be, run from an empty directory:
    // NOT_FOUND, never "destroyed".
    std::fs::remove_dir_all(a.path("keys/v1")).unwrap();
    let out = run_from(&c.0, &a, t, &["destroy", "1"]);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert!(stderr(&out).contains("[NOT_FOUND]"), "{}", stderr(&out));
    assert!(!stdout(&out).contains("destroyed"), "{}", stdout(&out));
    assert_eq!(key_state(&a, 1), "compromised");

    // A's key back: destroyed from B, where B's own keys/v1 stays intact.
    std::fs::rename(a.path("keys/v1.orig"), a.path("keys/v1")).unwrap();
    let out = ok(&run_from(&b.0, &a, t, &["destroy", "1"]));
    assert!(out.contains("destroyed"), "{out}");
    assert_eq!(std::fs::read(b.path("keys/v1/cosign.key")).unwrap(), b_key);
    assert!(!a.path("keys/v1/cosign.key").exists());
    assert_eq!(key_state(&a, 1), "destroyed");
    assert!(std::fs::read_dir(&c.0).unwrap().next().is_none());

    // Material known to be gone: recorded only with --material-gone, and
    // the audit record says it was not verified.
    ok(&a.run(t, &["rotate", "--store", "keys/v2"]));
    ok(&a.run(
        t,
        &[
            "revoke",
            "2",
            "--incident",
            "INC-10",
            "--reason",
            "key leaked",
        ],
    ));
    std::fs::remove_dir_all(a.path("keys/v2")).unwrap();
    let out = run_from(&c.0, &a, t, &["destroy", "2"]);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    let out = ok(&run_from(&c.0, &a, t, &["destroy", "2", "--material-gone"]));
    assert!(out.contains("recorded destroyed"), "{out}");
    assert_eq!(key_state(&a, 2), "destroyed");
    let audit = std::fs::read_to_string(a.path("keyring.audit.jsonl")).unwrap();
    assert!(audit.contains("material-gone: NOT verified"), "{audit}");
}

#[test]
fn a_file_uri_naming_another_host_is_refused() {
    let d = Dir::new("evilhost");
    let out = d.run(
        "2026-02-01T00:00:00Z",
        &["rotate", "--store", "file://evil.example/tmp/x"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("[INVALID_URI]"), "{}", stderr(&out));
    assert!(!d.path("evil.example").exists());
}
