//! The team's key runbook as one scenario, run against any store
//! (included with `#[path]` by the file and Vault runbook tests).

#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use cosign_keys::audit::EventKind;
use cosign_keys::backup::{
    blocking as backup, BackupOptions, BackupSecret, RecoveryOptions, RecoverySecret,
};
use cosign_keys::keyring::blocking::Keyring;
use cosign_keys::keyring::{
    Compromise, KeyState, KeyringConfig, SigningEvent, BUNDLE_FILE, CURRENT_FILE, PREVIOUS_FILE,
};
use cosign_keys::{Actor, Error, PublicKey, Signature};

use super::lifecycle::{
    alice, digest, digest_bytes, new_key, password, signs_and_verifies, t, KEY_PASSWORD,
};

/// Where the runbook runs.
pub struct Runbook {
    /// The keyring.
    pub config: KeyringConfig,
    /// The key store new keys go to.
    pub store: String,
    /// Where verifiers' public keys are written.
    pub trust_dir: PathBuf,
    /// The backup file.
    pub backup: PathBuf,
    /// Loses everything (the disaster).
    pub wipe: Box<dyn FnOnce()>,
    /// Where the keyring is recovered to.
    pub recover_to: KeyringConfig,
    /// Store URIs recovered elsewhere.
    pub store_map: Vec<(String, String)>,
}

fn ci() -> Actor {
    Actor::new("release-pipeline", "release")
}

fn verify_digest(pem: &str, n: u8, signature_b64: &str) {
    let key = PublicKey::from_pem(pem.as_bytes()).unwrap();
    let sig = Signature::from_base64(signature_b64).unwrap();
    key.verify_digest(&digest_bytes(n), &sig).unwrap();
}

