//! The file store (`file://`, plain directories): layout and modes, no
//! silent overwrite, versions, check-and-set under concurrent writers, crash
//! safety (injected crashes at every rename), refused writes on a read-only
//! directory and a read-only file system, secure delete, and the round trip
//! generate -> put -> get -> decrypt -> sign -> verify.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Barrier};

use cosign_keys::fs::failpoint;
use cosign_keys::store::blocking::Store;
use cosign_keys::store::{DeleteMode, KeyMetadata, KeyPairRecord, PutOptions, VersionState};
use cosign_keys::{Algorithm, Error, ErrorCode, Password, PrivateKey, ScryptParams};

const PASSWORD: &str = "correct horse";

/// A fresh directory (its path, and the `tempfile` guard that removes it).
struct TempDir(PathBuf, #[allow(dead_code)] tempfile::TempDir);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix(&format!("ck-fstore-{name}-"))
            .tempdir()
            .unwrap();
        Self(dir.path().to_path_buf(), dir)
    }
    fn path(&self) -> &Path {
        &self.0
    }
    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
    fn uri(&self) -> String {
        format!("file://{}", self.0.display())
    }
}

impl Drop for TempDir {
    /// Tests leave read-only directories behind: open them up so the
    /// `tempfile` guard can remove the tree.
    fn drop(&mut self) {
        make_writable(&self.0);
    }
}

fn make_writable(dir: &Path) {
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755));
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                make_writable(&entry.path());
            }
        }
    }
}

/// A fresh key and its record, sealed with a cheap scrypt cost (tests only).
fn record(created_by: &str) -> (PrivateKey, KeyPairRecord) {
    let key = PrivateKey::generate(Algorithm::EcdsaP256).unwrap();
    let sealed = key
        .encrypt_with(
            &Password::from(PASSWORD),
            ScryptParams::new(10, 8, 1).unwrap(),
        )
        .unwrap();
    let record = KeyPairRecord {
        private_key: sealed,
        public_key: key.public_key().clone(),
        password: None,
        metadata: KeyMetadata::new(key.public_key(), created_by),
    };
    (key, record)
}

fn overwrite() -> PutOptions {
    PutOptions {
        overwrite: true,
        expected_version: None,
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Every file under `dir`, relative, sorted (to compare whole trees).
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_symlink() {
                let rel = path.strip_prefix(base).unwrap().display().to_string();
                let target = std::fs::read_link(&path).unwrap();
                out.push((rel, format!("-> {}", target.display()).into_bytes()));
            } else if path.is_dir() {
                walk(base, &path, out);
            } else {
                let rel = path.strip_prefix(base).unwrap().display().to_string();
                out.push((rel, std::fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn temp_files(dir: &Path) -> Vec<String> {
    tree(dir)
        .into_iter()
        .map(|(name, _)| name)
        .filter(|name| name.contains(".tmp-"))
        .collect()
}

/// Makes `write_atomic` panic ("crash") just before it renames onto `target`.
fn crash_before_rename(target: PathBuf) -> failpoint::Guard {
    // One line per simulated crash instead of a backtrace; real panics keep
    // the default report.
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let simulated = info
                .payload()
                .downcast_ref::<String>()
                .is_some_and(|m| m.starts_with("simulated crash"));
            if simulated {
                eprintln!(
                    "(expected) {}",
                    info.payload().downcast_ref::<String>().unwrap()
                );
            } else {
                default(info);
            }
        }));
    });
    failpoint::on_before_rename(move |path| {
        if path == target {
            panic!("simulated crash before renaming onto {}", path.display());
        }
    })
}

#[test]
fn round_trip_with_identical_fingerprints_everywhere() {
    let d = TempDir::new("roundtrip");
    let store = Store::open(&d.uri()).unwrap();
    let (key, rec) = record("alice");
    let fp = key.fingerprint();
    assert_eq!(store.put(rec, &PutOptions::default()).unwrap(), 1);

    let stored = store.get(None).unwrap();
    assert_eq!(stored.version, 1);
    assert!(stored.password.is_none());
    let unlocked = stored
        .private_key
        .decrypt(&Password::from(PASSWORD))
        .unwrap();
    let signature = unlocked.sign(b"artifact").unwrap();
    let public = store.get_public(None).unwrap();
    public.public_key.verify(b"artifact", &signature).unwrap();

    assert_eq!(unlocked.fingerprint(), fp);
    assert_eq!(stored.public_key.fingerprint(), fp);
    assert_eq!(stored.metadata.fingerprint, fp);
    assert_eq!(public.metadata.fingerprint, fp);
    assert_eq!(public.public_key.fingerprint(), fp);
    assert_eq!(store.versions().unwrap()[0].fingerprint, Some(fp));
    assert_eq!(stored.metadata.created_by, "alice");
    assert_eq!(stored.metadata.algorithm, Algorithm::EcdsaP256);

    // cosign's names hold the pair, so `cosign sign-blob --key dir/cosign.key` works.
    assert_eq!(
        std::fs::read_to_string(d.join("cosign.key")).unwrap(),
        stored.private_key.to_pem()
    );
    assert_eq!(
        std::fs::read_to_string(d.join("cosign.pub")).unwrap(),
        key.public_key().to_pem()
    );

    // The sidecar is the documented format.
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("cosign.meta.json")).unwrap()).unwrap();
    assert_eq!(meta["format"], "cosign-keys-file-store");
    assert_eq!(meta["format_version"], 1);
    assert_eq!(meta["current_version"], 1);
    let v1 = &meta["versions"][0];
    assert_eq!(v1["version"], 1);
    assert_eq!(v1["state"], "live");
    assert_eq!(v1["fingerprint"], fp.to_string());
    assert_eq!(v1["algorithm"], "ecdsa-p256");
    assert_eq!(v1["created_by"], "alice");
    let created = v1["created_at"].as_str().unwrap();
    assert!(created.ends_with('Z') && created.len() >= 20, "{created}");
}

