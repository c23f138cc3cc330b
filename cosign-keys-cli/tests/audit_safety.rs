//! Issue 11, items 3-5, from the shell: `audit verify` finds the keyring's
//! log from COSIGN_KEYS_KEYRING and checks the manifest's anchor; a torn
//! tail is repaired by the next command; `revoke` goes through when the
//! audit log cannot be written (read-only file system, a held lock) with
//! exit status 13, and the next command writes the queued records; a held
//! manifest lock fails clearly instead of hanging.
//!
//! The read-only file system is a real tmpfs mount (root needed; without
//! root the test fails unless COSIGN_KEYS_SKIP_TMPFS=1, which it prints).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::fs::{self, File};
use std::path::PathBuf;
use std::process::{Command, Output};

#[path = "support/cli.rs"]
mod support;

use support::*;

const EXIT_UNAVAILABLE: i32 = 11;
const EXIT_AUDIT_INCOMPLETE: i32 = 13;

struct Dir {
    root: PathBuf,
    audit_log: Option<PathBuf>,
    _guard: tempfile::TempDir,
}

impl Dir {
    fn new(name: &str) -> Self {
        let (root, guard) = temp_dir(&format!("ck-cli-audit-{name}"));
        Self {
            root,
            audit_log: None,
            _guard: guard,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    fn log(&self) -> PathBuf {
        self.audit_log
            .clone()
            .unwrap_or_else(|| self.path("keyring.audit.jsonl"))
    }

    /// Runs a command in the directory with the keyring from the
    /// environment, as the other commands find it.
    fn run(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(BIN);
        cmd.current_dir(&self.root)
            .args(args)
            .env("COSIGN_KEYS_KEYRING", "keyring.json")
            .env("COSIGN_KEYS_ACTOR", "alice")
            .env("COSIGN_PASSWORD", "key password")
            .env("COSIGN_KEYS_LOCK_WAIT", "1")
            .env_remove("COSIGN_KEYS_AUDIT_LOG")
            .stdin(std::process::Stdio::null());
        if let Some(log) = &self.audit_log {
            cmd.env("COSIGN_KEYS_AUDIT_LOG", log);
        }
        cmd.output().unwrap()
    }

    fn status(&self) -> serde_json::Value {
        serde_json::from_str(&ok(&self.run(&["status", "--json"]))).unwrap()
    }

    /// Two rotations: key 1 deactivated, key 2 active.
    fn two_keys(&self) {
        ok(&self.run(&["rotate", "--store", "keys", "--now", "2026-01-05T09:00:00Z"]));
        ok(&self.run(&["rotate", "--store", "keys", "--now", "2026-03-01T09:00:00Z"]));
    }

    fn revoke(&self) -> Output {
        self.run(&[
            "revoke",
            "2",
            "--incident",
            "INC-11",
            "--reason",
            "leaked",
            "--now",
            "2026-04-01T09:00:00Z",
        ])
    }
}

fn failed_with(o: &Output, status: i32, text: &str) {
    assert_eq!(o.status.code(), Some(status), "{}{}", stdout(o), stderr(o));
    assert!(stderr(o).contains(text), "{}", stderr(o));
}

#[test]
fn audit_verify_uses_the_keyring_and_its_anchor() {
    let d = Dir::new("verify");
    d.two_keys();
    let out = ok(&d.run(&["audit", "verify"]));
    assert!(out.contains("Audit log OK"), "{out}");

    // A torn tail: verify passes and says so; the next command repairs it.
    let log = d.log();
    let whole = fs::read(&log).unwrap();
    fs::write(&log, [&whole[..], b"{\"seq\":99,\"ti"].concat()).unwrap();
    let out = d.run(&["audit", "verify"]);
    ok(&out);
    assert!(
        stderr(&out).contains("incomplete record (13 bytes"),
        "{}",
        stderr(&out)
    );
    ok(&d.run(&[
        "trust-bundle",
        "--out",
        "trust",
        "--now",
        "2026-03-02T09:00:00Z",
    ]));
    let out = d.run(&["audit", "verify", "--json"]);
    let report: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
    assert!(report.get("incomplete_tail").is_none(), "{report}");
    assert!(!stderr(&out).contains("incomplete"));
    let text = fs::read_to_string(&log).unwrap();
    assert!(text.contains("\"event\":\"audit.repaired\""), "{text}");

    // Deleted: found without any head supplied, by verify and the next command.
    let kept = fs::read(&log).unwrap();
    fs::remove_file(&log).unwrap();
    failed_with(&d.run(&["audit", "verify"]), 10, "AUDIT_TAMPERED");
    failed_with(
        &d.run(&["rotate", "--store", "keys", "--now", "2026-03-03T09:00:00Z"]),
        10,
        "saved after record",
    );
    let status = d.status();
    assert!(
        status["audit_problem"]
            .as_str()
            .unwrap()
            .contains("AUDIT_TAMPERED"),
        "{status}"
    );
    fs::write(&log, kept).unwrap();
    ok(&d.run(&["audit", "verify"]));

    // Neither keyring nor log: a usage error naming both.
    let out = Command::new(BIN)
        .args(["audit", "verify"])
        .env_remove("COSIGN_KEYS_KEYRING")
        .env_remove("COSIGN_KEYS_AUDIT_LOG")
        .output()
        .unwrap();
    failed_with(&out, 2, "--keyring");
}

#[test]
fn revoke_with_a_locked_audit_log_goes_through_and_says_so() {
    let d = Dir::new("locked-log");
    d.two_keys();
    let holder = File::open(d.log()).unwrap();
    holder.lock().unwrap();
    let out = d.revoke();
    failed_with(&out, EXIT_AUDIT_INCOMPLETE, "AUDIT INCOMPLETE");
    assert!(
        stderr(&out).contains("locked by another process"),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("marked compromised"),
        "{}",
        stdout(&out)
    );
    let status = d.status();
    assert_eq!(status["keys"][1]["state"], "compromised");
    assert_eq!(status["audit_pending"], 1);
    // Anything else that writes the log waits (bounded) and fails clearly.
    failed_with(
        &d.run(&[
            "trust-bundle",
            "--out",
            "trust",
            "--now",
            "2026-04-01T10:00:00Z",
        ]),
        EXIT_UNAVAILABLE,
        "UNAVAILABLE",
    );
    drop(holder);
    ok(&d.run(&[
        "trust-bundle",
        "--out",
        "trust",
        "--now",
        "2026-04-01T10:00:00Z",
    ]));
    assert_eq!(d.status()["audit_pending"], 0);
    ok(&d.run(&["audit", "verify"]));
    assert!(fs::read_to_string(d.log())
        .unwrap()
        .contains("\"incident\":\"INC-11\""));
}

#[test]
fn revoke_with_a_locked_manifest_fails_clearly_instead_of_hanging() {
    let d = Dir::new("locked-manifest");
    d.two_keys();
    let holder = File::open(d.path("keyring.json.lock")).unwrap();
    holder.lock().unwrap();
    failed_with(&d.revoke(), EXIT_UNAVAILABLE, "keyring.json.lock is locked");
    drop(holder);
    assert_eq!(d.status()["keys"][1]["state"], "active");
    ok(&d.revoke());
}

#[test]
fn revoke_on_a_read_only_audit_file_system_exits_13_and_the_next_command_catches_up() {
    let mut d = Dir::new("erofs");
    let mnt = d.path("auditfs");
    fs::create_dir_all(&mnt).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs"])
        .arg(&mnt)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        if std::env::var("COSIGN_KEYS_SKIP_TMPFS").as_deref() == Ok("1") {
            eprintln!("SKIP: cannot mount a tmpfs (COSIGN_KEYS_SKIP_TMPFS=1)");
            return;
        }
        panic!("cannot mount a tmpfs (needs root); COSIGN_KEYS_SKIP_TMPFS=1 skips this test");
    }
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(mnt.clone());
    let remount = |option: &str| {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,{option}")])
            .arg(&mnt)
            .status()
            .unwrap()
            .success();
        assert!(ok);
    };
    d.audit_log = Some(mnt.join("audit.jsonl"));
    d.two_keys();
    remount("ro");

    let out = d.run(&[
        "revoke",
        "2",
        "--incident",
        "INC-11",
        "--reason",
        "leaked",
        "--store",
        "keys",
        "--json",
        "--now",
        "2026-04-01T09:00:00Z",
    ]);
    failed_with(&out, EXIT_AUDIT_INCOMPLETE, "Read-only file system");
    let outcome: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(outcome["new_key"], 3);
    assert_eq!(outcome["audit_pending"], 3);
    let status = d.status();
    assert_eq!(status["keys"][1]["state"], "compromised");
    assert_eq!(status["active_key"], 3);
    assert!(ok(&d.run(&["status"])).contains("AUDIT PENDING: 3"));

    remount("rw");
    ok(&d.run(&[
        "trust-bundle",
        "--out",
        "trust",
        "--now",
        "2026-04-01T10:00:00Z",
    ]));
    assert_eq!(d.status()["audit_pending"], 0);
    let out = ok(&d.run(&["audit", "verify"]));
    assert!(out.contains("Audit log OK"), "{out}");
}
