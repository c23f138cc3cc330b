//! The fault matrix (issue 11, "Proof"): for each key operation, a kill,
//! an `ENOSPC` and an `EIO` injected at every one of its write steps (the
//! crate's `fault-injection` feature, `COSIGN_KEYS_FAULT`), in a child
//! process; then, in this process, checks that nothing was lost, that the
//! previous key still decrypts with its password, signs and has the
//! fingerprint its manifest records, that cosign.key and cosign.pub are one
//! pair, that an emergency revocation succeeds right after the failure, and
//! that a rerun of the operation completes (and leaves no temporary file).
//!
//! Then the same on a real full disk where the machine allows it: a small
//! tmpfs in a private mount namespace (`unshare -rm`), filled up so each
//! operation meets a genuine `ENOSPC`, released, rerun.
//! `COSIGN_KEYS_REQUIRE_TMPFS=1` makes a tmpfs that cannot be mounted a
//! failure; otherwise that part says why it skips.
//!
//! Run: `cargo test -p cosign-keys --features fault-injection --test
//! fault_matrix -- --nocapture` (its own harness: it prints a table).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/lifecycle.rs"]
mod lifecycle;

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::time::Instant;

use cosign_keys::backup::{
    blocking as backup, BackupOptions, BackupSecret, RecoveryOptions, RecoverySecret,
};
use cosign_keys::fs::{replace_if_unchanged, write_atomic, Overwrite, PRIVATE_FILE_MODE};
use cosign_keys::keyring::blocking::Keyring;
use cosign_keys::keyring::{Compromise, KeyLocation, KeyRecord, KeyState, KeyringConfig, Manifest};
use cosign_keys::store::blocking::Store;
use cosign_keys::store::{KeyMetadata, KeyPairRecord, PutOptions};
use cosign_keys::{
    Algorithm, EncryptedPrivateKey, Password, PrivateKey, PublicKey, ScryptParams, Timestamp,
};

use lifecycle::{alice, new_key, password, t};

/// Which scenario a child runs, and where: `<scenario>\t<root>`.
const CHILD_ENV: &str = "CK_FAULT_MATRIX_CHILD";
const FAULT_ENV: &str = "COSIGN_KEYS_FAULT";
const COUNT_FILE_ENV: &str = "COSIGN_KEYS_FAULT_COUNT_FILE";
const REQUIRE_TMPFS: &str = "COSIGN_KEYS_REQUIRE_TMPFS";
/// Inside the tmpfs namespace: the mount point to run the tmpfs part in.
const TMPFS_ENV: &str = "CK_FAULT_MATRIX_TMPFS";

const NEW_PASSWORD: &str = "a new password for the plain file";
const BACKUP_PASSPHRASE: &str = "the backup passphrase";
const KINDS: [&str; 3] = ["kill", "enospc", "eio"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    Put,
    ChangePassword,
    Rotate,
    Revoke,
    EmergencyRevoke,
    Destroy,
    BackupCreate,
    Recover,
}

impl Scenario {
    const ALL: [Scenario; 8] = [
        Self::Put,
        Self::ChangePassword,
        Self::Rotate,
        Self::Revoke,
        Self::EmergencyRevoke,
        Self::Destroy,
        Self::BackupCreate,
        Self::Recover,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Put => "put (file store)",
            Self::ChangePassword => "change-password (plain file)",
            Self::Rotate => "rotate",
            Self::Revoke => "revoke (no rotation)",
            Self::EmergencyRevoke => "revoke + rotate (emergency)",
            Self::Destroy => "destroy",
            Self::BackupCreate => "backup create",
            Self::Recover => "recover",
        }
    }

    fn parse(text: &str) -> Self {
        *Self::ALL
            .iter()
            .find(|s| format!("{s:?}") == text)
            .unwrap_or_else(|| panic!("no scenario {text}"))
    }
}

/// The places of one scenario under `root`.
struct Paths {
    root: PathBuf,
}

