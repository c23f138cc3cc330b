//! Crash safety: a failure injected after every step of rotate, emergency
//! rotation, revoke and destroy leaves a consistent keyring whose
//! previously active key still signs, and a retry completes the operation
//! exactly once. Concurrency: of two rotations from one revision, exactly
//! one wins.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/lifecycle.rs"]
mod lifecycle;

use cosign_keys::audit::EventKind;
use cosign_keys::keyring::blocking::Keyring;
use cosign_keys::keyring::{Compromise, FailPoint, KeyState, PendingKind, RotateOptions};
use cosign_keys::store::blocking::Store;
use cosign_keys::{Error, Timestamp};

use lifecycle::{alice, config, new_key, signs_and_verifies, t, TempDir};

fn injected(err: &Error) -> bool {
    matches!(
        err,
        Error::Unavailable {
            backend: "fail-point",
            ..
        }
    )
}

fn count(keyring: &Keyring, kind: EventKind) -> usize {
    keyring
        .audit_log()
        .entries()
        .unwrap()
        .iter()
        .filter(|e| e.event.event == kind)
        .count()
}

/// A keyring with key #1 active in `<dir>/keys`.
fn keyring_with_one_key(dir: &TempDir) -> (Keyring, String) {
    let store = dir.path("keys").to_str().unwrap().to_owned();
    let keyring = Keyring::open(config(&dir.0)).unwrap();
    keyring
        .rotate(&new_key(&store), &alice(), t("2026-01-01T00:00:00Z"))
        .unwrap();
    (keyring, store)
}

/// What must hold after any crash: the manifest loads and validates, the
/// audit chain verifies, and `key` still signs.
fn consistent(keyring: &Keyring, key: &str, now: Timestamp) {
    let (manifest, _) = keyring.manifest().unwrap().unwrap();
    manifest.validate().unwrap();
    assert!(
        manifest
            .keys
            .iter()
            .filter(|k| k.state == KeyState::Active)
            .count()
            <= 1
    );
    keyring.audit_log().verify(None).unwrap();
    signs_and_verifies(keyring, Some(key), now);
}

#[test]
fn rotation_survives_a_crash_after_every_step() {
    for &point in FailPoint::ALL {
        let dir = TempDir::new(&format!("crash-rotate-{point:?}"));
        let (keyring, store) = keyring_with_one_key(&dir);
        let now = t("2027-01-02T00:00:00Z");
        keyring.inject_failure(Some(point));
        let err = keyring.rotate(&new_key(&store), &alice(), now).unwrap_err();
        assert!(injected(&err), "{point:?}: {err}");

        consistent(&keyring, "1", now);
        let (m, _) = keyring.manifest().unwrap().unwrap();
        assert_eq!(
            m.pending.as_ref().map(|p| p.kind),
            Some(PendingKind::Rotate),
            "{point:?}"
        );
        let committed = matches!(point, FailPoint::AfterCommit | FailPoint::AfterAudit);
        // Until the commit, key #1 is the active key and the one that signs.
        let active = m.active().unwrap();
        assert_eq!(active.id, if committed { 2 } else { 1 }, "{point:?}");
        assert_eq!(
            signs_and_verifies(&keyring, None, now),
            active.fingerprint.to_string()
        );
        // Key #1 stays trusted throughout.
        assert!(keyring
            .trust_bundle(now)
            .unwrap()
            .keys
            .iter()
            .any(|k| k.id == 1));

        // Another rotation to a different place is refused while this one is pending.
        let other = dir.path("elsewhere").to_str().unwrap().to_owned();
        let err = keyring.rotate(&new_key(&other), &alice(), now).unwrap_err();
        assert!(matches!(err, Error::Conflict { .. }), "{point:?}: {err}");

        // The retry completes it, once.
        let out = keyring.rotate(&new_key(&store), &alice(), now).unwrap();
        assert!(out.resumed, "{point:?}");
        assert_eq!((out.new_key, out.old_key), (2, Some(1)), "{point:?}");
        let (m, _) = keyring.manifest().unwrap().unwrap();
        assert!(m.pending.is_none());
        assert_eq!(m.keys.len(), 2, "{point:?}");
        assert_eq!(m.keys[0].state, KeyState::Deactivated);
        assert_eq!(m.keys[1].state, KeyState::Active);
        assert_eq!(
            count(&keyring, EventKind::KeyRotated),
            2,
            "{point:?}: one per rotation"
        );
        assert_eq!(count(&keyring, EventKind::KeyCreated), 2, "{point:?}");
        // The store holds exactly the two versions: a retry adopts the
        // version its interrupted attempt put there.
        assert_eq!(
            Store::open(&store).unwrap().versions().unwrap().len(),
            2,
            "{point:?}"
        );
        consistent(&keyring, "2", now);
        signs_and_verifies(&keyring, Some("1"), now);
    }
}

