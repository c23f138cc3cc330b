#[path = "../support/vault.rs"]
mod support;

use cosign_keys::kms::blocking::KmsKey;
use cosign_keys::kms::KmsOptions;
use cosign_keys::vault::VaultConfig;
use cosign_keys::{sha256, Algorithm, Error, ErrorCode, HashAlg};
use support::unique;

fn open(config: VaultConfig, uri: &str) -> KmsKey {
    let mut options = KmsOptions::default();
    options.vault = Some(config);
    KmsKey::open_with(uri, &options).unwrap()
}

fn uri() -> String {
    format!("hashivault://{}", unique("ck-transit"))
}

#[test]
fn create_public_key_sign_verify_every_algorithm() {
    let Some(s) = support::server() else { return };
    for alg in [
        Algorithm::EcdsaP256,
        Algorithm::EcdsaP384,
        Algorithm::EcdsaP521,
        Algorithm::Rsa2048,
        Algorithm::Rsa3072,
        Algorithm::Rsa4096,
    ] {
        let uri = uri();
        let kms = open(s.root(), &uri);
        let created = kms.create(alg).unwrap();
        assert_eq!(created.algorithm(), alg);
        let public = kms.public_key().unwrap();
        assert_eq!(public.fingerprint(), created.fingerprint());

        // A blob, hashed locally with the key's hash, as cosign sign-blob does.
        let sig = kms.sign_blob(b"release artifact").unwrap();
        public.verify(b"release artifact", &sig).unwrap();
        assert!(matches!(
            public.verify(b"other artifact", &sig),
            Err(Error::SignatureInvalid)
        ));
        // A digest directly.
        let hash = alg.hash().unwrap();
        let digest = hash.digest(b"digest input");
        let sig = kms.sign_digest(&digest).unwrap();
        public.verify_digest(&digest, &sig).unwrap();
        // The wrong digest length for this key is refused before any request.
        let wrong = if hash == HashAlg::Sha256 {
            vec![1u8; 48]
        } else {
            vec![1u8; 32]
        };
        assert_eq!(
            kms.sign_digest(&wrong).err().unwrap().code(),
            ErrorCode::InvalidArgument
        );
    }
}

#[test]
fn create_refuses_existing_keys_and_unsupported_algorithms() {
    let Some(s) = support::server() else { return };
    let uri = uri();
    let kms = open(s.root(), &uri);
    let err = kms.create(Algorithm::Ed25519).err().unwrap();
    assert_eq!(err.code(), ErrorCode::UnsupportedAlgorithm, "{err}");
    kms.create(Algorithm::EcdsaP256).unwrap();
    let err = kms.create(Algorithm::Rsa2048).err().unwrap();
    assert_eq!(err.code(), ErrorCode::AlreadyExists, "{err}");
    assert!(err.to_string().contains(&uri), "{err}");
    // Unchanged: still the P-256 key.
    assert_eq!(kms.public_key().unwrap().algorithm(), Algorithm::EcdsaP256);

    // A transit key of a type we cannot sign digests with.
    let name = unique("ck-aes");
    s.bao(
        &[
            "write",
            "-f",
            &format!("transit/keys/{name}"),
            "type=aes256-gcm96",
        ],
        None,
    );
    let aes = open(s.root(), &format!("hashivault://{name}"));
    let err = aes.public_key().err().unwrap();
    assert_eq!(err.code(), ErrorCode::UnsupportedAlgorithm, "{err}");
    assert!(err.to_string().contains("aes256-gcm96"), "{err}");
}

#[test]
fn batch_signing_keeps_order_and_isolates_bad_items() {
    let Some(s) = support::server() else { return };
    let kms = open(s.root(), &uri());
    let public = kms.create(Algorithm::EcdsaP256).unwrap();
    // More than one request's worth (1000 a request), and two bad items.
    let mut digests: Vec<Vec<u8>> = (0..2500u32)
        .map(|i| sha256(&i.to_be_bytes()).to_vec())
        .collect();
    digests[3] = vec![0u8; 31];
    digests[1999] = Vec::new();
    let results = kms.sign_digests(&digests);
    assert_eq!(results.len(), digests.len());
    for (i, (digest, result)) in digests.iter().zip(&results).enumerate() {
        match i {
            3 | 1999 => {
                let err = result.as_ref().err().unwrap();
                assert_eq!(err.code(), ErrorCode::InvalidArgument, "#{i}: {err}");
            }
            _ => {
                let sig = result.as_ref().unwrap();
                public.verify_digest(digest, sig).unwrap();
                // In input order: not valid for the neighbour's digest.
                let other = &digests[if i == 0 { 1 } else { i - 1 }];
                if other.len() == 32 {
                    assert!(public.verify_digest(other, sig).is_err(), "#{i}");
                }
            }
        }
    }
    assert!(kms.sign_digests(&[]).is_empty());
}

#[test]
fn batch_against_a_missing_key_fails_every_item() {
    let Some(s) = support::server() else { return };
    let uri = uri();
    let kms = open(s.root(), &uri);
    let results = kms.sign_digests(&[vec![1u8; 32], vec![2u8; 32]]);
    assert_eq!(results.len(), 2);
    for r in results {
        let err = r.err().unwrap();
        assert_eq!(err.code(), ErrorCode::NotFound, "{err}");
        assert!(err.to_string().contains(&uri), "{err}");
    }
}