impl Paths {
    fn config(&self) -> KeyringConfig {
        KeyringConfig::new(
            self.root.join("keyring.json").to_str().unwrap(),
            self.root.join("audit.jsonl"),
        )
    }
    fn store(&self) -> String {
        self.root.join("keys").to_str().unwrap().to_owned()
    }
    fn plain(&self) -> PathBuf {
        self.root.join("plain").join("cosign.key")
    }
    fn backup(&self) -> PathBuf {
        self.root.join("backup").join("keyring.age")
    }
    fn target(&self) -> KeyringConfig {
        KeyringConfig::new(
            self.root
                .join("restored")
                .join("keyring.json")
                .to_str()
                .unwrap(),
            self.root.join("restored").join("audit.jsonl"),
        )
    }
    fn target_store(&self) -> String {
        self.root.join("restored-keys").to_str().unwrap().to_owned()
    }
}

fn now() -> Timestamp {
    t("2027-01-02T00:00:00Z")
}

fn incident() -> Compromise {
    Compromise {
        reason: "fault matrix".into(),
        incident: "INC-FM".into(),
    }
}

fn cheap() -> ScryptParams {
    ScryptParams::new(10, 8, 1).unwrap()
}

fn backup_options() -> BackupOptions {
    let mut options = BackupOptions::default();
    options.work_factor = Some(10);
    options.overwrite = true;
    options
}

fn recovery_options(paths: &Paths) -> RecoveryOptions {
    let mut options = RecoveryOptions::default();
    options.overwrite = true;
    options.store_map = vec![(paths.store(), paths.target_store())];
    options
}

/// Builds the scenario's starting state in `paths.root` (empty).
fn setup(scenario: Scenario, paths: &Paths) {
    std::fs::create_dir_all(paths.root.join("backup")).unwrap();
    let keyring = Keyring::open(paths.config()).unwrap();
    keyring
        .rotate(
            &new_key(&paths.store()),
            &alice(),
            t("2026-01-01T00:00:00Z"),
        )
        .unwrap();
    match scenario {
        Scenario::ChangePassword => {
            let key = PrivateKey::generate(Algorithm::EcdsaP256).unwrap();
            let sealed = key.encrypt_with(&password(), cheap()).unwrap();
            std::fs::create_dir_all(paths.plain().parent().unwrap()).unwrap();
            write_atomic(
                &paths.plain(),
                sealed.to_pem().as_bytes(),
                PRIVATE_FILE_MODE,
                Overwrite::No,
            )
            .unwrap();
        }
        Scenario::Destroy => {
            keyring
                .rotate(
                    &new_key(&paths.store()),
                    &alice(),
                    t("2026-06-01T00:00:00Z"),
                )
                .unwrap();
            keyring
                .revoke("1", &incident(), &alice(), t("2026-07-01T00:00:00Z"))
                .unwrap();
        }
        Scenario::Recover => {
            backup::create(
                &keyring,
                &paths.backup(),
                &BackupSecret::Passphrase(Password::from(BACKUP_PASSPHRASE)),
                &backup_options(),
                &alice(),
                t("2026-02-01T00:00:00Z"),
            )
            .unwrap();
        }
        _ => {}
    }
}

