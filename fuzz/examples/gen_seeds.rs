//! Writes the library-generated part of the seed corpora (see gen-seeds.sh):
//! keys of every algorithm as PKCS#8 PEM/DER, public keys as PEM/DER, and
//! Cosign envelopes under password `x` with toy scrypt parameters, so the
//! fuzzers reach the decryption and PKCS#8 code behind the KDF limits.
//!
//! It also runs a real keyring (file store, audit log, backups) in a
//! scratch directory and keeps the files it writes at each step: manifests,
//! audit logs (and a torn and a tampered copy), store indexes, backups
//! (passphrase `x`, age work factor 2), their decrypted archives and share
//! sets.
//!
//! Usage: cargo run --example gen_seeds -- <seeds dir>

use std::fs;
use std::path::Path;

use cosign_keys::backup::{blocking as backup, BackupOptions, BackupSecret, RecoveryOptions};
use cosign_keys::keyring::{blocking::Keyring, Compromise, KeyringConfig, NewKey, RotationPolicy};
use cosign_keys::{fuzzing, Actor, Algorithm, Password, PrivateKey, ScryptParams, Timestamp};

fn write(dir: &Path, target: &str, name: &str, bytes: &[u8]) {
    let d = dir.join(target);
    fs::create_dir_all(&d).expect("create seed dir");
    fs::write(d.join(name), bytes).expect("write seed");
}

/// Prefixes `bytes` with the `backup` target's mode byte.
fn moded(mode: u8, bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![mode];
    out.extend_from_slice(bytes);
    out
}

/// Runs a keyring through its life and keeps what it writes.
fn keyring_seeds(dir: &Path) {
    let scratch = std::env::temp_dir().join(format!("ck-gen-seeds-{}", std::process::id()));
    let _ = fs::remove_dir_all(&scratch);
    fs::create_dir_all(&scratch).expect("scratch dir");
    let manifest = scratch.join("keyring.json");
    let audit = scratch.join("audit.jsonl");
    let store_dir = scratch.join("keys");
    let index = store_dir.join("cosign.meta.json");
    let keyring = Keyring::open(KeyringConfig::new(manifest.to_str().expect("utf-8"), &audit))
        .expect("open keyring");
    let actor = Actor::new("alice", "seed corpus");
    let t0 = Timestamp::from_unix_seconds(1_750_000_000);
    let day = |n: u64| Timestamp::from_unix_seconds(1_750_000_000 + n * 86_400);
    let toy = ScryptParams::new(1, 1, 1).expect("toy params");
    let new_key = |alg| {
        NewKey::store(format!("file://{}", store_dir.display()), alg, Password::from("pw"))
            .with_scrypt_params(toy)
    };
    let keep = |step: &str| {
        // The manifest's JSON, as the keyring saves it (the file wraps it
        // with its revision; the `manifest` target parses the JSON itself).
        if let Ok(Some((m, _))) = keyring.manifest() {
            write(dir, "manifest", &format!("{step}.json"), &m.to_json());
        }
        if let Ok(bytes) = fs::read(&audit) {
            write(dir, "audit_log", &format!("{step}.jsonl"), &bytes);
        }
        if let Ok(bytes) = fs::read(&index) {
            write(dir, "store_index", &format!("{step}.meta.json"), &bytes);
        }
    };

    keyring.init(RotationPolicy::quarterly(), &actor, t0).expect("init");
    keep("1-init");
    keyring.rotate(&new_key(Algorithm::EcdsaP256), &actor, day(1)).expect("rotate");
    keep("2-rotated");
    keyring.rotate(&new_key(Algorithm::Ed25519), &actor, day(100)).expect("rotate");
    keep("3-rotated-twice");
    let compromise = Compromise {
        reason: "laptop stolen".into(),
        incident: "INC-7".into(),
    };
    keyring.revoke("1", &compromise, &actor, day(101)).expect("revoke");
    keep("4-revoked");
    keyring.destroy("1", &actor, day(102)).expect("destroy");
    keep("5-destroyed");

    // Backups: one under passphrase `x`, one split into shares.
    let mut options = BackupOptions::default();
    options.work_factor = Some(2);
    let out = scratch.join("backup.age");
    let secret = BackupSecret::Passphrase(Password::from("x"));
    backup::create(&keyring, &out, &secret, &options, &actor, day(103)).expect("backup");
    let bytes = fs::read(&out).expect("read backup");
    write(dir, "backup", "passphrase-x.age", &moded(0, &bytes));
    let mut limits = RecoveryOptions::default();
    limits.max_work_factor = Some(4);
    let plaintext = fuzzing::backup_decrypt(&bytes, "x", &limits).expect("decrypt backup");
    write(dir, "backup", "archive.json", &moded(1, &plaintext));

    options.overwrite = true;
    let split = BackupSecret::Shares {
        threshold: 2,
        shares: 3,
    };
    let (_, shares) =
        backup::create(&keyring, &out, &split, &options, &actor, day(104)).expect("backup");
    let shares = shares.expect("shares");
    let lines = shares.expose_shares();
    write(dir, "backup", "shares-all.txt", &moded(2, lines.join("\n").as_bytes()));
    write(dir, "backup", "shares-two.txt", &moded(2, lines[1..].join("\n").as_bytes()));
    write(dir, "backup", "shares-one.txt", &moded(2, lines[0].as_bytes()));
    write(dir, "backup", "shares.age", &moded(0, &fs::read(&out).expect("read backup")));
    keep("6-backed-up");

    // A torn last record, and a tampered one.
    let log = fs::read(&audit).expect("read audit log");
    let cut = log.len() - 20;
    write(dir, "audit_log", "torn.jsonl", &log[..cut]);
    let tampered = String::from_utf8(log).expect("utf-8").replacen("alice", "mallory", 1);
    write(dir, "audit_log", "tampered.jsonl", tampered.as_bytes());
    let _ = fs::remove_dir_all(&scratch);
}

