//! A key is its fingerprint, and locations are canonical (issue 11, items 1
//! and 2), on real files: the wrong-directory destroy, "not found" is never
//! "destroyed", a swapped key at the recorded location is `KEY_MISMATCH` for
//! destroy, unlock, sign and backup and erases nothing, recover checks
//! fingerprints, `file://HOST/…` is refused, and an old manifest with
//! relative locations still reads — relative to its own directory.
//!
//! Every path in this file is absolute except where a test says otherwise:
//! one test changes the process's working directory (that is its point), and
//! the others must not depend on it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/lifecycle.rs"]
mod lifecycle;

use std::path::Path;

use cosign_keys::audit::EventKind;
use cosign_keys::keyring::blocking::Keyring;
use cosign_keys::keyring::{Compromise, DestroyOptions, KeyLocation, KeyState};
use cosign_keys::store::blocking::Store;
use cosign_keys::store::{KeyMetadata, KeyPairRecord, PutOptions};
use cosign_keys::{Algorithm, Error, ErrorCode, PrivateKey, ScryptParams, Timestamp};

use lifecycle::{alice, config, new_key, password, t, TempDir};

const T1: &str = "2026-01-05T09:00:00Z";
const T2: &str = "2026-02-05T09:00:00Z";

fn count(keyring: &Keyring, kind: EventKind) -> usize {
    keyring
        .audit_log()
        .entries()
        .unwrap()
        .iter()
        .filter(|e| e.event.event == kind)
        .count()
}

fn compromise() -> Compromise {
    Compromise {
        reason: "laptop stolen".into(),
        incident: "INC-11".into(),
    }
}

/// Puts a freshly generated key (not the keyring's) into the store at
/// `dir`; returns its fingerprint.
fn put_foreign_key(dir: &Path) -> String {
    let key = PrivateKey::generate(Algorithm::EcdsaP256).unwrap();
    let sealed = key
        .encrypt_with(&password(), ScryptParams::new(12, 8, 1).unwrap())
        .unwrap();
    let store = Store::open(dir.to_str().unwrap()).unwrap();
    store
        .put(
            KeyPairRecord {
                private_key: sealed,
                public_key: key.public_key().clone(),
                password: None,
                metadata: KeyMetadata::new(key.public_key(), "mallory"),
            },
            &PutOptions {
                overwrite: true,
                expected_version: None,
            },
        )
        .unwrap();
    key.public_key().fingerprint().to_string()
}

/// A keyring in `dir` whose key #1 was created in `dir/keys/v1`, then
/// marked compromised (so it may be destroyed). Returns its fingerprint.
fn compromised_keyring(dir: &TempDir) -> (Keyring, String) {
    let keyring = Keyring::open(config(&dir.0)).unwrap();
    let store = dir.path("keys/v1");
    let out = keyring
        .rotate(&new_key(store.to_str().unwrap()), &alice(), t(T1))
        .unwrap();
    keyring.revoke("1", &compromise(), &alice(), t(T1)).unwrap();
    (keyring, out.new_fingerprint)
}