/// The operation under test (in the child, faulted; in the parent, the rerun).
fn operation(scenario: Scenario, paths: &Paths) -> cosign_keys::Result<()> {
    let keyring = || Keyring::open(paths.config());
    match scenario {
        Scenario::Put => {
            put_new_version(&paths.store())?;
        }
        Scenario::ChangePassword => {
            let original = std::fs::read(paths.plain()).map_err(|e| cosign_keys::Error::Io {
                path: paths.plain(),
                source: e,
            })?;
            let locked = EncryptedPrivateKey::from_pem(&original)?;
            let unlocked = match locked.decrypt(&password()) {
                Ok(key) => key,
                // An interrupted change that got as far as the rename: done.
                Err(_) if locked.decrypt(&Password::from(NEW_PASSWORD)).is_ok() => return Ok(()),
                Err(e) => return Err(e),
            };
            let resealed =
                unlocked.encrypt_with(&Password::from(NEW_PASSWORD), locked.scrypt_params())?;
            replace_if_unchanged(
                &paths.plain(),
                &original,
                resealed.to_pem().as_bytes(),
                PRIVATE_FILE_MODE,
            )?;
        }
        Scenario::Rotate => {
            keyring()?.rotate(&new_key(&paths.store()), &alice(), now())?;
        }
        // A revocation that got as far as recording the key compromised is
        // done (its audit records, if the log could not take them, are queued
        // in the manifest): the operator's rerun finds the key compromised and
        // only rotates if no key is active yet.
        Scenario::Revoke if key_one_compromised(&keyring()?)?.is_some() => {}
        Scenario::EmergencyRevoke if key_one_compromised(&keyring()?)? == Some(true) => {}
        Scenario::EmergencyRevoke if key_one_compromised(&keyring()?)? == Some(false) => {
            keyring()?.rotate(&new_key(&paths.store()), &alice(), now())?;
        }
        Scenario::Revoke => {
            keyring()?.revoke("1", &incident(), &alice(), now())?;
        }
        Scenario::EmergencyRevoke => {
            keyring()?.emergency_rotate(
                "1",
                &incident(),
                &new_key(&paths.store()),
                &alice(),
                now(),
            )?;
        }
        Scenario::Destroy => {
            let (manifest, _) = keyring()?.manifest()?.expect("a keyring");
            let done = manifest.pending.is_none()
                && manifest
                    .keys
                    .iter()
                    .any(|k| k.id == 1 && k.state == KeyState::Destroyed);
            if !done {
                keyring()?.destroy("1", &alice(), now())?;
            }
        }
        Scenario::BackupCreate => {
            backup::create(
                &keyring()?,
                &paths.backup(),
                &BackupSecret::Passphrase(Password::from(BACKUP_PASSPHRASE)),
                &backup_options(),
                &alice(),
                now(),
            )?;
        }
        Scenario::Recover => {
            let bytes = std::fs::read(paths.backup()).unwrap();
            backup::recover(
                &bytes,
                &RecoverySecret::Passphrase(Password::from(BACKUP_PASSPHRASE)),
                &paths.target(),
                &recovery_options(paths),
                &alice(),
                now(),
            )?;
        }
    }
    Ok(())
}

/// `None` if key #1 is not compromised (or an operation is pending); else whether a key is active.
fn key_one_compromised(keyring: &Keyring) -> cosign_keys::Result<Option<bool>> {
    let Some((manifest, _)) = keyring.manifest()? else {
        return Ok(None);
    };
    if manifest.pending.is_some() {
        // Interrupted: the operation itself resumes it.
        return Ok(None);
    }
    let compromised = manifest
        .keys
        .iter()
        .any(|k| k.id == 1 && k.state == KeyState::Compromised);
    Ok(compromised.then(|| manifest.active().is_some()))
}

/// In a child: run the scenario's operation once and exit 0 (done) or 3
/// (it returned an error, printed on stderr).
fn child(spec: &str) -> ! {
    let (scenario, root) = spec.split_once('\t').expect("scenario<TAB>root");
    let paths = Paths {
        root: PathBuf::from(root),
    };
    match operation(Scenario::parse(scenario), &paths) {
        Ok(()) => std::process::exit(0),
        Err(e) => {
            eprintln!("{e} [{:?}]", e.code());
            std::process::exit(3)
        }
    }
}

/// How a faulted child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Completed,
    Failed,
    Killed,
}

fn run_child(scenario: Scenario, root: &Path, fault: &str, count_file: &Path) -> (Outcome, String) {
    let out = Command::new(std::env::current_exe().unwrap())
        .env(CHILD_ENV, format!("{scenario:?}\t{}", root.display()))
        .env(FAULT_ENV, fault)
        .env(COUNT_FILE_ENV, count_file)
        .env_remove(TMPFS_ENV)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (outcome(out.status, &stderr, fault), stderr)
}

fn outcome(status: ExitStatus, stderr: &str, fault: &str) -> Outcome {
    match (status.code(), status.signal()) {
        (Some(0), _) => Outcome::Completed,
        (Some(3), _) => Outcome::Failed,
        // SIGABRT: the injected kill.
        (_, Some(6)) => Outcome::Killed,
        _ => panic!("{fault}: the child ended with {status} (a panic?): {stderr}"),
    }
}

