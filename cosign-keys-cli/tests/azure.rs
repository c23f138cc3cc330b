//! `cosign-keys` with Azure Key Vault on a real emulator (Lowkey Vault,
//! scripts/servers/azure-kv.sh): `--store azure-secret://…`, `--kms
//! azurekms://…`, `--key` for both, `versions`, and keyring rotations whose
//! keys live in Azure.
//!
//! Needs the environment of `eval "$(scripts/servers/azure-kv.sh env)"`
//! (`COSIGN_KEYS_TEST_AZURE_VAULT`, `COSIGN_KEYS_AZURE_TOKEN`,
//! `COSIGN_KEYS_AZURE_CA_BUNDLE`); without it every test is skipped with a
//! one-line reason, and fails when `COSIGN_KEYS_REQUIRE_AZURE=1` or
//! `COSIGN_KEYS_REQUIRE_SERVERS=1` (scripts/test.sh).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

#[path = "support/cli.rs"]
mod support;

use support::*;
const PASSWORD: &str = "azure test password";

fn vault() -> Option<String> {
    let v = std::env::var("COSIGN_KEYS_TEST_AZURE_VAULT")
        .ok()
        .filter(|v| !v.is_empty());
    if v.is_none() {
        let reason = "COSIGN_KEYS_TEST_AZURE_VAULT is not set: run `scripts/servers/azure-kv.sh \
                      start` and `eval \"$(scripts/servers/azure-kv.sh env)\"`";
        for var in ["COSIGN_KEYS_REQUIRE_AZURE", "COSIGN_KEYS_REQUIRE_SERVERS"] {
            assert!(
                std::env::var(var).as_deref() != Ok("1"),
                "{var}=1 but {reason}"
            );
        }
        eprintln!("SKIP: {reason}");
    }
    v
}