fn main() {
    let dir = std::env::args().nth(1).expect("usage: gen_seeds <seeds dir>");
    let dir = Path::new(&dir);
    let password = Password::from("x");
    // N = 2, r = 1, p = 1: inside the envelope target's tiny limits.
    let toy = ScryptParams::new(1, 1, 1).expect("toy params");
    for alg in [Algorithm::EcdsaP256, Algorithm::Ed25519, Algorithm::Rsa2048] {
        let key = PrivateKey::generate(alg).expect("generate");
        let name = alg.as_str();

        let pkcs8_pem = key.to_pkcs8_pem().expect("pkcs8 pem");
        write(dir, "import", &format!("{name}.pkcs8.pem"), pkcs8_pem.expose_secret());
        write(dir, "import", &format!("{name}.pkcs8.der"), key.to_pkcs8_der().expose_secret());

        let public = key.public_key();
        write(dir, "public_key", &format!("{name}.pub.pem"), public.to_pem().as_bytes());
        write(dir, "public_key", &format!("{name}.pub.der"), public.as_spki_der());

        let locked = key.encrypt_with(&password, toy).expect("encrypt");
        let pem = locked.to_pem();
        write(dir, "envelope", &format!("{name}.toy.key"), pem.as_bytes());
        write(dir, "import", &format!("{name}.toy.key"), pem.as_bytes());
        write(dir, "envelope_json", &format!("{name}.toy.json"), &locked.to_json());
        let legacy = pem.replace("SIGSTORE", "COSIGN");
        write(dir, "envelope", &format!("{name}.toy.legacy.key"), legacy.as_bytes());

        let sig = key.sign(b"blob").expect("sign");
        write(dir, "text", &format!("{name}.sig"), sig.to_base64().as_bytes());
        write(dir, "text", &format!("{name}.fp"), key.fingerprint().to_string().as_bytes());
        write(dir, "text", &format!("{name}.fp.hex"), key.fingerprint().to_hex().as_bytes());
        write(dir, "text", &format!("{name}.alg"), name.as_bytes());
    }
    keyring_seeds(dir);
}