fn sh(args: &[&str]) {
    let status = Command::new(args[0]).args(&args[1..]).status().unwrap();
    assert!(status.success(), "{args:?}: {status}");
}

/// Replaces `to` with a copy of `from` (links, modes and all).
fn copy_tree(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    sh(&["cp", "-a", from.to_str().unwrap(), to.to_str().unwrap()]);
}

/// Every key in the manifest that is not destroyed must decrypt with its
/// password, sign, verify with the recorded public key and have the
/// recorded fingerprint. Returns the manifest.
fn keys_usable(config: &KeyringConfig, what: &str) -> Option<Manifest> {
    let keyring = Keyring::open(config.clone()).unwrap();
    let (manifest, _) = keyring
        .manifest()
        .unwrap_or_else(|e| panic!("{what}: {e}"))?;
    manifest
        .validate()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    for key in &manifest.keys {
        if key.state == KeyState::Destroyed {
            continue;
        }
        // Being destroyed (the destroy scenario's key #1): its store may
        // already hold only the proof that it was.
        if key.state == KeyState::Compromised && what.starts_with("Destroy") {
            let KeyLocation::Store { uri, version } = &key.location else {
                continue;
            };
            if matches!(
                Store::open(uri).and_then(|s| s.get(Some(*version))),
                Err(cosign_keys::Error::NotFound { .. })
            ) {
                continue;
            }
        }
        key_usable(key, what);
    }
    Some(manifest)
}

fn key_usable(key: &KeyRecord, what: &str) {
    let KeyLocation::Store { uri, version } = &key.location else {
        panic!("{what}: key #{} is not in a store", key.id);
    };
    let stored = Store::open(uri)
        .and_then(|s| s.get(Some(*version)))
        .unwrap_or_else(|e| panic!("{what}: key #{} lost: {e}", key.id));
    let private = stored
        .private_key
        .decrypt(&password())
        .unwrap_or_else(|e| panic!("{what}: key #{} does not decrypt: {e}", key.id));
    assert_eq!(
        private.fingerprint(),
        key.fingerprint,
        "{what}: key #{} is another key",
        key.id
    );
    let sig = private.sign(b"an artifact").unwrap();
    PublicKey::from_pem(key.public_key.as_bytes())
        .unwrap()
        .verify(b"an artifact", &sig)
        .unwrap_or_else(|e| panic!("{what}: key #{} signature: {e}", key.id));
}

/// cosign.key and cosign.pub of a file store: both absent, or one pair (or
/// the public half alone while a first pair is being linked).
fn one_pair(store: &Path, what: &str) {
    let (key, public) = (store.join("cosign.key"), store.join("cosign.pub"));
    match (std::fs::read(&key), std::fs::read(&public)) {
        (Err(_), Err(_)) => {}
        (Ok(k), Ok(p)) => {
            let private = EncryptedPrivateKey::from_pem(&k)
                .and_then(|e| e.decrypt(&password()))
                .unwrap_or_else(|e| panic!("{what}: {} does not decrypt: {e}", key.display()));
            let public = PublicKey::from_pem(&p).unwrap();
            assert_eq!(
                private.fingerprint(),
                public.fingerprint(),
                "{what}: cosign.key and cosign.pub are not one pair"
            );
        }
        // The store's designed in-between state when no earlier pair is
        // there: the public name first, then the key (never a key beside
        // another key's public half).
        (Err(_), Ok(_)) => {}
        (k, p) => panic!(
            "{what}: only one of cosign.key ({}) and cosign.pub ({}) is there",
            k.is_ok(),
            p.is_ok()
        ),
    }
}

/// The plain key file decrypts with the old or the new password, and is
/// the same key; returns whether the new password opens it.
fn plain_usable(paths: &Paths, fingerprint: &str, what: &str) -> bool {
    let pem = std::fs::read(paths.plain()).unwrap_or_else(|e| panic!("{what}: plain key: {e}"));
    let locked = EncryptedPrivateKey::from_pem(&pem).unwrap_or_else(|e| panic!("{what}: {e}"));
    let (key, new) = match locked.decrypt(&password()) {
        Ok(key) => (key, false),
        Err(_) => (
            locked
                .decrypt(&Password::from(NEW_PASSWORD))
                .unwrap_or_else(|e| panic!("{what}: neither password opens the key: {e}")),
            true,
        ),
    };
    assert_eq!(key.fingerprint().to_string(), fingerprint, "{what}");
    key.sign(b"x").unwrap();
    new
}