/// A fresh secret or key name (the emulator keeps state while it runs).
fn fresh(what: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
        % 1_000_000_000_000;
    format!(
        "ck-cli-{what}-{}-{nanos}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A test directory: its path, and the guard that removes it.
struct Dir(PathBuf, #[allow(dead_code)] tempfile::TempDir);

impl Dir {
    fn new(name: &str) -> Self {
        let (path, guard) = temp_dir(&format!("ck-cli-azure-{name}"));
        Self(path, guard)
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
    fn run(&self, password: Option<&str>, args: &[&str]) -> Output {
        self.run_env(password, &[], args)
    }
    fn run_env(&self, password: Option<&str>, env: &[(&str, &str)], args: &[&str]) -> Output {
        let mut cmd = Command::new(BIN);
        cmd.current_dir(&self.0)
            .args(args)
            .env("USER", "ci-user")
            .env("COSIGN_KEYS_KEYRING", "keyring.json")
            .env("COSIGN_KEYS_ACTOR", "alice")
            .env_remove("COSIGN_KEYS_AUDIT_LOG")
            .stdin(std::process::Stdio::null());
        for var in ["COSIGN_PASSWORD", "COSIGN_NEW_PASSWORD"] {
            cmd.env_remove(var);
        }
        if let Some(pw) = password {
            cmd.env("COSIGN_PASSWORD", pw);
        }
        cmd.envs(env.iter().copied());
        cmd.output().unwrap()
    }
    fn ok(&self, password: Option<&str>, args: &[&str]) -> String {
        let out = self.run(password, args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        stdout(&out)
    }
}

/// The first line of `fingerprint --key …`: `SHA256:<base64>`.
fn fingerprint(d: &Dir, key: &str, extra: &[&str]) -> String {
    let mut args = vec!["fingerprint", "--key", key];
    args.extend_from_slice(extra);
    d.ok(Some(PASSWORD), &args)
        .lines()
        .next()
        .unwrap()
        .to_owned()
}

/// `versions --key …` as (version, state, fingerprint) rows.
fn versions(d: &Dir, key: &str) -> Vec<(String, String, String)> {
    d.ok(None, &["versions", "--key", key])
        .lines()
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 4, "{l}");
            (cols[0].to_owned(), cols[1].to_owned(), cols[2].to_owned())
        })
        .collect()
}

fn sign_and_verify(d: &Dir, key: &str, extra: &[&str], public: &str) {
    std::fs::write(d.path("blob"), b"release artifact").unwrap();
    std::fs::write(d.path("other"), b"another artifact").unwrap();
    let mut args = vec!["sign-blob", "--key", key];
    args.extend_from_slice(extra);
    args.push("blob");
    let sig = d.ok(Some(PASSWORD), &args);
    let sig = sig.trim();
    let out = d.ok(
        None,
        &["verify-blob", "--key", public, "--signature", sig, "blob"],
    );
    assert!(out.contains("Verified OK"), "{out}");
    let out = d.run(
        None,
        &["verify-blob", "--key", public, "--signature", sig, "other"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn azure_secret_store_generate_sign_versions_and_pinned_versions() {
    let Some(v) = vault() else { return };
    let d = Dir::new("secret");
    let uri = format!("azure-secret://{v}/{}", fresh("sec"));
    let out = d.run(
        Some(PASSWORD),
        &[
            "generate-key-pair",
            "--store",
            &uri,
            "--label",
            "team=release",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let fp1 = fingerprint(&d, &uri, &[]);
    assert!(fp1.starts_with("SHA256:"), "{fp1}");
    // The public key is read without the private value (no password given).
    d.ok(None, &["public-key", "--key", &uri, "--outfile", "v1.pub"]);
    sign_and_verify(&d, &uri, &[], "v1.pub");

    // No second version over a live key without --force.
    let out = d.run(Some(PASSWORD), &["generate-key-pair", "--store", &uri]);
    assert_exit(&out, 4, "[ALREADY_EXISTS]");
    d.ok(
        Some(PASSWORD),
        &["generate-key-pair", "--store", &uri, "--force"],
    );
    let fp2 = fingerprint(&d, &uri, &[]);
    assert_ne!(fp1, fp2);
    assert_eq!(fingerprint(&d, &uri, &["--key-version", "1"]), fp1);
    let rows = versions(&d, &uri);
    assert_eq!(
        rows,
        [
            ("1".into(), "live".into(), fp1.clone()),
            ("2".into(), "live".into(), fp2.clone())
        ]
    );
    // The old version still signs, and its public key verifies it.
    sign_and_verify(&d, &uri, &["--key-version", "1"], "v1.pub");

    // The wrong password is a decryption error, not a leak.
    let out = d.run(Some("wrong"), &["sign-blob", "--key", &uri, "blob"]);
    assert_exit(&out, 3, "[DECRYPTION_FAILED]");
    // change-password writes a new version.
    let out = d.run_env(
        Some(PASSWORD),
        &[("COSIGN_NEW_PASSWORD", "new password")],
        &["change-password", "--key", &uri],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(versions(&d, &uri).len(), 3);
    let out = d.run(Some("new password"), &["sign-blob", "--key", &uri, "blob"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The old versions keep the old password.
    let out = d.run(
        Some(PASSWORD),
        &["sign-blob", "--key", &uri, "--key-version", "2", "blob"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn azure_secret_import_and_missing_secret() {
    let Some(v) = vault() else { return };
    let d = Dir::new("import");
    d.ok(Some(PASSWORD), &["generate-key-pair"]);
    let local = fingerprint(&d, "cosign.pub", &[]);
    let uri = format!("azure-secret://{v}/{}", fresh("imp"));
    let out = d.run_env(
        Some(PASSWORD),
        &[("COSIGN_KEYS_IMPORT_PASSWORD", PASSWORD)],
        &["import-key-pair", "--key", "cosign.key", "--store", &uri],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(fingerprint(&d, &uri, &[]), local);
    sign_and_verify(&d, &uri, &[], "cosign.pub");

    let missing = format!("azure-secret://{v}/{}", fresh("none"));
    let out = d.run(None, &["public-key", "--key", &missing]);
    assert_exit(&out, 7, "[NOT_FOUND]");
    assert!(stderr(&out).contains("ck-cli-none-"), "{}", stderr(&out));
    let out = d.run(None, &["versions", "--key", &missing]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
}

#[test]
fn azurekms_generate_sign_versions_and_pinned_versions() {
    let Some(v) = vault() else { return };
    let d = Dir::new("kms");
    let uri = format!("azurekms://{v}/{}", fresh("kms"));
    d.ok(
        None,
        &[
            "generate-key-pair",
            "--kms",
            &uri,
            "--algorithm",
            "ecdsa-p384",
        ],
    );
    assert!(d.path("cosign.pub").exists());
    assert!(
        !d.path("cosign.key").exists(),
        "the private key stays in the vault"
    );
    let pem = std::fs::read_to_string(d.path("cosign.pub")).unwrap();
    assert_eq!(d.ok(None, &["public-key", "--key", &uri]), pem);
    sign_and_verify(&d, &uri, &[], "cosign.pub");
    // Signing a pre-computed digest of the right size works; a wrong size is refused.
    let out = d.run(None, &["sign-blob", "--key", &uri, "--digest", "abcd"]);
    assert_exit(&out, 2, "");

    let fp = fingerprint(&d, "cosign.pub", &[]);
    let rows = versions(&d, &uri);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].1.as_str(), rows[0].2.as_str()),
        ("live", fp.as_str())
    );
    // A handle pinned to that version signs with it.
    let pinned = format!("{uri}/{}", rows[0].0);
    assert_eq!(fingerprint(&d, &pinned, &[]), fp);
    sign_and_verify(&d, &pinned, &[], "cosign.pub");
    // --key-version means nothing for a KMS key.
    let out = d.run(None, &["public-key", "--key", &uri, "--key-version", "1"]);
    assert_exit(&out, 2, "--key-version");
    // A KMS key has no password to change.
    let out = d.run(None, &["change-password", "--key", &uri]);
    assert_exit(&out, 2, "never leaves the KMS");
}

#[test]
fn azurekms_errors_missing_key_foreign_vault_stopped_server() {
    let Some(v) = vault() else { return };
    let d = Dir::new("errors");
    let missing = format!("azurekms://{v}/{}", fresh("missing"));
    let out = d.run(None, &["public-key", "--key", &missing]);
    assert_exit(&out, 7, "ck-cli-missing-");
    std::fs::write(d.path("blob"), b"x").unwrap();
    let out = d.run(None, &["sign-blob", "--key", &missing, "blob"]);
    assert_exit(&out, 7, "[NOT_FOUND]");

    // 127.0.0.1:<port> is not a vault the emulator serves (it routes by Host).
    let port = v.rsplit(':').next().unwrap();
    let foreign = format!("azurekms://127.0.0.1:{port}/{}", fresh("nv"));
    let out = d.run(None, &["public-key", "--key", &foreign]);
    assert!(
        [7, 9, 10].contains(&out.status.code().unwrap()),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("127.0.0.1"), "{}", stderr(&out));
    let foreign = format!("azure-secret://127.0.0.1:{port}/{}", fresh("nv"));
    let out = d.run(None, &["public-key", "--key", &foreign]);
    assert!(
        [7, 9, 10].contains(&out.status.code().unwrap()),
        "{}",
        stderr(&out)
    );

    // Nothing listens: UNAVAILABLE within seconds.
    let down = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    for uri in [
        format!("azurekms://localhost:{down}/k"),
        format!("azure-secret://localhost:{down}/k"),
    ] {
        let start = Instant::now();
        let out = d.run(None, &["public-key", "--key", &uri]);
        assert_exit(&out, 11, "[UNAVAILABLE]");
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{:?}",
            start.elapsed()
        );
    }
}

#[test]
fn a_keyring_rotates_into_azure_secrets_and_azurekms() {
    let Some(v) = vault() else { return };
    let d = Dir::new("ring");
    let secret = format!("azure-secret://{v}/{}", fresh("ring"));
    let kms = format!("azurekms://{v}/{}", fresh("ring"));
    let rotate = |now: &str, target: &[&str]| {
        let mut args = vec!["rotate", "--now", now, "--json"];
        args.extend_from_slice(target);
        let out = d.ok(Some(PASSWORD), &args);
        serde_json::from_str::<serde_json::Value>(&out).unwrap()
    };
    let status = |now: &str| {
        let out = d.ok(None, &["status", "--json", "--now", now]);
        serde_json::from_str::<serde_json::Value>(&out).unwrap()
    };
    let first = rotate("2026-01-05T09:00:00Z", &["--store", &secret]);
    assert_eq!(first["new_key"], 1);
    let s = status("2026-01-05T09:00:00Z");
    assert_eq!(s["keys"][0]["state"], "active");
    assert_eq!(
        s["keys"][0]["fingerprint"].as_str().unwrap(),
        fingerprint(&d, &secret, &[])
    );
    assert_eq!(versions(&d, &secret).len(), 1);

    let second = rotate(
        "2026-02-05T09:00:00Z",
        &["--kms", &kms, "--algorithm", "rsa-2048"],
    );
    assert_eq!(second["new_key"], 2);
    let s = status("2026-02-05T09:00:00Z");
    assert_eq!(s["active_key"], 2);
    assert_eq!(s["keys"][0]["state"], "deactivated");
    assert_eq!(
        s["keys"][1]["fingerprint"].as_str().unwrap(),
        fingerprint(&d, &kms, &[])
    );
    // Both keys are in the trust bundle while the window lasts, and the KMS key signs.
    let out = d.ok(
        None,
        &[
            "trust-bundle",
            "--out",
            "trust",
            "--now",
            "2026-02-05T10:00:00Z",
        ],
    );
    assert!(out.contains("(2 keys)"), "{out}");
    sign_and_verify(&d, &kms, &[], "trust/cosign.pub");

    // A third rotation back into the same secret adds a version there.
    rotate("2026-03-05T09:00:00Z", &["--store", &secret]);
    assert_eq!(versions(&d, &secret).len(), 2);
    let s = status("2026-03-05T09:00:00Z");
    assert_eq!(
        s["keys"][2]["fingerprint"].as_str().unwrap(),
        fingerprint(&d, &secret, &[])
    );
}

#[test]
fn a_keyring_manifest_in_azure_secret_is_refused() {
    let Some(v) = vault() else { return };
    let d = Dir::new("manifest");
    let ring = format!("azure-secret://{v}/{}", fresh("manifest"));
    let out = d.run(
        Some(PASSWORD),
        &[
            "rotate",
            "--keyring",
            &ring,
            "--audit-log",
            "audit.jsonl",
            "--store",
            "keys",
        ],
    );
    assert_exit(&out, 12, "check-and-set");
    assert!(stderr(&out).contains("[NOT_SUPPORTED]"), "{}", stderr(&out));
    assert!(!d.path("keys").exists(), "nothing was generated");
}
