//! The `cosign-keys` command as a script sees it: files, modes, exit codes
//! and messages.

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
        let (path, guard) = temp_dir(&format!("ck-cli-{name}"));
        Self(path, guard)
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
    fn run(&self, password: Option<&str>, args: &[&str]) -> Output {
        let mut cmd = Command::new(BIN);
        cmd.current_dir(&self.0)
            .args(args)
            .env_remove("COSIGN_PASSWORD");
        cmd.env_remove("COSIGN_NEW_PASSWORD")
            .stdin(std::process::Stdio::null());
        if let Some(pw) = password {
            cmd.env("COSIGN_PASSWORD", pw);
        }
        cmd.output().unwrap()
    }
}

#[test]
fn generate_sign_verify_and_fingerprint_round_trip() {
    let d = Dir::new("roundtrip");
    let out = d.run(Some("pw"), &["generate-key-pair", "--algorithm", "ed25519"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(mode(&d.path("cosign.key")), 0o600);
    assert_eq!(mode(&d.path("cosign.pub")), 0o644);
    std::fs::write(d.path("blob"), b"artifact").unwrap();

    let out = d.run(
        Some("pw"),
        &[
            "sign-blob",
            "--key",
            "cosign.key",
            "--output-signature",
            "blob.sig",
            "blob",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).trim(),
        std::fs::read_to_string(d.path("blob.sig")).unwrap()
    );

    let out = d.run(
        None,
        &[
            "verify-blob",
            "--key",
            "cosign.pub",
            "--signature",
            "blob.sig",
            "blob",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "Verified OK\n");

    // Fingerprint from the .pub (no password) equals the one from the .key.
    let from_pub = d.run(None, &["fingerprint", "--key", "cosign.pub"]);
    let from_key = d.run(Some("pw"), &["fingerprint", "--key", "cosign.key"]);
    assert!(from_pub.status.success() && from_key.status.success());
    assert_eq!(stdout(&from_pub), stdout(&from_key));
    let lines: Vec<_> = stdout(&from_pub).lines().map(str::to_owned).collect();
    assert!(
        lines[0].starts_with("SHA256:") && lines[1].len() == 64,
        "{lines:?}"
    );
}

#[test]
fn a_bad_signature_exits_1_and_says_so() {
    let d = Dir::new("badsig");
    assert!(d.run(Some(""), &["generate-key-pair"]).status.success());
    std::fs::write(d.path("blob"), b"artifact").unwrap();
    let sig = stdout(&d.run(Some(""), &["sign-blob", "--key", "cosign.key", "blob"]));
    std::fs::write(d.path("other"), b"artifact!").unwrap();
    let out = d.run(
        None,
        &[
            "verify-blob",
            "--key",
            "cosign.pub",
            "--signature",
            sig.trim(),
            "other",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("[SIGNATURE_INVALID]"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn existing_files_are_kept_without_force() {
    let d = Dir::new("noclobber");
    assert!(d.run(Some("a"), &["generate-key-pair"]).status.success());
    let before = std::fs::read(d.path("cosign.key")).unwrap();
    let out = d.run(Some("b"), &["generate-key-pair"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("[ALREADY_EXISTS]"));
    assert_eq!(std::fs::read(d.path("cosign.key")).unwrap(), before);
    // With --force both files are replaced.
    assert!(d
        .run(Some("b"), &["generate-key-pair", "--force"])
        .status
        .success());
    assert_ne!(std::fs::read(d.path("cosign.key")).unwrap(), before);
}

#[test]
fn a_wrong_password_exits_3_and_never_echoes_it() {
    let d = Dir::new("wrongpw");
    assert!(d
        .run(Some("right"), &["generate-key-pair"])
        .status
        .success());
    std::fs::write(d.path("blob"), b"x").unwrap();
    let out = d.run(
        Some("wrong-password-123"),
        &["sign-blob", "--key", "cosign.key", "blob"],
    );
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(
        err.contains("[DECRYPTION_FAILED]") && !err.contains("wrong-password-123"),
        "{err}"
    );
}

#[test]
fn no_password_and_no_terminal_is_a_usage_error() {
    let d = Dir::new("nopw");
    let out = d.run(None, &["generate-key-pair"]);
    // Either no terminal at all (CI) or stdin is not one: never hangs.
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!d.path("cosign.key").exists());
}

#[test]
fn change_password_keeps_the_fingerprint() {
    let d = Dir::new("chpw");
    assert!(d.run(Some("old"), &["generate-key-pair"]).status.success());
    let fp = stdout(&d.run(None, &["fingerprint", "--key", "cosign.pub"]));
    let mut cmd = Command::new(BIN);
    let out = cmd
        .current_dir(&d.0)
        .args(["change-password", "--key", "cosign.key"])
        .env("COSIGN_PASSWORD", "old")
        .env("COSIGN_NEW_PASSWORD", "new")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(mode(&d.path("cosign.key")), 0o600);
    assert_eq!(
        stdout(&d.run(Some("new"), &["fingerprint", "--key", "cosign.key"])),
        fp
    );
    assert_eq!(
        d.run(Some("old"), &["fingerprint", "--key", "cosign.key"])
            .status
            .code(),
        Some(3)
    );
}

#[test]
fn change_password_through_a_symbolic_link_changes_the_key_it_points_to() {
    let d = Dir::new("chpw-link");
    std::fs::create_dir_all(d.path("secure")).unwrap();
    let made = d.run(
        Some("old"),
        &["generate-key-pair", "--output-key-prefix", "secure/prod"],
    );
    assert!(made.status.success(), "{}", stderr(&made));
    std::os::unix::fs::symlink("secure/prod.key", d.path("link.key")).unwrap();
    let out = Command::new(BIN)
        .current_dir(&d.0)
        .args(["change-password", "--key", "link.key"])
        .env("COSIGN_PASSWORD", "old")
        .env("COSIGN_NEW_PASSWORD", "new")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // The link is still a link, and the real key has the new password.
    assert!(std::fs::symlink_metadata(d.path("link.key"))
        .unwrap()
        .file_type()
        .is_symlink());
    let real = ["fingerprint", "--key", "secure/prod.key"];
    assert!(d.run(Some("new"), &real).status.success());
    assert_eq!(d.run(Some("old"), &real).status.code(), Some(3));
    assert_eq!(mode(&d.path("secure/prod.key")), 0o600);
}

#[test]
fn import_export_round_trip_and_bad_input_exits_5() {
    let d = Dir::new("import");
    assert!(d
        .run(
            Some("pw"),
            &["generate-key-pair", "--algorithm", "rsa-2048"]
        )
        .status
        .success());
    let out = d.run(
        Some("pw"),
        &[
            "export-private-key",
            "--key",
            "cosign.key",
            "--outfile",
            "plain.pem",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(mode(&d.path("plain.pem")), 0o600);
    let out = d.run(Some("pw2"), &["import-key-pair", "--key", "plain.pem"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(d.path("import-cosign.pub")).unwrap(),
        std::fs::read(d.path("cosign.pub")).unwrap()
    );
    std::fs::write(
        d.path("junk.pem"),
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let out = d.run(
        Some("pw"),
        &[
            "import-key-pair",
            "--key",
            "junk.pem",
            "--output-key-prefix",
            "j",
        ],
    );
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(stderr(&out).contains("[UNKNOWN_PEM_LABEL]"));
    assert!(!d.path("j.key").exists());
}

#[test]
fn sign_and_verify_a_digest() {
    let d = Dir::new("digest");
    assert!(d.run(Some(""), &["generate-key-pair"]).status.success());
    std::fs::write(d.path("blob"), b"abc").unwrap();
    let hex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; // sha256("abc")
    let sig = stdout(&d.run(
        Some(""),
        &["sign-blob", "--key", "cosign.key", "--digest", hex],
    ));
    let out = d.run(
        None,
        &[
            "verify-blob",
            "--key",
            "cosign.pub",
            "--signature",
            sig.trim(),
            "blob",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = d.run(
        Some(""),
        &["sign-blob", "--key", "cosign.key", "--digest", "abcd"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn two_concurrent_change_passwords_on_one_key_file_one_wins_the_other_is_told() {
    let d = Dir::new("chpw-race");
    assert!(d.run(Some("old"), &["generate-key-pair"]).status.success());
    let fp = stdout(&d.run(None, &["fingerprint", "--key", "cosign.pub"]));
    let children: Vec<_> = ["new-a", "new-b"]
        .iter()
        .map(|new| {
            Command::new(BIN)
                .current_dir(&d.0)
                .args(["change-password", "--key", "cosign.key"])
                .env("COSIGN_PASSWORD", "old")
                .env("COSIGN_NEW_PASSWORD", new)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let winners: Vec<usize> = (0..2).filter(|&i| outs[i].status.success()).collect();
    assert_eq!(
        winners.len(),
        1,
        "{:?}",
        outs.iter().map(stderr).collect::<Vec<_>>()
    );
    let loser = &outs[1 - winners[0]];
    // The loser either saw the change under the lock (CONFLICT, exit 8) or
    // started after it and could not unlock with the old password (exit 3):
    // never a silent success.
    let code = loser.status.code();
    assert!(
        (code == Some(8) && stderr(loser).contains("[CONFLICT]")) || code == Some(3),
        "{code:?}: {}",
        stderr(loser)
    );
    let winner_password = ["new-a", "new-b"][winners[0]];
    assert_eq!(
        stdout(&d.run(
            Some(winner_password),
            &["fingerprint", "--key", "cosign.key"]
        )),
        fp
    );
    assert_eq!(mode(&d.path("cosign.key")), 0o600);
}

#[test]
fn a_closed_output_pipe_ends_quietly() {
    let d = Dir::new("pipe");
    assert!(d.run(Some(""), &["generate-key-pair"]).status.success());
    let mut child = Command::new(BIN)
        .current_dir(&d.0)
        .args(["public-key", "--key", "cosign.pub"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end before the child writes: its write gets EPIPE.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    assert_ne!(out.status.code(), Some(101), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("RUST_BACKTRACE"), "{err}");
    // Either the write beat the close (0) or it met the closed pipe (141).
    assert!(matches!(out.status.code(), Some(0 | 141)), "{err}");
}

#[test]
fn every_error_line_ends_with_its_code() {
    let d = Dir::new("codes");
    let cases: &[&[&str]] = &[
        &["public-key", "--key", "missing.pub"],
        &["sign-blob", "--key", "missing.key", "--digest", "zz"],
        &["fingerprint", "--key", "file://evil host/x"],
    ];
    for args in cases {
        let out = d.run(Some(""), args);
        assert!(!out.status.success(), "{args:?}");
        let err = stderr(&out);
        let line = err.lines().rfind(|l| l.starts_with("error:")).unwrap_or("");
        assert!(
            line.ends_with(']') && line.contains(" ["),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn command_line_mistakes_carry_the_usage_code_and_status() {
    let d = Dir::new("usage");
    let cases: &[&[&str]] = &[
        &["no-such-command"],
        &["sign-blob", "--no-such-flag"],
        &["public-key"],
        &[],
    ];
    for args in cases {
        let out = d.run(None, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        let first = err.lines().next().unwrap_or("");
        assert!(
            first.starts_with("error: ") && first.ends_with(" [INVALID_ARGUMENT]"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    let help = d.run(None, &["--help"]);
    assert!(help.status.success(), "{}", stderr(&help));
    assert!(stdout(&help).contains("Usage:"), "{}", stdout(&help));
}

#[test]
fn a_missing_signature_path_is_reported_as_missing() {
    let d = Dir::new("sigpath");
    assert!(d.run(Some(""), &["generate-key-pair"]).status.success());
    std::fs::write(d.path("blob"), b"artifact").unwrap();
    let out = d.run(
        None,
        &[
            "verify-blob",
            "--key",
            "cosign.pub",
            "--signature",
            "blob.sig",
            "blob",
        ],
    );
    let err = stderr(&out);
    assert!(err.contains("signature file blob.sig"), "{err}");
    assert!(err.contains("[NOT_FOUND]"), "{err}");
    assert!(!err.contains("malformed"), "{err}");
}

#[test]
fn an_oversized_key_file_is_input_too_large() {
    let d = Dir::new("toolarge");
    // Sparse: 2 MiB that the CLI must refuse from its size alone.
    std::fs::File::create(d.path("huge.key"))
        .unwrap()
        .set_len(2 << 20)
        .unwrap();
    let out = d.run(Some(""), &["public-key", "--key", "huge.key"]);
    let err = stderr(&out);
    assert!(err.contains("[INPUT_TOO_LARGE]"), "{err}");
    assert!(err.contains("COSIGN_KEYS_MAX_KEY_FILE_BYTES"), "{err}");
}

#[test]
fn a_read_only_file_system_is_permission_denied_for_key_files_and_keyrings() {
    let d = Dir::new("rofs");
    let mountpoint = d.0.to_str().unwrap().to_owned();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs", &mountpoint])
        .output()
        .is_ok_and(|o| o.status.success());
    if !mounted {
        // Needs CAP_SYS_ADMIN (the test run in CI is root).
        eprintln!("skipping: cannot mount a tmpfs at {mountpoint}");
        return;
    }
    let remount = |mode: &str| {
        Command::new("mount")
            .args(["-o", &format!("remount,{mode}"), &mountpoint])
            .status()
            .unwrap()
    };
    assert!(remount("ro").success());
    let cases: &[&[&str]] = &[
        &["generate-key-pair", "--output-key-prefix", "new"],
        &[
            "rotate",
            "--keyring",
            "keyring.json",
            "--store",
            "keys",
            "--who",
            "t",
        ],
    ];
    for args in cases {
        let out = d.run(Some(""), args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(9), "{args:?}: {err}");
        assert!(
            err.trim_end().ends_with("[PERMISSION_DENIED]"),
            "{args:?}: {err}"
        );
    }
    let _ = Command::new("umount").arg("-l").arg(&mountpoint).status();
}