/// Rewrites the manifest as an older version wrote it: store locations as
/// typed (`keys/v1`), relative.
fn make_locations_relative(dir: &TempDir) {
    let path = dir.path("keyring.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let absolute = format!("file://{}/", dir.0.display());
    assert!(text.contains(&absolute), "{text}");
    std::fs::write(&path, text.replace(&absolute, "")).unwrap();
    assert!(std::fs::read_to_string(&path)
        .unwrap()
        .contains("\"uri\": \"keys/v1\""));
}

fn state_of(keyring: &Keyring, id: u32) -> KeyState {
    let (manifest, _) = keyring.manifest().unwrap().unwrap();
    let record = manifest.key(id).unwrap();
    assert!(manifest.pending.is_none(), "{:?}", manifest.pending);
    record.state
}

#[test]
fn new_records_store_absolute_file_uris() {
    let dir = TempDir::new("id-absolute");
    let (keyring, _) = compromised_keyring(&dir);
    let (manifest, _) = keyring.manifest().unwrap().unwrap();
    let want = format!("file://{}", dir.path("keys/v1").display());
    assert_eq!(manifest.key(1).unwrap().location.uri(), want);
    assert!(
        keyring.location().starts_with("file:///"),
        "{}",
        keyring.location()
    );
}

#[test]
fn the_wrong_directory_destroy_acts_on_the_manifests_key_only() {
    // Keyring A with its key at A/keys/v1, recorded relatively (old style);
    // directory B has an unrelated key at B/keys/v1, and is the working
    // directory when the operator runs revoke + destroy.
    let a = TempDir::new("id-wrongdir-a");
    let b = TempDir::new("id-wrongdir-b");
    let (keyring, fp_a) = compromised_keyring(&a);
    drop(keyring);
    make_locations_relative(&a);
    let fp_b = put_foreign_key(&b.path("keys/v1"));
    std::env::set_current_dir(&b.0).unwrap();

    let keyring = Keyring::open(config(&a.0)).unwrap();
    keyring.destroy("1", &alice(), t(T2)).unwrap();

    // B's key is untouched; A's key is the one destroyed.
    let b_store = Store::open(b.path("keys/v1").to_str().unwrap()).unwrap();
    assert_eq!(
        b_store
            .get(Some(1))
            .unwrap()
            .public_key
            .fingerprint()
            .to_string(),
        fp_b
    );
    let a_store = Store::open(a.path("keys/v1").to_str().unwrap()).unwrap();
    let err = a_store.get(Some(1)).err().unwrap();
    assert_eq!(err.code(), ErrorCode::NotFound, "{err}");
    assert_eq!(state_of(&keyring, 1), KeyState::Destroyed);
    let entries = keyring.audit_log().entries().unwrap();
    let destroyed = entries
        .iter()
        .find(|e| e.event.event == EventKind::KeyDestroyed)
        .unwrap();
    assert_eq!(destroyed.event.fingerprints, vec![fp_a]);

    // A relative input is the caller's path: made absolute against the
    // working directory once, and recorded so.
    let out = keyring
        .rotate(&new_key("keys/v2"), &alice(), t(T2))
        .unwrap();
    let want = format!("file://{}", b.path("keys/v2").display());
    assert_eq!(out.location.uri(), want);
    std::env::set_current_dir(std::env::temp_dir()).unwrap();
}

#[test]
fn a_relative_location_that_finds_another_key_is_key_mismatch() {
    // The old manifest's relative location, resolved against its own
    // directory, holds a different key: nothing is erased or recorded.
    let a = TempDir::new("id-relmismatch");
    let (keyring, fp_a) = compromised_keyring(&a);
    drop(keyring);
    make_locations_relative(&a);
    std::fs::rename(a.path("keys/v1"), a.path("keys/v1.orig")).unwrap();
    let fp_other = put_foreign_key(&a.path("keys/v1"));

    let keyring = Keyring::open(config(&a.0)).unwrap();
    let err = keyring.destroy("1", &alice(), t(T2)).unwrap_err();
    match &err {
        Error::KeyMismatch {
            location,
            expected,
            found,
        } => {
            assert_eq!((expected, found), (&fp_a, &fp_other));
            assert!(location.contains(&a.path("keys/v1").display().to_string()));
        }
        other => panic!("expected KeyMismatch, got {other}"),
    }
    assert_eq!(err.code(), ErrorCode::KeyMismatch);
    assert_eq!(err.code() as u32, 505);
    assert_eq!(state_of(&keyring, 1), KeyState::Compromised);
    assert_eq!(count(&keyring, EventKind::KeyDestroyed), 0);
    let store = Store::open(a.path("keys/v1").to_str().unwrap()).unwrap();
    assert_eq!(
        store
            .get(Some(1))
            .unwrap()
            .public_key
            .fingerprint()
            .to_string(),
        fp_other
    );
}

#[test]
fn destroy_with_nothing_at_the_location_is_not_found_never_destroyed() {
    let dir = TempDir::new("id-notfound");
    let (keyring, _) = compromised_keyring(&dir);
    std::fs::rename(dir.path("keys/v1"), dir.path("moved-away")).unwrap();

    let err = keyring.destroy("1", &alice(), t(T2)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound, "{err}");
    assert!(err.to_string().contains("material-gone"), "{err}");
    assert_eq!(state_of(&keyring, 1), KeyState::Compromised);
    assert_eq!(count(&keyring, EventKind::KeyDestroyed), 0);

    // The key is still live where it really is: put back, destroy works
    // and really erases it.
    std::fs::rename(dir.path("moved-away"), dir.path("keys/v1")).unwrap();
    keyring.destroy("1", &alice(), t(T2)).unwrap();
    assert_eq!(state_of(&keyring, 1), KeyState::Destroyed);
    let store = Store::open(dir.path("keys/v1").to_str().unwrap()).unwrap();
    assert_eq!(
        store.get(Some(1)).err().unwrap().code(),
        ErrorCode::NotFound
    );
}

#[test]
fn material_gone_records_destroyed_on_the_callers_word_and_says_so() {
    let dir = TempDir::new("id-gone");
    let (keyring, _) = compromised_keyring(&dir);
    std::fs::remove_dir_all(dir.path("keys/v1")).unwrap();

    keyring
        .destroy_with("1", &DestroyOptions::material_gone(), &alice(), t(T2))
        .unwrap();
    assert_eq!(state_of(&keyring, 1), KeyState::Destroyed);
    let entries = keyring.audit_log().entries().unwrap();
    let destroyed = entries
        .iter()
        .find(|e| e.event.event == EventKind::KeyDestroyed)
        .unwrap();
    assert!(
        destroyed
            .event
            .reason
            .contains("material-gone: NOT verified"),
        "{}",
        destroyed.event.reason
    );
    keyring.audit_log().verify(None).unwrap();
}

#[test]
fn a_live_version_whose_public_half_is_missing_is_erased_not_taken_as_gone() {
    let dir = TempDir::new("id-live-no-pub");
    let (keyring, fingerprint) = compromised_keyring(&dir);
    let version_dir = dir.path("keys/v1/.cosign.versions/1");
    let key_file = version_dir.join("cosign.key");
    assert!(key_file.exists());
    std::fs::remove_file(version_dir.join("cosign.pub")).unwrap();

    // The store still lists version 1 as live, with the key's fingerprint:
    // the private key is there, so it is erased (checked against that
    // fingerprint), never recorded "gone" on the caller's word.
    keyring
        .destroy_with("1", &DestroyOptions::material_gone(), &alice(), t(T2))
        .unwrap();
    assert_eq!(state_of(&keyring, 1), KeyState::Destroyed);
    assert!(!key_file.exists(), "the private key was left behind");
    let entries = keyring.audit_log().entries().unwrap();
    let destroyed = entries
        .iter()
        .find(|e| e.event.event == EventKind::KeyDestroyed)
        .unwrap();
    assert!(
        !destroyed.event.reason.contains("NOT verified"),
        "{}",
        destroyed.event.reason
    );
    assert_eq!(destroyed.event.fingerprints, vec![fingerprint]);
}

#[test]
fn material_gone_never_erases_another_key() {
    let dir = TempDir::new("id-gone-mismatch");
    let (keyring, _) = compromised_keyring(&dir);
    std::fs::rename(dir.path("keys/v1"), dir.path("keys/v1.orig")).unwrap();
    let fp_other = put_foreign_key(&dir.path("keys/v1"));
    let err = keyring
        .destroy_with("1", &DestroyOptions::material_gone(), &alice(), t(T2))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::KeyMismatch, "{err}");
    assert_eq!(state_of(&keyring, 1), KeyState::Compromised);
    let store = Store::open(dir.path("keys/v1").to_str().unwrap()).unwrap();
    assert_eq!(
        store
            .get(Some(1))
            .unwrap()
            .public_key
            .fingerprint()
            .to_string(),
        fp_other
    );
}