/// The invariants after any fault (and after the rerun).
fn invariants(scenario: Scenario, paths: &Paths, plain_fp: &str, what: &str) {
    let manifest = keys_usable(&paths.config(), what).expect("the keyring is there");
    // The previously active key (#1; #2 for destroy) is still recorded.
    let previous = if scenario == Scenario::Destroy { 2 } else { 1 };
    assert!(
        manifest.keys.iter().any(|k| k.id == previous),
        "{what}: key #{previous} is gone from the manifest"
    );
    one_pair(Path::new(&paths.store()), what);
    one_pair(Path::new(&paths.target_store()), what);
    if scenario == Scenario::ChangePassword {
        plain_usable(paths, plain_fp, what);
    }
    if scenario == Scenario::Recover {
        // Whatever of the target is there holds usable keys.
        let _ = keys_usable(&paths.target(), &format!("{what} (recovered)"));
    }
}

/// An emergency revocation succeeds now: of the newest key not already
/// compromised or destroyed (or of key #1 again when all are).
fn revocation_possible(paths: &Paths, what: &str) {
    let keyring = Keyring::open(paths.config()).unwrap();
    let (manifest, _) = keyring.manifest().unwrap().unwrap();
    let Some(target) = manifest
        .keys
        .iter()
        .rev()
        .find(|k| !matches!(k.state, KeyState::Compromised | KeyState::Destroyed))
        .map(|k| k.id)
    else {
        // Every key is revoked already (the faulted operation got that far).
        assert!(manifest
            .keys
            .iter()
            .any(|k| k.id == 1 && k.state == KeyState::Compromised));
        return;
    };
    keyring
        .revoke(&target.to_string(), &incident(), &alice(), now())
        .unwrap_or_else(|e| panic!("{what}: emergency revocation of #{target} blocked: {e}"));
    let (manifest, _) = keyring.manifest().unwrap().unwrap();
    assert!(
        manifest
            .keys
            .iter()
            .any(|k| k.id == target && k.state == KeyState::Compromised),
        "{what}: #{target} is not recorded compromised"
    );
}

/// No temporary file of a killed writer is left anywhere under `dir`.
fn no_temp_files(dir: &Path, what: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(
            !name.contains(".tmp-"),
            "{what}: {} was left behind",
            entry.path().display()
        );
        if entry.file_type().unwrap().is_dir() {
            no_temp_files(&entry.path(), what);
        }
    }
}

/// After the rerun: the operation's effect is there.
fn completed(
    scenario: Scenario,
    paths: &Paths,
    plain_fp: &str,
    versions_before: usize,
    what: &str,
) {
    let keyring = Keyring::open(paths.config()).unwrap();
    let (manifest, _) = keyring.manifest().unwrap().unwrap();
    let state = |id: u32| manifest.keys.iter().find(|k| k.id == id).map(|k| k.state);
    match scenario {
        Scenario::Put => {
            let store = Store::open(&paths.store()).unwrap();
            let versions = store.versions().unwrap();
            assert!(versions.len() > versions_before, "{what}: no new version");
            store
                .get(None)
                .unwrap()
                .private_key
                .decrypt(&password())
                .unwrap();
        }
        Scenario::ChangePassword => {
            assert!(plain_usable(paths, plain_fp, what), "{what}: old password");
        }
        Scenario::Rotate => {
            assert!(manifest.pending.is_none(), "{what}");
            // A fault after the rotation completed: the rerun is another one.
            assert!(manifest.active().unwrap().id >= 2, "{what}");
            assert_eq!(state(1), Some(KeyState::Deactivated), "{what}");
            names_hold_the_active_key(paths, &manifest, what);
        }
        Scenario::Revoke => {
            assert!(manifest.pending.is_none(), "{what}");
            assert_eq!(state(1), Some(KeyState::Compromised), "{what}");
        }
        Scenario::EmergencyRevoke => {
            assert!(manifest.pending.is_none(), "{what}");
            assert_eq!(state(1), Some(KeyState::Compromised), "{what}");
            assert!(manifest.active().unwrap().id >= 2, "{what}");
            names_hold_the_active_key(paths, &manifest, what);
        }
        Scenario::Destroy => {
            assert!(manifest.pending.is_none(), "{what}");
            assert_eq!(state(1), Some(KeyState::Destroyed), "{what}");
        }
        Scenario::BackupCreate => {
            assert!(paths.backup().exists(), "{what}: no backup");
        }
        Scenario::Recover => {
            let restored = keys_usable(&paths.target(), what).expect("recovered keyring");
            assert_eq!(restored.keys.len(), manifest.keys.len(), "{what}");
        }
    }
    keyring
        .audit_log()
        .verify(None)
        .unwrap_or_else(|e| panic!("{what}: audit log: {e}"));
    // What killed writers left is tidied by the next writer of that place:
    // the rerun wrote the keyring (or the plain file, the backup); a rerun
    // that only reads a store (a resumed rotation adopts the version its
    // first attempt put there) leaves the store's to its next writer.
    for store in [paths.store(), paths.target_store()] {
        if Path::new(&store).exists() {
            put_new_version(&store).unwrap_or_else(|e| panic!("{what}: next put: {e}"));
        }
    }
    no_temp_files(&paths.root, what);
}

