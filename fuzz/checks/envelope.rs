//! `EncryptedPrivateKey::from_pem`, a trial decryption under tiny scrypt
//! limits, and the PEM round trip.
//!
//! Shared by the fuzz target `envelope` and `cosign-keys/tests/fuzz_corpus.rs`.

use cosign_keys::{DecryptOptions, EncryptedPrivateKey, Password};

/// Must not panic on any input.
pub(crate) fn check(data: &[u8]) {
    let Ok(parsed) = EncryptedPrivateKey::from_pem(data) else {
        return;
    };

    // Limits far below cosign's, so only toy parameters are ever derived.
    let options = DecryptOptions::default()
        .with_max_memory_bytes(1 << 20)
        .with_max_work(1 << 12);
    let _ = parsed.decrypt_with(&Password::from("x"), &options);

    let pem = parsed.to_pem();
    let reparsed =
        EncryptedPrivateKey::from_pem(pem.as_bytes()).expect("to_pem output must parse again");
    assert_eq!(reparsed.scrypt_params(), parsed.scrypt_params());
    assert_eq!(reparsed.to_json(), parsed.to_json());
    // to_pem always writes the current label.
    assert!(!reparsed.has_legacy_label());
}
