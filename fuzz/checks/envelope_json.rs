//! `EncryptedPrivateKey::from_json` and the JSON round trip.
//!
//! Shared by the fuzz target `envelope_json` and `cosign-keys/tests/fuzz_corpus.rs`.

use cosign_keys::EncryptedPrivateKey;

/// Must not panic on any input.
pub(crate) fn check(data: &[u8]) {
    let Ok(parsed) = EncryptedPrivateKey::from_json(data) else {
        return;
    };
    let json = parsed.to_json();
    let reparsed = EncryptedPrivateKey::from_json(&json).expect("to_json output must parse again");
    assert_eq!(reparsed.scrypt_params(), parsed.scrypt_params());
    assert_eq!(reparsed.to_json(), json);
    assert_eq!(reparsed, parsed);
}