/// After a completed rotation, the store's cosign.pub (what `cosign
/// verify --key` reads) is the active key's, not the one it replaced (a
/// rerun that adopted the new version must finish the store's renames).
fn names_hold_the_active_key(paths: &Paths, manifest: &Manifest, what: &str) {
    let public = Path::new(&paths.store()).join("cosign.pub");
    let pem = std::fs::read(&public).unwrap_or_else(|e| panic!("{what}: cosign.pub: {e}"));
    assert_eq!(
        PublicKey::from_pem(&pem).unwrap().fingerprint(),
        manifest.active().unwrap().fingerprint,
        "{what}: cosign.pub is not the active key's"
    );
}

fn put_new_version(store: &str) -> cosign_keys::Result<u64> {
    let key = PrivateKey::generate(Algorithm::EcdsaP256)?;
    let record = KeyPairRecord {
        private_key: key.encrypt_with(&password(), cheap())?,
        public_key: key.public_key().clone(),
        password: None,
        metadata: KeyMetadata::new(key.public_key(), "fault-matrix"),
    };
    let options = PutOptions {
        overwrite: true,
        expected_version: None,
    };
    Store::open(store)?.put(record, &options)
}

fn plain_fingerprint(scenario: Scenario, paths: &Paths) -> String {
    if scenario != Scenario::ChangePassword {
        return String::new();
    }
    let pem = std::fs::read(paths.plain()).unwrap();
    EncryptedPrivateKey::from_pem(&pem)
        .unwrap()
        .decrypt(&password())
        .unwrap()
        .fingerprint()
        .to_string()
}

fn store_versions(paths: &Paths) -> usize {
    Store::open(&paths.store())
        .and_then(|s| s.versions())
        .map_or(0, |v| v.len())
}

#[derive(Default)]
struct Row {
    steps: u64,
    runs: [u32; 3],
    passed: [u32; 3],
    /// How the faulted children ended: completed, failed, killed.
    ends: [u32; 3],
}

