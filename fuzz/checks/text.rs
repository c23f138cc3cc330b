//! The text parsers: fingerprints, base64 signatures, algorithm names.
//!
//! Shared by the fuzz target `text` and `cosign-keys/tests/fuzz_corpus.rs`.

use std::str::FromStr;

use cosign_keys::{Algorithm, Fingerprint, Signature};

/// Must not panic on any input.
pub(crate) fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };

    if let Ok(fp) = Fingerprint::from_str(text) {
        let shown = fp.to_string();
        assert_eq!(
            Fingerprint::from_str(&shown).expect("Display must parse"),
            fp
        );
        assert_eq!(
            Fingerprint::from_str(&fp.to_hex()).expect("to_hex must parse"),
            fp
        );
    }

    if let Ok(sig) = Signature::from_base64(text) {
        let b64 = sig.to_base64();
        assert_eq!(
            Signature::from_base64(&b64).expect("to_base64 must parse"),
            sig
        );
    }

    if let Ok(alg) = Algorithm::from_str(text) {
        assert_eq!(alg.to_string(), text);
        assert_eq!(
            Algorithm::from_str(alg.as_str()).expect("as_str must parse"),
            alg
        );
    }
}