fn resign_set(keyring: &Keyring) -> BTreeSet<String> {
    keyring
        .resign_list()
        .unwrap()
        .into_iter()
        .map(|e| e.signed.artifact)
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

pub fn run(rb: Runbook) {
    let keyring = Keyring::open(rb.config.clone()).unwrap();
    let t0 = t("2026-01-05T09:00:00Z");

    // 1. Generate: the first rotation creates the keyring and key #1.
    let first = keyring.rotate(&new_key(&rb.store), &alice(), t0).unwrap();
    assert_eq!((first.new_key, first.old_key), (1, None));
    let status = keyring.status(t0).unwrap();
    assert_eq!(status.active_key, Some(1));
    assert!(!status.due.rotation_due);

    // 2. Sign artifacts (two signed here, one signed elsewhere and recorded).
    let a1 = keyring
        .sign_digest(
            "registry.example/app:1.0",
            &digest(1),
            "pipeline-1",
            &password(),
            &ci(),
            t("2026-02-01T10:00:00Z"),
        )
        .unwrap();
    let key1_pem = keyring.manifest().unwrap().unwrap().0.keys[0]
        .public_key
        .clone();
    verify_digest(&key1_pem, 1, &a1.signature);
    keyring
        .sign_digest(
            "registry.example/api:2.3",
            &digest(2),
            "pipeline-2",
            &password(),
            &ci(),
            t("2026-02-02T10:00:00Z"),
        )
        .unwrap();
    keyring
        .record_signing(
            SigningEvent::new("registry.example/worker:0.9", digest(3), "pipeline-3"),
            None,
            &ci(),
            t("2026-02-03T10:00:00Z"),
        )
        .unwrap();
    assert!(
        resign_set(&keyring).is_empty(),
        "everything is signed by the active key"
    );

    // 3. Rotation falls due after a year, not before.
    assert!(!keyring.due(t("2027-01-04T09:00:00Z")).unwrap().rotation_due);
    let t1 = t("2027-01-05T09:00:00Z");
    assert!(keyring.due(t1).unwrap().rotation_due);
    let second = keyring.rotate(&new_key(&rb.store), &alice(), t1).unwrap();
    assert_eq!((second.new_key, second.old_key), (2, Some(1)));
    assert_eq!(second.old_trusted_until, Some(t("2027-02-04T09:00:00Z")));

    // 4. The trust bundle holds both keys, active first.
    let bundle = keyring
        .distribute(&rb.trust_dir, &alice(), t("2027-01-06T09:00:00Z"))
        .unwrap();
    assert_eq!(bundle.keys.iter().map(|k| k.id).collect::<Vec<_>>(), [2, 1]);
    let read = |name: &str| std::fs::read_to_string(rb.trust_dir.join(name)).unwrap();
    let key2_pem = bundle.keys[0].public_key.clone();
    assert_eq!(read(CURRENT_FILE), key2_pem);
    assert_eq!(read(PREVIOUS_FILE), key1_pem);
    assert_eq!(read(BUNDLE_FILE), format!("{key2_pem}{key1_pem}"));
    // A verifier with the bundle accepts an old signature during the window.
    verify_digest(&bundle.keys[1].public_key, 1, &a1.signature);

    // 5. Re-sign list: every artifact signed by key #1; re-signing one
    //    with the new key takes it off the list.
    assert_eq!(
        resign_set(&keyring),
        set(&[
            "registry.example/app:1.0",
            "registry.example/api:2.3",
            "registry.example/worker:0.9"
        ])
    );
    let resigned = keyring
        .sign_digest(
            "registry.example/app:1.0",
            &digest(1),
            "pipeline-9",
            &password(),
            &ci(),
            t("2027-01-07T09:00:00Z"),
        )
        .unwrap();
    verify_digest(&key2_pem, 1, &resigned.signature);
    assert_eq!(
        resign_set(&keyring),
        set(&["registry.example/api:2.3", "registry.example/worker:0.9"])
    );

    // 6. The window ends: key #1 leaves the bundle, is due for retirement,
    //    and retiring it closes it for good.
    let t_end = t("2027-02-04T09:00:00Z");
    assert_eq!(
        keyring.trust_bundle(t_end).unwrap().fingerprints(),
        std::slice::from_ref(&second.new_fingerprint)
    );
    assert_eq!(keyring.due(t_end).unwrap().retire, [1]);
    assert_eq!(keyring.retire(None, &alice(), t_end).unwrap(), [1]);
    let status = keyring.status(t_end).unwrap();
    assert!(
        status.keys[0].status.starts_with("deactivated (retired"),
        "{}",
        status.keys[0].status
    );
    assert!(!status.keys[0].trusted);
    // Retiring is final: even a time inside the old window no longer trusts it.
    assert_eq!(
        keyring
            .trust_bundle(t("2027-01-10T00:00:00Z"))
            .unwrap()
            .keys
            .len(),
        1
    );
    keyring.distribute(&rb.trust_dir, &alice(), t_end).unwrap();
    assert!(
        !rb.trust_dir.join(PREVIOUS_FILE).exists(),
        "stale cosign.pub.old removed"
    );

    // 7. The new key is compromised: revoke and rotate in one call.
    let t2 = t("2027-02-10T14:30:00Z");
    let incident = Compromise {
        reason: "key file found in a public CI log".into(),
        incident: "INC-4711".into(),
    };
    let third = keyring
        .emergency_rotate("2", &incident, &new_key(&rb.store), &alice(), t2)
        .unwrap();
    assert_eq!(third.new_key, 3);
    let manifest = keyring.manifest().unwrap().unwrap().0;
    assert_eq!(manifest.keys[1].state, KeyState::Compromised);
    assert_eq!(manifest.keys[1].successor, Some(3));
    assert_eq!(manifest.keys[2].predecessor, Some(2));
    let bundle = keyring.distribute(&rb.trust_dir, &alice(), t2).unwrap();
    assert_eq!(bundle.keys.iter().map(|k| k.id).collect::<Vec<_>>(), [3]);
    assert!(
        !rb.trust_dir.join(PREVIOUS_FILE).exists(),
        "a compromised key is never cosign.pub.old"
    );
    assert_eq!(
        resign_set(&keyring),
        set(&[
            "registry.example/app:1.0",
            "registry.example/api:2.3",
            "registry.example/worker:0.9"
        ])
    );
    // A compromised key can never come back.
    let err = keyring
        .emergency_rotate("2", &incident, &new_key(&rb.store), &alice(), t2)
        .unwrap_err();
    assert!(matches!(err, Error::InvalidTransition { .. }), "{err}");
    assert_eq!(
        signs_and_verifies(&keyring, None, t2),
        third.new_fingerprint
    );

    // 8. Destroy the retired key's private material; its record stays.
    keyring.destroy("1", &alice(), t2).unwrap();
    let manifest = keyring.manifest().unwrap().unwrap().0;
    assert_eq!(manifest.keys[0].state, KeyState::Destroyed);
    assert_eq!(manifest.keys[0].public_key, key1_pem);
    let err = keyring
        .unlock(Some("1"), &password(), &alice(), t2)
        .err()
        .unwrap();
    assert!(matches!(err, Error::InvalidTransition { .. }), "{err}");

    // 9. The audit log verifies against the head kept from status, and
    //    holds every act.
    let status = keyring.status(t2).unwrap();
    let report = keyring
        .audit_log()
        .verify(Some(&status.audit_head))
        .unwrap();
    assert!(report.records > 10);
    let entries = keyring.audit_log().entries().unwrap();
    let kinds: BTreeSet<&str> = entries.iter().map(|e| e.event.event.as_str()).collect();
    for kind in [
        EventKind::KeyringCreated,
        EventKind::KeyCreated,
        EventKind::KeyRotated,
        EventKind::KeyAccessed,
        EventKind::ArtifactSigned,
        EventKind::TrustDistributed,
        EventKind::KeyRetired,
        EventKind::KeyCompromised,
        EventKind::KeyDestroyed,
    ] {
        assert!(
            kinds.contains(kind.as_str()),
            "no {kind:?} in the audit log"
        );
    }
    let compromised = entries
        .iter()
        .find(|e| e.event.event == EventKind::KeyCompromised)
        .unwrap();
    assert_eq!(compromised.event.incident.as_deref(), Some("INC-4711"));
    let rotated = entries
        .iter()
        .find(|e| e.event.event == EventKind::KeyRotated && e.event.old_fingerprint.is_some())
        .unwrap();
    assert_eq!(
        rotated.event.new_fingerprint.as_deref(),
        Some(second.new_fingerprint.as_str())
    );
    let signed = entries
        .iter()
        .find(|e| e.event.event == EventKind::ArtifactSigned)
        .unwrap();
    assert_eq!(signed.event.pipeline.as_deref(), Some("pipeline-1"));
    assert!(!signed.event.host.is_empty());

    // 10. Backup, with the passphrase split 3 of 5.
    let mut options = BackupOptions::default();
    options.work_factor = Some(10);
    let (summary, shares) = backup::create(
        &keyring,
        &rb.backup,
        &BackupSecret::Shares {
            threshold: 3,
            shares: 5,
        },
        &options,
        &alice(),
        t2,
    )
    .unwrap();
    let shares: Vec<String> = shares
        .unwrap()
        .expose_shares()
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    assert_eq!(shares.len(), 5);
    // Keys #2 (compromised, not destroyed) and #3 have private material; #1 is gone.
    assert_eq!(
        summary.keys.iter().map(|k| k.id).collect::<Vec<_>>(),
        [2, 3]
    );
    let kept_head = summary.audit_head.clone();
    keyring.audit_log().verify(Some(&kept_head)).unwrap();

    // The log never holds secret material.
    let log_text = std::fs::read_to_string(keyring.audit_log().path()).unwrap();
    assert!(!log_text.contains(KEY_PASSWORD));
    assert!(!log_text.contains("PRIVATE KEY"));
    for share in &shares {
        assert!(!log_text.contains(share.as_str()));
    }
    let armored = std::fs::read_to_string(&rb.backup).unwrap();
    assert!(armored.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"));
    assert!(!armored.contains("PRIVATE KEY"));

    // 11. Disaster.
    let fp3 = third.new_fingerprint.clone();
    drop(keyring);
    (rb.wipe)();

    // 12. Recover: k-1 shares fail clearly; mixed-up shares too; any k work.
    let bytes = std::fs::read(&rb.backup).unwrap();
    let mut recovery = RecoveryOptions::default();
    recovery.store_map = rb.store_map.clone();
    let two = RecoverySecret::Shares(vec![shares[0].clone(), shares[4].clone()]);
    let err = backup::recover(&bytes, &two, &rb.recover_to, &recovery, &alice(), t2).unwrap_err();
    assert!(
        matches!(&err, Error::RecoveryFailed { reason } if reason.contains("3 of 5 shares needed, 2 given")),
        "{err}"
    );
    let three = RecoverySecret::Shares(vec![
        shares[1].clone(),
        shares[4].clone(),
        shares[2].clone(),
    ]);
    let restored =
        backup::recover(&bytes, &three, &rb.recover_to, &recovery, &alice(), t2).unwrap();
    assert_eq!(restored.keys.len(), 2);

    // 13. The recovered keyring is the same keyring, and its keys sign and verify.
    let keyring = Keyring::open(rb.recover_to.clone()).unwrap();
    let status = keyring.status(t2).unwrap();
    assert_eq!(status.active_key, Some(3));
    assert_eq!(status.keys.len(), 3);
    assert_eq!(signs_and_verifies(&keyring, None, t2), fp3);
    signs_and_verifies(&keyring, Some("2"), t2);
    assert_eq!(
        resign_set(&keyring),
        set(&[
            "registry.example/app:1.0",
            "registry.example/api:2.3",
            "registry.example/worker:0.9"
        ])
    );
    let signed = keyring
        .sign_digest(
            "registry.example/api:2.3",
            &digest(2),
            "pipeline-10",
            &password(),
            &ci(),
            t2,
        )
        .unwrap();
    verify_digest(&status.keys[2].record.public_key, 2, &signed.signature);
    // The audit trail came back (as it was when the backup was taken) and
    // goes on, on the same chain.
    keyring.audit_log().verify(None).unwrap();
    let entries = keyring.audit_log().entries().unwrap();
    assert!(entries
        .iter()
        .any(|e| e.event.event == EventKind::KeyCompromised));
    assert_eq!(
        entries.last().unwrap().event.event,
        EventKind::ArtifactSigned
    );
    assert!(entries
        .iter()
        .any(|e| e.event.event == EventKind::BackupRecovered));
    let _ = kept_head;
}
