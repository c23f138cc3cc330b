//! Round trips for every algorithm, and the secrecy guarantees of errors.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use cosign_keys::{
    sha256, Algorithm, EncryptedPrivateKey, Error, Password, PrivateKey, PublicKey, ScryptParams,
};

/// Cheap scrypt cost so the suite stays fast; the real cost is benchmarked.
fn cheap() -> ScryptParams {
    ScryptParams::new(10, 8, 1).unwrap()
}

#[test]
fn every_algorithm_round_trips_through_a_cosign_key_file() {
    for &alg in Algorithm::ALL {
        let key = PrivateKey::generate(alg).unwrap();
        assert_eq!(key.algorithm(), alg);
        let pem = key
            .encrypt_with(&Password::from("pw"), cheap())
            .unwrap()
            .to_pem();
        assert!(pem.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));

        let locked = EncryptedPrivateKey::from_pem(pem.as_bytes()).unwrap();
        let unlocked = locked.decrypt(&Password::from("pw")).unwrap();
        assert_eq!(unlocked.fingerprint(), key.fingerprint(), "{alg}");
        assert_eq!(
            unlocked.to_pkcs8_der().expose_secret(),
            key.to_pkcs8_der().expose_secret()
        );

        let public = PublicKey::from_pem(key.public_key().to_pem().as_bytes()).unwrap();
        assert_eq!(public.algorithm(), alg);
        assert_eq!(public.fingerprint(), key.fingerprint());

        let sig = unlocked.sign(b"blob").unwrap();
        public.verify(b"blob", &sig).unwrap();
        assert!(matches!(
            public.verify(b"blob!", &sig),
            Err(Error::SignatureInvalid)
        ));

        if let Some(hash) = alg.hash() {
            let digest = hash.digest(b"blob");
            let by_digest = key.sign_digest(&digest).unwrap();
            public.verify(b"blob", &by_digest).unwrap();
            public.verify_digest(&digest, &sig).unwrap();
            // A digest of another hash's length is an argument error.
            assert!(matches!(
                key.sign_digest(&digest[..20]),
                Err(Error::InvalidArgument { .. })
            ));
        } else {
            assert!(matches!(
                key.sign_digest(&sha256(b"blob")),
                Err(Error::UnsupportedOperation { .. })
            ));
        }
    }
}

#[test]
fn default_encryption_uses_cosign_parameters_and_fresh_randomness() {
    let key = PrivateKey::generate(Algorithm::EcdsaP256).unwrap();
    let a = key.encrypt(&Password::from("pw")).unwrap();
    let b = key.encrypt(&Password::from("pw")).unwrap();
    assert_eq!(a.scrypt_params(), ScryptParams::cosign_default());
    assert_ne!(
        a.to_json(),
        b.to_json(),
        "salt and nonce must differ per encryption"
    );
    let json = String::from_utf8(a.to_json()).unwrap();
    assert!(
        json.starts_with(r#"{"kdf":{"name":"scrypt","params":{"N":65536,"r":8,"p":1},"salt":""#)
    );
    assert!(json.contains(r#""cipher":{"name":"nacl/secretbox","nonce":""#));
}

#[test]
fn empty_password_works_as_in_cosign() {
    let key = PrivateKey::generate(Algorithm::Ed25519).unwrap();
    let locked = key.encrypt_with(&Password::empty(), cheap()).unwrap();
    assert_eq!(
        locked.decrypt(&Password::empty()).unwrap().fingerprint(),
        key.fingerprint()
    );
    assert!(matches!(
        locked.decrypt(&Password::from("x")),
        Err(Error::DecryptionFailed)
    ));
}

#[test]
fn change_password_keeps_the_key_and_refreshes_salt_and_nonce() {
    let key = PrivateKey::generate(Algorithm::EcdsaP256).unwrap();
    let old = key.encrypt_with(&Password::from("old"), cheap()).unwrap();
    let new = old
        .change_password(&Password::from("old"), &Password::from("new"))
        .unwrap();
    assert_ne!(old.to_json(), new.to_json());
    assert_eq!(new.scrypt_params(), old.scrypt_params());
    assert_eq!(
        new.decrypt(&Password::from("new")).unwrap().fingerprint(),
        key.fingerprint()
    );
    assert!(matches!(
        new.decrypt(&Password::from("old")),
        Err(Error::DecryptionFailed)
    ));
    assert!(matches!(
        old.change_password(&Password::from("wrong"), &Password::from("new")),
        Err(Error::DecryptionFailed)
    ));
}

#[test]
fn a_public_key_is_refused_where_a_private_key_is_needed() {
    let key = PrivateKey::generate(Algorithm::EcdsaP256).unwrap();
    let pub_pem = key.public_key().to_pem();
    assert!(matches!(
        EncryptedPrivateKey::from_pem(pub_pem.as_bytes()),
        Err(Error::WrongKeyKind { .. })
    ));
    assert!(matches!(
        PrivateKey::import(pub_pem.as_bytes(), None),
        Err(Error::WrongKeyKind { .. })
    ));
    assert!(matches!(
        PrivateKey::from_pkcs8_der(key.public_key().as_spki_der()),
        Err(Error::MalformedKey { .. })
    ));
    // And a private key where a public one is needed.
    let priv_pem = key.to_pkcs8_pem().unwrap();
    assert!(matches!(
        PublicKey::from_pem(priv_pem.expose_secret()),
        Err(Error::WrongKeyKind { .. })
    ));
}

#[test]
fn errors_never_contain_the_password_or_key_bytes() {
    let password = "hunter2-very-secret";
    let key = PrivateKey::generate(Algorithm::EcdsaP256).unwrap();
    let locked = key
        .encrypt_with(&Password::from(password), cheap())
        .unwrap();
    let pkcs8_pem =
        String::from_utf8(key.to_pkcs8_pem().unwrap().expose_secret().to_vec()).unwrap();
    let body_line = pkcs8_pem.lines().nth(1).unwrap().to_owned();

    let mut errors: Vec<Error> = vec![
        locked.decrypt(&Password::from("wrong")).err().unwrap(),
        EncryptedPrivateKey::from_pem(pkcs8_pem.as_bytes())
            .err()
            .unwrap(),
        PublicKey::from_pem(pkcs8_pem.as_bytes()).err().unwrap(),
    ];
    // A damaged unencrypted key must not echo its bytes back.
    let damaged = pkcs8_pem.replace(&body_line, &body_line[..body_line.len() - 3]);
    errors.push(PrivateKey::import(damaged.as_bytes(), None).err().unwrap());
    for err in &errors {
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(!text.contains(password), "{text}");
            assert!(!text.contains(&body_line[..20]), "{text}");
        }
    }
}

#[test]
fn public_key_debug_shows_only_algorithm_and_fingerprint() {
    let key = PrivateKey::generate(Algorithm::Ed25519).unwrap();
    let dbg = format!("{:?}", key.public_key());
    assert!(
        dbg.contains("Ed25519") && dbg.contains(&key.fingerprint().to_string()),
        "{dbg}"
    );
}
