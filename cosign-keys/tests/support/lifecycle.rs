//! Helpers shared by the lifecycle tests (included with `#[path]`).

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};

use cosign_keys::keyring::blocking::Keyring;
use cosign_keys::keyring::{KeyringConfig, NewKey};
use cosign_keys::{Actor, Algorithm, Password, ScryptParams, Signature, Timestamp};

/// The password of every generated key in these tests.
pub const KEY_PASSWORD: &str = "correct horse battery staple";

/// A fresh directory (its path, and the `tempfile` guard that removes it).
pub struct TempDir(pub PathBuf, tempfile::TempDir);

impl TempDir {
    pub fn new(name: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix(&format!("ck-life-{name}-"))
            .tempdir()
            .unwrap();
        Self(dir.path().to_path_buf(), dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

pub fn config(dir: &Path) -> KeyringConfig {
    KeyringConfig::new(
        dir.join("keyring.json").to_str().unwrap(),
        dir.join("audit.jsonl"),
    )
}

pub fn password() -> Password {
    Password::from(KEY_PASSWORD)
}

/// A key generated into `store` with a cheap scrypt cost (tests only).
pub fn new_key(store: &str) -> NewKey {
    NewKey::store(store, Algorithm::EcdsaP256, password())
        .with_scrypt_params(ScryptParams::new(12, 8, 1).unwrap())
}

pub fn alice() -> Actor {
    Actor::new("alice@example.com", "runbook rehearsal")
}

pub fn t(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

pub fn digest(n: u8) -> String {
    format!("sha256:{}", format!("{n:02x}").repeat(32))
}

pub fn digest_bytes(n: u8) -> Vec<u8> {
    vec![n; 32]
}

/// Unlocks `key` (None: the active key), signs, and verifies with the
/// keyring's recorded public key; returns the fingerprint that signed.
pub fn signs_and_verifies(keyring: &Keyring, key: Option<&str>, now: Timestamp) -> String {
    let (private, record) = keyring.unlock(key, &password(), &alice(), now).unwrap();
    let sig: Signature = private.sign(b"an artifact").unwrap();
    record
        .public_key()
        .unwrap()
        .verify(b"an artifact", &sig)
        .unwrap();
    record.fingerprint.to_string()
}