#[test]
fn emergency_rotation_survives_a_crash_after_every_step() {
    let incident = Compromise {
        reason: "laptop stolen".into(),
        incident: "INC-7".into(),
    };
    for &point in FailPoint::ALL {
        let dir = TempDir::new(&format!("crash-emergency-{point:?}"));
        let (keyring, store) = keyring_with_one_key(&dir);
        let now = t("2026-03-01T00:00:00Z");
        keyring.inject_failure(Some(point));
        let err = keyring
            .emergency_rotate("1", &incident, &new_key(&store), &alice(), now)
            .unwrap_err();
        assert!(injected(&err), "{point:?}: {err}");
        // Untrusted from the first save on, whatever happens next.
        assert!(keyring
            .trust_bundle(now)
            .unwrap()
            .keys
            .iter()
            .all(|k| k.id != 1));
        consistent(&keyring, "1", now);

        let out = keyring
            .emergency_rotate("1", &incident, &new_key(&store), &alice(), now)
            .unwrap();
        assert!(out.resumed);
        assert_eq!(out.new_key, 2);
        let (m, _) = keyring.manifest().unwrap().unwrap();
        assert!(m.pending.is_none());
        assert_eq!(m.keys[0].state, KeyState::Compromised);
        assert_eq!(m.keys[1].state, KeyState::Active);
        assert_eq!(count(&keyring, EventKind::KeyCompromised), 1, "{point:?}");
        assert_eq!(count(&keyring, EventKind::KeyRotated), 2, "{point:?}");
        consistent(&keyring, "2", now);
    }
}

#[test]
fn revocation_survives_a_crash_after_every_step() {
    let incident = Compromise {
        reason: "old key seen on a build host".into(),
        incident: "INC-8".into(),
    };
    for &point in &[FailPoint::AfterCommit, FailPoint::AfterAudit] {
        let dir = TempDir::new(&format!("crash-revoke-{point:?}"));
        let (keyring, store) = keyring_with_one_key(&dir);
        let now = t("2026-06-01T00:00:00Z");
        keyring.rotate(&new_key(&store), &alice(), now).unwrap();
        keyring.inject_failure(Some(point));
        let err = keyring.revoke("1", &incident, &alice(), now).unwrap_err();
        assert!(injected(&err), "{point:?}: {err}");
        // The active key (#2) still signs; #1 is untrusted already.
        consistent(&keyring, "2", now);
        assert_eq!(
            signs_and_verifies(&keyring, None, now),
            keyring.manifest().unwrap().unwrap().0.keys[1]
                .fingerprint
                .to_string()
        );
        assert_eq!(keyring.trust_bundle(now).unwrap().fingerprints().len(), 1);

        let out = keyring.revoke("1", &incident, &alice(), now).unwrap();
        assert!(out.resumed);
        assert_eq!(out.previous_state, KeyState::Deactivated);
        assert_eq!(out.active_key, Some(2));
        assert!(keyring.manifest().unwrap().unwrap().0.pending.is_none());
        assert_eq!(count(&keyring, EventKind::KeyCompromised), 1, "{point:?}");
        consistent(&keyring, "2", now);
    }
}

#[test]
fn destruction_survives_a_crash_after_every_step() {
    let incident = Compromise {
        reason: "leaked".into(),
        incident: "INC-9".into(),
    };
    for &point in &[
        FailPoint::AfterIntent,
        FailPoint::AfterStore,
        FailPoint::AfterCommit,
        FailPoint::AfterAudit,
    ] {
        let dir = TempDir::new(&format!("crash-destroy-{point:?}"));
        let (keyring, store) = keyring_with_one_key(&dir);
        let now = t("2026-06-01T00:00:00Z");
        keyring.rotate(&new_key(&store), &alice(), now).unwrap();
        keyring.revoke("1", &incident, &alice(), now).unwrap();
        keyring.inject_failure(Some(point));
        let err = keyring.destroy("1", &alice(), now).unwrap_err();
        assert!(injected(&err), "{point:?}: {err}");
        consistent(&keyring, "2", now);

        keyring.destroy("1", &alice(), now).unwrap();
        let (m, _) = keyring.manifest().unwrap().unwrap();
        assert_eq!(m.keys[0].state, KeyState::Destroyed);
        assert!(m.pending.is_none());
        assert_eq!(count(&keyring, EventKind::KeyDestroyed), 1, "{point:?}");
        let store = Store::open(&store).unwrap();
        assert!(store.get(Some(1)).is_err(), "{point:?}: version 1 is gone");
        consistent(&keyring, "2", now);
    }
}

