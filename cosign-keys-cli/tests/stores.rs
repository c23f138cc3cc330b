//! `cosign-keys` with key stores and KMS URIs: `--store`, `--kms`, `--key
//! URI`, `versions`, `--key-version`, and the exit codes of store errors.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "support/cli.rs"]
mod support;

use support::*;
const GCP: &str = "gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k";

/// A test directory: its path, and the guard that removes it.
struct Dir(PathBuf, #[allow(dead_code)] tempfile::TempDir);

impl Dir {
    fn new(name: &str) -> Self {
        let (path, guard) = temp_dir(&format!("ck-cli-store-{name}"));
        Self(path, guard)
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
    fn store(&self, name: &str) -> String {
        format!("file://{}", self.path(name).display())
    }
    fn command(&self, password: Option<&str>, args: &[&str]) -> Command {
        self.command_of(Path::new(BIN), password, args)
    }
    fn command_of(&self, bin: &Path, password: Option<&str>, args: &[&str]) -> Command {
        let mut cmd = Command::new(bin);
        cmd.current_dir(&self.0)
            .args(args)
            .env("USER", "ci-user")
            .stdin(std::process::Stdio::null());
        for var in [
            "COSIGN_PASSWORD",
            "COSIGN_NEW_PASSWORD",
            "COSIGN_PRIVATE_KEY",
            "COSIGN_PUBLIC_KEY",
            "COSIGN_PRIVATE_KEY_PUB",
        ] {
            cmd.env_remove(var);
        }
        if let Some(pw) = password {
            cmd.env("COSIGN_PASSWORD", pw);
        }
        cmd
    }
    fn run(&self, password: Option<&str>, args: &[&str]) -> Output {
        self.command(password, args).output().unwrap()
    }
    fn ok(&self, password: Option<&str>, args: &[&str]) -> String {
        let out = self.run(password, args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        stdout(&out)
    }
}

#[test]
fn generate_into_a_file_store_then_sign_and_verify_every_way() {
    let d = Dir::new("roundtrip");
    let ks = d.store("ks");
    let out = d.run(
        Some("pw"),
        &["generate-key-pair", "--store", &ks, "--label", "team=aibox"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("as version 1"), "{}", stderr(&out));
    assert_eq!(mode(&d.path("ks/cosign.key")), 0o600);
    assert_eq!(mode(&d.path("ks/cosign.pub")), 0o644);

    // One fingerprint, however the key is named.
    let fp = d.ok(None, &["fingerprint", "--key", &ks]);
    assert_eq!(d.ok(None, &["fingerprint", "--key", "ks"]), fp);
    assert_eq!(d.ok(None, &["fingerprint", "--key", "ks/cosign.pub"]), fp);
    assert_eq!(
        d.ok(Some("pw"), &["fingerprint", "--key", "ks/cosign.key"]),
        fp
    );
    let versions = d.ok(None, &["versions", "--key", &ks]);
    let cols: Vec<&str> = versions.trim_end().split('\t').collect();
    assert_eq!(cols.len(), 4, "{versions}");
    assert_eq!((cols[0], cols[1]), ("1", "live"));
    assert_eq!(cols[2], fp.lines().next().unwrap());
    assert!(cols[3].ends_with('Z'), "{versions}");
    let meta = std::fs::read_to_string(d.path("ks/cosign.meta.json")).unwrap();
    assert!(meta.contains("\"created_by\": \"ci-user\""), "{meta}");
    assert!(meta.contains("\"team\": \"aibox\""), "{meta}");

    // Sign from the store; verify from the store, the directory and cosign.pub.
    std::fs::write(d.path("blob"), b"artifact").unwrap();
    let sig = d.ok(Some("pw"), &["sign-blob", "--key", &ks, "blob"]);
    for key in [ks.as_str(), "ks", "ks/cosign.pub"] {
        let out = d.ok(
            None,
            &[
                "verify-blob",
                "--key",
                key,
                "--signature",
                sig.trim(),
                "blob",
            ],
        );
        assert_eq!(out, "Verified OK\n");
    }
    // cosign's names in the store are plain key files.
    let sig2 = d.ok(Some("pw"), &["sign-blob", "--key", "ks/cosign.key", "blob"]);
    d.ok(
        None,
        &[
            "verify-blob",
            "--key",
            &ks,
            "--signature",
            sig2.trim(),
            "blob",
        ],
    );
    // The public key is the same PEM everywhere.
    assert_eq!(
        d.ok(None, &["public-key", "--key", &ks]),
        std::fs::read_to_string(d.path("ks/cosign.pub")).unwrap()
    );
    // export-private-key from a store gives the same key.
    let pem = d.ok(Some("pw"), &["export-private-key", "--key", &ks]);
    std::fs::write(d.path("plain.pem"), pem).unwrap();
    // A plaintext private key others may read is refused (OpenSSH's rule).
    std::fs::set_permissions(d.path("plain.pem"), std::fs::Permissions::from_mode(0o600)).unwrap();
    d.ok(
        Some("pw2"),
        &[
            "import-key-pair",
            "--key",
            "plain.pem",
            "--output-key-prefix",
            "again",
        ],
    );
    assert_eq!(d.ok(None, &["fingerprint", "--key", "again.pub"]), fp);
}

#[test]
fn versions_force_and_key_version() {
    let d = Dir::new("versions");
    let ks = d.store("ks");
    d.ok(Some("one"), &["generate-key-pair", "--store", &ks]);
    let v1 = d.ok(None, &["fingerprint", "--key", &ks]);
    let before = std::fs::read(d.path("ks/cosign.key")).unwrap();

    // No silent overwrite: exit 4, and the prompt-free refusal changes nothing.
    let out = d.run(Some("two"), &["generate-key-pair", "--store", &ks]);
    assert_exit(&out, 4, "[ALREADY_EXISTS]");
    assert_eq!(std::fs::read(d.path("ks/cosign.key")).unwrap(), before);

    let out = d.run(
        Some("two"),
        &[
            "generate-key-pair",
            "--store",
            &ks,
            "--force",
            "--created-by",
            "bot",
        ],
    );
    assert!(stderr(&out).contains("as version 2"), "{}", stderr(&out));
    let v2 = d.ok(None, &["fingerprint", "--key", &ks]);
    assert_ne!(v1, v2);
    assert_eq!(
        d.ok(None, &["fingerprint", "--key", &ks, "--key-version", "1"]),
        v1
    );
    let listing = d.ok(None, &["versions", "--key", "ks"]);
    assert_eq!(listing.lines().count(), 2, "{listing}");
    assert!(listing.lines().nth(1).unwrap().starts_with("2\tlive\t"));

    // Each version signs with its own password.
    std::fs::write(d.path("blob"), b"x").unwrap();
    let sig1 = d.ok(
        Some("one"),
        &["sign-blob", "--key", &ks, "--key-version", "1", "blob"],
    );
    let out = d.run(Some("one"), &["sign-blob", "--key", &ks, "blob"]);
    assert_exit(&out, 3, "[DECRYPTION_FAILED]");
    d.ok(
        None,
        &[
            "verify-blob",
            "--key",
            &ks,
            "--key-version",
            "1",
            "--signature",
            sig1.trim(),
            "blob",
        ],
    );
    let out = d.run(
        None,
        &[
            "verify-blob",
            "--key",
            &ks,
            "--signature",
            sig1.trim(),
            "blob",
        ],
    );
    assert_exit(&out, 1, "[SIGNATURE_INVALID]");

    // Missing versions and keys are exit 7.
    let out = d.run(None, &["public-key", "--key", &ks, "--key-version", "9"]);
    assert_exit(&out, 7, "[NOT_FOUND]");
    let out = d.run(None, &["public-key", "--key", &d.store("empty")]);
    assert_exit(&out, 7, "[NOT_FOUND]");
    // --key-version means nothing for a key file.
    let out = d.run(
        None,
        &[
            "fingerprint",
            "--key",
            "ks/cosign.pub",
            "--key-version",
            "1",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn change_password_in_a_store_adds_a_version() {
    let d = Dir::new("chpw");
    let ks = d.store("ks");
    d.ok(Some("old"), &["generate-key-pair", "--store", &ks]);
    let fp = d.ok(None, &["fingerprint", "--key", &ks]);
    let out = d
        .command(Some("old"), &["change-password", "--key", &ks])
        .env("COSIGN_NEW_PASSWORD", "new")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("version 2"), "{}", stderr(&out));
    assert_eq!(d.ok(None, &["fingerprint", "--key", &ks]), fp);
    std::fs::write(d.path("blob"), b"x").unwrap();
    d.ok(Some("new"), &["sign-blob", "--key", &ks, "blob"]);
    let out = d.run(Some("old"), &["sign-blob", "--key", &ks, "blob"]);
    assert_exit(&out, 3, "[DECRYPTION_FAILED]");
    // cosign's own file follows the newest version...
    d.ok(
        Some("new"),
        &["sign-blob", "--key", "ks/cosign.key", "blob"],
    );
    // ...and changing it behind the store's back is refused.
    let before = std::fs::read(d.path("ks/cosign.key")).unwrap();
    let out = d
        .command(Some("new"), &["change-password", "--key", "ks/cosign.key"])
        .env("COSIGN_NEW_PASSWORD", "newer")
        .output()
        .unwrap();
    assert_exit(&out, 2, "change-password --key ks");
    assert_eq!(std::fs::read(d.path("ks/cosign.key")).unwrap(), before);
}

#[test]
fn import_into_a_store_and_the_password_is_never_stored_in_files() {
    let d = Dir::new("import");
    d.ok(Some("pw"), &["generate-key-pair", "--algorithm", "ed25519"]);
    let fp = d.ok(None, &["fingerprint", "--key", "cosign.pub"]);
    let pem = d.ok(Some("pw"), &["export-private-key", "--key", "cosign.key"]);
    std::fs::write(d.path("plain.pem"), pem).unwrap();
    // A plaintext private key others may read is refused (OpenSSH's rule).
    std::fs::set_permissions(d.path("plain.pem"), std::fs::Permissions::from_mode(0o600)).unwrap();
    let ks = d.store("ks");
    d.ok(
        Some("pw2"),
        &["import-key-pair", "--key", "plain.pem", "--store", &ks],
    );
    assert_eq!(d.ok(None, &["fingerprint", "--key", &ks]), fp);
    assert!(!d.path("import-cosign.key").exists());

    let out = d.run(
        Some("pw"),
        &[
            "generate-key-pair",
            "--store",
            &d.store("ks2"),
            "--store-password",
        ],
    );
    assert_exit(&out, 2, "never writes the password");
    assert!(!d.path("ks2/cosign.key").exists());
    assert!(!stderr(&out).contains("pw\n"));
}

#[test]
fn env_keys_as_cosign_reads_them() {
    let d = Dir::new("env");
    d.ok(Some("pw"), &["generate-key-pair"]);
    let private = std::fs::read_to_string(d.path("cosign.key")).unwrap();
    let public = std::fs::read_to_string(d.path("cosign.pub")).unwrap();
    let fp = d.ok(None, &["fingerprint", "--key", "cosign.pub"]);
    std::fs::write(d.path("blob"), b"artifact").unwrap();

    // cosign sign --key env://COSIGN_PRIVATE_KEY with COSIGN_PASSWORD set.
    let out = d
        .command(
            Some("pw"),
            &["sign-blob", "--key", "env://COSIGN_PRIVATE_KEY", "blob"],
        )
        .env("COSIGN_PRIVATE_KEY", &private)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let sig = stdout(&out);
    // cosign verify --key env://COSIGN_PUBLIC_KEY.
    let out = d
        .command(
            None,
            &[
                "verify-blob",
                "--key",
                "env://COSIGN_PUBLIC_KEY",
                "--signature",
                sig.trim(),
                "blob",
            ],
        )
        .env("COSIGN_PUBLIC_KEY", &public)
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "Verified OK\n", "{}", stderr(&out));
    // The pair's public key needs no password; listing shows one version.
    for args in [
        &["fingerprint", "--key", "env://COSIGN_PRIVATE_KEY"][..],
        &["versions", "--key", "env://COSIGN_PRIVATE_KEY"][..],
    ] {
        let out = d
            .command(None, args)
            .env("COSIGN_PRIVATE_KEY", &private)
            .env("COSIGN_PUBLIC_KEY", &public)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            stdout(&out).contains(fp.lines().next().unwrap()),
            "{}",
            stdout(&out)
        );
    }

    // A private key with no public key and no password: exit 7, says what to set.
    let out = d
        .command(None, &["fingerprint", "--key", "env://COSIGN_PRIVATE_KEY"])
        .env("COSIGN_PRIVATE_KEY", &private)
        .output()
        .unwrap();
    assert_exit(&out, 7, "COSIGN_PUBLIC_KEY");
    assert!(!stderr(&out).contains("eyJ"), "{}", stderr(&out));
    // Unset: exit 7. Read-only: exit 2.
    let out = d.run(None, &["public-key", "--key", "env://COSIGN_PUBLIC_KEY"]);
    assert_exit(&out, 7, "not set");
    let out = d.run(
        Some("pw"),
        &["generate-key-pair", "--store", "env://COSIGN_PRIVATE_KEY"],
    );
    assert_exit(&out, 2, "read-only");
}

#[test]
fn kms_uris_and_bad_uris() {
    let d = Dir::new("kms");
    let out = d.run(None, &["public-key", "--key", GCP]);
    assert_exit(&out, 12, "`gcpkms` is not supported in this build");
    let out = d.run(None, &["generate-key-pair", "--kms", GCP]);
    assert_exit(&out, 12, "[NOT_SUPPORTED]");
    assert!(!d.path("cosign.pub").exists());
    std::fs::write(d.path("blob"), b"x").unwrap();
    let out = d.run(None, &["sign-blob", "--key", GCP, "blob"]);
    assert_exit(&out, 12, "[NOT_SUPPORTED]");
    let out = d.run(None, &["versions", "--key", GCP]);
    assert_exit(&out, 12, "[NOT_SUPPORTED]");
    // Azure is built in (feature `azure`): a malformed vault is refused before any request.
    let out = d.run(
        None,
        &["public-key", "--key", "azure-secret://x/cosign-key"],
    );
    assert_exit(&out, 2, "bad vault");
    let out = d.run(
        None,
        &[
            "public-key",
            "--key",
            "azurekms://myvault.vault.azure.net/bad_name",
        ],
    );
    assert_exit(&out, 2, "bad key name");
    let out = d.run(None, &["public-key", "--key", "gcpkms://projects/p"]);
    assert_exit(&out, 2, "[INVALID_URI]");
    let out = d.run(None, &["public-key", "--key", "s3://bucket/key"]);
    assert_exit(&out, 2, "unknown scheme `s3`");
    let out = d.run(Some("pw"), &["export-private-key", "--key", GCP]);
    assert_eq!(out.status.code(), Some(12), "{}", stderr(&out));
    // A key file that does not exist is still an I/O error, as before.
    let out = d.run(None, &["public-key", "--key", "missing.pub"]);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    let out = d.run(None, &["versions", "--key", "missing.pub"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn a_refused_store_write_exits_9_and_changes_nothing() {
    let d = Dir::new("denied");
    let ks = d.store("ks");
    d.ok(Some("pw"), &["generate-key-pair", "--store", &ks]);
    let before = std::fs::read(d.path("ks/cosign.meta.json")).unwrap();
    std::fs::set_permissions(d.path("ks"), std::fs::Permissions::from_mode(0o555)).unwrap();

    // Root ignores permission bits: run the CLI as nobody then.
    std::fs::write(d.path("probe"), b"").unwrap();
    let root = std::fs::metadata(d.path("probe")).unwrap().uid() == 0;
    let args = ["generate-key-pair", "--store", &ks, "--force"];
    let mut cmd = if root {
        // A copy of the binary where `nobody` can run it (the build
        // directory may sit under a home directory it cannot enter).
        let exe = d.path("cosign-keys");
        std::fs::copy(BIN, &exe).unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut cmd = d.command_of(&exe, Some("pw"), &args);
        cmd.uid(65534).gid(65534);
        cmd
    } else {
        d.command(Some("pw"), &args)
    };
    let out = cmd.output().unwrap();
    std::fs::set_permissions(d.path("ks"), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_exit(&out, 9, "[PERMISSION_DENIED]");
    assert!(
        stderr(&out).contains("file: permission denied for"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read(d.path("ks/cosign.meta.json")).unwrap(),
        before
    );
    assert_eq!(d.ok(None, &["versions", "--key", &ks]).lines().count(), 1);
}

#[test]
fn an_insecure_store_is_refused_unless_explicitly_allowed() {
    let d = Dir::new("insecure");
    let ks = d.store("keys");
    d.ok(Some("pw"), &["generate-key-pair", "--store", &ks]);
    std::fs::write(d.path("blob"), b"hello").unwrap();
    let sign = ["sign-blob", "--key", ks.as_str(), "blob"];

    // A store directory anyone may write to: refused, as OpenSSH does.
    std::fs::set_permissions(d.path("keys"), std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = d.run(Some("pw"), &sign);
    assert_exit(&out, 9, "[PERMISSION_DENIED]");
    assert!(
        stderr(&out).contains("--allow-insecure-permissions"),
        "{}",
        stderr(&out)
    );

    // The flag (anywhere on the line) or the variable downgrade it to a warning.
    let mut flagged = sign.to_vec();
    flagged.push("--allow-insecure-permissions");
    let out = d.run(Some("pw"), &flagged);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("warning:"), "{}", stderr(&out));
    let out = d
        .command(Some("pw"), &sign)
        .env("COSIGN_KEYS_ALLOW_INSECURE_PERMISSIONS", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));

    // A private key file others may read: refused too.
    std::fs::set_permissions(d.path("keys"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(
        d.path("keys/.cosign.versions/1/cosign.key"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    assert_exit(&d.run(Some("pw"), &sign), 9, "mode 0644");
}

#[test]
fn a_plain_private_key_file_open_to_others_is_refused_as_openssh_does() {
    let d = Dir::new("insecure-plain");
    let ks = d.store("keys");
    d.ok(Some("pw"), &["generate-key-pair", "--store", &ks]);
    std::fs::write(d.path("blob"), b"hello").unwrap();
    let key = d.path("plain.key");
    std::fs::copy(d.path("keys/.cosign.versions/1/cosign.key"), &key).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let key = key.to_str().unwrap().to_owned();
    let sign = ["sign-blob", "--key", key.as_str(), "blob"];

    let out = d.run(Some("pw"), &sign);
    assert_exit(&out, 9, "mode 0644");
    assert!(stdout(&out).is_empty(), "no signature: {}", stdout(&out));
    // `public-key` unlocks the private key too: the same rule.
    assert_exit(
        &d.run(Some("pw"), &["public-key", "--key", &key]),
        9,
        "[PERMISSION_DENIED]",
    );

    // Allowed explicitly: signs, with one warning line naming the file.
    let mut flagged = sign.to_vec();
    flagged.push("--allow-insecure-permissions");
    let out = d.run(Some("pw"), &flagged);
    assert!(out.status.success(), "{}", stderr(&out));
    let warned = stderr(&out);
    assert!(
        warned.contains("warning:") && warned.contains("plain.key") && warned.contains("0644"),
        "{warned}"
    );
    assert!(!stdout(&out).trim().is_empty());

    // Mode 0600: no warning; a public key may be read by anyone.
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = d.run(Some("pw"), &sign);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("warning:"), "{}", stderr(&out));
    std::fs::write(d.path("blob.sig"), stdout(&out).trim()).unwrap();
    let public = d.ok(Some("pw"), &["public-key", "--key", &key]);
    std::fs::write(d.path("cosign.pub"), public).unwrap();
    std::fs::set_permissions(d.path("cosign.pub"), std::fs::Permissions::from_mode(0o644)).unwrap();
    d.ok(
        None,
        &[
            "verify-blob",
            "--key",
            d.path("cosign.pub").to_str().unwrap(),
            "--signature",
            d.path("blob.sig").to_str().unwrap(),
            "blob",
        ],
    );
}

#[test]
fn the_cosign_names_of_a_store_are_links_that_read_as_one_pair() {
    let d = Dir::new("links");
    let ks = d.store("keys");
    d.ok(Some("pw"), &["generate-key-pair", "--store", &ks]);
    d.ok(
        Some("pw"),
        &["generate-key-pair", "--store", &ks, "--force"],
    );
    assert_eq!(
        std::fs::read_link(d.path("keys/.cosign.current")).unwrap(),
        Path::new(".cosign.versions/2")
    );
    // The plain-file commands read the names like any program does.
    let fp_key = d.ok(Some("pw"), &["fingerprint", "--key", "keys/cosign.key"]);
    let fp_pub = d.ok(None, &["fingerprint", "--key", "keys/cosign.pub"]);
    assert_eq!(fp_key, fp_pub);
    assert_eq!(mode(&d.path("keys/cosign.key")), 0o600);
}
