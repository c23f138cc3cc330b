//! The lifecycle subcommands as an operator runs them: rotate, trust-bundle,
//! due, retire, revoke with emergency rotation, destroy, status, audit
//! verify, backup with shares, recover.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::path::PathBuf;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_cosign-keys");

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("ck-cli-life-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
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

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "stdout: {}\nstderr: {}",
        stdout(o),
        stderr(o)
    );
    stdout(o)
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
