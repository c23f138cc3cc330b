//! `env://VAR`, cosign's convention: one read-only key in an environment
//! variable. The environment is process-wide, so every case runs in this
//! one test, in order (its own test binary: no other test reads the
//! environment meanwhile).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use cosign_keys::store::blocking::Store;
use cosign_keys::store::{DeleteMode, KeyMetadata, KeyPairRecord, PutOptions, VersionState};
use cosign_keys::{Algorithm, ErrorCode, Password, PrivateKey, ScryptParams};

const PASSWORD: &str = "env-store-password";
const VARS: &[&str] = &[
    "CK_TEST_KEY",
    "CK_TEST_KEY_PUB",
    "CK_TEST_PRIVATE_KEY",
    "CK_TEST_PRIVATE_KEY_PUB",
    "CK_TEST_PUBLIC_KEY",
    "COSIGN_PASSWORD",
];

fn clear() {
    for var in VARS {
        std::env::remove_var(var);
    }
}

#[test]
fn env_store_cases() {
    let key = PrivateKey::generate(Algorithm::EcdsaP256).unwrap();
    let sealed = key
        .encrypt_with(
            &Password::from(PASSWORD),
            ScryptParams::new(10, 8, 1).unwrap(),
        )
        .unwrap()
        .to_pem();
    let public = key.public_key().to_pem();
    let fp = key.fingerprint();
    clear();

    // Unset: no versions, reads say which variable.
    let store = Store::open("env://CK_TEST_KEY").unwrap();
    assert!(store.versions().unwrap().is_empty());
    let err = store.get(None).err().unwrap();
    assert_eq!(err.code(), ErrorCode::NotFound);
    assert!(err.to_string().contains("env://CK_TEST_KEY"), "{err}");
    assert!(err.to_string().contains("not set"), "{err}");

    // A public key: get_public works, get says it is the wrong kind.
    std::env::set_var("CK_TEST_KEY", &public);
    let got = store.get_public(None).unwrap();
    assert_eq!((got.version, got.public_key.fingerprint()), (1, fp));
    let versions = store.versions().unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(
        (
            versions[0].version,
            versions[0].fingerprint,
            versions[0].state
        ),
        (1, Some(fp), VersionState::Live)
    );
    assert_eq!(
        store.get(None).err().unwrap().code(),
        ErrorCode::WrongKeyKind
    );
    assert_eq!(
        store.get_public(Some(2)).err().unwrap().code(),
        ErrorCode::NotFound
    );

    // A private key alone: the error names every way to give the public key.
    std::env::set_var("CK_TEST_KEY", &sealed);
    let err = store.get(None).err().unwrap();
    assert_eq!(err.code(), ErrorCode::NotFound);
    let text = err.to_string();
    assert!(
        text.contains("CK_TEST_KEY_PUB") && text.contains("COSIGN_PASSWORD"),
        "{text}"
    );
    assert!(!text.contains("eyJ"), "the key's content leaked: {text}");
    // Listing never decrypts: the fingerprint is unknown here.
    assert_eq!(store.versions().unwrap()[0].fingerprint, None);

    // ...with VAR_PUB: the round trip decrypt -> sign -> verify.
    std::env::set_var("CK_TEST_KEY_PUB", &public);
    let stored = store.get(None).unwrap();
    assert!(stored.password.is_none());
    assert_eq!(stored.public_key.fingerprint(), fp);
    assert_eq!(stored.metadata.fingerprint, fp);
    let unlocked = stored
        .private_key
        .decrypt(&Password::from(PASSWORD))
        .unwrap();
    assert_eq!(unlocked.fingerprint(), fp);
    let sig = unlocked.sign(b"artifact").unwrap();
    store
        .get_public(None)
        .unwrap()
        .public_key
        .verify(b"artifact", &sig)
        .unwrap();
    assert_eq!(store.versions().unwrap()[0].fingerprint, Some(fp));
    std::env::remove_var("CK_TEST_KEY_PUB");

    // ...with COSIGN_PASSWORD: the public key is derived.
    std::env::set_var("COSIGN_PASSWORD", PASSWORD);
    assert_eq!(store.get(None).unwrap().public_key.fingerprint(), fp);
    assert_eq!(store.get_public(None).unwrap().public_key.fingerprint(), fp);
    std::env::set_var("COSIGN_PASSWORD", "wrong");
    assert_eq!(
        store.get_public(None).err().unwrap().code(),
        ErrorCode::DecryptionFailed
    );
    std::env::remove_var("COSIGN_PASSWORD");

    // cosign's pair of names: X_PRIVATE_KEY finds X_PUBLIC_KEY.
    std::env::set_var("CK_TEST_PRIVATE_KEY", &sealed);
    std::env::set_var("CK_TEST_PUBLIC_KEY", &public);
    let paired = Store::open("env://CK_TEST_PRIVATE_KEY").unwrap();
    assert_eq!(paired.get(None).unwrap().public_key.fingerprint(), fp);
    // ...and VAR_PUB comes first.
    let other = PrivateKey::generate(Algorithm::Ed25519).unwrap();
    std::env::set_var("CK_TEST_PRIVATE_KEY_PUB", other.public_key().to_pem());
    assert_eq!(
        paired.get(None).unwrap().public_key.fingerprint(),
        other.fingerprint()
    );

    // Content that is no key is never echoed, not even its PEM label.
    for junk in [
        "hunter2-not-a-key",
        "-----BEGIN TOP SECRET hunter2-----\nAAAA\n-----END TOP SECRET hunter2-----\n",
        "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nhunter2\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n",
        "-----BEGIN PUBLIC KEY-----\naHVudGVyMg==\n-----END PUBLIC KEY-----\n",
    ] {
        std::env::set_var("CK_TEST_KEY", junk);
        for err in [
            store.get(None).err().unwrap(),
            store.get_public(None).err().unwrap(),
        ] {
            let text = err.to_string();
            assert!(
                !text.contains("hunter2") && !text.contains("aHVudGVyMg"),
                "{text}"
            );
            assert!(text.contains("env://CK_TEST_KEY"), "{text}");
        }
    }

    // Read-only: put and delete are refused with the reason.
    std::env::set_var("CK_TEST_KEY", &sealed);
    let record = KeyPairRecord {
        private_key: key
            .encrypt_with(
                &Password::from(PASSWORD),
                ScryptParams::new(10, 8, 1).unwrap(),
            )
            .unwrap(),
        public_key: key.public_key().clone(),
        password: None,
        metadata: KeyMetadata::new(key.public_key(), "t"),
    };
    let err = store.put(record, &PutOptions::default()).err().unwrap();
    assert_eq!(err.code(), ErrorCode::InvalidArgument);
    assert!(err.to_string().contains("read-only"), "{err}");
    let err = store.delete(None, DeleteMode::Destroy).err().unwrap();
    assert_eq!(err.code(), ErrorCode::InvalidArgument);
    assert_eq!(std::env::var("CK_TEST_KEY").unwrap(), sealed);

    // A bad variable name is a URI error.
    assert_eq!(
        Store::open("env://1BAD").err().unwrap().code(),
        ErrorCode::InvalidUri
    );
    clear();
}