#[test]
fn files_get_private_and_public_modes() {
    let d = TempDir::new("modes");
    let store = Store::open(&format!("{}?prefix=release", d.uri())).unwrap();
    store.put(record("ci").1, &PutOptions::default()).unwrap();
    store.put(record("ci").1, &overwrite()).unwrap();
    assert_eq!(mode(&d.join("release.key")), 0o600);
    assert_eq!(mode(&d.join("release.pub")), 0o644);
    assert_eq!(mode(&d.join("release.meta.json")), 0o644);
    for v in ["1", "2"] {
        let dir = d.join(".release.versions").join(v);
        assert_eq!(mode(&dir.join("release.key")), 0o600);
        assert_eq!(mode(&dir.join("release.pub")), 0o644);
    }
    assert!(!d.join("cosign.key").exists());
}

#[test]
fn nothing_is_overwritten_unless_asked() {
    let d = TempDir::new("noclobber");
    let store = Store::open(&d.uri()).unwrap();
    let (first, rec) = record("a");
    store.put(rec, &PutOptions::default()).unwrap();
    let before = tree(d.path());

    let err = store
        .put(record("b").1, &PutOptions::default())
        .err()
        .unwrap();
    assert_eq!(err.code(), ErrorCode::AlreadyExists, "{err}");
    assert!(err.to_string().contains("cosign.key"), "{err}");
    assert_eq!(tree(d.path()), before);
    assert_eq!(
        store.get(None).unwrap().public_key.fingerprint(),
        first.fingerprint()
    );

    // A pair written by cosign (no index) is protected the same way.
    let c = TempDir::new("noclobber-cosign");
    let (k, r) = record("x");
    std::fs::write(c.join("cosign.key"), r.private_key.to_pem()).unwrap();
    std::fs::write(c.join("cosign.pub"), k.public_key().to_pem()).unwrap();
    let before = tree(c.path());
    let store = Store::open(c.path().to_str().unwrap()).unwrap();
    let err = store
        .put(record("y").1, &PutOptions::default())
        .err()
        .unwrap();
    assert_eq!(err.code(), ErrorCode::AlreadyExists);
    assert_eq!(tree(c.path()), before);
}

#[test]
fn every_version_is_kept_and_readable() {
    let d = TempDir::new("versions");
    let store = Store::open(&d.uri()).unwrap();
    let mut keys = Vec::new();
    for i in 1..=3u64 {
        let (key, mut rec) = record(&format!("user{i}"));
        rec.metadata
            .labels
            .insert("ticket".into(), format!("SEC-{i}"));
        let options = if i == 1 {
            PutOptions::default()
        } else {
            overwrite()
        };
        assert_eq!(store.put(rec, &options).unwrap(), i);
        keys.push(key);
    }
    let versions = store.versions().unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    for (info, key) in versions.iter().zip(&keys) {
        assert_eq!(info.fingerprint, Some(key.fingerprint()));
        assert_eq!(info.state, VersionState::Live);
        assert!(info.created_at.is_some());
    }
    for (i, key) in keys.iter().enumerate() {
        let v = i as u64 + 1;
        let got = store.get(Some(v)).unwrap();
        assert_eq!(got.version, v);
        assert_eq!(
            got.private_key
                .decrypt(&Password::from(PASSWORD))
                .unwrap()
                .fingerprint(),
            key.fingerprint()
        );
        assert_eq!(got.metadata.created_by, format!("user{v}"));
        assert_eq!(got.metadata.labels["ticket"], format!("SEC-{v}"));
        assert_eq!(
            store.get_public(Some(v)).unwrap().public_key,
            *key.public_key()
        );
    }
    // The latest is the default, and what cosign sees.
    assert_eq!(store.get(None).unwrap().version, 3);
    assert_eq!(
        std::fs::read_to_string(d.join("cosign.pub")).unwrap(),
        keys[2].public_key().to_pem()
    );
    let err = store.get(Some(4)).err().unwrap();
    assert_eq!(err.code(), ErrorCode::NotFound);
    assert!(err.to_string().contains("version 4"), "{err}");
}

#[test]
fn metadata_round_trips_exactly() {
    let d = TempDir::new("meta");
    let store = Store::open(&d.uri()).unwrap();
    let (_, mut rec) = record("release-bot");
    rec.metadata.labels.insert("team".into(), "aibox".into());
    let expected = rec.metadata.clone();
    store.put(rec, &PutOptions::default()).unwrap();
    assert_eq!(store.get(Some(1)).unwrap().metadata, expected);
    assert_eq!(store.get_public(None).unwrap().metadata, expected);
}

#[test]
fn a_stale_expected_version_is_a_conflict_and_changes_nothing() {
    let d = TempDir::new("cas");
    let store = Store::open(&d.uri()).unwrap();
    let create_only = PutOptions {
        overwrite: false,
        expected_version: Some(0),
    };
    assert_eq!(store.put(record("a").1, &create_only).unwrap(), 1);
    let before = tree(d.path());
    for expected in [0, 2, 7] {
        let err = store
            .put(
                record("b").1,
                &PutOptions {
                    overwrite: true,
                    expected_version: Some(expected),
                },
            )
            .err()
            .unwrap();
        assert!(matches!(err, Error::Conflict { .. }), "{err}");
        assert!(
            err.to_string()
                .contains(&format!("expected version {expected}")),
            "{err}"
        );
        assert_eq!(tree(d.path()), before);
    }
    let next = PutOptions {
        overwrite: true,
        expected_version: Some(1),
    };
    assert_eq!(store.put(record("c").1, &next).unwrap(), 2);
}