#[test]
fn a_swapped_key_is_key_mismatch_for_unlock_sign_and_backup() {
    let dir = TempDir::new("id-swapped");
    let keyring = Keyring::open(config(&dir.0)).unwrap();
    let store = dir.path("keys/v1");
    keyring
        .rotate(&new_key(store.to_str().unwrap()), &alice(), t(T1))
        .unwrap();
    std::fs::rename(&store, dir.path("keys/v1.orig")).unwrap();
    let fp_other = put_foreign_key(&store);
    let accessed = count(&keyring, EventKind::KeyAccessed);

    let err = keyring
        .unlock(None, &password(), &alice(), t(T2))
        .err()
        .unwrap();
    assert_eq!(err.code(), ErrorCode::KeyMismatch, "{err}");
    assert!(err.to_string().contains(&fp_other), "{err}");
    let err = keyring
        .sign_digest(
            "registry.example/app:1",
            &lifecycle::digest(1),
            "ci-1",
            &password(),
            &alice(),
            t(T2),
        )
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::KeyMismatch, "{err}");
    assert!(keyring.resign_list().unwrap().is_empty());

    #[cfg(feature = "backup")]
    {
        use cosign_keys::backup::{blocking, BackupOptions, BackupSecret};
        let out = dir.path("backup.age");
        let err = blocking::create(
            &keyring,
            &out,
            &BackupSecret::Passphrase("backup pass".into()),
            &BackupOptions::default(),
            &alice(),
            t(T2),
        )
        .err()
        .unwrap();
        assert_eq!(err.code(), ErrorCode::KeyMismatch, "{err}");
        assert!(!out.exists());
    }
    // Nothing was read out or audited as accessed, and the foreign key is
    // where it was.
    assert_eq!(count(&keyring, EventKind::KeyAccessed), accessed);
    let found = Store::open(store.to_str().unwrap()).unwrap();
    assert_eq!(
        found
            .get(Some(1))
            .unwrap()
            .public_key
            .fingerprint()
            .to_string(),
        fp_other
    );

    // With the real key back, everything works again.
    std::fs::remove_dir_all(&store).unwrap();
    std::fs::rename(dir.path("keys/v1.orig"), &store).unwrap();
    lifecycle::signs_and_verifies(&keyring, None, t(T2));
}