fn matrix(scenario: Scenario, base: &Path) -> Row {
    let root = base.join(format!("{scenario:?}"));
    let paths = Paths { root: root.clone() };
    let pristine = base.join(format!("{scenario:?}.pristine"));
    let faulted = base.join(format!("{scenario:?}.faulted"));
    let count_file = base.join(format!("{scenario:?}.count"));
    setup(scenario, &paths);
    copy_tree(&root, &pristine);
    let plain_fp = plain_fingerprint(scenario, &paths);
    let versions_before = store_versions(&paths);

    let (counted, err) = run_child(scenario, &root, "count", &count_file);
    assert_eq!(counted, Outcome::Completed, "{scenario:?} (count): {err}");
    let steps: u64 = std::fs::read_to_string(&count_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(steps > 0, "{scenario:?}: no write step was counted");
    completed(
        scenario,
        &paths,
        &plain_fp,
        versions_before,
        &format!("{scenario:?} count"),
    );

    let mut row = Row {
        steps,
        ..Row::default()
    };
    for n in 1..=steps {
        for (k, kind) in KINDS.iter().enumerate() {
            let fault = format!("{kind}@{n}");
            let what = format!("{scenario:?} {fault}");
            copy_tree(&pristine, &root);
            row.runs[k] += 1;
            let (end, _) = run_child(scenario, &root, &fault, &count_file);
            row.ends[end as usize] += 1;
            if *kind == "kill" {
                assert_eq!(end, Outcome::Killed, "{what}: the kill did not happen");
            }
            invariants(scenario, &paths, &plain_fp, &what);
            // Emergency revocation right after the failure, on a copy of
            // what the failure left (same paths), then back to that state.
            copy_tree(&root, &faulted);
            revocation_possible(&paths, &what);
            std::fs::remove_dir_all(&root).unwrap();
            std::fs::rename(&faulted, &root).unwrap();
            // The rerun completes.
            operation(scenario, &paths).unwrap_or_else(|e| panic!("{what}: rerun: {e}"));
            invariants(scenario, &paths, &plain_fp, &format!("{what} rerun"));
            completed(
                scenario,
                &paths,
                &plain_fp,
                versions_before,
                &format!("{what} rerun"),
            );
            row.passed[k] += 1;
        }
    }
    let _ = std::fs::remove_dir_all(&root);
    let _ = std::fs::remove_dir_all(&pristine);
    let _ = std::fs::remove_file(&count_file);
    row
}

/// The tmpfs part, run inside `unshare -rm` with the tmpfs mounted at
/// `mount`: per scenario, fill the disk, run the operation (a genuine
/// ENOSPC), check, release, rerun, check.
fn tmpfs_part(mount: &Path) {
    println!("\nreal full disk (tmpfs at {}):", mount.display());
    println!(
        "{:<30} {:>14} {:>10}",
        "scenario", "full-disk runs", "passed"
    );
    for scenario in Scenario::ALL {
        let base = mount.join("work");
        std::fs::create_dir_all(&base).unwrap();
        let root = base.join(format!("{scenario:?}"));
        let paths = Paths { root: root.clone() };
        setup(scenario, &paths);
        let plain_fp = plain_fingerprint(scenario, &paths);
        let versions_before = store_versions(&paths);
        let filler = mount.join("filler");
        // Fill the disk, leaving `slack` bytes, at several sizes so the
        // operation runs out at different points.
        let mut runs = 0;
        for slack in [0u64, 4096, 16384] {
            let what = format!("{scenario:?} tmpfs slack {slack}");
            let pristine = mount.join("pristine");
            copy_tree(&root, &pristine);
            fill(&filler, slack);
            let result = operation(scenario, &paths);
            let full = matches!(&result, Err(e) if e.to_string().contains("space") || e.to_string().contains("ENOSPC") || e.to_string().contains("os error 28"));
            if slack == 0 {
                assert!(
                    full,
                    "{what}: expected ENOSPC, got {:?}",
                    result.err().map(|e| e.to_string())
                );
            }
            std::fs::remove_file(&filler).unwrap();
            invariants(scenario, &paths, &plain_fp, &what);
            // Revocation is possible once space is back (a manifest cannot
            // be saved on a full disk; the audit log need not be).
            let faulted = mount.join("faulted");
            copy_tree(&root, &faulted);
            revocation_possible(&paths, &what);
            std::fs::remove_dir_all(&root).unwrap();
            std::fs::rename(&faulted, &root).unwrap();
            operation(scenario, &paths).unwrap_or_else(|e| panic!("{what}: rerun: {e}"));
            invariants(scenario, &paths, &plain_fp, &format!("{what} rerun"));
            completed(
                scenario,
                &paths,
                &plain_fp,
                versions_before,
                &format!("{what} rerun"),
            );
            copy_tree(&pristine, &root);
            std::fs::remove_dir_all(&pristine).unwrap();
            runs += 1;
        }
        println!("{:<30} {:>14} {:>10}", scenario.name(), runs, runs);
        std::fs::remove_dir_all(&base).unwrap();
    }
}

/// Fills the file system of `mount` with `filler` until `slack` bytes are left.
fn fill(filler: &Path, slack: u64) {
    use std::io::Write;
    let mut file = std::fs::File::create(filler).unwrap();
    let chunk = vec![0u8; 4096];
    loop {
        if file.write_all(&chunk).is_err() {
            break;
        }
    }
    let _ = file.sync_all();
    let len = file.metadata().unwrap().len();
    file.set_len(len.saturating_sub(slack)).unwrap();
}

fn tmpfs(base: &Path) {
    let required = std::env::var(REQUIRE_TMPFS).is_ok_and(|v| v == "1");
    let mount = base.join("tmpfs");
    std::fs::create_dir_all(&mount).unwrap();
    let script = format!(
        "mount -t tmpfs -o size=2m,mode=0700 tmpfs '{}' && exec \"$0\"",
        mount.display()
    );
    let out = Command::new("unshare")
        .args(["-rm", "sh", "-c", &script])
        .arg(std::env::current_exe().unwrap())
        .env(TMPFS_ENV, &mount)
        .output();
    match out {
        Ok(out) if out.status.success() => {
            print!("{}", String::from_utf8_lossy(&out.stdout));
        }
        Ok(out) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let stdout = String::from_utf8_lossy(&out.stdout);
            let mounted = stdout.contains("real full disk");
            if mounted || required {
                panic!("tmpfs part failed ({}):\n{stdout}\n{stderr}", out.status);
            }
            println!(
                "SKIP tmpfs part: could not mount a tmpfs ({}); set {REQUIRE_TMPFS}=1 to fail instead",
                stderr.trim()
            );
        }
        Err(e) if !required => {
            println!(
                "SKIP tmpfs part: cannot run unshare ({e}); set {REQUIRE_TMPFS}=1 to fail instead"
            );
        }
        Err(e) => panic!("tmpfs part: cannot run unshare: {e}"),
    }
}