#[test]
fn resume_completes_what_needs_no_secret_and_asks_for_the_key_otherwise() {
    let dir = TempDir::new("resume");
    let (keyring, store) = keyring_with_one_key(&dir);
    let now = t("2027-01-02T00:00:00Z");
    keyring.inject_failure(Some(FailPoint::AfterIntent));
    keyring.rotate(&new_key(&store), &alice(), now).unwrap_err();
    // The new key is not stored yet: resuming needs it (and its password).
    let err = keyring.resume(None, now).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err}");
    assert_eq!(
        keyring.resume(Some(&new_key(&store)), now).unwrap(),
        Some(PendingKind::Rotate)
    );
    assert_eq!(keyring.resume(None, now).unwrap(), None);

    keyring.inject_failure(Some(FailPoint::AfterRecord));
    keyring.rotate(&new_key(&store), &alice(), now).unwrap_err();
    // Stored and recorded: activation needs no secret.
    assert_eq!(
        keyring.resume(None, now).unwrap(),
        Some(PendingKind::Rotate)
    );
    assert_eq!(
        keyring.manifest().unwrap().unwrap().0.active().unwrap().id,
        3
    );
}

#[test]
fn of_two_rotations_from_one_revision_exactly_one_wins() {
    let dir = TempDir::new("race");
    let (_, store) = keyring_with_one_key(&dir);
    let now = t("2027-01-02T00:00:00Z");
    let (_, revision) = Keyring::open(config(&dir.0))
        .unwrap()
        .manifest()
        .unwrap()
        .unwrap();
    let barrier = std::sync::Barrier::new(2);
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|i| {
                let (barrier, store, dir) = (&barrier, &store, &dir);
                s.spawn(move || {
                    // Two processes: two independent keyring handles.
                    let keyring = Keyring::open(config(&dir.0)).unwrap();
                    let mut options = RotateOptions::default();
                    options.expect_revision = Some(revision);
                    barrier.wait();
                    let target = if i == 0 {
                        store.clone()
                    } else {
                        format!("{store}-b")
                    };
                    keyring.rotate_with(&new_key(&target), &options, &alice(), now)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let wins = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(
        wins,
        1,
        "{:?}",
        results
            .iter()
            .map(|r| r.as_ref().err().map(ToString::to_string))
            .collect::<Vec<_>>()
    );
    let loser = results.iter().find_map(|r| r.as_ref().err()).unwrap();
    assert!(matches!(loser, Error::Conflict { .. }), "{loser}");
    let keyring = Keyring::open(config(&dir.0)).unwrap();
    let (m, _) = keyring.manifest().unwrap().unwrap();
    assert_eq!(m.keys.len(), 2, "nothing lost, nothing doubled");
    assert!(m.pending.is_none());
    keyring.audit_log().verify(None).unwrap();
    let rotations: std::collections::BTreeSet<_> = keyring
        .audit_log()
        .entries()
        .unwrap()
        .into_iter()
        .filter(|e| e.event.event == EventKind::KeyRotated)
        .map(|e| e.event.operation)
        .collect();
    assert_eq!(rotations.len(), 2, "the first key's and the winner's");
}

#[test]
fn a_rotation_left_pending_by_one_process_is_finished_by_another() {
    let dir = TempDir::new("handover");
    let (keyring, store) = keyring_with_one_key(&dir);
    let now = t("2027-01-02T00:00:00Z");
    keyring.inject_failure(Some(FailPoint::AfterStore));
    keyring.rotate(&new_key(&store), &alice(), now).unwrap_err();
    drop(keyring);
    let other = Keyring::open(config(&dir.0)).unwrap();
    let out = other.rotate(&new_key(&store), &alice(), now).unwrap();
    assert!(out.resumed);
    assert_eq!(out.new_key, 2);
    assert_eq!(Store::open(&store).unwrap().versions().unwrap().len(), 2);
}

/// A destroy stopped after its intent, whose store cannot be reached now
/// (here: its directory became group- and world-writable, which the store
/// refuses), must not stand between an operator and a revocation: the
/// revocation sets it aside, completes, and hands it back as pending; once
/// the store is fixed, a resume finishes the destroy.
#[test]
fn a_pending_destroy_whose_store_fails_does_not_block_a_revocation() {
    let incident = Compromise {
        reason: "signing token leaked".into(),
        incident: "INC-11b".into(),
    };
    let dir = TempDir::new("deferred-destroy");
    let old_store = dir.path("keys-old").to_str().unwrap().to_owned();
    let new_store = dir.path("keys-new").to_str().unwrap().to_owned();
    let keyring = Keyring::open(config(&dir.0)).unwrap();
    let now = t("2026-06-01T00:00:00Z");
    keyring.rotate(&new_key(&old_store), &alice(), now).unwrap();
    keyring.rotate(&new_key(&new_store), &alice(), now).unwrap();
    keyring.revoke("1", &incident, &alice(), now).unwrap();
    keyring.inject_failure(Some(FailPoint::AfterIntent));
    let err = keyring.destroy("1", &alice(), now).unwrap_err();
    assert!(injected(&err), "{err}");
    keyring.inject_failure(None);
    let (m, _) = keyring.manifest().unwrap().unwrap();
    let destroy = m.pending.clone().unwrap();
    assert_eq!(destroy.kind, PendingKind::Destroy);
    // A revocation that fails (key 1 is compromised already) changes
    // nothing: the destroy stays pending, not set aside.
    let err = keyring.revoke("1", &incident, &alice(), now).unwrap_err();
    assert_eq!(
        err.code(),
        cosign_keys::ErrorCode::InvalidTransition,
        "{err}"
    );
    let (m, _) = keyring.manifest().unwrap().unwrap();
    assert_eq!(m.pending.as_ref().map(|p| &p.id), Some(&destroy.id));
    assert!(m.deferred.is_none(), "{:?}", m.deferred);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let old_dir = dir.path("keys-old");
        std::fs::set_permissions(&old_dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        // The destroy cannot go on now, and says why.
        let err = keyring.resume(None, now).unwrap_err();
        assert_eq!(
            err.code(),
            cosign_keys::ErrorCode::PermissionDenied,
            "{err}"
        );

        // The active key is compromised: the revocation goes through.
        let out = keyring.revoke("2", &incident, &alice(), now).unwrap();
        assert_eq!(out.key, 2);
        let (m, _) = keyring.manifest().unwrap().unwrap();
        assert_eq!(m.key(2).unwrap().state, KeyState::Compromised);
        assert_eq!(m.key(1).unwrap().state, KeyState::Compromised);
        assert!(m.deferred.is_none(), "{:?}", m.deferred);
        assert_eq!(m.pending.as_ref().map(|p| &p.id), Some(&destroy.id));
        assert_eq!(count(&keyring, EventKind::KeyCompromised), 2);
        assert_eq!(count(&keyring, EventKind::KeyDestroyed), 0);
        // Version 1 was not touched.
        let versions = Store::open(&old_store).unwrap().versions().unwrap();
        assert_eq!(
            versions[0].state,
            cosign_keys::store::VersionState::Live,
            "{versions:?}"
        );

        std::fs::set_permissions(&old_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        assert!(Store::open(&old_store).unwrap().get_public(Some(1)).is_ok());
        assert_eq!(
            keyring.resume(None, now).unwrap(),
            Some(PendingKind::Destroy)
        );
        let (m, _) = keyring.manifest().unwrap().unwrap();
        assert_eq!(m.key(1).unwrap().state, KeyState::Destroyed);
        assert!(m.pending.is_none() && m.deferred.is_none());
        assert_eq!(count(&keyring, EventKind::KeyDestroyed), 1);
        // Destroying it again is refused by the state table and records nothing.
        let err = keyring.destroy("1", &alice(), now).unwrap_err();
        assert_eq!(
            err.code(),
            cosign_keys::ErrorCode::InvalidTransition,
            "{err}"
        );
        assert_eq!(count(&keyring, EventKind::KeyDestroyed), 1);
        assert!(Store::open(&old_store).unwrap().get(Some(1)).is_err());
        keyring.audit_log().verify(None).unwrap();
    }
}