#[cfg(feature = "backup")]
#[test]
fn recover_checks_fingerprints() {
    use age::secrecy::SecretString;
    use cosign_keys::backup::{
        blocking, BackupOptions, BackupSecret, RecoveryOptions, RecoverySecret,
    };
    use std::io::{Read, Write};

    let dir = TempDir::new("id-recover");
    let keyring = Keyring::open(config(&dir.0)).unwrap();
    keyring
        .rotate(
            &new_key(dir.path("keys/v1").to_str().unwrap()),
            &alice(),
            t(T1),
        )
        .unwrap();
    let out = dir.path("backup.age");
    let secret = BackupSecret::Passphrase("backup pass".into());
    let mut options = BackupOptions::default();
    options.work_factor = Some(10);
    let (summary, _) =
        blocking::create(&keyring, &out, &secret, &options, &alice(), t(T1)).unwrap();
    assert!(summary.keys[0].location.uri().starts_with("file:///"));

    // A genuine backup recovers into a new place, recorded absolute.
    let target = TempDir::new("id-recover-target");
    let mut recovery = RecoveryOptions::default();
    recovery.store_map = vec![(
        summary.keys[0].location.uri().to_owned(),
        target.path("keys").display().to_string(),
    )];
    let restored = blocking::recover(
        &std::fs::read(&out).unwrap(),
        &RecoverySecret::Passphrase("backup pass".into()),
        &config(&target.0),
        &recovery,
        &alice(),
        t(T2),
    )
    .unwrap();
    assert_eq!(
        restored.keys[0].location.uri(),
        format!("file://{}", target.path("keys").display())
    );

    // A backup whose key #1 is another key than its manifest records (made
    // by someone holding the passphrase) is refused, and nothing is written.
    let genuine = std::fs::read(&out).unwrap();
    let decryptor =
        age::Decryptor::new(age::armor::ArmoredReader::new(genuine.as_slice())).unwrap();
    let identity = age::scrypt::Identity::new(SecretString::from("backup pass".to_owned()));
    let mut plain = Vec::new();
    decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .unwrap()
        .read_to_end(&mut plain)
        .unwrap();
    let mut archive: serde_json::Value = serde_json::from_slice(&plain).unwrap();
    let other = PrivateKey::generate(Algorithm::EcdsaP256).unwrap();
    let sealed = other
        .encrypt_with(&password(), ScryptParams::new(12, 8, 1).unwrap())
        .unwrap();
    let entry = &mut archive["keys"][0];
    entry["fingerprint"] = other.public_key().fingerprint().to_string().into();
    entry["public_key"] = other.public_key().to_pem().into();
    entry["private_key"] = sealed.to_pem().into();
    let mut recipient = age::scrypt::Recipient::new(SecretString::from("backup pass".to_owned()));
    recipient.set_work_factor(10);
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
            .unwrap();
    let mut forged = Vec::new();
    let armor = age::armor::ArmoredWriter::wrap_output(&mut forged, age::armor::Format::AsciiArmor)
        .unwrap();
    let mut writer = encryptor.wrap_output(armor).unwrap();
    writer
        .write_all(&serde_json::to_vec(&archive).unwrap())
        .unwrap();
    writer.finish().unwrap().finish().unwrap();

    let elsewhere = TempDir::new("id-recover-forged");
    let mut recovery = RecoveryOptions::default();
    recovery.store_map = vec![(
        summary.keys[0].location.uri().to_owned(),
        elsewhere.path("keys").display().to_string(),
    )];
    let err = blocking::recover(
        &forged,
        &RecoverySecret::Passphrase("backup pass".into()),
        &config(&elsewhere.0),
        &recovery,
        &alice(),
        t(T2),
    )
    .err()
    .unwrap();
    assert_eq!(err.code(), ErrorCode::KeyMismatch, "{err}");
    assert!(!elsewhere.path("keyring.json").exists());
    assert!(!elsewhere.path("keys").exists());
}