#[test]
fn racing_writers_with_the_same_expected_version_exactly_one_wins() {
    const WRITERS: usize = 8;
    let d = TempDir::new("race");
    let uri = d.uri();
    Store::open(&uri)
        .unwrap()
        .put(record("seed").1, &PutOptions::default())
        .unwrap();
    for round in 1..=3u64 {
        let barrier = Arc::new(Barrier::new(WRITERS));
        let handles: Vec<_> = (0..WRITERS)
            .map(|i| {
                let (barrier, uri) = (Arc::clone(&barrier), uri.clone());
                let (key, rec) = record(&format!("writer{i}"));
                std::thread::spawn(move || {
                    // Each thread opens its own store: its own lock file
                    // descriptor, as separate processes would have.
                    let store = Store::open(&uri).unwrap();
                    barrier.wait();
                    let options = PutOptions {
                        overwrite: true,
                        expected_version: Some(round),
                    };
                    (key.fingerprint(), store.put(rec, &options))
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let winners: Vec<_> = results.iter().filter(|(_, r)| r.is_ok()).collect();
        assert_eq!(winners.len(), 1, "round {round}");
        assert_eq!(*winners[0].1.as_ref().unwrap(), round + 1);
        for (_, r) in results.iter().filter(|(_, r)| r.is_err()) {
            let err = r.as_ref().err().unwrap();
            assert_eq!(err.code(), ErrorCode::Conflict, "{err}");
        }
        let store = Store::open(&uri).unwrap();
        assert_eq!(
            store.get(None).unwrap().public_key.fingerprint(),
            winners[0].0
        );
    }
    let versions = Store::open(&uri).unwrap().versions().unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
}

#[test]
fn concurrent_overwrites_lose_no_version() {
    const WRITERS: usize = 6;
    let d = TempDir::new("overwrites");
    let uri = d.uri();
    let barrier = Arc::new(Barrier::new(WRITERS));
    let handles: Vec<_> = (0..WRITERS)
        .map(|i| {
            let (barrier, uri) = (Arc::clone(&barrier), uri.clone());
            let (key, rec) = record(&format!("w{i}"));
            std::thread::spawn(move || {
                let store = Store::open(&uri).unwrap();
                barrier.wait();
                (key.fingerprint(), store.put(rec, &overwrite()).unwrap())
            })
        })
        .collect();
    let mut written: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    written.sort_by_key(|(_, v)| *v);
    assert_eq!(
        written.iter().map(|(_, v)| *v).collect::<Vec<_>>(),
        (1..=WRITERS as u64).collect::<Vec<_>>()
    );
    let store = Store::open(&uri).unwrap();
    for (fp, v) in &written {
        assert_eq!(
            store.get_public(Some(*v)).unwrap().public_key.fingerprint(),
            *fp
        );
    }
}

#[test]
fn a_crash_before_the_commit_leaves_the_previous_version() {
    for target in [
        // While writing the new version's files...
        ".cosign.versions/2/cosign.key",
        ".cosign.versions/2/cosign.pub",
        // ...or just before the index (the commit point) is replaced.
        "cosign.meta.json",
    ] {
        let d = TempDir::new("crash-before");
        let store = Store::open(&d.uri()).unwrap();
        let (first, rec) = record("a");
        store.put(rec, &PutOptions::default()).unwrap();
        let names_before = (
            std::fs::read(d.join("cosign.key")).unwrap(),
            std::fs::read(d.join("cosign.pub")).unwrap(),
            std::fs::read(d.join("cosign.meta.json")).unwrap(),
        );

        let guard = crash_before_rename(d.join(target));
        let crashed = catch_unwind(AssertUnwindSafe(|| store.put(record("b").1, &overwrite())));
        drop(guard);
        assert!(
            crashed.is_err(),
            "{target}: the injected crash did not happen"
        );

        // Everything a reader sees is the previous version, fully.
        let names_after = (
            std::fs::read(d.join("cosign.key")).unwrap(),
            std::fs::read(d.join("cosign.pub")).unwrap(),
            std::fs::read(d.join("cosign.meta.json")).unwrap(),
        );
        assert_eq!(names_after, names_before, "{target}");
        let versions = store.versions().unwrap();
        assert_eq!(versions.len(), 1, "{target}");
        let got = store.get(None).unwrap();
        assert_eq!(got.version, 1);
        assert_eq!(
            got.private_key
                .decrypt(&Password::from(PASSWORD))
                .unwrap()
                .fingerprint(),
            first.fingerprint()
        );
        // The crash left a temporary file; reads ignored it.
        assert!(!temp_files(d.path()).is_empty(), "{target}");

        // The next write cleans up and reuses the uncommitted number.
        let (second, rec) = record("c");
        assert_eq!(store.put(rec, &overwrite()).unwrap(), 2, "{target}");
        assert!(
            temp_files(d.path()).is_empty(),
            "{:?}",
            temp_files(d.path())
        );
        assert_eq!(
            store.get(None).unwrap().public_key.fingerprint(),
            second.fingerprint()
        );
        assert_eq!(
            std::fs::read_to_string(d.join("cosign.pub")).unwrap(),
            second.public_key().to_pem()
        );
    }
}

#[test]
fn a_crash_after_the_commit_keeps_both_versions_and_heals() {
    let d = TempDir::new("crash-after");
    let store = Store::open(&d.uri()).unwrap();
    let (first, rec) = record("a");
    store.put(rec, &PutOptions::default()).unwrap();
    let old_key = std::fs::read(d.join("cosign.key")).unwrap();

    // Killed just before `.cosign.current` moves to version 2.
    let (second, rec) = record("b");
    let guard = crash_before_rename(d.join(".cosign.current"));
    let crashed = catch_unwind(AssertUnwindSafe(|| store.put(rec, &overwrite())));
    drop(guard);
    assert!(crashed.is_err(), "the injected crash did not happen");

    // Version 2 is committed and readable; version 1 is intact, and the
    // cosign names still show version 1 as a whole pair.
    assert_eq!(store.get(None).unwrap().version, 2);
    assert_eq!(
        store.get(None).unwrap().public_key.fingerprint(),
        second.fingerprint()
    );
    assert_eq!(
        store.get(Some(1)).unwrap().public_key.fingerprint(),
        first.fingerprint()
    );
    assert_eq!(std::fs::read(d.join("cosign.key")).unwrap(), old_key);
    assert_eq!(pair_fingerprint(d.path()), Some(first.fingerprint()));
    assert!(!temp_files(d.path()).is_empty());

    // The next write through the store brings the names in line.
    let (third, rec) = record("c");
    assert_eq!(store.put(rec, &overwrite()).unwrap(), 3);
    assert!(temp_files(d.path()).is_empty());
    assert_eq!(
        std::fs::read_to_string(d.join("cosign.pub")).unwrap(),
        third.public_key().to_pem()
    );
    assert_eq!(
        std::fs::read_to_string(d.join("cosign.key")).unwrap(),
        store.get(Some(3)).unwrap().private_key.to_pem()
    );
}

/// The fingerprint both cosign names agree on: `None` when the private key
/// name resolves to nothing; panics if they hold two different keys.
fn pair_fingerprint(dir: &Path) -> Option<cosign_keys::Fingerprint> {
    let public = std::fs::read(dir.join("cosign.pub")).ok().map(|pem| {
        cosign_keys::PublicKey::from_pem(&pem)
            .unwrap()
            .fingerprint()
    });
    let private = std::fs::read(dir.join("cosign.key")).ok().map(|pem| {
        cosign_keys::EncryptedPrivateKey::from_pem(&pem)
            .unwrap()
            .decrypt(&Password::from(PASSWORD))
            .unwrap()
            .fingerprint()
    });
    match (private, public) {
        (Some(k), Some(p)) => {
            assert_eq!(k, p, "cosign.key and cosign.pub hold different keys");
            Some(k)
        }
        (Some(_), None) => panic!("cosign.key without cosign.pub"),
        (None, _) => None,
    }
}

/// Starting layouts for the every-step crash test.
#[derive(Debug, Clone, Copy)]
enum Start {
    /// Written by this build: links through `.cosign.current`.
    Linked,
    /// `cosign generate-key-pair` output: plain files, no index.
    Cosign,
    /// An earlier build: an index, plain copies under the cosign names.
    Copies,
}

fn start(d: &TempDir, how: Start) -> (Store, PrivateKey) {
    let store = Store::open(&d.uri()).unwrap();
    let (first, rec) = record("a");
    match how {
        Start::Linked => {
            store.put(rec, &PutOptions::default()).unwrap();
        }
        Start::Cosign => {
            write_private(&d.join("cosign.key"), rec.private_key.to_pem().as_bytes());
            std::fs::write(d.join("cosign.pub"), first.public_key().to_pem()).unwrap();
        }
        Start::Copies => {
            store.put(rec, &PutOptions::default()).unwrap();
            for name in ["cosign.key", "cosign.pub"] {
                let bytes = std::fs::read(d.join(name)).unwrap();
                std::fs::remove_file(d.join(name)).unwrap();
                write_private(&d.join(name), &bytes);
            }
            std::fs::remove_file(d.join(".cosign.current")).unwrap();
        }
    }
    (store, first)
}

fn write_private(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

#[test]
fn a_writer_killed_before_any_rename_of_a_put_leaves_one_pair() {
    // Count the renames a put makes from each starting layout, then kill a
    // put before each one in turn.
    let mut crashes = 0;
    for how in [Start::Linked, Start::Cosign, Start::Copies] {
        let steps = {
            let d = TempDir::new("count");
            let (store, _) = start(&d, how);
            let seen = Arc::new(AtomicU32::new(0));
            let counter = Arc::clone(&seen);
            let prefix = d.path().to_owned();
            let guard = failpoint::on_before_rename(move |path| {
                if path.starts_with(&prefix) {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
            });
            store.put(record("b").1, &overwrite()).unwrap();
            drop(guard);
            seen.load(Ordering::SeqCst)
        };
        assert!(steps >= 3, "{how:?}: only {steps} renames");
        for kill_at in 0..steps {
            let d = TempDir::new("every-step");
            let (store, first) = start(&d, how);
            assert_eq!(pair_fingerprint(d.path()), Some(first.fingerprint()));
            let (second, rec) = record("b");
            let seen = Arc::new(AtomicU32::new(0));
            let counter = Arc::clone(&seen);
            let prefix = d.path().to_owned();
            let _quiet = crash_before_rename(PathBuf::from("/nowhere"));
            let guard = failpoint::on_before_rename(move |path| {
                if path.starts_with(&prefix) && counter.fetch_add(1, Ordering::SeqCst) == kill_at {
                    panic!("simulated crash before renaming onto {}", path.display());
                }
            });
            let crashed = catch_unwind(AssertUnwindSafe(|| store.put(rec, &overwrite())));
            drop(guard);
            assert!(crashed.is_err(), "{how:?} step {kill_at}: no crash");
            crashes += 1;
            // Whatever the step, the names show one pair: the old or the new.
            let shown = pair_fingerprint(d.path());
            assert!(
                shown == Some(first.fingerprint()) || shown == Some(second.fingerprint()),
                "{how:?} step {kill_at}: the names show {shown:?}"
            );
            // The next writer finishes the job and tidies.
            let (third, rec) = record("c");
            store.put(rec, &overwrite()).unwrap();
            assert_eq!(
                pair_fingerprint(d.path()),
                Some(third.fingerprint()),
                "{how:?} {kill_at}"
            );
            assert!(
                temp_files(d.path()).is_empty(),
                "{how:?} {kill_at}: {:?}",
                temp_files(d.path())
            );
            assert!(std::fs::symlink_metadata(d.join("cosign.key"))
                .unwrap()
                .file_type()
                .is_symlink());
            // Every earlier version is still there and unlocks.
            for v in store.versions().unwrap() {
                let got = store.get(Some(v.version)).unwrap();
                got.private_key.decrypt(&Password::from(PASSWORD)).unwrap();
            }
        }
    }
    eprintln!("{crashes} injected crashes, every one left a matching pair");
}

#[test]
fn write_atomic_crash_leaves_the_old_file_intact() {
    use cosign_keys::fs::{write_atomic, Overwrite, PRIVATE_FILE_MODE};
    let d = TempDir::new("atomic");
    let path = d.join("cosign.key");
    write_atomic(&path, b"old contents", PRIVATE_FILE_MODE, Overwrite::No).unwrap();
    let guard = crash_before_rename(path.clone());
    let crashed =
        catch_unwind(|| write_atomic(&path, b"new contents", PRIVATE_FILE_MODE, Overwrite::Yes));
    drop(guard);
    assert!(crashed.is_err());
    assert_eq!(std::fs::read(&path).unwrap(), b"old contents");
    assert_eq!(mode(&path), 0o600);
    // The flushed temporary file is there, complete, under a hidden name.
    let leftovers = temp_files(d.path());
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    assert!(leftovers[0].starts_with(".cosign.key.tmp-"));
    assert_eq!(
        std::fs::read(d.join(&leftovers[0])).unwrap(),
        b"new contents"
    );
}

#[test]
fn leftovers_are_ignored_by_reads_and_removed_by_the_next_write() {
    let d = TempDir::new("leftovers");
    let store = Store::open(&d.uri()).unwrap();
    let (first, rec) = record("a");
    store.put(rec, &PutOptions::default()).unwrap();
    std::fs::write(d.join(".cosign.key.tmp-deadbeef0000"), b"junk").unwrap();
    std::fs::write(d.join(".cosign.meta.json.tmp-0123456789ab"), b"{").unwrap();
    std::fs::write(
        d.join(".cosign.versions/1/.cosign.pub.tmp-aaaaaaaaaaaa"),
        b"junk",
    )
    .unwrap();
    std::fs::create_dir(d.join(".cosign.versions/9")).unwrap();
    std::fs::write(d.join(".cosign.versions/9/cosign.key"), b"uncommitted").unwrap();
    std::fs::write(d.join("unrelated.txt"), b"mine").unwrap();

    assert_eq!(store.versions().unwrap().len(), 1);
    assert_eq!(
        store.get(None).unwrap().public_key.fingerprint(),
        first.fingerprint()
    );
    assert_eq!(store.put(record("b").1, &overwrite()).unwrap(), 2);
    assert!(temp_files(d.path()).is_empty());
    assert!(!d.join(".cosign.versions/9").exists());
    assert_eq!(std::fs::read(d.join("unrelated.txt")).unwrap(), b"mine");
}

#[test]
fn the_password_is_never_written_to_a_file_store() {
    let d = TempDir::new("password");
    let store = Store::open(&d.uri()).unwrap();
    let (_, mut rec) = record("a");
    rec.password = Some(Password::from(PASSWORD));
    let err = store.put(rec, &PutOptions::default()).err().unwrap();
    assert_eq!(err.code(), ErrorCode::InvalidArgument);
    assert!(
        err.to_string().contains("never writes the password"),
        "{err}"
    );
    assert!(!err.to_string().contains(PASSWORD));
    assert!(tree(d.path()).is_empty());
}

#[test]
fn a_pair_written_by_cosign_is_version_1_and_kept_when_replaced() {
    let d = TempDir::new("adopt");
    let (old, rec) = record("x");
    let old_pem = rec.private_key.to_pem();
    // cosign writes its private key with mode 0600.
    write_private(&d.join("cosign.key"), old_pem.as_bytes());
    std::fs::write(d.join("cosign.pub"), old.public_key().to_pem()).unwrap();
    let store = Store::open(d.path().to_str().unwrap()).unwrap();
    let versions = store.versions().unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].fingerprint, Some(old.fingerprint()));
    let got = store.get(None).unwrap();
    assert_eq!((got.version, got.metadata.created_by.as_str()), (1, ""));

    // CAS sees the existing pair as version 1.
    let stale = PutOptions {
        overwrite: true,
        expected_version: Some(0),
    };
    assert_eq!(
        store.put(record("y").1, &stale).err().unwrap().code(),
        ErrorCode::Conflict
    );
    let (new, rec) = record("y");
    let cas = PutOptions {
        overwrite: true,
        expected_version: Some(1),
    };
    assert_eq!(store.put(rec, &cas).unwrap(), 2);
    assert_eq!(store.get(Some(1)).unwrap().private_key.to_pem(), old_pem);
    assert_eq!(
        store.get(None).unwrap().public_key.fingerprint(),
        new.fingerprint()
    );
}

#[test]
fn deleting_the_newest_version_brings_back_the_previous_one() {
    let d = TempDir::new("soft");
    let store = Store::open(&d.uri()).unwrap();
    let (first, rec) = record("a");
    store.put(rec, &PutOptions::default()).unwrap();
    let v1_key = std::fs::read(d.join("cosign.key")).unwrap();
    store.put(record("b").1, &overwrite()).unwrap();
    store.delete(Some(2), DeleteMode::Soft).unwrap();

    assert!(!d.join(".cosign.versions/2").exists());
    let states: Vec<_> = store
        .versions()
        .unwrap()
        .iter()
        .map(|v| (v.version, v.state))
        .collect();
    assert_eq!(
        states,
        [(1, VersionState::Live), (2, VersionState::Deleted)]
    );
    assert_eq!(std::fs::read(d.join("cosign.key")).unwrap(), v1_key);
    assert_eq!(
        std::fs::read_to_string(d.join("cosign.pub")).unwrap(),
        first.public_key().to_pem()
    );
    let err = store.get(Some(2)).err().unwrap();
    assert_eq!(err.code(), ErrorCode::NotFound);
    assert!(err.to_string().contains("deleted"), "{err}");
    // Numbers are never reused.
    assert_eq!(store.put(record("c").1, &overwrite()).unwrap(), 3);
}

#[test]
fn destroy_overwrites_the_bytes_before_unlinking() {
    let d = TempDir::new("destroy");
    let store = Store::open(&d.uri()).unwrap();
    store.put(record("a").1, &PutOptions::default()).unwrap();
    store.put(record("b").1, &overwrite()).unwrap();

    // A second name for the same inodes lets the test see what happened to
    // the bytes after the store's names are gone.
    let witness = |from: &str, to: &str| {
        let original = std::fs::read(d.join(from)).unwrap();
        std::fs::hard_link(d.join(from), d.join(to)).unwrap();
        original
    };
    let v1_key = witness(".cosign.versions/1/cosign.key", "witness-v1");
    store.delete(Some(1), DeleteMode::Destroy).unwrap();
    assert!(!d.join(".cosign.versions/1").exists());
    let after = std::fs::read(d.join("witness-v1")).unwrap();
    assert_eq!(after.len(), v1_key.len());
    assert_ne!(after, v1_key);
    assert!(!String::from_utf8_lossy(&after).contains("ENCRYPTED SIGSTORE PRIVATE KEY"));
    assert_eq!(store.versions().unwrap()[0].state, VersionState::Destroyed);
    assert!(store
        .get(Some(1))
        .err()
        .unwrap()
        .to_string()
        .contains("destroyed"));

    // The cosign names are links into the newest version's directory: no
    // copy of the key is left to overwrite.
    assert_eq!(
        std::fs::read_link(d.join("cosign.key")).unwrap(),
        Path::new(".cosign.current/cosign.key")
    );
    let v2_key = witness(".cosign.versions/2/cosign.key", "witness-v2");
    assert_eq!(std::fs::read(d.join("cosign.key")).unwrap(), v2_key);
    store.delete(Some(2), DeleteMode::Destroy).unwrap();
    let after = std::fs::read(d.join("witness-v2")).unwrap();
    assert_eq!(after.len(), v2_key.len());
    assert_ne!(
        after, v2_key,
        "the destroyed version's bytes were overwritten"
    );
    assert!(!d.join("cosign.key").exists() && !d.join("cosign.pub").exists());
    assert_eq!(store.get(None).err().unwrap().code(), ErrorCode::NotFound);

    // delete(None) removes every trace of the store, and nothing else.
    store.delete(None, DeleteMode::Destroy).unwrap();
    let left: Vec<_> = tree(d.path()).into_iter().map(|(n, _)| n).collect();
    assert_eq!(left, ["witness-v1", "witness-v2"]);
    assert!(!d.join(".cosign.versions").exists());
    assert!(store.versions().unwrap().is_empty());
    assert_eq!(
        store.delete(None, DeleteMode::Soft).err().unwrap().code(),
        ErrorCode::NotFound
    );
}

#[test]
fn delete_all_removes_every_version_and_the_index() {
    let d = TempDir::new("delete-all");
    let store = Store::open(&d.uri()).unwrap();
    for i in 0..3 {
        store
            .put(
                record("a").1,
                if i == 0 {
                    &PutOptions {
                        overwrite: false,
                        expected_version: None,
                    }
                } else {
                    &PutOptions {
                        overwrite: true,
                        expected_version: None,
                    }
                },
            )
            .unwrap();
    }
    store.delete(None, DeleteMode::Soft).unwrap();
    assert!(tree(d.path()).is_empty(), "{:?}", tree(d.path()));
    assert!(std::fs::read_dir(d.path()).unwrap().next().is_none());
    // A new store starts again at version 1.
    assert_eq!(store.put(record("b").1, &PutOptions::default()).unwrap(), 1);
}

// ---------------------------------------------------------------------------
// Read-only directory and read-only file system.
//
// Tests run as root here and in CI, and root ignores permission bits. So as
// root, the refused write happens in a child process (this test binary
// again) running as `nobody` (uid 65534); the parent then checks that nothing
// changed. As another user the directory's mode is enough.

const CHILD_DIR_VAR: &str = "COSIGN_KEYS_TEST_READ_ONLY_DIR";

fn running_as_root() -> bool {
    let d = TempDir::new("whoami");
    std::fs::write(d.join("probe"), b"").unwrap();
    std::fs::metadata(d.join("probe")).unwrap().uid() == 0
}

fn assert_refused(dir: &Path) {
    let uri = format!("file://{}", dir.display());
    let store = Store::open(&uri).unwrap();
    // Reading still works (public parts are world-readable).
    let before = store.get_public(None).unwrap();
    let err = store.put(record("intruder").1, &overwrite()).err().unwrap();
    assert_eq!(err.code(), ErrorCode::PermissionDenied, "{err}");
    let text = err.to_string();
    assert!(
        text.starts_with("file: permission denied for ")
            && text.contains(&dir.display().to_string()),
        "{text}"
    );
    let err = store.delete(None, DeleteMode::Destroy).err().unwrap();
    assert_eq!(err.code(), ErrorCode::PermissionDenied, "{err}");
    let after = store.get_public(None).unwrap();
    assert_eq!(after.public_key, before.public_key);
    assert_eq!(after.version, before.version);
}

#[test]
#[ignore = "run by a_read_only_directory_refuses_writes as an unprivileged child"]
fn read_only_directory_child() {
    let Some(dir) = std::env::var_os(CHILD_DIR_VAR) else {
        eprintln!("not started by a_read_only_directory_refuses_writes: nothing to do");
        return;
    };
    assert_refused(Path::new(&dir));
}

#[test]
fn a_read_only_directory_refuses_writes() {
    use std::os::unix::process::CommandExt;
    let d = TempDir::new("readonly");
    let store = Store::open(&d.uri()).unwrap();
    store.put(record("a").1, &PutOptions::default()).unwrap();
    store.put(record("b").1, &overwrite()).unwrap();
    let before = tree(d.path());
    for dir in [d.path().to_path_buf(), d.join(".cosign.versions")] {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    }

    if running_as_root() {
        // A copy of this test binary where `nobody` can run it (the build
        // directory may sit under a home directory it cannot enter).
        let bin = TempDir::new("readonly-bin");
        let exe = bin.join("file_store_test");
        std::fs::copy(std::env::current_exe().unwrap(), &exe).unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        let out = std::process::Command::new(&exe)
            .current_dir(bin.path())
            .args([
                "--exact",
                "read_only_directory_child",
                "--include-ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_DIR_VAR, d.path())
            .uid(65534)
            .gid(65534)
            .output()
            .expect("could not start the test binary as uid 65534");
        let log = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "child as nobody failed:\n{log}");
        assert!(log.contains("1 passed"), "the child ran no test:\n{log}");
    } else {
        assert_refused(d.path());
    }
    make_writable(d.path());
    assert_eq!(tree(d.path()), before, "a refused write changed the store");
}

/// A tmpfs mounted here, unmounted (lazily) when dropped.
struct Mount(TempDir);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.0.path())
            .status();
    }
}

fn sh(cmd: &str, args: &[&str]) -> Result<(), String> {
    let out = std::process::Command::new(cmd)
        .args(args)
        .output()
        .map_err(|e| format!("{cmd}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

#[test]
fn a_read_only_file_system_refuses_writes() {
    let d = TempDir::new("rofs");
    let mountpoint = d.path().to_str().unwrap().to_owned();
    if let Err(why) = sh(
        "mount",
        &["-t", "tmpfs", "-o", "size=1m", "tmpfs", &mountpoint],
    ) {
        // Needs CAP_SYS_ADMIN; the read-only directory test above covers
        // refused writes without it.
        eprintln!("skipping the read-only file system case: cannot mount a tmpfs ({why})");
        return;
    }
    let m = Mount(d);
    // A fresh tmpfs is mode 1777, which a store directory may not be.
    std::fs::set_permissions(m.0.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let store = Store::open(&m.0.uri()).unwrap();
    let (key, rec) = record("a");
    store.put(rec, &PutOptions::default()).unwrap();
    let before = tree(m.0.path());
    sh("mount", &["-o", "remount,ro", &mountpoint]).unwrap();

    let err = store.put(record("b").1, &overwrite()).err().unwrap();
    assert_eq!(err.code(), ErrorCode::PermissionDenied, "{err}");
    assert!(err.to_string().contains("Read-only file system"), "{err}");
    assert!(err.to_string().contains(&mountpoint), "{err}");
    assert_eq!(
        store
            .delete(Some(1), DeleteMode::Destroy)
            .err()
            .unwrap()
            .code(),
        ErrorCode::PermissionDenied
    );
    // Nothing lost: every byte is there and the key still unlocks.
    assert_eq!(tree(m.0.path()), before);
    let got = store.get(None).unwrap();
    assert_eq!(
        got.private_key
            .decrypt(&Password::from(PASSWORD))
            .unwrap()
            .fingerprint(),
        key.fingerprint()
    );
}

#[test]
fn destroying_a_version_the_cosign_names_still_show_moves_them_first() {
    let d = TempDir::new("destroy-stale");
    let store = Store::open(&d.uri()).unwrap();
    store.put(record("a").1, &PutOptions::default()).unwrap();
    // Crash after committing version 2, before `.cosign.current` moved:
    // the names still show version 1.
    let guard = crash_before_rename(d.join(".cosign.current"));
    let crashed = catch_unwind(AssertUnwindSafe(|| store.put(record("b").1, &overwrite())));
    drop(guard);
    assert!(crashed.is_err());
    let v1 = std::fs::read(d.join(".cosign.versions/1/cosign.key")).unwrap();
    assert_eq!(std::fs::read(d.join("cosign.key")).unwrap(), v1);
    std::fs::hard_link(d.join(".cosign.versions/1/cosign.key"), d.join("witness")).unwrap();

    store.delete(Some(1), DeleteMode::Destroy).unwrap();
    let after = std::fs::read(d.join("witness")).unwrap();
    assert_eq!(after.len(), v1.len());
    assert_ne!(after, v1, "version 1's key was unlinked, not overwritten");
    // The names now show the newest live version, as one pair.
    assert_eq!(
        std::fs::read_to_string(d.join("cosign.key")).unwrap(),
        store.get(Some(2)).unwrap().private_key.to_pem()
    );
    assert_eq!(
        pair_fingerprint(d.path()),
        Some(store.get(Some(2)).unwrap().public_key.fingerprint())
    );
}

#[test]
fn a_cosign_key_without_its_pub_says_what_is_missing() {
    let d = TempDir::new("nopub");
    let (_, rec) = record("a");
    std::fs::write(d.join("cosign.key"), rec.private_key.to_pem()).unwrap();
    let store = Store::open(&d.uri()).unwrap();
    let err = store.get_public(None).err().unwrap();
    assert_eq!(err.code(), ErrorCode::NotFound);
    assert!(err.to_string().contains("cosign.pub"), "{err}");
    let versions = store.versions().unwrap();
    assert_eq!((versions.len(), versions[0].fingerprint), (1, None));
}

fn assert_link_refused<T>(result: Result<T, Error>, what: &str) {
    let Err(err) = result else {
        panic!("{what}: not refused");
    };
    assert_eq!(err.code(), ErrorCode::PermissionDenied, "{what}: {err}");
    let text = err.to_string();
    assert!(
        text.contains("symbolic link") || text.contains("not a link cosign-keys made"),
        "{what}: {text}"
    );
}

#[test]
fn symlinked_bookkeeping_is_refused_and_its_target_untouched() {
    for name in [
        ".cosign.versions",
        ".cosign.lock",
        "cosign.meta.json",
        ".cosign.versions/1",
    ] {
        let d = TempDir::new("links");
        let store = Store::open(&d.uri()).unwrap();
        store.put(record("a").1, &PutOptions::default()).unwrap();
        // The real thing moves elsewhere; a link takes its name.
        let elsewhere = TempDir::new("elsewhere");
        let moved = elsewhere.join("moved");
        std::fs::rename(d.join(name), &moved).unwrap();
        std::os::unix::fs::symlink(&moved, d.join(name)).unwrap();
        let before = tree(elsewhere.path());

        assert_link_refused(store.put(record("b").1, &overwrite()), name);
        assert_link_refused(store.get(None), name);
        assert_link_refused(store.delete(Some(1), DeleteMode::Destroy), name);
        assert_eq!(tree(elsewhere.path()), before, "{name}: the target changed");
    }
}

#[test]
fn a_current_link_leading_outside_the_store_is_refused() {
    let d = TempDir::new("current-out");
    let store = Store::open(&d.uri()).unwrap();
    store.put(record("a").1, &PutOptions::default()).unwrap();
    let outside = TempDir::new("outside");
    std::fs::remove_file(d.join(".cosign.current")).unwrap();
    std::os::unix::fs::symlink(outside.path(), d.join(".cosign.current")).unwrap();
    assert_link_refused(store.put(record("b").1, &overwrite()), ".cosign.current");
    // Removing it lets the next write make it again.
    std::fs::remove_file(d.join(".cosign.current")).unwrap();
    let (second, rec) = record("b");
    store.put(rec, &overwrite()).unwrap();
    assert_eq!(pair_fingerprint(d.path()), Some(second.fingerprint()));
}

fn file_store(
    d: &TempDir,
    policy: cosign_keys::fs::PermissionPolicy,
) -> cosign_keys::store::file::FileStore {
    cosign_keys::store::file::FileStore::new(d.path(), "cosign")
        .unwrap()
        .with_permission_policy(policy)
}

#[test]
fn insecure_modes_are_refused_unless_explicitly_allowed() {
    use cosign_keys::fs::PermissionPolicy;
    use cosign_keys::store::KeyStore;
    let d = TempDir::new("perms");
    let strict = file_store(&d, PermissionPolicy::Enforce);
    let lenient = file_store(&d, PermissionPolicy::Warn);
    let (key, rec) = record("a");
    pollster::block_on(strict.put(rec, &PutOptions::default())).unwrap();

    // A private key others may read.
    let key_file = d.join(".cosign.versions/1/cosign.key");
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = pollster::block_on(strict.get(None)).err().unwrap();
    assert_eq!(err.code(), ErrorCode::PermissionDenied, "{err}");
    assert!(err.to_string().contains("mode 0644"), "{err}");
    let got = pollster::block_on(lenient.get(None)).unwrap();
    assert_eq!(got.public_key.fingerprint(), key.fingerprint());
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();

    // A store directory others may write to.
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let err = pollster::block_on(strict.put(record("b").1, &overwrite()))
        .err()
        .unwrap();
    assert_eq!(err.code(), ErrorCode::PermissionDenied, "{err}");
    assert!(err.to_string().contains("mode 0777"), "{err}");
    assert!(
        err.to_string()
            .contains("COSIGN_KEYS_ALLOW_INSECURE_PERMISSIONS"),
        "{err}"
    );
    assert_eq!(
        pollster::block_on(strict.get(None)).err().unwrap().code(),
        ErrorCode::PermissionDenied
    );
    assert_eq!(pollster::block_on(strict.versions()).unwrap().len(), 1);
    assert_eq!(
        pollster::block_on(lenient.put(record("b").1, &overwrite())).unwrap(),
        2
    );
    assert_eq!(pollster::block_on(lenient.get(None)).unwrap().version, 2);
}
