//! `PublicKey::from_pem` and `PublicKey::from_spki_der`, each followed by a
//! PEM round trip that must keep the fingerprint.
//!
//! Shared by the fuzz target `public_key` and `cosign-keys/tests/fuzz_corpus.rs`.

use cosign_keys::PublicKey;

fn round_trip(key: &PublicKey) {
    let pem = key.to_pem();
    let again = PublicKey::from_pem(pem.as_bytes()).expect("to_pem output must parse again");
    assert_eq!(again.fingerprint(), key.fingerprint());
    assert_eq!(again.algorithm(), key.algorithm());
    assert_eq!(again.as_spki_der(), key.as_spki_der());
    // The stored SPKI is canonical: parsing it as DER gives the same key.
    let from_der =
        PublicKey::from_spki_der(key.as_spki_der()).expect("canonical SPKI must parse again");
    assert_eq!(from_der.fingerprint(), key.fingerprint());
}

/// Must not panic on any input.
pub(crate) fn check(data: &[u8]) {
    if let Ok(key) = PublicKey::from_pem(data) {
        round_trip(&key);
    }
    if let Ok(key) = PublicKey::from_spki_der(data) {
        round_trip(&key);
    }
}
