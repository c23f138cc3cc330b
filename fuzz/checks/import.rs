//! `PrivateKey::import` on PEM or DER of any shape, with a password.
//!
//! Shared by the fuzz target `import` and `cosign-keys/tests/fuzz_corpus.rs`.

use cosign_keys::{Password, PrivateKey};

/// Must not panic on any input.
pub(crate) fn check(data: &[u8]) {
    if let Ok(key) = PrivateKey::import(data, Some(&Password::from("x"))) {
        // An imported key is normalized to PKCS#8 and must load from it.
        let der = key.to_pkcs8_der();
        let again = PrivateKey::from_pkcs8_der(der.expose_secret())
            .expect("normalized PKCS#8 must parse again");
        assert_eq!(again.fingerprint(), key.fingerprint());
        assert_eq!(again.algorithm(), key.algorithm());
    }
}