fn main() {
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        child(&spec);
    }
    if let Some(mount) = std::env::var_os(TMPFS_ENV) {
        tmpfs_part(Path::new(&mount));
        return;
    }
    let only = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(|a| a.to_lowercase());
    let started = Instant::now();
    let base = std::env::temp_dir().join(format!("ck-fault-matrix-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    let mut rows = Vec::new();
    for scenario in Scenario::ALL {
        if only
            .as_ref()
            .is_some_and(|o| !format!("{scenario:?}").to_lowercase().contains(o))
        {
            continue;
        }
        let t0 = Instant::now();
        let row = matrix(scenario, &base);
        println!(
            "{:<30} {} steps, {:.1} s",
            scenario.name(),
            row.steps,
            t0.elapsed().as_secs_f64()
        );
        rows.push((scenario, row));
    }
    println!("\nfault matrix (kill / ENOSPC / EIO at every write step):");
    println!(
        "{:<30} {:>5} {:>16} {:>16} {:>22}",
        "scenario", "steps", "runs k/nospc/eio", "passed", "child done/failed/killed"
    );
    let mut total = (0, 0);
    for (scenario, row) in &rows {
        let runs: u32 = row.runs.iter().sum();
        let passed: u32 = row.passed.iter().sum();
        total.0 += runs;
        total.1 += passed;
        println!(
            "{:<30} {:>5} {:>16} {:>16} {:>22}",
            scenario.name(),
            row.steps,
            format!("{}/{}/{}", row.runs[0], row.runs[1], row.runs[2]),
            format!("{}/{}/{}", row.passed[0], row.passed[1], row.passed[2]),
            format!("{}/{}/{}", row.ends[0], row.ends[1], row.ends[2]),
        );
    }
    println!(
        "total: {} runs, {} passed, {:.1} s",
        total.0,
        total.1,
        started.elapsed().as_secs_f64()
    );
    assert_eq!(total.0, total.1);
    if only.is_none() {
        tmpfs(&base);
    }
    let _ = std::fs::remove_dir_all(&base);
}
