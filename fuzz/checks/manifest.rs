//! The keyring manifest: `Manifest::from_json` (parse and validate); a
//! manifest that parses must serialize, parse again to an equal value and
//! serialize to the same bytes, and every recorded key must be found by its
//! id and by its fingerprint.
//!
//! Shared by the fuzz target `manifest` and `cosign-keys/tests/fuzz_corpus.rs`.

use cosign_keys::keyring::Manifest;

/// Must not panic on any input.
pub(crate) fn check(data: &[u8]) {
    let Ok(manifest) = Manifest::from_json(data) else {
        return;
    };
    let json = manifest.to_json();
    let again = Manifest::from_json(&json).expect("to_json output must parse again");
    assert_eq!(again, manifest);
    assert_eq!(again.to_json(), json);
    again.validate().expect("a parsed manifest stays valid");

    for key in &manifest.keys {
        assert_eq!(manifest.key(key.id).expect("recorded id").id, key.id);
        assert_eq!(manifest.resolve(&format!("#{}", key.id)).ok(), Some(key.id));
        assert_eq!(
            manifest.resolve(&key.fingerprint.to_string()).ok(),
            Some(key.id)
        );
        assert_eq!(
            manifest.by_fingerprint(&key.fingerprint).map(|k| k.id),
            Some(key.id)
        );
    }
    if let Some(active) = manifest.active() {
        assert_eq!(active.state, cosign_keys::keyring::KeyState::Active);
    }
    let _ = manifest.find("1");
    let _ = manifest.find("SHA256:nope");
}