#[test]
fn rotate_adds_a_version_and_signs_with_it() {
    let Some(s) = support::server() else { return };
    let kms = open(s.root(), &uri());
    let v1 = kms.create(Algorithm::EcdsaP256).unwrap();
    let digest = sha256(b"before rotation");
    let old_sig = kms.sign_digest(&digest).unwrap();
    v1.verify_digest(&digest, &old_sig).unwrap();

    assert_eq!(kms.rotate().unwrap(), "2");
    let versions = kms.versions().unwrap();
    assert_eq!(
        versions
            .iter()
            .map(|v| v.version.as_str())
            .collect::<Vec<_>>(),
        ["1", "2"]
    );
    assert!(versions.iter().all(|v| v.created_at.is_some()));
    assert_eq!(versions[0].public_key.fingerprint(), v1.fingerprint());
    let v2 = kms.public_key().unwrap();
    assert_eq!(v2.fingerprint(), versions[1].public_key.fingerprint());
    assert_ne!(v1.fingerprint(), v2.fingerprint());

    let new_sig = kms.sign_digest(&digest).unwrap();
    v2.verify_digest(&digest, &new_sig).unwrap();
    assert!(v1.verify_digest(&digest, &new_sig).is_err());
    // Old signatures still verify with the old version's public key.
    versions[0]
        .public_key
        .verify_digest(&digest, &old_sig)
        .unwrap();
    assert_eq!(kms.rotate().unwrap(), "3");
}

#[test]
fn wrong_and_read_only_tokens_are_permission_denied() {
    let Some(s) = support::server() else { return };
    let uri = uri();
    open(s.root(), &uri).create(Algorithm::EcdsaP256).unwrap();

    let wrong = open(s.config("s.wrong-token"), &uri);
    for err in [
        wrong.public_key().err().unwrap(),
        wrong.sign_digest(&[0u8; 32]).err().unwrap(),
    ] {
        assert_eq!(err.code(), ErrorCode::PermissionDenied, "{err}");
        assert!(err.to_string().contains(&uri), "{err}");
        assert!(!err.to_string().contains("wrong-token"), "{err}");
    }
    // Read-only: may read the public key, may not sign, rotate or create.
    let ro = open(s.config(&s.readonly_token), &uri);
    ro.public_key().unwrap();
    assert_eq!(
        ro.sign_digest(&[0u8; 32]).err().unwrap().code(),
        ErrorCode::PermissionDenied
    );
    assert_eq!(
        ro.rotate().err().unwrap().code(),
        ErrorCode::PermissionDenied
    );
    let other = open(
        s.config(&s.readonly_token),
        &format!("hashivault://{}", unique("ro")),
    );
    assert_eq!(
        other.create(Algorithm::EcdsaP256).err().unwrap().code(),
        ErrorCode::PermissionDenied
    );
    assert_eq!(
        open(s.root(), &uri).versions().unwrap().len(),
        1,
        "nothing rotated"
    );
}

#[test]
fn missing_key_is_not_found_naming_it() {
    let Some(s) = support::server() else { return };
    let uri = uri();
    let kms = open(s.root(), &uri);
    for err in [
        kms.public_key().err().unwrap(),
        kms.sign_digest(&[0u8; 32]).err().unwrap(),
        kms.sign_blob(b"x").err().unwrap(),
        kms.versions().err().unwrap(),
        kms.rotate().err().unwrap(),
    ] {
        assert_eq!(err.code(), ErrorCode::NotFound, "{err}");
        assert!(err.to_string().contains(&uri), "{err}");
    }
}

#[test]
fn approle_signs() {
    let Some(s) = support::server() else { return };
    let kms = open(s.approle(), &uri());
    let public = kms.create(Algorithm::EcdsaP256).unwrap();
    let sig = kms.sign_blob(b"approle").unwrap();
    public.verify(b"approle", &sig).unwrap();
}

#[test]
fn transit_mount_from_transit_secret_engine_path() {
    let Some(s) = support::server() else { return };
    let mount = unique("ck-transit-mount");
    s.bao(
        &["secrets", "enable", &format!("-path={mount}"), "transit"],
        None,
    );
    let vars = [
        ("VAULT_ADDR", s.addr.clone()),
        ("VAULT_TOKEN", s.root_token.clone()),
        ("TRANSIT_SECRET_ENGINE_PATH", mount.clone()),
    ];
    let config =
        VaultConfig::from_lookup(|k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone()))
            .unwrap();
    let uri = uri();
    let kms = open(config, &uri);
    let public = kms.create(Algorithm::Rsa2048).unwrap();
    public.verify(b"m", &kms.sign_blob(b"m").unwrap()).unwrap();
    // Not at the default mount.
    let err = open(s.root(), &uri).public_key().err().unwrap();
    assert_eq!(err.code(), ErrorCode::NotFound, "{err}");
    // And the message names the mount it looked in.
    assert!(err.to_string().contains("transit/"), "{err}");
    s.bao(&["secrets", "disable", &mount], None);
}
