//! `PrivateKey::import` on PEM or DER of any shape, with a password.
#![no_main]

use cosign_keys::{Password, PrivateKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(key) = PrivateKey::import(data, Some(&Password::from("x"))) {
        // An imported key is normalized to PKCS#8 and must load from it.
        let der = key.to_pkcs8_der();
        let again = PrivateKey::from_pkcs8_der(der.expose_secret())
            .expect("normalized PKCS#8 must parse again");
        assert_eq!(again.fingerprint(), key.fingerprint());
        assert_eq!(again.algorithm(), key.algorithm());
    }
});