#[test]
fn a_file_uri_naming_a_host_is_invalid_uri_and_writes_nothing() {
    let dir = TempDir::new("id-host");
    let keyring = Keyring::open(config(&dir.0)).unwrap();
    for uri in [
        "file://evil.example/x",
        "file://evil.example/tmp/x",
        "file://keys/v1",
    ] {
        let err = keyring
            .rotate(&new_key(uri), &alice(), t(T1))
            .err()
            .unwrap();
        assert_eq!(err.code(), ErrorCode::InvalidUri, "{uri}: {err}");
    }
    assert!(!Path::new("evil.example").exists());
    assert!(keyring.manifest().unwrap().is_none());
    let err = Keyring::open(cosign_keys::keyring::KeyringConfig::new(
        "file://evil.example/keyring.json",
        dir.path("audit.jsonl"),
    ))
    .err()
    .unwrap();
    assert_eq!(err.code(), ErrorCode::InvalidUri, "{err}");
    // localhost is this machine.
    let local = format!("file://localhost{}", dir.path("keys/local").display());
    let out = keyring.rotate(&new_key(&local), &alice(), t(T1)).unwrap();
    assert_eq!(
        out.location.uri(),
        format!("file://{}", dir.path("keys/local").display())
    );
}

#[test]
fn a_legacy_relative_manifest_still_reads_and_unlocks() {
    let dir = TempDir::new("id-legacy");
    let keyring = Keyring::open(config(&dir.0)).unwrap();
    keyring
        .rotate(
            &new_key(dir.path("keys/v1").to_str().unwrap()),
            &alice(),
            t(T1),
        )
        .unwrap();
    drop(keyring);
    make_locations_relative(&dir);

    let keyring = Keyring::open(config(&dir.0)).unwrap();
    let status = keyring.status(t(T2)).unwrap();
    assert_eq!(status.active_key, Some(1));
    let KeyLocation::Store { uri, .. } = &status.keys[0].record.location else {
        panic!("a store key");
    };
    assert_eq!(uri, "keys/v1");
    lifecycle::signs_and_verifies(&keyring, None, t(T2));
    // A rotation records the new key absolute beside the old relative one.
    let out = keyring
        .rotate(
            &new_key(dir.path("keys/v2").to_str().unwrap()),
            &alice(),
            Timestamp::parse("2026-03-01T00:00:00Z").unwrap(),
        )
        .unwrap();
    assert!(out.location.uri().starts_with("file:///"));
    let (manifest, _) = keyring.manifest().unwrap().unwrap();
    assert_eq!(manifest.key(1).unwrap().location.uri(), "keys/v1");
}
