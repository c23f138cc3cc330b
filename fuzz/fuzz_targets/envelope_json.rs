//! `EncryptedPrivateKey::from_json` and the JSON round trip.
#![no_main]

use cosign_keys::EncryptedPrivateKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(parsed) = EncryptedPrivateKey::from_json(data) else {
        return;
    };
    let json = parsed.to_json();
    let reparsed = EncryptedPrivateKey::from_json(&json).expect("to_json output must parse again");
    assert_eq!(reparsed.scrypt_params(), parsed.scrypt_params());
    assert_eq!(reparsed.to_json(), json);
    assert_eq!(reparsed, parsed);
});
