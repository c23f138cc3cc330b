#[path = "../support/lifecycle.rs"]
mod lifecycle;

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use cosign_keys::keyring::blocking::Keyring;
use cosign_keys::keyring::{NewKey, RotationPolicy};
use cosign_keys::kms::blocking::KmsKey;
use cosign_keys::{sha256, Algorithm, ErrorCode, PublicKey};

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

/// A fresh key name (the emulator keeps state while it runs).
fn fresh(what: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
        % 1_000_000_000_000;
    format!(
        "ck-{what}-{}-{nanos}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

fn assert_clean(err: &cosign_keys::Error) {
    let token = std::env::var("COSIGN_KEYS_AZURE_TOKEN").unwrap_or_default();
    assert!(!token.is_empty());
    assert!(!err.to_string().contains(&token), "{err}");
    assert!(!format!("{err:?}").contains(&token), "{err:?}");
}

#[test]
fn p256_create_sign_verify_rotate_versions_and_pinned_versions() {
    let Some(v) = vault() else { return };
    let uri = format!("azurekms://{v}/{}", fresh("p256"));
    let key = KmsKey::open(&uri).unwrap();
    let created = key.create(Algorithm::EcdsaP256).unwrap();
    assert_eq!(created.algorithm(), Algorithm::EcdsaP256);
    assert_eq!(key.public_key().unwrap(), created);
    // A second client (no cached state) sees the same key.
    assert_eq!(KmsKey::open(&uri).unwrap().public_key().unwrap(), created);

    for blob in [&b"hello cosign-keys"[..], b"", &[7u8; 100_000]] {
        let sig = key.sign_blob(blob).unwrap();
        created.verify(blob, &sig).unwrap();
        assert_eq!(
            created.verify(b"other", &sig).unwrap_err().code(),
            ErrorCode::SignatureInvalid
        );
    }
    let digest = sha256(b"digest me");
    created
        .verify_digest(&digest, &key.sign_digest(&digest).unwrap())
        .unwrap();
    // The wrong digest length never reaches the vault.
    assert_eq!(
        key.sign_digest(&[1u8; 20]).unwrap_err().code(),
        ErrorCode::InvalidArgument
    );
    // Creating it again is refused.
    let err = key.create(Algorithm::EcdsaP256).unwrap_err();
    assert_eq!(err.code(), ErrorCode::AlreadyExists, "{err}");

    let before = key.versions().unwrap();
    assert_eq!(before.len(), 1);
    assert_eq!(before[0].public_key, created);
    assert!(before[0].created_at.is_some());

    let new_version = key.rotate().unwrap();
    assert_ne!(new_version, before[0].version);
    let rotated = key.public_key().unwrap();
    assert_ne!(rotated, created, "rotation makes new key material");
    let sig = key.sign_blob(b"after rotation").unwrap();
    rotated.verify(b"after rotation", &sig).unwrap();
    assert!(created.verify(b"after rotation", &sig).is_err());

    let after = key.versions().unwrap();
    assert_eq!(after.len(), 2);
    let found: Vec<&PublicKey> = after.iter().map(|v| &v.public_key).collect();
    assert!(found.contains(&&created) && found.contains(&&rotated));

    // A handle pinned to the old version keeps signing with it.
    let pinned = KmsKey::open(&format!("{uri}/{}", before[0].version)).unwrap();
    assert_eq!(pinned.public_key().unwrap(), created);
    let sig = pinned.sign_blob(b"old version").unwrap();
    created.verify(b"old version", &sig).unwrap();
    assert_eq!(
        pinned.rotate().unwrap_err().code(),
        ErrorCode::InvalidArgument
    );
}

#[test]
fn every_algorithm_signs_like_cosign() {
    let Some(v) = vault() else { return };
    for alg in [
        Algorithm::EcdsaP384,
        Algorithm::EcdsaP521,
        Algorithm::Rsa2048,
        Algorithm::Rsa3072,
        Algorithm::Rsa4096,
    ] {
        let key = KmsKey::open(&format!("azurekms://{v}/{}", fresh("alg"))).unwrap();
        let pk = key.create(alg).unwrap();
        assert_eq!(pk.algorithm(), alg);
        assert_eq!(key.public_key().unwrap(), pk);
        let blob = b"release artifact";
        let sig = key.sign_blob(blob).unwrap();
        pk.verify(blob, &sig)
            .unwrap_or_else(|e| panic!("{alg}: {e}"));
        let digest = alg.hash().unwrap().digest(blob);
        pk.verify_digest(&digest, &key.sign_digest(&digest).unwrap())
            .unwrap();
    }
    let key = KmsKey::open(&format!("azurekms://{v}/{}", fresh("ed"))).unwrap();
    let err = key.create(Algorithm::Ed25519).unwrap_err();
    assert_eq!(err.code(), ErrorCode::UnsupportedAlgorithm, "{err}");
}

#[test]
fn sign_digests_batches_and_keeps_order() {
    let Some(v) = vault() else { return };
    let key = KmsKey::open(&format!("azurekms://{v}/{}", fresh("batch"))).unwrap();
    let pk = key.create(Algorithm::EcdsaP256).unwrap();
    let mut digests: Vec<Vec<u8>> = (0u32..40)
        .map(|n| sha256(&n.to_be_bytes()).to_vec())
        .collect();
    digests.insert(7, vec![0u8; 5]);
    let out = key.sign_digests(&digests);
    assert_eq!(out.len(), 41);
    for (i, (d, r)) in digests.iter().zip(&out).enumerate() {
        if i == 7 {
            assert_eq!(r.as_ref().unwrap_err().code(), ErrorCode::InvalidArgument);
        } else {
            pk.verify_digest(d, r.as_ref().unwrap()).unwrap();
        }
    }
}

#[test]
fn missing_key_is_not_found() {
    let Some(v) = vault() else { return };
    let key = KmsKey::open(&format!("azurekms://{v}/{}", fresh("missing"))).unwrap();
    for err in [
        key.public_key().unwrap_err(),
        key.sign_blob(b"x").unwrap_err(),
        key.versions().unwrap_err(),
        key.rotate().unwrap_err(),
    ] {
        assert_eq!(err.code(), ErrorCode::NotFound, "{err}");
        assert!(err.to_string().contains("ck-missing-"), "{err}");
        assert_clean(&err);
    }
}

#[test]
fn a_vault_the_server_does_not_serve_is_refused() {
    let Some(v) = vault() else { return };
    // The emulator serves vaults by Host header: 127.0.0.1:<port> is not one
    // of them (the certificate still matches, so this is the vault's answer).
    let port = v.rsplit(':').next().unwrap();
    let key = KmsKey::open(&format!("azurekms://127.0.0.1:{port}/{}", fresh("nv"))).unwrap();
    let err = key.public_key().unwrap_err();
    assert!(
        matches!(
            err.code(),
            ErrorCode::NotFound | ErrorCode::PermissionDenied | ErrorCode::Backend
        ),
        "{err}"
    );
    assert!(err.to_string().contains("127.0.0.1"), "{err}");
    assert_clean(&err);
}

#[test]
fn a_stopped_server_is_unavailable_within_seconds() {
    let Some(_) = vault() else { return };
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let key = KmsKey::open(&format!("azurekms://localhost:{port}/{}", fresh("down"))).unwrap();
    let start = Instant::now();
    let err = key.public_key().unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unavailable, "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    assert!(err.to_string().contains(&port.to_string()), "{err}");
    assert_clean(&err);
}

#[test]
fn a_keyring_whose_keys_live_in_azurekms() {
    let Some(v) = vault() else { return };
    let dir = lifecycle::TempDir::new("azurekms");
    let keyring = Keyring::open(lifecycle::config(&dir.0)).unwrap();
    let now = lifecycle::t("2026-01-01T00:00:00Z");
    keyring
        .init(RotationPolicy::default(), &lifecycle::alice(), now)
        .unwrap();
    let uri = format!("azurekms://{v}/{}", fresh("ring"));
    let first = keyring
        .rotate(
            &NewKey::kms(&uri, Algorithm::EcdsaP256),
            &lifecycle::alice(),
            now,
        )
        .unwrap();
    let signed = keyring
        .sign_digest(
            "registry.example/app:1",
            &lifecycle::digest(1),
            "ci",
            &lifecycle::password(),
            &lifecycle::alice(),
            lifecycle::t("2026-01-02T00:00:00Z"),
        )
        .unwrap();
    let bundle = keyring
        .trust_bundle(lifecycle::t("2026-01-02T00:00:00Z"))
        .unwrap();
    let active = &bundle.keys[0];
    assert_eq!(active.fingerprint, first.new_fingerprint);
    let pk = PublicKey::from_pem(active.public_key.as_bytes()).unwrap();
    let sig = cosign_keys::Signature::from_base64(&signed.signature).unwrap();
    pk.verify_digest(&lifecycle::digest_bytes(1), &sig).unwrap();

    // The next rotation is the KMS's native new version of the same key.
    let later = lifecycle::t("2026-03-01T00:00:00Z");
    let second = keyring
        .rotate(
            &NewKey::kms(&uri, Algorithm::EcdsaP256),
            &lifecycle::alice(),
            later,
        )
        .unwrap();
    assert_ne!(second.new_fingerprint, first.new_fingerprint);
    assert_eq!(KmsKey::open(&uri).unwrap().versions().unwrap().len(), 2);
    let signed = keyring
        .sign_digest(
            "registry.example/app:2",
            &lifecycle::digest(2),
            "ci",
            &lifecycle::password(),
            &lifecycle::alice(),
            later,
        )
        .unwrap();
    let bundle = keyring.trust_bundle(later).unwrap();
    let active = bundle
        .keys
        .iter()
        .find(|k| k.fingerprint == second.new_fingerprint)
        .unwrap();
    let pk = PublicKey::from_pem(active.public_key.as_bytes()).unwrap();
    let sig = cosign_keys::Signature::from_base64(&signed.signature).unwrap();
    pk.verify_digest(&lifecycle::digest_bytes(2), &sig).unwrap();
}

// ---- azure-secret:// ----------------------------------------------------------------------

use cosign_keys::store::blocking::Store;
use cosign_keys::store::{DeleteMode, KeyMetadata, KeyPairRecord, PutOptions, VersionState};
use cosign_keys::{PrivateKey, ScryptParams};

fn record(created_by: &str, keep_password: bool) -> (PrivateKey, KeyPairRecord) {
    let key = PrivateKey::generate(Algorithm::EcdsaP256).unwrap();
    let mut metadata = KeyMetadata::new(key.public_key(), created_by);
    metadata.labels.insert("team".into(), "release".into());
    let record = KeyPairRecord {
        private_key: key
            .encrypt_with(&lifecycle::password(), ScryptParams::new(10, 8, 1).unwrap())
            .unwrap(),
        public_key: key.public_key().clone(),
        password: keep_password.then(lifecycle::password),
        metadata,
    };
    (key, record)
}

#[test]
fn secret_put_get_versions_and_soft_delete() {
    let Some(v) = vault() else { return };
    let uri = format!("azure-secret://{v}/{}", fresh("sec"));
    let store = Store::open(&uri).unwrap();
    let (k1, r1) = record("ci", false);
    assert_eq!(store.put(r1, &PutOptions::default()).unwrap(), 1);
    let got = store.get(None).unwrap();
    assert_eq!(got.version, 1);
    assert!(got.password.is_none());
    assert_eq!(
        got.private_key
            .decrypt(&lifecycle::password())
            .unwrap()
            .fingerprint(),
        k1.fingerprint()
    );
    assert_eq!(got.metadata.created_by, "ci");
    assert_eq!(got.metadata.labels["team"], "release");
    let public = store.get_public(None).unwrap();
    assert_eq!(&public.public_key, k1.public_key());

    // No overwrite unless asked; a stale expected version is a conflict.
    let (_, again) = record("ci", false);
    let err = store.put(again, &PutOptions::default()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::AlreadyExists, "{err}");
    let (_, stale) = record("ci", false);
    let err = store
        .put(
            stale,
            &PutOptions {
                overwrite: true,
                expected_version: Some(7),
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict, "{err}");
    assert!(err.to_string().contains("check-and-set"), "{err}");

    let (k2, r2) = record("ci-2", true);
    let opts = PutOptions {
        overwrite: true,
        expected_version: Some(1),
    };
    assert_eq!(store.put(r2, &opts).unwrap(), 2);
    let got = store.get(None).unwrap();
    assert_eq!(got.version, 2);
    assert_eq!(
        got.password.as_ref().unwrap().expose_secret(),
        lifecycle::password().expose_secret()
    );
    assert_eq!(&got.public_key, k2.public_key());
    // Old versions stay readable by number.
    let old = store.get(Some(1)).unwrap();
    assert_eq!(&old.public_key, k1.public_key());
    assert!(old.password.is_none());
    let versions = store.versions().unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [1, 2]
    );
    assert_eq!(versions[0].fingerprint, Some(k1.fingerprint()));
    assert_eq!(versions[1].fingerprint, Some(k2.fingerprint()));

    // Deleting one version disables it.
    store.delete(Some(1), DeleteMode::Soft).unwrap();
    assert_eq!(store.versions().unwrap()[0].state, VersionState::Deleted);
    assert_eq!(
        store.get(Some(1)).err().unwrap().code(),
        ErrorCode::NotFound
    );
    assert_eq!(store.get(None).unwrap().version, 2);

    // Deleting the secret is Azure's soft delete: gone for readers, name still taken.
    store.delete(None, DeleteMode::Soft).unwrap();
    let err = store.get(None).err().unwrap();
    assert_eq!(err.code(), ErrorCode::NotFound, "{err}");
    assert_clean(&err);
    let (_, r3) = record("ci", false);
    let err = store.put(r3, &PutOptions::default()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict, "{err}");
    assert!(err.to_string().contains("soft-deleted"), "{err}");
    assert_clean(&err);
}

#[test]
fn secret_missing_and_manifest_refused() {
    let Some(v) = vault() else { return };
    let uri = format!("azure-secret://{v}/{}", fresh("none"));
    let store = Store::open(&uri).unwrap();
    for err in [
        store.get(None).err().unwrap(),
        store.get_public(Some(1)).err().unwrap(),
        store.delete(None, DeleteMode::Soft).unwrap_err(),
    ] {
        assert_eq!(err.code(), ErrorCode::NotFound, "{err}");
        assert!(err.to_string().contains("ck-none-"), "{err}");
    }
    assert!(store.versions().unwrap().is_empty());
    let err = match Keyring::open(cosign_keys::keyring::KeyringConfig::new(
        &uri,
        std::env::temp_dir().join("ck-az-audit"),
    )) {
        Ok(ring) => ring
            .init(
                RotationPolicy::default(),
                &lifecycle::alice(),
                lifecycle::t("2026-01-01T00:00:00Z"),
            )
            .unwrap_err(),
        Err(e) => e,
    };
    assert_eq!(err.code(), ErrorCode::NotSupported, "{err}");
    assert!(err.to_string().contains("check-and-set"), "{err}");
}

#[test]
fn a_keyring_whose_keys_live_in_azure_secrets() {
    let Some(v) = vault() else { return };
    let dir = lifecycle::TempDir::new("azure-secret");
    let keyring = Keyring::open(lifecycle::config(&dir.0)).unwrap();
    let now = lifecycle::t("2026-01-01T00:00:00Z");
    keyring
        .init(RotationPolicy::default(), &lifecycle::alice(), now)
        .unwrap();
    let uri = format!("azure-secret://{v}/{}", fresh("ringsec"));
    let first = keyring
        .rotate(&lifecycle::new_key(&uri), &lifecycle::alice(), now)
        .unwrap();
    assert_eq!(
        lifecycle::signs_and_verifies(&keyring, None, now),
        first.new_fingerprint
    );
    let later = lifecycle::t("2026-03-01T00:00:00Z");
    let second = keyring
        .rotate(&lifecycle::new_key(&uri), &lifecycle::alice(), later)
        .unwrap();
    assert_ne!(second.new_fingerprint, first.new_fingerprint);
    assert_eq!(
        lifecycle::signs_and_verifies(&keyring, None, later),
        second.new_fingerprint
    );
    assert_eq!(Store::open(&uri).unwrap().versions().unwrap().len(), 2);
}
